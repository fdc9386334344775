"""The aggregate base: every event carries who recorded it, for which organisation, and why."""

from __future__ import annotations

from dataclasses import field
from datetime import date
from typing import Any

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Transcoding

from domain import context


def _actor() -> str:
    return context.current().actor


def _actor_org() -> str | None:
    return context.current().actor_org


def _reason() -> str | None:
    return context.current().reason


def _request_id() -> str | None:
    return context.current().request_id


class LedgerAggregate(Aggregate):
    class Event(Aggregate.Event):
        # init=False keeps these out of every command's signature; the factories read the context.
        actor: str = field(default_factory=_actor, init=False)
        actor_org: str | None = field(default_factory=_actor_org, init=False)
        reason: str | None = field(default_factory=_reason, init=False)
        request_id: str | None = field(default_factory=_request_id, init=False)

    class Created(Event, Aggregate.Created):
        pass


class DateAsISO(Transcoding):
    """The library transcodes datetimes; value dates are plain dates."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: Any) -> date:
        return date.fromisoformat(data)
