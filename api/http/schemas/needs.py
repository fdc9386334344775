"""Needs: identified with their source, revised, prioritised, estimated, closed and reopened."""

from __future__ import annotations

from datetime import date as Date
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, Field, StringConstraints

from api.http.schemas.codelists import ArticleNumber, Horizon, Iso3, Priority, ReviewCycle, SourceKind, TaType
from api.http.schemas.common import Amount, In, Short, Text, Written

Paragraph = Annotated[str, StringConstraints(max_length=40)]


class Source(In):
    kind: SourceKind
    reference: Short
    cycle: ReviewCycle | None = None
    date: Date | None = None


class NeedCreate(In):
    state: Iso3
    article: ArticleNumber
    paragraph: Paragraph | None = None
    ta_types: list[TaType] = Field(min_length=1, max_length=20)
    description: Text
    horizon: Horizon
    priority: Priority
    source: Source
    estimated_cost: Amount | None = None


class NeedRevise(In):
    description: Text | None = None
    ta_types: list[TaType] | None = Field(default=None, min_length=1, max_length=20)
    paragraph: Paragraph | None = None
    horizon: Horizon | None = None


class NeedPrioritise(In):
    priority: Priority


class Reason(In):
    reason: Text


class NeedPublic(BaseModel):
    id: UUID
    state: str
    article: int
    chapter: str
    paragraph: str | None
    ta_types: list[str]
    description: str
    horizon: str
    priority: str
    source: dict[str, Any]
    estimated_cost: dict[str, Any] | None
    status: str
    published: bool
    version: int
    created_on: datetime
    modified_on: datetime


class NeedWritten(NeedPublic, Written):
    pass
