"""GET /v1/events: the log as a paged, resumable feed, for integrators building their own projections.

Admins, coordinators and auditors read every event, attributed as the audit routes show it. Every
other reader reads, under the visibility rules (api/http/visibility.py), the events of the needs it
may see (anonymous readers: published needs) and, with a key, also programme, organisation and
exchange-rate events that name no need hidden from it; attributed by organisation or State. Such a
reader is served up to the position the views have applied, where visibility is known.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Header, Query, Response

from api.http.auth import ANONYMOUS, READERS_ALL, Principal, PrincipalDep
from api.http.deps import LimitQ, ServicesDep
from api.http.problems import ApiProblem, responses
from api.http.schemas.events import EventPage
from api.http.visibility import Visible, names_hidden
from api.root.services import Services
from api.web.timeline import public_attribution
from projections import feed
from projections.store.schema import VIEWS

router = APIRouter(prefix="/v1", tags=["events"])
SCAN = 2000  # stored events read at most per answer for a narrow reader: a page may end before `limit` items
KEYED_AGGREGATES = frozenset({"Need", "Programme", "Organisation", "ExchangeRate"})  # beyond the audit roles
AfterQ = Annotated[
    int | None,
    Query(ge=0, le=2**62, description="the last position already read (`last_position` of the previous page)"),
]
LastEventId = Annotated[
    str | None,
    Header(
        alias="Last-Event-ID",
        max_length=20,
        description="as `after`, when `after` is not given (Server-Sent Events' resume header)",
    ),
]


@router.get("/events", response_model=EventPage, responses=responses(422))
def events(
    response: Response,
    svc: ServicesDep,
    who: PrincipalDep,
    after: AfterQ = None,
    limit: LimitQ = 100,
    last_event_id: LastEventId = None,
) -> dict[str, Any]:
    """The log's events after a position, oldest first, those this reader may see: resume from `last_position`."""
    start = after if after is not None else _resumed(last_event_id)
    everything = who.role in READERS_ALL
    until = None if everything else svc.runner.position(VIEWS)  # visibility is known up to there
    items, last = _read(svc, who, everything, start, until, limit)
    head = svc.runner.head() if until is None else min(until, svc.runner.head())
    query = urlencode({"after": last, "limit": limit})
    response.headers["Link"] = f'</v1/events?{query}>; rel="next"'
    return {
        "items": items,
        "after": start,
        "last_position": last,
        "head": head,
        "more": last < head,
        "next": f"/v1/events?{query}",
    }


def _resumed(last_event_id: str | None) -> int:
    if last_event_id is None or not last_event_id.strip():
        return 0
    value = last_event_id.strip()
    if not (value.isascii() and value.isdigit() and len(value) <= 18):
        raise ApiProblem(422, "invalid-cursor", "Last-Event-ID is a log position this API gave (ASCII digits)")
    return int(value)


def _read(
    svc: Services, who: Principal, everything: bool, start: int, until: int | None, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """This reader's events after `start` (at most `limit`), and the last position read for them."""
    size = limit if everything else SCAN
    with svc.db.transaction(commit=False) as tx:
        stored = feed.events_after(tx, svc.events_table, svc.ledger.mapper, start, until, size)
        if everything:
            return stored, stored[-1]["position"] if stored else start
        named = [e["stream_id"] for e in stored if e["aggregate"] == "Need"]
        named += [n for e in stored for n in _needs_named(e)]
        seen = Visible(frozenset(feed.visible_needs(tx, who.scope(), named)))
    items: list[dict[str, Any]] = []
    for event in stored:
        if _visible(event, who, seen):
            items.append(public_attribution(event))
            if len(items) == limit:  # full: resume right after the last item given
                return items, event["position"]
    if len(stored) == size:  # the scan ended before `until`: resume after what was read
        return items, stored[-1]["position"]
    return items, max(start, until or 0)  # everything up to `until` was read


def _needs_named(event: dict[str, Any]) -> list[str]:
    data = event.get("data") or {}
    return [str(n) for n in [data.get("need_id"), *(data.get("need_ids") or [])] if n is not None]


def _visible(event: dict[str, Any], who: Principal, seen: Visible) -> bool:
    kind = event["aggregate"]
    if kind == "Need":
        return seen(event["stream_id"])
    if who.role == ANONYMOUS or kind not in KEYED_AGGREGATES:
        return False
    return not names_hidden(event.get("data") or {}, seen)
