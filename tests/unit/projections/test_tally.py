"""Tallies add and subtract: a group kept current need by need equals the group tallied afresh."""

from __future__ import annotations

from typing import Any

from projections.kept import Tally


def need(need_id: str, state: str, gap: str | None, pledged_eur: str | None, classification: str) -> dict[str, Any]:
    return {
        "need_id": need_id,
        "state": state,
        "priority": "high",
        "classification": classification,
        "estimated_cost": {"amount": "1", "currency": "USD"} if gap is not None else None,
        "estimated": "100.00" if gap is not None else None,
        "allocated_commitment": "10.00",
        "allocated_pledged": "0.00",
        "allocated_disbursed": "0.00",
        "gap": gap,
        "unconverted": {
            "estimated": {},
            "committed": {},
            "disbursed": {},
            "pledged": {"EUR": pledged_eur} if pledged_eur else {},
        },
    }


def fresh(*rows: dict[str, Any]) -> dict[str, Any]:
    total = Tally()
    for r in rows:
        total.merge(Tally.of(r))
    return total.to_json()


def test_a_changed_need_moves_the_tally_to_what_a_fresh_tally_gives() -> None:
    a, b = need("a", "KEN", "90.00", "5.00", "unmet"), need("b", "GHA", None, "7.50", "partially-funded")
    kept = Tally().merge(Tally.of(a)).merge(Tally.of(b))
    # When b's pledge in euros grows and it becomes funded: one delta, as the runner applies it
    b2 = need("b", "GHA", None, "9.25", "funded")
    delta = Tally().merge(Tally.of(b), -1).merge(Tally.of(b2))
    # Then the kept tally is the fresh one: the amount moved though no need came or went
    assert kept.merge(delta).to_json() == fresh(a, b2)
    assert kept.unconverted_out()["pledged"] == {"EUR": "14.25"}


def test_a_need_that_leaves_takes_its_state_and_leftovers_with_it() -> None:
    a, b = need("a", "KEN", "90.00", None, "unmet"), need("b", "GHA", "1.00", "7.50", "unmet")
    kept = Tally().merge(Tally.of(a)).merge(Tally.of(b)).merge(Tally.of(b), -1)
    assert kept.to_json() == fresh(a)
    assert kept.states == {"KEN": 1} and kept.unconverted_out()["pledged"] == {}
    assert kept.merge(Tally.of(a), -1).empty


def test_a_tally_reads_the_same_however_its_amounts_were_reached() -> None:
    # Given a need with an estimate that leaves a group, and one without that joins it: taken back and added in one
    # delta (a rebuild's point), or the group emptied first and made afresh (a runner's batches)
    a, b = need("a", "KEN", "90.00", "5.10", "unmet"), need("b", "KEN", None, None, "unmet")
    through = Tally().merge(Tally.of(a)).merge(Tally().merge(Tally.of(a), -1).merge(Tally.of(b)))
    # Then the amounts are the same text: 90.00 - 90.00 + nothing is "0", as nothing is; 5.10 is "5.1"
    assert through.sums["estimated"].as_tuple() != Tally().sums["estimated"].as_tuple()
    assert through.to_json() == fresh(b)
    assert fresh(a)["sums"]["estimated"] == "100" and fresh(a)["unconverted"]["pledged"] == {"EUR": ["5.1", 1]}
