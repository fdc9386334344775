"""Shared route plumbing: services, If-Match, paging, CSV and read-your-writes."""

from __future__ import annotations

import base64
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Header, Query, Request, Response
from fastapi.responses import StreamingResponse

from api.http.problems import ApiProblem
from api.http.schemas.text import CONTROL, refuse_control
from api.root.services import Services
from domain import dates
from projections.views.as_of import day_of
from projections.views.csv_cells import csv_text

MAX_LIMIT = 500


def services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(services)]


def expected_version(if_match: Annotated[str | None, Header()] = None) -> int | None:
    """`If-Match: "3"` names the version the client saw; a write to another version is refused."""
    if if_match is None or if_match.strip() == "*":
        return None
    try:
        return int(if_match.strip().removeprefix("W/").strip('"'))
    except ValueError:
        raise ApiProblem(400, "invalid-if-match", 'If-Match is an ETag such as "3"') from None


IfMatchDep = Annotated[int | None, Depends(expected_version)]


def etag(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'


def paginate(items: list[Any], limit: int, cursor: str | None) -> tuple[list[Any], str | None]:
    """Offset cursors over a stable order; opaque to clients."""
    start = 0
    if cursor:
        offset = _decoded(cursor)
        if not (offset.isascii() and offset.isdigit() and len(offset) <= 18):
            raise ApiProblem(422, "invalid-cursor", "the cursor is not one this API gave")
        start = int(offset)
    page = items[start : start + limit]
    more = start + limit < len(items)
    return page, _encoded(str(start + limit)) if more else None


# Every cursor this API hands out is at most MAX_CURSOR characters, whatever the data: a key of
# codes and ids (needs, cells), an offset, or an id (programmes, whose list order is by title).
MAX_CURSOR = 120
LimitQ = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size (at most 500)")]
CursorQ = Annotated[
    str | None, Query(max_length=MAX_CURSOR, description="`next_cursor` of the previous page, as given")
]


def _encoded(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decoded(cursor: str) -> str:
    """A cursor's text, or "" when it is not one this API could have made."""
    try:
        text = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True).decode()
    except ValueError:  # binascii.Error and UnicodeDecodeError both are
        return ""
    return "" if CONTROL.search(text) else text


def key_cursor(after: str) -> str:
    """A keyset cursor: the list position (a sort key of codes and an id) to go on after."""
    cursor = _encoded(after)
    if len(cursor) > MAX_CURSOR:  # a key built from free text would break the promise above
        raise ValueError(f"a sort key of {len(after)} characters cannot be a cursor")
    return cursor


def after_key(cursor: str | None) -> str | None:
    if not cursor:  # absent or empty: the first page
        return None
    after = _decoded(cursor)
    if not after:
        raise ApiProblem(422, "invalid-cursor", "the cursor is not one this API gave")
    return after


def id_cursor(item_id: str) -> str:
    """A cursor naming the last item by its id (22 characters): for lists ordered by free text."""
    return base64.urlsafe_b64encode(UUID(item_id).bytes).decode().rstrip("=")


def cursor_id(cursor: str) -> str:
    """The id an `id_cursor` names, or 422."""
    try:
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
        return str(UUID(bytes=raw))
    except ValueError:
        raise ApiProblem(422, "invalid-cursor", "the cursor is not one this API gave") from None


def csv_response(columns: list[str], rows: list[list[Any]], filename: str) -> StreamingResponse:
    return StreamingResponse(
        iter([csv_text(columns, rows)]),  # the one CSV spec: BOM, CRLF, formula-like text cells neutralised
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def read_position(svc: Services, as_of: str | None, min_position: int | None) -> int | None:
    """Resolve `as_of` (ISO date-time or log position) and honour `min_position` (bounded wait)."""
    if min_position is not None and min_position > svc.runner.head():
        # No write has that position yet: waiting could not help.
        raise ApiProblem(
            422,
            "position-beyond-head",
            f"position {min_position} is beyond the log's head; use a position a write returned",
        )
    if min_position is not None and not svc.runner.wait_for(min_position, svc.settings.read_wait_seconds):
        raise ApiProblem(
            503,
            "view-lagging",
            f"the views have not reached position {min_position} yet; retry shortly",
            {"Retry-After": "1"},
        )
    if not as_of:
        return None
    moment = dates.as_of(as_of)
    return moment if isinstance(moment, int) else svc.position_at(moment)


def read_day(svc: Services, as_of: str | None, position: int | None) -> date:
    """The day a view's flags are computed for: today (UTC) for a current read; for a past one the
    `as_of` moment's day (UTC), or for a log position the day that position was recorded."""
    if position is None or not as_of:
        return dates.today()
    moment = dates.as_of(as_of)
    if isinstance(moment, datetime):
        return dates.as_of_day(moment)
    return day_of(svc.db, moment) or dates.today()


def plain_parameters(request: Request) -> None:
    """App-wide: no query or path parameter (name or value) carries a control character."""
    for name, value in [*request.query_params.multi_items(), *request.path_params.items()]:
        refuse_control(name, str(value))


AsOfQ = Annotated[
    str | None,
    Query(
        max_length=40,
        description="a log position, or an ISO 8601 date-time (UTC when no zone is given), inclusive; "
        "a date alone means the end of that day, UTC",
    ),
]
MinPositionQ = Annotated[int | None, Query(ge=0, description="wait (bounded) until views reach this position")]
