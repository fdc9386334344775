"""irg-report: one State party's current and anticipated needs, each addressed or unmet."""

from __future__ import annotations

from api.root.services import Services
from projections.views import irg_report
from tests.support.views_world import build, current_rows


def test_kenyas_report_splits_current_and_anticipated_needs_addressed_or_unmet(
    services: Services,
) -> None:
    # Given the world
    w = build(services.ledger)
    needs, _ = current_rows(services)
    # When Kenya's report is drawn
    answer = irg_report.view(needs, "KEN", "USD")
    current, anticipated = answer["current"], answer["anticipated"]
    # Then the current needs are H (unmet, first), then A (high), C (medium), G (low), addressed
    assert [(i["description"], i["status"]) for i in current["items"]] == [
        ("H", "unmet"),
        ("A", "addressed"),
        ("C", "addressed"),
        ("G", "addressed"),
    ]
    # And their sums: estimated 100,000 (A) + 10,000 (G); committed 40,000 + 20,000 + 30,000;
    #   gap 60,000 (A) + 0 (G); C and H have no estimate
    assert {
        k: current[k]
        for k in (
            "needs",
            "addressed",
            "unmet",
            "estimated",
            "committed",
            "gap",
            "needs_gap_unknown",
        )
    } == {
        "needs": 4,
        "addressed": 3,
        "unmet": 1,
        "estimated": "110000.00",
        "committed": "90000.00",
        "gap": "60000.00",
        "needs_gap_unknown": 2,
    }
    # And A is addressed by P only (Q is inactive), with P's funder and implementer as providers
    a = current["items"][1]
    assert [p["programme_id"] for p in a["programmes"]] == [w.programme("P")]
    assert [p["name"] for p in a["providers"]] == ["Agency One", "Implementer"]
    assert a["committed"] == "40000.00"
    # And the anticipated need is B: 55,000 estimated, 20,000 committed, gap 35,000
    assert [(i["description"], i["committed"], i["gap"]) for i in anticipated["items"]] == [
        ("B", "20000.00", "35000.00")
    ]
    # And the withdrawn E and Uganda's D are not in it
    assert w.need("E") not in {i["need_id"] for h in ("current", "anticipated") for i in answer[h]["items"]}


def test_the_markdown_report_has_a_section_per_horizon_with_unmet_and_addressed_tables(
    services: Services,
) -> None:
    build(services.ledger)
    needs, _ = current_rows(services)
    answer = irg_report.view(needs, "KEN", "USD")
    answer["position"] = 42
    text = irg_report.markdown(answer)
    # Then the headings come in order, and the unmet need H sits under "Current needs"
    order = [
        text.index(h)
        for h in (
            "# Technical assistance needs of Kenya (KEN)",
            "As of ledger position 42",
            "## Current needs",
            "### Unmet",
            "### Addressed",
            "## Anticipated needs",
        )
    ]
    assert order == sorted(order)
    assert "| 10 | other | high | unknown (no estimate) | — | — | H |" in text  # no stakeholders, no assistance
    assert "Open needs: 4 (3 addressed, 1 unmet)" in text


def test_the_csv_report_has_one_row_per_need_with_its_horizon_and_status(
    services: Services,
) -> None:
    build(services.ledger)
    needs, _ = current_rows(services)
    columns, rows = irg_report.csv_rows(irg_report.view(needs, "KEN", "USD"))
    table = [dict(zip(columns, r, strict=True)) for r in rows]
    assert [(r["horizon"], r["status"], r["description"]) for r in table] == [
        ("current", "unmet", "H"),
        ("current", "addressed", "A"),
        ("current", "addressed", "C"),
        ("current", "addressed", "G"),
        ("anticipated", "addressed", "B"),
    ]
    assert table[1]["programmes"] == "Procurement and audit" and table[1]["currency"] == "USD"


def test_a_state_without_needs_gets_an_empty_report() -> None:
    answer = irg_report.view([], "GHA", "USD")
    assert answer["current"]["needs"] == answer["anticipated"]["needs"] == 0
    assert "None recorded." in irg_report.markdown(answer)
