"""What every resource's schemas share: the input base, text and amount types, a write's answer,
an empty body and a page. Amounts are decimal strings."""

from __future__ import annotations

from datetime import date as Date
from typing import Annotated, Any, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    StrictStr,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from api.http.schemas.bounds import POSITIVE, NonBlank, PlausibleDate, amount_branches
from api.http.schemas.codelists import CURRENCY_CODES, CurrencyCode
from domain import amounts, reference

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000), NonBlank]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), NonBlank]
Note = Annotated[str, StringConstraints(max_length=10_000)]
# Any scalar reaches the domain, which answers `invalid-amount` (floats, zero, negatives, junk,
# exponents, digit separators, non-ASCII digits: domain/amounts.py).
DecimalText = Annotated[
    StrictStr | StrictInt | StrictFloat,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": POSITIVE,
            "examples": ["125000.00"],
            "description": "a positive decimal in plain notation (ASCII digits, optional decimal point); "
            "floats, exponents and digit separators are refused",
        }
    ),
]
CurrencyText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, max_length=10),
    CURRENCY_CODES,
    Field(description="ISO 4217 code, e.g. EUR"),
]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Entered(In):
    """A body with an `amount` in a `currency`: over the API an amount has at most the currency's
    ISO 4217 minor units (domain.amounts.entered; IATI imports keep the publisher's precision).
    The document states it: one `anyOf` branch per number of minor units."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"anyOf": amount_branches(reference.currencies())})

    @model_validator(mode="after")
    def _minor_units(self) -> Self:
        given = vars(self)  # each subclass declares `amount` and `currency`
        amounts.entered(given["amount"], given["currency"])
        return self


class Amount(Entered):
    amount: DecimalText = Field(description='a decimal string, e.g. "125000.00"')
    currency: CurrencyCode
    value_date: Annotated[Date, PlausibleDate]


class Written(BaseModel):
    """Every write answers with the log position of its last event."""

    position: int
    warnings: list[dict[str, Any]] = []


class Empty(In):
    pass


class Page(BaseModel):
    items: list[dict[str, Any]]
    next_cursor: str | None = None
    position: int = Field(description="the log position the answer reflects")
