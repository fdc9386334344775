"""programme-monitoring's pages served from kept items (`kept.monitored`: each item encoded but for the two fields
judged on the day, spliced into the answer's bytes) are byte for byte the answer the decoded rows encode to, and that
equals the fold's; its counts per flag, summed from per-day totals kept by day, month and year (`kept.totals`), equal
the counts over every programme row, and read a bounded number of rows however many days hold a count. On a generated
history and random histories, live (moved by small batches) and rebuilt, on both stores."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi.responses import JSONResponse

from api.root.services import Services
from bench.generate import generate
from projections import kept, store
from projections.kept.totals import PER_DAY
from projections.query import DurableRows, FoldedRows
from projections.views import programme_monitoring
from tests.support.histories import TODAY
from tests.support.kept_properties import over_histories, play_in_small_batches

POSITION = 4242
DAYS = (TODAY, date(2020, 1, 1), date(2024, 12, 31), date(2026, 3, 1), date(2031, 1, 1), date.today())


def decoded_pages(rows: Any, today: date, flag: str | None, limit: int, state: str | None) -> list[bytes]:
    """Every page the former way: rows decoded, the answer built and encoded by JSONResponse."""
    pages, after = [], None
    while True:
        page, counted, more = rows.programme_page(today, flag, after, limit, state)
        answer = programme_monitoring.answer(page, counted, "USD", today)
        answer["next_cursor"] = page[-1]["programme_id"] if more else None
        answer["position"] = POSITION
        pages.append(bytes(JSONResponse(answer).body))
        if not more:
            return pages
        after = programme_monitoring.sort_key(page[-1])


def kept_pages(rows: DurableRows, today: date, flag: str | None, limit: int, state: str | None) -> list[bytes]:
    pages, after = [], None
    while True:
        items, last, counted, more = rows.programme_page_json(today, flag, after, limit, state)
        pages.append(
            programme_monitoring.encoded_answer(items, counted, "USD", today, last if more else None, POSITION)
        )
        if not more:
            return pages
        after = rows.programme_key(str(last))


def edges(rows: DurableRows) -> list[date]:
    """The days a flag comes on, and the days around them: where an off-by-one in a kept sum would show."""
    found: set[date] = set()
    for p in rows.programmes():
        since = programme_monitoring.quiet_since(p)
        if since:
            found.add(date.fromisoformat(since) + timedelta(days=programme_monitoring.STALL_DAYS))
        if p["end"]:
            found.add(date.fromisoformat(p["end"]))
    days = sorted(found)[:: max(1, len(found) // 8)]
    return [d + timedelta(days=k) for d in days for k in (-1, 0, 1)]


def assert_kept_equals_decoded(svc: Services, limits: tuple[int, ...]) -> int:
    """Every check; answers how many programmes there are (that something was compared)."""
    rows: DurableRows = svc.rows()
    fold = FoldedRows.of(svc.ledger, svc.runner.head(), svc.currency)
    programmes = rows.programmes()
    states = [None, *sorted({s for p in programmes for s in p["states"]})[:2]]
    for today in (*DAYS, *edges(rows)):
        with svc.db.transaction(commit=False) as tx:
            assert kept.programme_counts(tx, today) == store.programme_counts(tx, today), today
        for state in states:
            for flag in (None, *programme_monitoring.FLAGS):
                for limit in limits:
                    new = kept_pages(rows, today, flag, limit, state)
                    assert new == decoded_pages(rows, today, flag, limit, state), (today, state, flag, limit)
                whole = kept_pages(rows, today, flag, 10**6, state)
                assert whole == decoded_pages(fold, today, flag, 10**6, state), (today, state, flag)
    return len(programmes)


def test_a_generated_history_serves_the_decoded_bytes(services: Services) -> None:
    # Given a generated history (bench/generate.py: programmes over years of days, flags of every kind)
    generate(services.ledger, 4000)
    services.runner.catch_up()
    # Then every page of kept items is the decoded answer, byte for byte, and the fold's; the counts are counted ones
    assert assert_kept_equals_decoded(services, limits=(9, 100)) > 9
    # And so after a rebuild from position 0
    services.runner.rebuild(services.views)
    assert_kept_equals_decoded(services, limits=(100,))


def assert_rollups_add_up(svc: Services) -> None:
    """Each per-day count's month and year totals are the sums of its days' (none kept without a day)."""
    with svc.db.transaction(commit=False) as tx:
        kept_rows = {r["name"]: int(r["n"]) for r in tx.execute("SELECT name, n FROM view_totals").fetchall()}
    for prefix in PER_DAY:
        summed: dict[str, int] = {}
        for name, n in kept_rows.items():
            day = name.removeprefix(f"{prefix}:")
            if name.startswith(f"{prefix}:") and day:
                for rollup in (f"{prefix}@m:{day[:7]}", f"{prefix}@y:{day[:4]}"):
                    summed[rollup] = summed.get(rollup, 0) + n
        rollups = {k: n for k, n in kept_rows.items() if k.startswith(f"{prefix}@")}
        assert rollups == {k: n for k, n in summed.items() if n}, prefix


def test_per_day_counts_are_kept_by_month_and_year_too(services: Services) -> None:
    # Given a generated history whose programmes fall quiet, end and raise a first flag on over a hundred days
    generate(services.ledger, 4000)
    services.runner.catch_up()
    with services.db.transaction(commit=False) as tx:
        assert tx.scalar("SELECT COUNT(*) FROM view_totals WHERE name >= 'quiet:' AND name < 'quiet;'") > 100
    # Then each day's count is in its month's and year's total too, so that the counts of a day read at most a row
    # per year, per month of its year and per day of its month (kept.totals.days_before), not a row per day
    assert_rollups_add_up(services)
    with services.db.transaction(commit=False) as tx:
        assert tx.scalar("SELECT COUNT(*) FROM view_totals WHERE name >= 'quiet@y:' AND name < 'quiet@z'") < 40


@over_histories(10)
def test_random_histories_serve_the_decoded_bytes_live_and_rebuilt(services: Services, steps: Any) -> None:
    # Given a random history, applied by the runner a few events a batch (kept items rewritten by many batches)
    play_in_small_batches(services, steps)
    # Then every kept page is the decoded one, and the fold's
    assert_kept_equals_decoded(services, limits=(1, 2, 100))
    assert_rollups_add_up(services)
    # And so after a rebuild from position 0
    services.runner.rebuild(services.views)
    assert_kept_equals_decoded(services, limits=(2,))
