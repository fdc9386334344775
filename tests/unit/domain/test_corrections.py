"""Corrections on the Programme aggregate: a commitment decrease or a disbursement correction is a new event with a
positive amount and a reason, refused like ordinary money when wrong (given events, when a command, then new events
or a domain error and nothing)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from domain import third_party
from domain.errors import InvalidInput, NotFound, RuleBroken
from domain.programmes import CLOSED, IMPLEMENTATION, Programme
from tests.unit.domain.test_programmes import FUNDER, OTHER_FUNDER, STRANGER, new_events, refused, register, settled

D = date(2024, 3, 1)


def funded() -> Programme:
    """A programme FUNDER reports, in implementation: FUNDER disbursed USD 36,917.60 and committed USD 50,000."""
    p = register(status=IMPLEMENTATION)
    p.record_commitment("c-1", FUNDER, "50000", "USD", D)
    p.record_disbursement("d-1", "36917.60", "USD", D, FUNDER)
    return settled(p)


def replayed(events: list[Any]) -> Programme:
    copy: Any = None
    for e in events:
        copy = e.mutate(copy)
    return copy  # type: ignore[no-any-return]


def test_a_refund_is_a_disbursement_correction_with_its_reason_and_source_ref() -> None:
    # Given a disbursement of 36,917.60
    p = funded()
    # When a refund of 532.29 is recorded with its reason and IATI ref
    p.correct_disbursement("k-1", "532.29", "USD", D, " refund of unspent funds ", FUNDER, "TX-9")
    # Then one DisbursementCorrected records the positive amount, the reason (the event's own) and the ref
    [event] = p.collect_events()
    assert type(event).__name__ == "DisbursementCorrected"
    assert (event.correction_id, event.amount, event.currency, event.reason, event.source_ref, event.reported_by) == (
        "k-1",
        Decimal("532.29"),
        "USD",
        "refund of unspent funds",
        "TX-9",
        None,
    )
    # And the programme keeps it by id, as its funder's own (counted), next to the untouched disbursement
    assert p.corrections["k-1"]["kind"] == "disbursement-correction" and third_party.counted(p.corrections["k-1"])
    assert p.disbursements["d-1"]["amount"] == Decimal("36917.60")


def test_a_commitment_decrease_names_its_funder_and_may_exceed_what_is_committed() -> None:
    # Given USD 50,000 committed by FUNDER
    p = funded()
    # When 60,000 is taken off (real files do that: the net goes below zero, the views show it)
    p.decrease_commitment("k-1", FUNDER, "60000", "USD", D, "reduced by the donor")
    # Then it is recorded as it is
    assert new_events(p) == ["CommitmentDecreased"]
    assert (p.corrections["k-1"]["funder"], p.corrections["k-1"]["amount"]) == (FUNDER, Decimal("60000"))


def test_a_correction_is_refused_like_ordinary_money_and_writes_nothing() -> None:
    p = funded()
    p.correct_disbursement("k-1", "1", "USD", D, "refund")
    settled(p)

    def decrease(**change: Any) -> Any:
        fields: dict[str, Any] = dict(
            correction_id="k-2", funder=FUNDER, amount="10", currency="USD", value_date=D, reason="why"
        )
        fields.update(change)
        return lambda q: q.decrease_commitment(**fields)

    refused(p, decrease(amount="0"), InvalidInput, "invalid-amount")
    refused(p, decrease(amount="-532.29"), InvalidInput, "invalid-amount")
    refused(p, decrease(currency="XXQ"), InvalidInput, "unknown-currency")
    refused(p, decrease(value_date=date(1980, 1, 1)), InvalidInput, "date-out-of-range")
    refused(p, decrease(reason="  "), InvalidInput, "reason-required")
    refused(p, decrease(correction_id=" "), InvalidInput, "invalid-correction-id")
    refused(p, decrease(funder=STRANGER), RuleBroken, "funder-not-on-programme")
    # A re-run of an id (one book for both kinds) is a duplicate: an import re-run appends nothing
    refused(p, decrease(correction_id="k-1"), RuleBroken, "duplicate-correction")
    refused(p, lambda q: q.correct_disbursement("k-1", "1", "USD", D, "refund"), RuleBroken, "duplicate-correction")
    refused(
        p, lambda q: q.correct_disbursement("k-3", "1", "USD", D, "x", STRANGER), RuleBroken, "funder-not-on-programme"
    )
    # And a closed programme takes no more money, corrections included
    p.change_status(CLOSED)
    settled(p)
    refused(p, decrease(), RuleBroken, "programme-closed")


def test_a_correction_in_another_funders_name_is_a_report_its_funder_confirms_or_disputes() -> None:
    # Given a programme FUNDER reports, funded by FUNDER and OTHER_FUNDER
    p = funded()
    # When FUNDER decreases OTHER_FUNDER's commitment, and corrects its own disbursement naming itself the reporter
    p.decrease_commitment("k-1", OTHER_FUNDER, "100", "USD", D, "as reported", reported_by=FUNDER)
    p.correct_disbursement("k-2", "5", "USD", D, "own refund", FUNDER, reported_by=FUNDER)
    settled(p)
    # Then the first is FUNDER's word, unconfirmed (counted nowhere); the second is FUNDER's own
    k1, k2 = p.corrections["k-1"], p.corrections["k-2"]
    assert (k1["reported_by"], third_party.confirmation(k1), third_party.counted(k1)) == (FUNDER, "unconfirmed", False)
    assert third_party.confirmation(k2) == "own"
    # And only OTHER_FUNDER's confirmation makes it count; a dispute needs a reason
    refused(p, lambda q: q.dispute("correction", "k-1", " "), InvalidInput, "reason-required")
    refused(p, lambda q: q.confirm("correction", "k-2"), RuleBroken, "not-a-third-party-report")
    refused(p, lambda q: q.confirm("correction", "k-9"), NotFound, "unknown-correction")
    p.confirm("correction", "k-1")
    assert new_events(p) == ["MoneyConfirmed"] and third_party.counted(p.corrections["k-1"])
    refused(p, lambda q: q.dispute("correction", "k-1", "late"), RuleBroken, "report-already-confirmed")


def test_only_the_reporting_organisation_reports_a_correction_in_another_funders_name() -> None:
    p = settled(register(status=IMPLEMENTATION, reporting_org=STRANGER))
    refused(
        p,
        lambda q: q.decrease_commitment("k", OTHER_FUNDER, "1", "USD", D, "x", reported_by=FUNDER),
        RuleBroken,
        "third-party-not-reporter",
    )
    refused(
        p,
        lambda q: q.correct_disbursement("k", "1", "USD", D, "x", OTHER_FUNDER, reported_by=FUNDER),
        RuleBroken,
        "third-party-not-reporter",
    )


def test_a_programme_replays_its_corrections_from_its_events() -> None:
    # Given a programme with corrections of both kinds, one reported and disputed, its events all kept
    p = register(status=IMPLEMENTATION)
    p.decrease_commitment("k-1", FUNDER, "1000", "EUR", D, "decrease", "TX-1")
    p.correct_disbursement("k-2", "532.29", "USD", D, "refund")
    p.decrease_commitment("k-3", OTHER_FUNDER, "7", "USD", D, "theirs", reported_by=FUNDER)
    p.dispute("correction", "k-3", "not ours")
    # When the aggregate is rebuilt from its events
    again = replayed(p.collect_events())
    # Then it holds the same corrections
    assert again.corrections == p.corrections
    assert (again.corrections["k-1"]["source_ref"], again.corrections["k-3"]["confirmation"]) == ("TX-1", "disputed")
