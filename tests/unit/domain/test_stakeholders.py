"""Stakeholders in identifying a need (para 15) and the assistance already provided (para 7): given a need,
when a command, then its events or a domain error and nothing new; old events without them still read."""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from domain.errors import InvalidInput, NotFound, RuleBroken
from domain.ledger import Ledger
from domain.needs import Need, source
from domain.stakeholders import MAX_NAME, MAX_STAKEHOLDERS, assistance, non_governmental, stakeholder_list

CSO = {"kind": "civil-society", "name": "Transparency Kenya"}
MPS = {"kind": "parliament", "name": "Public Accounts Committee"}


def identify(**overrides: Any) -> Need:
    fields: dict[str, Any] = dict(
        state="KEN",
        article=9,
        ta_types=["legal-advice"],
        description="Procurement law review",
        horizon="current",
        priority="high",
        source=source("self-assessment", "SA 2019", 1, date(2019, 3, 1)),
    )
    fields.update(overrides)
    return Need.identify(**fields)


def new_events(need: Need) -> list[str]:
    return [type(e).__name__ for e in need.collect_events()]


def test_a_need_identified_with_stakeholders_and_assistance_records_them_on_need_identified() -> None:
    # Given stakeholders (a name's spaces collapsed) and a programme already assisting
    programme = uuid4()
    need = identify(
        stakeholders=[{"kind": "civil-society", "name": "  Transparency   Kenya "}, MPS],
        assistance_provided=assistance(" UNODC mentors prosecutors ", programme),
    )
    # Then NeedIdentified carries them as given, checked
    [event] = need.collect_events()
    assert event.stakeholders == [CSO, MPS]
    assert event.assistance_provided == {"text": "UNODC mentors prosecutors", "programme_id": programme}
    assert need.stakeholders == [CSO, MPS]


def test_a_need_identified_without_them_has_no_stakeholders_and_no_assistance() -> None:
    need = identify()
    assert (need.stakeholders, need.assistance_provided) == ([], None)


@pytest.mark.parametrize(
    ("entries", "code"),
    [
        ([{"kind": "government", "name": "Ministry"}], "invalid-stakeholder"),
        ([{"kind": "academia", "name": "   "}], "invalid-stakeholder"),
        ([{"kind": "academia", "name": "x" * (MAX_NAME + 1)}], "invalid-stakeholder"),
        ([{"kind": "other", "name": f"n{i}"} for i in range(MAX_STAKEHOLDERS + 1)], "too-many-stakeholders"),
    ],
)
def test_a_stakeholder_of_an_unknown_kind_without_a_name_or_too_many_are_refused(entries: list, code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        identify(stakeholders=entries)
    assert caught.value.code == code


def test_a_stakeholder_named_twice_is_kept_once_in_the_order_first_given() -> None:
    listed = stakeholder_list([CSO, MPS, {"kind": "civil-society", "name": "transparency kenya"}])
    assert listed == [CSO, MPS]


@pytest.mark.parametrize("text", ["", "   ", "x" * 2001])
def test_assistance_without_words_or_too_long_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        assistance(text)
    assert caught.value.code == "invalid-assistance"


def test_only_civil_society_private_sector_and_academia_are_non_governmental() -> None:
    assert non_governmental([MPS, {"kind": "academia", "name": "University of Nairobi"}])
    assert not non_governmental([MPS, {"kind": "other", "name": "Media council"}])
    assert not non_governmental([])


def test_recording_stakeholders_replaces_the_list_and_an_unchanged_list_is_refused() -> None:
    # Given a need identified with one civil-society organisation
    need = identify(stakeholders=[CSO])
    need.collect_events()
    # When the list is replaced, then NeedStakeholdersRecorded and the need has the new list
    need.record_stakeholders([MPS])
    assert new_events(need) == ["NeedStakeholdersRecorded"]
    assert need.stakeholders == [MPS]
    # When the same list is sent again, then stakeholders-unchanged and nothing is recorded
    with pytest.raises(RuleBroken) as caught:
        need.record_stakeholders([{"kind": "parliament", "name": " Public  Accounts Committee"}])
    assert caught.value.code == "stakeholders-unchanged"
    # And an empty list clears it
    need.record_stakeholders([])
    assert need.stakeholders == []


def test_recording_assistance_replaces_it_and_the_same_words_are_refused() -> None:
    need = identify(assistance_provided=assistance("None yet"))
    need.collect_events()
    need.record_assistance(assistance("GIZ supports the procurement authority"))
    assert new_events(need) == ["NeedAssistanceProvidedRecorded"]
    with pytest.raises(RuleBroken) as caught:
        need.record_assistance(assistance("GIZ supports the procurement authority"))
    assert caught.value.code == "assistance-unchanged"


@pytest.mark.parametrize(
    "command",
    [lambda n: n.record_stakeholders([MPS]), lambda n: n.record_assistance(assistance("late"))],
)
def test_a_closed_need_takes_neither(command: Any) -> None:
    # Given a withdrawn need: nothing but reopening changes it
    need = identify()
    need.withdraw("merged")
    need.collect_events()
    with pytest.raises(RuleBroken) as caught:
        command(need)
    assert caught.value.code == "need-closed"
    assert need.collect_events() == []


def test_the_ledger_refuses_assistance_naming_a_programme_that_does_not_exist() -> None:
    ledger = Ledger()
    head = ledger.position()
    with pytest.raises(NotFound) as caught:
        ledger.identify_need(
            state="KEN",
            article=9,
            ta_types=["legal-advice"],
            description="x",
            horizon="current",
            priority="low",
            source=source("other", "x"),
            assistance_provided=assistance("a programme", uuid4()),
        )
    assert caught.value.code == "programme-not-found"
    assert ledger.position() == head


def test_a_need_identified_before_stakeholders_existed_reads_with_none() -> None:
    # Given a NeedIdentified stored as it was before class version 2 (no stakeholders, no assistance, no version)
    ledger = Ledger()
    written = ledger.identify_need(
        state="KEN",
        article=9,
        ta_types=["legal-advice"],
        description="old",
        horizon="current",
        priority="low",
        source=source("other", "x"),
        stakeholders=[CSO],
    )
    [stored] = ledger.recorder.select_events(written.id)
    state = json.loads(stored.state)
    for field in ("stakeholders", "assistance_provided", "class_version"):
        state.pop(field)
    old = StoredEvent(stored.originator_id, stored.originator_version, stored.topic, json.dumps(state).encode())
    # When the mapper reads it, then it is upcast: no stakeholders, no assistance
    event = ledger.mapper.to_domain_event(old)
    assert (event.stakeholders, event.assistance_provided) == ([], None)
    assert event.mutate(None).stakeholders == []
