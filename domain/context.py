"""Who records an event, and why: set once per request, read by every event's defaults."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Recorder:
    actor: str = "system"
    actor_org: str | None = None
    reason: str | None = None
    request_id: str | None = None


_current: ContextVar[Recorder] = ContextVar("ledger_recorder", default=Recorder())  # noqa: B039 (frozen)


def current() -> Recorder:
    return _current.get()


@contextmanager
def recording(
    actor: str | None = None,
    actor_org: str | None = None,
    reason: str | None = None,
    request_id: str | None = None,
) -> Iterator[Recorder]:
    """Attribute the events recorded inside the block; unset values keep the outer ones."""
    outer = _current.get()
    inner = Recorder(
        actor=actor if actor is not None else outer.actor,
        actor_org=actor_org if actor_org is not None else outer.actor_org,
        reason=reason if reason is not None else outer.reason,
        request_id=request_id if request_id is not None else outer.request_id,
    )
    token = _current.set(inner)
    try:
        yield inner
    finally:
        _current.reset(token)


def attribute(
    actor: str, actor_org: str | None = None, reason: str | None = None, request_id: str | None = None
) -> None:
    """Attribute everything recorded in the current context (one request's task) from here on."""
    _current.set(Recorder(actor=actor, actor_org=actor_org, reason=reason, request_id=request_id))
