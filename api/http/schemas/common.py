"""What every resource's schemas share: the input base, text and amount types, a write's answer,
an empty body and a page. Amounts are decimal strings."""

from __future__ import annotations

from datetime import date as Date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    StrictStr,
    StringConstraints,
    WithJsonSchema,
    field_validator,
)

from api.http.schemas.codelists import CURRENCY_CODES, CurrencyCode

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Note = Annotated[str, StringConstraints(max_length=10_000)]
# Any scalar reaches the domain, which answers `invalid-amount` (floats, zero, negatives, junk).
DecimalText = Annotated[
    StrictStr | StrictInt | StrictFloat,
    WithJsonSchema(
        {
            "type": "string",
            "examples": ["125000.00"],
            "description": "a positive decimal string; floats are refused",
        }
    ),
]
CurrencyText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, max_length=10),
    CURRENCY_CODES,
    Field(description="ISO 4217 code, e.g. EUR"),
]


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


class Empty(In):
    pass


class Page(BaseModel):
    items: list[dict[str, Any]]
    next_cursor: str | None = None
    position: int = Field(description="the log position the answer reflects")
