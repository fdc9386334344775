"""Lessons learned and search: what a delivery's lessons are recorded with, and what a search answers."""

from __future__ import annotations

from datetime import date as Date
from typing import Annotated, Literal, get_args
from uuid import UUID

from fastapi import Query
from pydantic import BaseModel, Field, StringConstraints

from api.http.schemas.bounds import NonBlank
from api.http.schemas.common import In
from domain.deliveries import MAX_LESSONS
from projections.search.fold import KINDS

Kind = Literal["need", "programme", "organisation", "lesson"]
assert set(KINDS) == set(get_args(Kind))  # one list: the index's kinds
Lessons = Annotated[str, StringConstraints(max_length=MAX_LESSONS)]
SearchText = Annotated[str, StringConstraints(max_length=200)]
SearchQ = Annotated[
    SearchText,
    Query(
        description="words to find (every one, each also as a prefix of 3 letters or more); no syntax: quotes, "
        "operators and punctuation only separate words"
    ),
]
OptionalSearchQ = Annotated[SearchText | None, Query(description="words to find in the lessons (as for /v1/search)")]
KindQ = Annotated[Kind | None, Query(description="only entries of this kind")]
SEARCH_LIMIT = 100
SearchLimitQ = Annotated[int, Query(ge=1, le=SEARCH_LIMIT, description="page size (at most 100)")]


class LessonsRecord(In):
    lessons: Annotated[Lessons, NonBlank] = Field(
        description="what was learned from the delivery; replaces lessons recorded before"
    )


class Segment(BaseModel):
    text: str
    match: bool = Field(description="a word the query matched")


class Provider(BaseModel):
    org_id: UUID
    name: str


class SearchItem(BaseModel):
    kind: Kind
    id: str = Field(description="the need's, programme's or organisation's id; a lesson's is programme_id:delivery_id")
    title: str
    url: str = Field(description="where the entry is read")
    text: str = Field(description="the text the entry is found by (a need's description, a delivery's lessons, ...)")
    snippet: str = Field(description="about 24 words of the text around the first word matched")
    snippet_parts: list[Segment] = Field(description="the snippet cut at the words matched, to highlight them")
    score: float = Field(description="relevance in this answer (higher first); 0 in list order")
    state: str | None = None
    article: int | None = None
    chapter: str | None = None
    status: str | int | None = None
    published: bool | None = None
    states: list[str] | None = None
    articles: list[int] | None = None
    chapters: list[str] | None = None
    ref: str | None = None
    programme_id: UUID | None = None
    programme_title: str | None = None
    delivery_id: str | None = None
    delivery_kind: str | None = None
    delivery_description: str | None = None
    date: Date | None = None
    provider: Provider | None = None
    need_ids: list[UUID] | None = None


class SearchPage(BaseModel):
    items: list[SearchItem]
    terms: list[str] = Field(description="the words looked for, as read from q (folded: case and accents dropped)")
    next_cursor: str | None
    position: int
