"""Exchange rates into the reporting currency: recorded by coordinators, read by everyone."""

from __future__ import annotations

from datetime import date as Date
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, Field

from api.http.schemas.bounds import PlausibleDate
from api.http.schemas.common import CurrencyText, DecimalText, In, Written


class RateCreate(In):
    currency: CurrencyText
    date: Annotated[Date, PlausibleDate]
    rate: DecimalText = Field(description="reporting-currency units for one unit of `currency`")


class RatePublic(BaseModel):
    currency: str
    date: Date
    rate: str
    reporting_currency: str


class RateWritten(RatePublic, Written):
    id: UUID
    version: int


class RatePage(BaseModel):
    items: list[RatePublic]
    next_cursor: str | None = None
    position: int = Field(description="the log position the answer reflects")
