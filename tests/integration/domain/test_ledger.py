"""The Ledger application on both stores: attribution, positions, upcasting-safe replay."""

from __future__ import annotations

from datetime import date

import pytest

from domain import context
from domain.errors import InvalidInput, NotFound, RuleBroken, VersionMismatch
from domain.needs import source


def need_fields(**overrides: object) -> dict:
    fields = dict(
        state="KEN",
        article=9,
        ta_types=["legal-advice"],
        description="Procurement law",
        horizon="current",
        priority="high",
        source=source("self-assessment", "SA 2019"),
    )
    fields.update(overrides)
    return fields


def test_events_carry_actor_organisation_reason_and_request_from_context(ledger) -> None:
    # Given a request context
    with context.recording(actor="alice", actor_org="KEN", reason="IRM review", request_id="req-1"):
        written = ledger.identify_need(**need_fields())
    # Then the stored event says who, for whom, why and in which request
    [event] = ledger.events.get(written.id)
    assert (event.actor, event.actor_org, event.reason, event.request_id) == ("alice", "KEN", "IRM review", "req-1")


def test_every_write_answers_its_log_position(ledger) -> None:
    first = ledger.identify_need(**need_fields())
    second = ledger.change_need(first.id, lambda n: n.prioritise("low"))
    assert second.position > first.position
    assert ledger.recorder.max_notification_id() == second.position


def test_a_broken_rule_writes_nothing(ledger) -> None:
    written = ledger.identify_need(**need_fields())
    ledger.change_need(written.id, lambda n: n.mark_met("done"))
    head = ledger.recorder.max_notification_id()
    with pytest.raises(RuleBroken):
        ledger.change_need(written.id, lambda n: n.revise(description="late"))
    with pytest.raises(InvalidInput):
        ledger.identify_need(**need_fields(article=3))
    assert ledger.recorder.max_notification_id() == head


def test_a_stale_expected_version_is_refused(ledger) -> None:
    written = ledger.identify_need(**need_fields())
    ledger.change_need(written.id, lambda n: n.prioritise("low"))
    with pytest.raises(VersionMismatch):
        ledger.change_need(written.id, lambda n: n.prioritise("medium"), expected_version=1)


def test_an_unknown_need_is_not_found(ledger) -> None:
    import uuid

    with pytest.raises(NotFound) as caught:
        ledger.need(uuid.uuid4())
    assert caught.value.code == "need-not-found"


def test_an_organisation_registers_once_per_ref(ledger) -> None:
    ledger.register_organisation("XM-DAC-41114", "UNDP", "40")
    with pytest.raises(RuleBroken) as caught:
        ledger.register_organisation("XM-DAC-41114", "UNDP again", "40")
    assert caught.value.code == "organisation-already-registered"


def test_a_need_replays_to_the_same_state_from_the_store(ledger) -> None:
    written = ledger.identify_need(**need_fields())
    ledger.change_need(written.id, lambda n: n.estimate("1000.10", "EUR", date(2024, 1, 2)))
    ledger.change_need(written.id, lambda n: n.withdraw("merged"))
    need = ledger.need(written.id)
    assert need.status == "withdrawn"
    assert str(need.estimated_cost["amount"]) == "1000.10"
    assert need.estimated_cost["value_date"] == date(2024, 1, 2)
