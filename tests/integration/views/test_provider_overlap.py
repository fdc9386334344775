"""provider-overlap: who works on each (state, article, TA type) cell, and who duplicates."""

from __future__ import annotations

from datetime import date

from api.root.services import Services
from projections.views import provider_overlap
from projections.views.provider_overlap import duplicates, period_overlap
from tests.support.views_world import build, current_rows, identify, programme


def cells(answer: dict) -> dict[tuple, dict]:
    return {(i["state"], i["article"], i["ta_type"]): i for i in answer["items"]}


def test_the_world_has_one_overlapping_cell_with_its_hhi_worked_out(services: Services) -> None:
    # Given the world
    w = build(services.ledger)
    needs, _ = current_rows(services)
    # When the overlap view is computed
    answer = provider_overlap.view(needs, "USD")
    found = cells(answer)
    # Then only cells with an active programme appear
    #   (Q is inactive: Uganda's cell is absent; H has none)
    assert set(found) == {
        ("KEN", 9, "capacity-building"),
        ("KEN", 9, "legislative-assistance"),
        ("KEN", 15, "capacity-building"),
    }
    # And KEN/9/capacity-building has P alone (Q is inactive, E withdrawn): HHI 1, one provider
    alone = found[("KEN", 9, "capacity-building")]
    assert [p["title"] for p in alone["programmes"]] == ["Procurement and audit"]
    assert (
        alone["needs"],
        alone["committed"],
        alone["hhi"],
        alone["effective_providers"],
        alone["overlap"],
    ) == (2, "60000.00", "1.0000", "1.00", False)
    # And KEN/15/capacity-building has P (20,000 on C) and R (30,000 on G): shares 0.4 and 0.6,
    #   HHI = 0.4² + 0.6² = 0.16 + 0.36 = 0.52, effective providers 1 / 0.52 = 1.92
    shared = found[("KEN", 15, "capacity-building")]
    assert (shared["committed"], shared["hhi"], shared["effective_providers"]) == (
        "50000.00",
        "0.5200",
        "1.92",
    )
    assert [(f["name"], f["committed"], f["share"]) for f in shared["funders"]] == [
        ("Agency One", "20000.00", "0.4000"),
        ("Agency Two", "30000.00", "0.6000"),
    ]
    assert [i["name"] for i in shared["implementers"]] == ["Implementer"]
    # And the two programmes of different funders run together from 2024-06-01 to 2025-12-31: a pair
    assert shared["overlap"] is True
    [pair] = shared["pairs"]
    assert {p["programme_id"] for p in pair["programmes"]} == {w.programme("P"), w.programme("R")}
    assert (pair["from"], pair["to"]) == ("2024-06-01", "2025-12-31")
    assert (answer["count"], answer["overlapping"], answer["pairs"]) == (3, 1, 1)


def test_one_providers_two_programmes_are_not_a_duplicate_but_a_second_implementer_is(
    services: Services,
) -> None:
    # Given one funder with two programmes on one Kenyan need, the second with another implementer
    ledger = services.ledger
    f = ledger.register_organisation("XM-F", "Funder", "10").id
    i1 = ledger.register_organisation("XM-I1", "Implementer 1", "21").id
    i2 = ledger.register_organisation("XM-I2", "Implementer 2", "21").id
    need = identify(ledger, "KEN", 36, ["capacity-building"], "current", "high")
    first = programme(ledger, "First", [f], [i1], ["KEN"], date(2024, 1, 1), None, 2)
    same = programme(ledger, "Same provider again", [f], [i1], ["KEN"], date(2024, 1, 1), None, 2)
    for p in (first, same):
        ledger.link_need(p, need)
    needs, _ = current_rows(services)
    # Then the same funder and implementer twice is one provider's work: no overlap
    assert cells(provider_overlap.view(needs, "USD"))[("KEN", 36, "capacity-building")]["overlap"] is False
    # When a third programme of the same funder with another implementer joins
    other = programme(ledger, "Other implementer", [f], [i2], ["KEN"], date(2024, 1, 1), None, 2)
    ledger.link_need(other, need)
    needs, _ = current_rows(services)
    cell = cells(provider_overlap.view(needs, "USD"))[("KEN", 36, "capacity-building")]
    # Then two distinct implementers are active together:
    #   each of the two first programmes pairs with it
    assert cell["overlap"] is True
    assert sorted(sorted(p["title"] for p in pair["programmes"]) for pair in cell["pairs"]) == [
        ["First", "Other implementer"],
        ["Other implementer", "Same provider again"],
    ]


def test_programmes_whose_periods_do_not_meet_are_no_overlap(services: Services) -> None:
    # Given two funders, one finished before the other started
    ledger = services.ledger
    a = ledger.register_organisation("XM-A", "A", "10").id
    b = ledger.register_organisation("XM-B", "B", "10").id
    need = identify(ledger, "GHA", 46, ["international-cooperation"], "current", "high")
    early = programme(ledger, "Early", [a], [], ["GHA"], date(2023, 1, 1), date(2023, 12, 31), 3)
    late = programme(ledger, "Late", [b], [], ["GHA"], date(2024, 1, 1), None, 2)
    for p in (early, late):
        ledger.link_need(p, need)
    needs, _ = current_rows(services)
    cell = cells(provider_overlap.view(needs, "USD"))[("GHA", 46, "international-cooperation")]
    # Then both are listed, two funders, but no pair: their periods do not intersect
    assert len(cell["programmes"]) == 2 and len(cell["funders"]) == 2
    assert cell["overlap"] is False and cell["pairs"] == []
    # And without commitments there is no HHI to compute
    assert cell["hhi"] is None and cell["effective_providers"] is None


def test_periods_intersect_inclusively_and_a_missing_end_or_start_is_open() -> None:
    def p(start, end):
        return {"start": start, "end": end}

    assert period_overlap(p("2024-01-01", "2024-06-30"), p("2024-06-30", None)) == (
        True,
        "2024-06-30",
        "2024-06-30",
    )
    assert period_overlap(p("2024-01-01", "2024-06-29"), p("2024-06-30", None))[0] is False
    assert period_overlap(p(None, None), p("2030-01-01", "2030-12-31")) == (
        True,
        "2030-01-01",
        "2030-12-31",
    )


def test_different_funder_sets_duplicate_while_a_missing_implementer_is_not_a_different_one() -> None:
    def p(funders, implementers):
        return {
            "funders": [{"org_id": f} for f in funders],
            "implementers": [{"org_id": i} for i in implementers],
        }

    assert duplicates(p(["A"], []), p(["B"], [])) is True
    assert duplicates(p(["A", "B"], []), p(["A"], [])) is True
    assert duplicates(p(["A", "B"], ["X"]), p(["B", "A"], ["X"])) is False
    assert duplicates(p(["A"], []), p(["A"], ["X"])) is False
    assert duplicates(p(["A"], ["X"]), p(["A"], ["Y"])) is True
