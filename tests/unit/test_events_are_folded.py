"""Every domain event is folded: each event class has a fold handler, an unknown event stops the fold,
and a stored event whose class was renamed without an upcaster fails when read instead of being skipped."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from datetime import date
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.domain import DomainEvent
from eventsourcing.utils import TopicError, _topic_cache, get_topic

import domain
from domain.ledger import Ledger
from domain.needs import Need, source
from projections import model

# The library's per-aggregate base classes: never triggered, so never stored.
BASES = {"Event", "Created"}


def classes_within(owner: Any, module: str) -> Iterator[type]:
    """The classes defined in `module` under `owner` (a module or a class), nested ones too."""
    for value in vars(owner).values():
        if inspect.isclass(value) and value.__module__ == module:
            yield value
            yield from classes_within(value, module)


def domain_events() -> set[type]:
    """Every event class defined in domain/: module-level ones and those nested in aggregates."""
    found: set[type] = set()
    for info in pkgutil.iter_modules(domain.__path__, "domain."):
        module = importlib.import_module(info.name)
        found |= {c for c in classes_within(module, info.name) if issubclass(c, DomainEvent)}
    return {c for c in found if c.__name__ not in BASES}


def test_every_domain_event_class_has_a_fold_handler_and_every_handler_an_event() -> None:
    # Given every event class the domain defines
    names = {cls.__name__ for cls in domain_events()}
    assert {"NeedIdentified", "NeedRevised", "CommitmentRecorded", "ApiKeyRevoked", "ExchangeRateRecorded"} <= names
    # Then the fold handles each of them, and handles no event the domain no longer has
    assert sorted(names - set(model._HANDLERS)) == [], "events with no fold handler"
    assert sorted(set(model._HANDLERS) - names) == [], "fold handlers for events the domain does not define"


def test_an_event_the_fold_has_no_handler_for_stops_the_fold() -> None:
    # Given an event of a class the fold does not know (added to the domain, or renamed, without a handler)
    unknown = type("NeedRelabelled", (), {"originator_id": uuid4()})()
    state = model.MemoryState()
    # When it is folded, then the fold fails, naming it, and changes nothing
    with pytest.raises(model.UnknownEvent, match="NeedRelabelled"):
        model.apply(state, unknown, 7)
    assert state.docs == {}


def test_a_stored_event_whose_class_was_renamed_without_an_upcaster_fails_when_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a need identified and prioritised in a ledger
    ledger = Ledger()
    need = ledger.identify_need(
        state="KEN",
        article=9,
        ta_types=["other"],
        description="renamed",
        horizon="current",
        priority="low",
        source=source("other", "x", on=date(2024, 1, 1)),
    ).id
    ledger.change_need(need, lambda n: n.prioritise("high"))
    # When NeedPrioritised is renamed in the code and its old topic is not kept by an upcaster
    topic = get_topic(Need.NeedPrioritised)
    monkeypatch.setattr(Need, "NeedPriorityChanged", Need.NeedPrioritised, raising=False)
    monkeypatch.delattr(Need, "NeedPrioritised")
    monkeypatch.delitem(_topic_cache, topic, raising=False)
    # Then the need cannot be read, and the log cannot be folded: the stored event is never skipped
    with pytest.raises(TopicError):
        ledger.repository.get(need)
    notifications = ledger.notification_log.select(start=1, limit=10)
    with pytest.raises(TopicError):
        # What the runner and `as_of` do: decode each notification in order, then fold it.
        model.fold((n.id, ledger.mapper.to_domain_event(n)) for n in notifications)
