"""The domain's lists as request types, built once from `domain/reference.py`: the OpenAPI document
states every list, and the reference data stays their only source.

A `Literal` refuses other values itself (`invalid-request`). Where the domain answers an unknown
value with its own code (`unknown-state`, `invalid-delivery-kind`, ...), `Listed` only states the
known values and lets the domain refuse the others, so that code stays the answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias

from pydantic import Field, GetJsonSchemaHandler, StringConstraints
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from domain import reference

ISO3 = r"^[A-Za-z]{3}$"


def literal(values: Iterable[Any]) -> Any:
    """`Literal[...]` of these values: validated by the schema, an `enum` in the OpenAPI document."""
    return Literal.__getitem__(tuple(values))


def pattern(values: Iterable[str]) -> str:
    """A query pattern matching exactly these values (for plain `str` query parameters)."""
    return "^(" + "|".join(values) + ")$"


@dataclass(frozen=True)
class Listed:
    """States the known values as an `enum` in the JSON schema without refusing the others."""

    values: tuple[Any, ...]

    def __get_pydantic_json_schema__(self, core: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = handler(core)
        schema["enum"] = list(self.values)
        return schema


def listed(values: Iterable[Any]) -> Listed:
    return Listed(tuple(values))


STATE_CODES = listed(sorted(reference.states()))
PARTY_CODES = listed(sorted(code for code, state in reference.states().items() if state.party))
CURRENCY_CODES = listed(sorted(reference.currencies()))
REGIONS = listed(reference.regions())
TA_TYPES = listed(reference.ta_types())
TA_TYPES_V2 = listed(reference.ta_types_v2())
CHAPTERS = listed(reference.CHAPTERS)
ARTICLES = tuple(reference.articles())

if TYPE_CHECKING:  # mypy reads these as what they validate; at run time they are built from the lists
    Horizon: TypeAlias = str
    Priority: TypeAlias = str
    SourceKind: TypeAlias = str
    Role: TypeAlias = str
    Chapter: TypeAlias = str
    NeedStatus: TypeAlias = str
    ReviewCycle: TypeAlias = int
else:
    Horizon = literal(reference.HORIZONS)
    Priority = literal(reference.PRIORITIES)
    SourceKind = literal(reference.SOURCE_KINDS)
    Role = literal(reference.ROLES)
    Chapter = literal(reference.CHAPTERS)
    NeedStatus = literal(reference.NEED_STATUSES)
    ReviewCycle = literal(reference.review_cycles())

# Out of range is `invalid-request`; the domain answers `unknown-article` for a gap in the range.
ArticleNumber = Annotated[int, Field(ge=min(ARTICLES), le=max(ARTICLES)), listed(ARTICLES)]
Iso3 = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=ISO3), STATE_CODES]
# A State party (needs, programmes, state keys): the domain answers `not-a-party` for the other states.
Party = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=ISO3), PARTY_CODES]
CurrencyCode = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=ISO3), CURRENCY_CODES]
TaType = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), TA_TYPES]
OrganisationType = Annotated[
    str,
    StringConstraints(pattern=r"^\d{2}$"),
    listed(reference.organisation_types()),
    Field(description="IATI OrganisationType code"),
]
ActivityStatus = Annotated[
    int,
    listed(reference.activity_statuses()),
    Field(
        description="IATI ActivityStatus: " + ", ".join(f"{c} {n}" for c, n in reference.activity_statuses().items())
    ),
]
DeliveryKind = Annotated[str, StringConstraints(max_length=40), listed(reference.DELIVERY_KINDS)]
