"""Need rules: given events, when a command, then new events or a domain error and nothing new."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from domain.errors import InvalidInput, RuleBroken
from domain.needs import Need, money, source


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


def test_identifying_a_need_records_need_identified_with_its_fields() -> None:
    need = identify(paragraph="9(1)(a)", estimated_cost=money("120000", "EUR", date(2024, 1, 1)))
    [event] = need.collect_events()
    assert type(event).__name__ == "NeedIdentified"
    assert (event.state, event.article, event.paragraph) == ("KEN", 9, "9(1)(a)")
    assert event.estimated_cost["currency"] == "EUR"
    assert need.status == "open" and not need.published


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"article": 3}, "unknown-article"),
        ({"article": 63}, "unknown-article"),
        ({"state": "XXX"}, "unknown-state"),
        ({"state": "PRK"}, "not-a-party"),
        ({"ta_types": []}, "ta-types-required"),
        ({"ta_types": ["magic"]}, "unknown-ta-type"),
        ({"horizon": "someday"}, "invalid-horizon"),
        ({"priority": "urgent"}, "invalid-priority"),
        ({"description": "  "}, "description-required"),
        ({"paragraph": "10(1)"}, "invalid-paragraph"),
    ],
)
def test_a_need_with_invalid_input_is_refused_with_its_code(overrides: dict, code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        identify(**overrides)
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda: source("gossip", "x"), "invalid-source"),
        (lambda: source("self-assessment", "x", cycle=3), "unknown-cycle"),
        (lambda: money("-5", "USD", date(2024, 1, 1)), "invalid-amount"),
        (lambda: money("0", "USD", date(2024, 1, 1)), "invalid-amount"),
        (lambda: money(12.5, "USD", date(2024, 1, 1)), "invalid-amount"),
        (lambda: money("abc", "USD", date(2024, 1, 1)), "invalid-amount"),
        (lambda: money("10", "XYZ", date(2024, 1, 1)), "unknown-currency"),
    ],
)
def test_sources_and_amounts_are_validated(make: Any, code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        make()
    assert caught.value.code == code


def test_an_open_need_can_be_revised_prioritised_estimated_and_published() -> None:
    need = identify()
    need.collect_events()
    need.revise(description="Revised", horizon="anticipated")
    need.prioritise("low")
    need.estimate("5000.50", "GBP", date(2024, 5, 1))
    need.publish()
    assert new_events(need) == ["NeedRevised", "NeedPrioritised", "NeedCostEstimated", "NeedPublished"]
    assert (need.description, need.horizon, need.priority, need.published) == ("Revised", "anticipated", "low", True)


def test_revising_nothing_is_refused() -> None:
    need = identify()
    with pytest.raises(InvalidInput) as caught:
        need.revise()
    assert caught.value.code == "nothing-to-revise"


@pytest.mark.parametrize("close", ["mark_met", "withdraw"])
@pytest.mark.parametrize(
    "command",
    [
        lambda n: n.revise(description="late"),
        lambda n: n.prioritise("low"),
        lambda n: n.estimate("10", "USD", date(2024, 1, 1)),
        lambda n: n.mark_met("again"),
        lambda n: n.withdraw("again"),
    ],
)
def test_a_closed_need_cannot_be_changed(close: str, command: Any) -> None:
    # Given a need that was met or withdrawn
    need = identify()
    getattr(need, close)("delivered by the 2023 programme")
    need.collect_events()
    # When anything but reopening is tried, then need-closed and nothing is recorded
    with pytest.raises(RuleBroken) as caught:
        command(need)
    assert caught.value.code == "need-closed"
    assert need.collect_events() == []


def test_a_closed_need_reopens_and_then_takes_changes_again() -> None:
    need = identify()
    need.withdraw("duplicate")
    need.reopen("not a duplicate after all")
    need.revise(description="back")
    assert new_events(need) == ["NeedIdentified", "NeedWithdrawn", "NeedReopened", "NeedRevised"]
    assert need.status == "open"


def test_an_open_need_cannot_be_reopened_and_a_reason_is_required() -> None:
    need = identify()
    with pytest.raises(RuleBroken) as caught:
        need.reopen("why")
    assert caught.value.code == "need-not-closed"
    with pytest.raises(InvalidInput) as caught_reason:
        need.mark_met(" ")
    assert caught_reason.value.code == "reason-required"


def test_publishing_twice_is_refused() -> None:
    need = identify()
    need.publish()
    with pytest.raises(RuleBroken) as caught:
        need.publish()
    assert caught.value.code == "need-already-published"


def test_reason_events_carry_the_reason_given() -> None:
    need = identify()
    need.collect_events()
    need.mark_met("training delivered in 2024")
    [event] = need.collect_events()
    assert event.reason == "training delivered in 2024"
