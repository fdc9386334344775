"""What the event feed answers (GET /v1/events): stored events in position order, and where to resume."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, Field

from api.http.schemas.audit import StreamEvent


class FeedEvent(StreamEvent):
    stream_id: UUID = Field(description="the aggregate the event belongs to")
    aggregate: str = Field(description="Need, Programme, Organisation, ExchangeRate, ApiKey or UnsignedTail")


class EventPage(BaseModel):
    items: list[FeedEvent] = Field(description="oldest first; `version` orders a stream's own events")
    after: int = Field(description="the position this page starts after (`after`, or `Last-Event-ID`)")
    last_position: int = Field(
        description="resume from here (as `after` or `Last-Event-ID`): the last position read for this reader, "
        "which may be past the last item when events after it are not for this reader"
    )
    head: int = Field(description="the last position this reader's feed reaches now")
    more: bool = Field(description="true when positions up to `head` remain to be read")
    next: str = Field(description="the next page's link (also in the `Link` header)")
