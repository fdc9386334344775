"""Programme rules: given events, when a command, then new events or a domain error and nothing."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import DomainError, InvalidInput, NotFound, RuleBroken
from domain.needs import source
from domain.programmes import (
    CANCELLED,
    CLOSED,
    IMPLEMENTATION,
    PIPELINE,
    Programme,
    programme_id_for,
)

FUNDER, OTHER_FUNDER, STRANGER = uuid4(), uuid4(), uuid4()
KEN_NEED, UGA_NEED, KEN_NEED_2 = uuid4(), uuid4(), uuid4()
D = date(2024, 3, 1)


def register(**overrides: Any) -> Programme:
    fields: dict[str, Any] = dict(
        title="Procurement integrity in East Africa",
        description="",
        reporting_org=FUNDER,
        funders=[FUNDER, OTHER_FUNDER],
        implementers=[],
        states=["KEN", "TZA"],
        start=date(2024, 1, 1),
        end=date(2026, 12, 31),
        status=PIPELINE,
    )
    fields.update(overrides)
    return Programme.register(**fields)


def settled(p: Programme) -> Programme:
    """The programme with its events so far taken as history."""
    p.collect_events()
    return p


def new_events(p: Programme) -> list[str]:
    return [type(e).__name__ for e in p.collect_events()]


def refused(p: Programme, command: Callable[[Programme], None], error: type[DomainError], code: str) -> None:
    """The command raises its code and leaves no new event behind."""
    version = p.version
    with pytest.raises(error) as caught:
        command(p)
    assert caught.value.code == code
    assert new_events(p) == [] and p.version == version


def test_registering_a_programme_records_its_funders_states_period_and_status() -> None:
    p = register(states=["ken", "TZA", "KEN"], funders=[FUNDER, FUNDER])
    [event] = p.collect_events()
    assert type(event).__name__ == "ProgrammeRegistered"
    assert (event.states, event.funders, event.status) == (["KEN", "TZA"], [FUNDER], PIPELINE)


def test_a_programme_with_an_iati_identifier_has_the_same_id_every_time() -> None:
    assert register(iati_identifier="GB-GOV-1-300123").id == programme_id_for("GB-GOV-1-300123")
    assert register().id != register().id


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"funders": []}, "funder-required"),
        ({"states": []}, "states-required"),
        ({"states": ["XXX"]}, "unknown-state"),
        ({"start": date(2025, 1, 1), "end": date(2024, 1, 1)}, "end-before-start"),
        ({"status": 9}, "invalid-status"),
        ({"title": " "}, "title-required"),
    ],
)
def test_a_programme_with_invalid_input_is_refused_with_its_code(overrides: dict, code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        register(**overrides)
    assert caught.value.code == code


def test_linking_needs_records_their_shares_up_to_one() -> None:
    p = settled(register())
    p.link_need(KEN_NEED, "KEN", "0.6")
    p.link_need(KEN_NEED_2, "KEN", "0.4")
    assert new_events(p) == ["NeedLinked", "NeedLinked"]
    assert p.links == {KEN_NEED: Decimal("0.6"), KEN_NEED_2: Decimal("0.4")}


@pytest.mark.parametrize(
    ("command", "error", "code"),
    [
        (lambda p: p.link_need(UGA_NEED, "UGA"), RuleBroken, "need-state-not-on-programme"),
        (lambda p: p.link_need(KEN_NEED, "KEN"), RuleBroken, "need-already-linked"),
        (lambda p: p.link_need(KEN_NEED_2, "KEN", "0.5"), RuleBroken, "shares-exceed-one"),
        (lambda p: p.link_need(KEN_NEED_2, "KEN", "1.01"), InvalidInput, "invalid-share"),
        (lambda p: p.link_need(KEN_NEED_2, "KEN", "0"), InvalidInput, "invalid-share"),
        (lambda p: p.link_need(KEN_NEED_2, "KEN", 0.5), InvalidInput, "invalid-share"),
        (lambda p: p.unlink_need(KEN_NEED_2), RuleBroken, "need-not-linked"),
    ],
)
def test_a_link_breaking_a_rule_records_nothing(command: Callable, error: type, code: str) -> None:
    # Given a programme with a need linked at 0.7
    p = register()
    p.link_need(KEN_NEED, "KEN", "0.7")
    # When the command breaks a rule, then nothing new is recorded
    refused(settled(p), command, error, code)


def test_money_is_recorded_revised_and_cancelled() -> None:
    p = settled(register())
    p.record_pledge("p1", FUNDER, "100000", "GBP", D)
    p.record_commitment("c1", OTHER_FUNDER, "250000.50", "EUR", D)
    p.revise_commitment("c1", "300000")
    p.cancel_commitment("p1")
    p.record_disbursement("d1", "400000", "EUR", D)
    assert new_events(p) == [
        "PledgeRecorded",
        "CommitmentRecorded",
        "CommitmentRevised",
        "CommitmentCancelled",
        "DisbursementRecorded",
    ]
    assert p.commitments["c1"]["amount"] == Decimal("300000") and p.commitments["p1"]["cancelled"]


def with_money() -> Programme:
    p = register()
    p.record_commitment("c1", FUNDER, "1000", "USD", D)
    p.record_commitment("gone", FUNDER, "1000", "USD", D)
    p.cancel_commitment("gone")
    return settled(p)


@pytest.mark.parametrize(
    ("command", "error", "code"),
    [
        (
            lambda p: p.record_commitment("c2", STRANGER, "10", "USD", D),
            RuleBroken,
            "funder-not-on-programme",
        ),
        (
            lambda p: p.record_disbursement("d", "10", "USD", D, STRANGER),
            RuleBroken,
            "funder-not-on-programme",
        ),
        (
            lambda p: p.record_commitment("c1", FUNDER, "10", "USD", D),
            RuleBroken,
            "duplicate-commitment",
        ),
        (
            lambda p: p.record_pledge("c1", FUNDER, "10", "USD", D),
            RuleBroken,
            "duplicate-commitment",
        ),
        (
            lambda p: p.record_commitment("c2", FUNDER, "0", "USD", D),
            InvalidInput,
            "invalid-amount",
        ),
        (
            lambda p: p.record_commitment("c2", FUNDER, "-5", "USD", D),
            InvalidInput,
            "invalid-amount",
        ),
        (
            lambda p: p.record_commitment("c2", FUNDER, 12.5, "USD", D),
            InvalidInput,
            "invalid-amount",
        ),
        (
            lambda p: p.record_commitment("c2", FUNDER, "twelve", "USD", D),
            InvalidInput,
            "invalid-amount",
        ),
        (
            lambda p: p.record_commitment("c2", FUNDER, "1e30", "USD", D),
            InvalidInput,
            "invalid-amount",
        ),
        (
            lambda p: p.record_commitment("c2", FUNDER, "10", "XYZ", D),
            InvalidInput,
            "unknown-currency",
        ),
        (lambda p: p.record_disbursement("d", "NaN", "USD", D), InvalidInput, "invalid-amount"),
        (lambda p: p.revise_commitment("gone", "5"), RuleBroken, "commitment-cancelled"),
        (lambda p: p.cancel_commitment("gone"), RuleBroken, "commitment-cancelled"),
        (lambda p: p.revise_commitment("nope", "5"), NotFound, "unknown-commitment"),
        (lambda p: p.revise_commitment("c1", "1000"), RuleBroken, "amount-unchanged"),
    ],
)
def test_money_breaking_a_rule_records_nothing(command: Callable, error: type, code: str) -> None:
    refused(with_money(), command, error, code)


@pytest.mark.parametrize("status", [CLOSED, CANCELLED])
def test_a_closed_or_cancelled_programme_takes_no_more_money_or_deliveries(status: int) -> None:
    # Given a programme that delivered, then closed or was cancelled
    p = with_money()
    p.change_status(IMPLEMENTATION)
    p.link_need(KEN_NEED, "KEN")
    p.change_status(status)
    settled(p)
    # Then every kind of money and delivery is refused, and nothing is recorded
    for command in (
        lambda q: q.record_pledge("p9", FUNDER, "10", "USD", D),
        lambda q: q.record_commitment("c9", FUNDER, "10", "USD", D),
        lambda q: q.revise_commitment("c1", "5"),
        lambda q: q.record_disbursement("d9", "10", "USD", D),
        lambda q: q.record_delivery("v9", "training", D, [KEN_NEED], "Training"),
    ):
        refused(p, command, RuleBroken, "programme-closed")


def test_deliveries_are_recorded_only_while_delivering_and_name_linked_needs() -> None:
    # Given a pipeline programme with a linked need
    p = register()
    p.link_need(KEN_NEED, "KEN")
    settled(p)
    # When it delivers in the pipeline, then it is refused
    refused(
        p,
        lambda q: q.record_delivery("v1", "training", D, [KEN_NEED], "Judges"),
        RuleBroken,
        "programme-not-delivering",
    )
    # When it is in implementation, then deliveries are recorded with what they were
    p.change_status(IMPLEMENTATION)
    p.record_delivery("v1", "workshop", D, [KEN_NEED], "Judges' workshop", participants=40, outputs="Manual")
    assert new_events(p) == ["ProgrammeStatusChanged", "DeliveryRecorded"]
    assert p.deliveries["v1"]["participants"] == 40 and p.deliveries["v1"]["description"] == "Judges' workshop"
    # And the rules on deliveries hold
    refused(
        p,
        lambda q: q.record_delivery("v2", "party", D, [], "x"),
        InvalidInput,
        "invalid-delivery-kind",
    )
    refused(
        p,
        lambda q: q.record_delivery("v2", "study", D, [UGA_NEED], "x"),
        RuleBroken,
        "need-not-linked",
    )
    refused(p, lambda q: q.record_delivery("v1", "study", D, [], "x"), RuleBroken, "duplicate-delivery")
    refused(
        p,
        lambda q: q.record_delivery("v2", "study", D, [], " "),
        InvalidInput,
        "description-required",
    )


def test_status_and_period_changes_record_only_real_changes() -> None:
    p = settled(register())
    p.change_status(IMPLEMENTATION)
    p.change_period(date(2024, 1, 1), date(2027, 6, 30))
    assert new_events(p) == ["ProgrammeStatusChanged", "ProgrammePeriodChanged"]
    refused(p, lambda q: q.change_status(IMPLEMENTATION), RuleBroken, "status-unchanged")
    refused(p, lambda q: q.change_status(7), InvalidInput, "invalid-status")
    refused(
        p,
        lambda q: q.change_period(date(2024, 1, 1), date(2027, 6, 30)),
        RuleBroken,
        "period-unchanged",
    )
    refused(
        p,
        lambda q: q.change_period(date(2028, 1, 1), date(2027, 6, 30)),
        InvalidInput,
        "end-before-start",
    )


# ---- decide, then apply: replaying the events gives the very same programme ----

NEEDS = [(KEN_NEED, "KEN"), (KEN_NEED_2, "KEN"), (UGA_NEED, "UGA")]
amounts = st.sampled_from(["100", "2500.50", "0", "-1", "abc", 3.5])
commands = st.one_of(
    st.tuples(st.just("link"), st.sampled_from(NEEDS), st.sampled_from([None, "0.3", "0.5", "0.8", "1.2"])),
    st.tuples(st.just("unlink"), st.sampled_from(NEEDS)),
    st.tuples(
        st.just("commit"),
        st.sampled_from(["a", "b", "c"]),
        st.sampled_from([FUNDER, STRANGER]),
        amounts,
    ),
    st.tuples(
        st.just("pledge"),
        st.sampled_from(["a", "b", "c"]),
        st.sampled_from([FUNDER, STRANGER]),
        amounts,
    ),
    st.tuples(st.just("revise"), st.sampled_from(["a", "b"]), amounts),
    st.tuples(st.just("cancel"), st.sampled_from(["a", "b"])),
    st.tuples(st.just("disburse"), st.sampled_from(["x", "y"]), amounts),
    st.tuples(st.just("deliver"), st.sampled_from(["v", "w"]), st.sampled_from([[], [KEN_NEED]])),
    st.tuples(st.just("status"), st.integers(1, 7)),
)


def run(p: Programme, command: tuple) -> None:
    name, *args = command
    act: dict[str, Callable[..., None]] = {
        "link": lambda need, s: p.link_need(need[0], need[1], s),
        "unlink": lambda need: p.unlink_need(need[0]),
        "commit": lambda cid, funder, amount: p.record_commitment(cid, funder, amount, "EUR", D),
        "pledge": lambda cid, funder, amount: p.record_pledge(cid, funder, amount, "EUR", D),
        "revise": lambda cid, amount: p.revise_commitment(cid, amount),
        "cancel": lambda cid: p.cancel_commitment(cid),
        "disburse": lambda did, amount: p.record_disbursement(did, amount, "USD", D),
        "deliver": lambda did, needs: p.record_delivery(did, "training", D, needs, "Training"),
        "status": lambda s: p.change_status(s),
    }
    act[name](*args)


def state(p: Programme) -> tuple:
    return (
        p.version,
        p.status,
        p.links,
        p.commitments,
        p.disbursements,
        p.deliveries,
        p.start,
        p.end,
    )


@settings(max_examples=40, deadline=None)
@given(st.lists(commands, max_size=25))
def test_any_sequence_of_commands_replays_to_the_same_programme_and_keeps_shares_within_one(
    sequence: list[tuple],
) -> None:
    # Given any sequence of commands, some of them refused
    p = register()
    for command in sequence:
        with contextlib.suppress(DomainError):
            run(p, command)
        # Then explicit shares never sum over one
        assert sum((s for s in p.links.values() if s is not None), Decimal(0)) <= 1
    # And replaying the recorded events rebuilds exactly the same programme (refusals left no trace)
    events = p.collect_events()
    replayed: Programme | None = None
    for e in events:
        replayed = e.mutate(replayed)
    assert replayed is not None and state(replayed) == state(p)


def test_needs_can_be_identified_with_a_chosen_id() -> None:
    from domain.needs import Need

    chosen = uuid4()
    need = Need.identify(
        state="KEN",
        article=9,
        ta_types=["legal-advice"],
        description="x",
        horizon="current",
        priority="high",
        source=source("other", "demo"),
        need_id=chosen,
    )
    assert need.id == chosen
