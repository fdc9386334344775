"""Third-party reports on the Programme aggregate: who may report another funder's money, and how the funder's
confirmation or dispute moves it (given events, when a command, then new events or a domain error and nothing)."""

from __future__ import annotations

from datetime import date

from domain import third_party
from domain.errors import InvalidInput, NotFound, RuleBroken
from domain.programmes import IMPLEMENTATION, Programme
from tests.unit.domain.test_programmes import FUNDER, OTHER_FUNDER, STRANGER, new_events, refused, register, settled

D = date(2024, 3, 1)


def reported(kind: str = "commitment", money_id: str = "r-1") -> Programme:
    """A programme FUNDER reports, funded by FUNDER and OTHER_FUNDER, with FUNDER's report of OTHER_FUNDER's money."""
    p = settled(register(status=IMPLEMENTATION))
    p.report_money(kind, money_id, OTHER_FUNDER, "1000", "USD", D, reported_by=FUNDER)
    return p


def test_the_reporting_organisation_reports_another_funders_money_unconfirmed() -> None:
    for kind, book in (("pledge", "commitments"), ("commitment", "commitments"), ("disbursement", "disbursements")):
        p = reported(kind)
        assert new_events(p) == ["MoneyReported"]
        entry = getattr(p, book)["r-1"]
        assert (entry["funder"], entry["reported_by"], entry["confirmation"]) == (OTHER_FUNDER, FUNDER, "unconfirmed")
        assert not third_party.counted(entry)


def test_only_the_reporting_organisation_reports_and_never_in_its_own_name() -> None:
    p = settled(register(status=IMPLEMENTATION, reporting_org=STRANGER))
    refused(
        p,
        lambda q: q.report_money("commitment", "x", OTHER_FUNDER, "1", "USD", D, reported_by=FUNDER),
        RuleBroken,
        "third-party-not-reporter",
    )
    p = settled(register(status=IMPLEMENTATION))
    refused(
        p,
        lambda q: q.report_money("commitment", "x", FUNDER, "1", "USD", D, reported_by=FUNDER),
        RuleBroken,
        "report-by-funder",
    )
    refused(
        p,
        lambda q: q.report_money("grant", "x", OTHER_FUNDER, "1", "USD", D, reported_by=FUNDER),
        InvalidInput,
        "invalid-money-kind",
    )


def test_the_funder_confirms_or_disputes_with_a_reason_and_a_revision_makes_it_unconfirmed_again() -> None:
    p = settled(reported())
    refused(p, lambda q: q.dispute("commitment", "r-1", "  "), InvalidInput, "reason-required")
    p.dispute("commitment", "r-1", "not ours")
    assert new_events(p) == ["MoneyDisputed"]
    assert (p.commitments["r-1"]["confirmation"], p.commitments["r-1"]["dispute_reason"]) == ("disputed", "not ours")
    refused(p, lambda q: q.dispute("commitment", "r-1", "again"), RuleBroken, "report-already-disputed")
    p.confirm("commitment", "r-1")  # the funder may still confirm what it disputed
    assert new_events(p) == ["MoneyConfirmed"] and third_party.counted(p.commitments["r-1"])
    refused(p, lambda q: q.confirm("commitment", "r-1"), RuleBroken, "report-already-confirmed")
    refused(p, lambda q: q.dispute("commitment", "r-1", "late"), RuleBroken, "report-already-confirmed")
    p.revise_commitment("r-1", "5000")
    assert p.commitments["r-1"]["confirmation"] == "unconfirmed"


def test_own_money_and_unknown_ids_are_nothing_to_confirm() -> None:
    p = settled(register(status=IMPLEMENTATION))
    p.record_commitment("own", OTHER_FUNDER, "10", "USD", D)
    settled(p)
    assert third_party.confirmation(p.commitments["own"]) == "own" and third_party.counted(p.commitments["own"])
    refused(p, lambda q: q.confirm("commitment", "own"), RuleBroken, "not-a-third-party-report")
    refused(p, lambda q: q.confirm("commitment", "none"), NotFound, "unknown-commitment")
    refused(p, lambda q: q.dispute("disbursement", "none", "x"), NotFound, "unknown-disbursement")


def test_a_programme_replays_its_reports_from_its_events() -> None:
    p = register(status=IMPLEMENTATION)  # every event kept, from its registration on
    p.report_money("disbursement", "r-1", OTHER_FUNDER, "1000", "USD", D, reported_by=FUNDER)
    p.confirm("disbursement", "r-1")
    events = p.collect_events()
    copy = None
    for e in events:
        copy = e.mutate(copy)
    assert isinstance(copy, Programme) and copy.disbursements == p.disbursements
