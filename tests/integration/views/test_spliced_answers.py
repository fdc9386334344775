"""provider-overlap's pages and priority-areas' unfiltered answers served as bytes spliced from kept
rows (no decode, no re-encode) are byte for byte the JSON the decoded path encodes, and that path
equals the fold of the log; the dashboard's first flagged programmes read from kept spans are the
ones the former SQL over every programme row picks. On a generated history, the demo and random
histories, live and after a rebuild, for every reader, filter, variant and page, on both stores."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.responses import JSONResponse

from api.http.auth import Principal
from api.root.services import Services
from bench.generate import generate
from projections import kept
from projections.db import Tx
from projections.kept.flagged import flag_days, spans
from projections.query import DurableRows, FoldedRows, Scope
from projections.views import priority_areas, programme_monitoring, provider_overlap
from tests.support.histories import TODAY
from tests.support.kept_properties import over_histories, play_in_small_batches

READERS = (
    Principal("coordinator", "coordinator"),
    Principal("provider", "provider"),
    Principal("anonymous", "anonymous"),
    Principal("state", "state", state="KEN"),
)
DAYS = (TODAY, date(2020, 1, 1), date(2026, 3, 1), date(2031, 1, 1), date.today())
POSITION = 4242


def encoded(answer: dict[str, Any]) -> bytes:
    """What the route answered before: the decoded answer through JSONResponse."""
    return bytes(JSONResponse(answer).body)


def old_overlap_pages(rows: DurableRows, scope: Scope, limit: int, **filters: Any) -> list[bytes]:
    """Every page of provider-overlap the former way: cells decoded, answer encoded by JSONResponse."""
    pages, after = [], None
    while True:
        items, counted, more = rows.cell_page(scope, after, limit, **filters)
        answer = provider_overlap.answer(items, counted, "USD")
        answer["next_cursor"] = provider_overlap.cell_key(items[-1]) if more else None
        answer["position"] = POSITION
        pages.append(encoded(answer))
        if not more:
            return pages
        after = provider_overlap.cell_key(items[-1])


def new_overlap_pages(rows: DurableRows, scope: Scope, limit: int, **filters: Any) -> list[bytes]:
    pages, after = [], None
    while True:
        docs, last, counted, more = rows.cell_page_json(scope, after, limit, **filters)
        pages.append(provider_overlap.encoded_answer(docs, counted, "USD", last if more else None, POSITION))
        if not more:
            return pages
        after = last


def folded_overlap(fold: FoldedRows, scope: Scope, **filters: Any) -> bytes:
    items, counted, _ = fold.cell_page(scope, None, 10**6, **filters)
    return encoded({**provider_overlap.answer(items, counted, "USD"), "next_cursor": None, "position": POSITION})


def old_priorities(rows: Any, by: str, scope: Scope) -> bytes:
    answer = priority_areas.answer(rows.grouped(by, scope)[0], "USD", by)
    return encoded({**answer, "position": POSITION})


def old_flagged_first(tx: Tx, today: date, limit: int) -> list[dict[str, Any]]:
    """The former read, kept as the oracle: flags judged in SQL over every programme row."""
    stalled, today_iso = programme_monitoring.stalled_before(today), today.isoformat()
    flags = (
        "(over_disbursed + net_negative"
        " + CASE WHEN quiet_since < ? THEN 1 ELSE 0 END"
        " + CASE WHEN end_date < ? AND closed = 0 THEN 1 ELSE 0 END)"
    )
    rows = tx.execute(
        "SELECT p.doc FROM view_programmes AS p JOIN ("
        f"SELECT programme_id, sort_key, n FROM (SELECT programme_id, sort_key, {flags} AS n FROM view_programmes)"
        " AS judged WHERE n > 0 ORDER BY n DESC, sort_key LIMIT ?) AS top ON top.programme_id = p.programme_id"
        " ORDER BY top.n DESC, top.sort_key",
        (stalled, today_iso, limit),
    ).fetchall()
    return [json.loads(r["doc"]) for r in rows]


def edges(tx: Tx) -> list[date]:
    """The days a programme's flag count steps up on (and the days after): where an off-by-one would show."""
    found: set[date] = set()
    for r in tx.execute("SELECT quiet_since, end_date FROM view_programmes").fetchall():
        if r["quiet_since"]:
            found.add(date.fromisoformat(r["quiet_since"]) + timedelta(days=programme_monitoring.STALL_DAYS))
        if r["end_date"]:
            found.add(date.fromisoformat(r["end_date"][:10]))
    days = sorted(found)[:: max(1, len(found) // 12)]
    return [d + timedelta(days=k) for d in days for k in (0, 1)]


def assert_spliced_equals_decoded(svc: Services, limits: tuple[int, ...] = (1, 3, 100)) -> int:
    """Every check; answers how many cells the coordinator's overlap has (that something was compared)."""
    rows: DurableRows = svc.rows()
    fold = FoldedRows.of(svc.ledger, svc.runner.head(), svc.currency)
    needs = rows.needs(Scope(), status="open")
    states = sorted({r["state"] for r in needs})[:2]
    ta_types = sorted({t for r in needs for t in r["ta_types_v2"]})[:1]
    filter_sets: list[dict[str, Any]] = [
        {},
        *({"state": s} for s in states),
        *({"ta_type": t} for t in ta_types),
        {"chapter": "III"},
        {"article": 9},
    ]
    for who in READERS:
        scope = who.scope()
        for filters in filter_sets:
            for limit in limits:
                new = new_overlap_pages(rows, scope, limit, **filters)
                assert new == old_overlap_pages(rows, scope, limit, **filters), (who.role, filters, limit)
            whole = json.loads(new_overlap_pages(rows, scope, 10**6, **filters)[0])
            assert whole == json.loads(folded_overlap(fold, scope, **filters)), (who.role, filters)
        for by in priority_areas.BY:
            items = rows.ranked_areas(by, scope)
            assert (items is None) == bool(scope.states)  # a state key's scope is not kept apart
            folded = old_priorities(fold, by, scope)
            assert old_priorities(rows, by, scope) == folded, (who.role, by)
            if items is not None:
                assert priority_areas.encoded_answer(items, "USD", by, POSITION) == folded, (who.role, by)
            assert rows.ranked_areas(by, scope, state="KEN") is None  # filtered: the tallied path
    with svc.db.transaction(commit=False) as tx:
        for today in (*DAYS, *edges(tx)):
            for limit in (1, 8, 50):
                assert kept.flagged_first(tx, today, limit) == old_flagged_first(tx, today, limit), (today, limit)
    return len(json.loads(new_overlap_pages(rows, Scope(), 10**6)[0])["items"])


def test_a_generated_history_answers_the_same_bytes(services: Services) -> None:
    # Given a generated history (bench/generate.py: names beyond ASCII, many cells, pages of cells)
    generate(services.ledger, 6000)
    services.runner.catch_up()
    # Then every page and answer spliced from kept rows is the decoded one, byte for byte, and the fold's
    assert assert_spliced_equals_decoded(services, limits=(7, 100)) > 7
    body = new_overlap_pages(services.rows(), Scope(), 10**6)[0]
    assert "Côte d'Ivoire".encode() in body  # a name beyond ASCII, served unescaped as JSONResponse encodes it
    # And so after a rebuild from position 0
    services.runner.rebuild(services.views)
    assert_spliced_equals_decoded(services, limits=(100,))


def test_the_demo_answers_the_same_bytes_over_http(demo: Services) -> None:
    assert assert_spliced_equals_decoded(demo) > 0
    # And the routes answer those bytes
    from fastapi.testclient import TestClient

    from api.http.app import create_app

    with TestClient(create_app(services=demo, run_projections=False)) as client:
        position = demo.runner.position()
        got = client.get("/v1/views/provider-overlap", params={"limit": 2})
        assert got.headers["content-type"] == "application/json"
        docs, last, counted, more = demo.rows().cell_page_json(Scope(published_only=True), None, 2)
        cursor = json.loads(got.content)["next_cursor"]
        assert more and cursor is not None
        assert got.content == provider_overlap.encoded_answer(docs, counted, "USD", cursor, position)
        got = client.get("/v1/views/provider-overlap", params={"limit": 2, "cursor": cursor})
        assert got.status_code == 200 and json.loads(got.content)["items"]
        for by in priority_areas.BY:
            got = client.get("/v1/views/priority-areas", params={"group_by": by})
            assert got.content == old_priorities(demo.rows(), by, Scope(published_only=True)).replace(
                f'"position":{POSITION}'.encode(), f'"position":{position}'.encode()
            )


@over_histories(15)
def test_random_histories_answer_the_same_bytes_live_and_rebuilt(services: Services, steps: Any) -> None:
    # Given a random history, applied by the runner a few events a batch
    play_in_small_batches(services, steps)
    # Then the spliced answers are the decoded ones, and the kept flagged spans pick what the SQL picked
    assert_spliced_equals_decoded(services, limits=(1, 2, 100))
    # And so after a rebuild from position 0
    services.runner.rebuild(services.views)
    assert_spliced_equals_decoded(services, limits=(2,))


@pytest.mark.parametrize(
    ("over", "negative", "quiet", "end", "closed", "expected"),
    [
        (False, False, None, None, False, []),
        (True, True, None, None, False, [(2, "", None)]),  # two flags always: never one alone
        (
            True,
            False,
            "2024-01-01",
            "2024-01-01",
            False,
            [(1, "", "2024-01-01"), (2, "2024-01-01", "2024-06-29"), (3, "2024-06-29", None)],
        ),
        (False, False, "2024-07-01", "2024-12-28", False, [(2, "2024-12-28", None)]),  # both on one day
        (False, False, None, "2024-12-28", True, []),  # closed: never overdue
    ],
)
def test_a_programmes_flag_spans(
    over: bool, negative: bool, quiet: str | None, end: str | None, closed: bool, expected: Any
) -> None:
    assert spans(flag_days(over, negative, quiet, end, closed)) == expected
