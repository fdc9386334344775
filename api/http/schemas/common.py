"""Schemas per direction: `...Create`/`...Action` in, `...Public` out. Amounts are decimal strings."""

from __future__ import annotations

from datetime import date as Date
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from api.http.schemas.codelists import (
    ArticleNumber,
    CurrencyCode,
    Horizon,
    Iso3,
    OrganisationType,
    Priority,
    ReviewCycle,
    SourceKind,
    TaType,
)

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


def _no_float(v: Any) -> Any:
    if isinstance(v, float):
        raise ValueError("amounts are decimal strings, not floats")
    return v


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Amount(In):
    amount: Decimal = Field(gt=0, max_digits=24, decimal_places=6, description='a decimal string, e.g. "125000.00"')
    currency: CurrencyCode
    value_date: Date

    _amount = field_validator("amount", mode="before")(_no_float)


class Written(BaseModel):
    """Every write answers with the log position of its last event."""

    position: int
    warnings: list[dict[str, Any]] = []


# ---- organisations ----


class OrganisationCreate(In):
    ref: Short = Field(description="IATI organisation identifier, e.g. GB-GOV-1")
    name: Short
    org_type: OrganisationType
    country: Iso3 | None = None


class OrganisationRename(In):
    name: Short


class OrganisationPublic(BaseModel):
    id: UUID
    ref: str
    name: str
    org_type: str
    country: str | None
    version: int


class OrganisationWritten(OrganisationPublic, Written):
    pass


# ---- needs ----


class Source(In):
    kind: SourceKind
    reference: Short
    cycle: ReviewCycle | None = None
    date: Date | None = None


class NeedCreate(In):
    state: Iso3
    article: ArticleNumber
    paragraph: Annotated[str, StringConstraints(max_length=40)] | None = None
    ta_types: list[TaType] = Field(min_length=1, max_length=20)
    description: Text
    horizon: Horizon
    priority: Priority
    source: Source
    estimated_cost: Amount | None = None


class NeedRevise(In):
    description: Text | None = None
    ta_types: list[TaType] | None = Field(default=None, min_length=1, max_length=20)
    paragraph: Annotated[str, StringConstraints(max_length=40)] | None = None
    horizon: Horizon | None = None


class NeedPrioritise(In):
    priority: Priority


class Reason(In):
    reason: Text


class Empty(In):
    pass


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


class Page(BaseModel):
    items: list[dict[str, Any]]
    next_cursor: str | None = None
    position: int = Field(description="the log position the answer reflects")
