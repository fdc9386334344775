"""Shared route plumbing: services, If-Match, paging, CSV and read-your-writes."""

from __future__ import annotations

import base64
import csv
import io
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request, Response
from fastapi.responses import StreamingResponse

from api.http.problems import ApiProblem
from api.root.services import Services

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
    try:
        start = int(base64.urlsafe_b64decode(cursor.encode()).decode()) if cursor else 0
    except ValueError:
        raise ApiProblem(422, "invalid-cursor", "the cursor is not one this API gave") from None
    page = items[start : start + limit]
    more = start + limit < len(items)
    return page, base64.urlsafe_b64encode(str(start + limit).encode()).decode() if more else None


LimitQ = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size (at most 500)")]
CursorQ = Annotated[str | None, Query(max_length=200)]


def key_cursor(after: str) -> str:
    """A keyset cursor: the list position (a sort key) to go on after; opaque to clients."""
    return base64.urlsafe_b64encode(after.encode()).decode()


def after_key(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    try:
        after = base64.b64decode(cursor.encode(), altchars=b"-_", validate=True).decode()
    except ValueError:  # binascii.Error and UnicodeDecodeError both are
        after = ""
    if not after:
        raise ApiProblem(422, "invalid-cursor", "the cursor is not one this API gave")
    return after


def csv_response(columns: list[str], rows: list[list[Any]], filename: str) -> StreamingResponse:
    buf = io.StringIO()
    buf.write("\ufeff")  # spreadsheets then read UTF-8 names correctly
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return StreamingResponse(
        iter([buf.getvalue()]),
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
    if as_of is None or as_of == "":
        return None
    if as_of.isdigit():
        return int(as_of)
    try:
        moment = datetime.fromisoformat(as_of.replace("Z", "+00:00"))
    except ValueError:
        raise ApiProblem(422, "invalid-as-of", "as_of is an ISO 8601 date-time or a log position") from None
    if moment.tzinfo is None:
        from datetime import UTC

        moment = moment.replace(tzinfo=UTC)
    return svc.position_at(moment)


AsOfQ = Annotated[str | None, Query(max_length=40, description="ISO 8601 date-time or log position, inclusive")]
MinPositionQ = Annotated[int | None, Query(ge=0, description="wait (bounded) until views reach this position")]
