"""Corrections in every view, both stores: net amounts exact to the cent per programme and currency, the need's
allocation, gap and grouping views net too, programme-monitoring shows corrections and flags a net below zero, an
unconfirmed correction reported in another funder's name counts nowhere, and the durable views equal the fold, after
a rebuild and as of a past position. Amounts worked out by hand:

  P  funder F (and G), KEN, implementation, linked to need A (KEN art 9, estimated USD 100,000, share 1)
     commitment USD 50,000 - decrease USD 10,000                    = committed USD 40,000.00
     disbursement USD 36,917.60 - refund USD 532.29                 = disbursed USD 36,385.31
     G's decrease of USD 7,000 reported by F, not confirmed          = counted nowhere (unconfirmed -7,000.00)
     so A: allocated 40,000.00, disbursed 36,385.31, gap 60,000.00
  N  funder G, KEN, implementation: commitment EUR 1,000 - decrease EUR 1,500 (no EUR rate) = net EUR -500.00
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from api.root.services import Services
from domain import context
from domain.needs import source
from projections.query import FoldedRows
from projections.views import funding_gaps, irg_report, priority_areas, programme_monitoring, provider_overlap
from tests.integration.views.test_properties import durable, folded

D = date(2024, 3, 1)
TODAY = date(2024, 4, 1)  # 91 days into both programmes: neither is stalled


def world(services: Services) -> dict[str, Any]:
    ledger = services.ledger
    with context.recording(actor="test"):
        f = ledger.register_organisation("XM-F", "Funder F", "10").id
        g = ledger.register_organisation("XM-G", "Funder G", "10").id
        need = ledger.identify_need(
            state="KEN",
            article=9,
            ta_types=["capacity-building"],
            description="procurement",
            horizon="current",
            priority="high",
            source=source("other", "x", on=D),
        ).id
        ledger.change_need(need, lambda n: n.estimate("100000", "USD", D))

        def programme(title: str, funders: list[Any]) -> Any:
            return ledger.register_programme(
                title=title,
                description="",
                reporting_org=funders[0],
                funders=funders,
                implementers=[],
                states=["KEN"],
                start=date(2024, 1, 1),
                end=date(2026, 12, 31),
                status=2,
            ).id

        p, n = programme("P", [f, g]), programme("N", [g])
        ledger.link_need(p, need)
        ledger.change_programme(p, lambda q: q.record_commitment("c-1", f, "50000", "USD", D))
        before = ledger.change_programme(p, lambda q: q.record_disbursement("d-1", "36917.60", "USD", D, f)).position
        ledger.change_programme(p, lambda q: q.correct_disbursement("k-1", "532.29", "USD", D, "refund", f, "TX-9"))
        ledger.change_programme(p, lambda q: q.decrease_commitment("k-2", f, "10000", "USD", D, "reduced"))
        ledger.change_programme(p, lambda q: q.decrease_commitment("k-3", g, "7000", "USD", D, "theirs", None, f))
        ledger.change_programme(n, lambda q: q.record_commitment("c-1", g, "1000", "EUR", D))
        ledger.change_programme(n, lambda q: q.decrease_commitment("k-1", g, "1500", "EUR", D, "over-reduced"))
    services.runner.catch_up()
    return {"f": f, "g": g, "need": str(need), "p": str(p), "n": str(n), "before": before}


def by_id(items: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {i[key]: i for i in items}


def test_every_view_shows_net_amounts_exact_to_the_cent(services: Services) -> None:
    # Given the world above, caught up
    w = world(services)
    programmes = by_id(services.durable.programmes(), "programme_id")
    p, n = programmes[w["p"]], programmes[w["n"]]
    # Then P's row is net, per currency and converted, and lists its counted corrections
    assert (p["committed"], p["disbursed"]) == ("40000.00", "36385.31")
    assert p["net"] == {"pledged": {}, "committed": {"USD": "40000.00"}, "disbursed": {"USD": "36385.31"}}
    assert (p["corrections"], p["decreased"], p["corrected"]) == (2, {"USD": "10000.00"}, {"USD": "532.29"})
    # And G's decrease reported by F counts nowhere but in F's unconfirmed sums, listed as a report
    assert p["unconfirmed"]["committed"] == "-7000.00"
    [report] = p["reports"]
    assert (report["book"], report["money_id"], report["kind"], report["confirmation"]) == (
        "correction",
        "k-3",
        "commitment-decrease",
        "unconfirmed",
    )
    assert report["note"] == "reported by Funder F, not confirmed by Funder G"
    # And N, decreased beyond its commitment in a currency without a rate, is net negative in EUR
    assert (n["committed"], n["unconverted"]["committed"], n["net"]["committed"]) == (
        "0.00",
        {"EUR": "-500.00"},
        {"EUR": "-500.00"},
    )
    # And the need's allocation and gap are net, and so is every view built from it
    [need] = [r for r in services.durable.needs() if r["need_id"] == w["need"]]
    assert (need["allocated_commitment"], need["allocated_disbursed"], need["gap"]) == (
        "40000.00",
        "36385.31",
        "60000.00",
    )
    needs = services.durable.needs()
    [ken] = funding_gaps.view(needs, "USD", "state")["items"]
    assert (ken["committed"], ken["disbursed"], ken["gap"]) == ("40000.00", "36385.31", "60000.00")
    [cell] = provider_overlap.view(needs, "USD")["items"]
    assert (cell["committed"], cell["hhi"]) == ("40000.00", "1.0000")
    [article] = priority_areas.view(needs, "USD", "article")["items"]
    assert article["gap"] == "60000.00"
    current = irg_report.view(needs, "KEN", "USD")["current"]
    assert (current["committed"], current["gap"]) == ("40000.00", "60000.00")


def test_programme_monitoring_shows_corrections_and_flags_a_net_below_zero(services: Services) -> None:
    w = world(services)
    # When programme-monitoring is read from the kept rows, whole and filtered by the flag
    answer = programme_monitoring.view(services.durable.programmes(), "USD", TODAY)
    items = by_id(answer["items"], "programme_id")
    page, counted, more = services.durable.programme_page(TODAY, "net-negative", None, 10)
    # Then N alone is flagged net-negative, by the fold's judgement, the stored column and the kept count
    assert items[w["n"]]["flags"] == ["net-negative"] and "net-negative" not in items[w["p"]]["flags"]
    assert ([r["programme_id"] for r in page], counted["net-negative"], counted["count"], more) == (
        [w["n"]],
        1,
        1,
        False,
    )
    assert answer["counts"]["net-negative"] == 1
    # And the CSV carries the corrections and the net per currency
    headers, rows = programme_monitoring.csv_rows(answer)
    p = dict(zip(headers, next(r for r in rows if r[0] == w["p"]), strict=True))
    assert (p["corrections"], p["decreased"], p["corrected"], p["net_committed"], p["net_disbursed"]) == (
        2,
        "USD 10000.00",
        "USD 532.29",
        "USD 40000.00",
        "USD 36385.31",
    )
    assert "commitment-decrease USD 7000 reported by Funder F, not confirmed by Funder G" in p["third_party_reports"]


def test_a_confirmed_report_counts_and_the_views_equal_the_fold_live_after_a_rebuild_and_as_of_before(
    services: Services,
) -> None:
    w = world(services)
    # When G confirms the decrease F reported in its name
    with context.recording(actor="g"):
        services.ledger.change_programme(UUID(w["p"]), lambda q: q.confirm("correction", "k-3"))
    services.runner.catch_up()
    # Then it counts: P's net commitment is 33,000.00
    [p] = [r for r in services.durable.programmes() if r["programme_id"] == w["p"]]
    assert (p["committed"], p["corrections"], p["unconfirmed"]["committed"]) == ("33000.00", 3, "0.00")
    # And every durable view equals the fold of the log, and a rebuild from position 0 gives them again
    live = durable(services)
    assert live == folded(services)
    services.runner.rebuild(services.views)
    assert durable(services) == live
    # And as of the disbursement, before any correction, P had disbursed 36,917.60
    then = FoldedRows.of(services.ledger, w["before"], "USD")
    [p_then] = [r for r in then.programmes() if r["programme_id"] == w["p"]]
    assert (p_then["disbursed"], p_then["corrections"]) == ("36917.60", 0)


def test_a_need_is_never_allocated_less_than_nothing(services: Services) -> None:
    # Given a need of USD 100,000 linked to a programme decreased beyond its commitment (USD 1,000 - 3,000)
    ledger = services.ledger
    with context.recording(actor="test"):
        f = ledger.register_organisation("XM-F", "Funder F", "10").id
        need = ledger.identify_need(
            state="KEN",
            article=9,
            ta_types=["capacity-building"],
            description="procurement",
            horizon="current",
            priority="high",
            source=source("other", "x", on=D),
        ).id
        ledger.change_need(need, lambda n: n.estimate("100000", "USD", D))
        p = ledger.register_programme(
            title="P",
            description="",
            reporting_org=f,
            funders=[f],
            implementers=[],
            states=["KEN"],
            start=date(2024, 1, 1),
            end=date(2026, 12, 31),
            status=2,
        ).id
        ledger.link_need(p, need)
        ledger.change_programme(p, lambda q: q.record_commitment("c-1", f, "1000", "USD", D))
        ledger.change_programme(p, lambda q: q.decrease_commitment("k-1", f, "3000", "USD", D, "over-reduced"))
    services.runner.catch_up()
    # Then the programme is net negative, but the need is allocated nothing: its gap is its estimate, not more
    [row] = [r for r in services.durable.needs() if r["need_id"] == str(need)]
    assert (row["allocated_commitment"], row["gap"], row["coverage"]) == ("0.00", "100000.00", "0.0000")
