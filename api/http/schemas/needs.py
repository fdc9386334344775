"""Needs: identified with their source, revised, prioritised, estimated, closed and reopened."""

from __future__ import annotations

from datetime import date as Date
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.config import JsonDict

from api.http.schemas.bounds import NonBlank, PlausibleDate
from api.http.schemas.codelists import (
    ARTICLES,
    ArticleNumber,
    Horizon,
    Party,
    Priority,
    ReviewCycle,
    SourceKind,
    TaType,
    listed,
)
from api.http.schemas.common import Amount, In, Short, Text, Written
from domain import stakeholders as para15

Paragraph = Annotated[str, StringConstraints(max_length=40)]
SUBPARAGRAPHS = r"(?:\([0-9]+\))*(?:\([a-z]+\))*"
# A paragraph names its article ("9(1)(a)"): one `anyOf` branch per article states it (domain/reference.py).
PARAGRAPHS: JsonDict = {
    "anyOf": [
        {
            "properties": {
                "article": {"const": n},
                "paragraph": {"anyOf": [{"type": "null"}, {"type": "string", "pattern": f"^{n}{SUBPARAGRAPHS}$"}]},
            }
        }
        for n in ARTICLES
    ]
}
# A revision names at least one field (`nothing-to-revise` otherwise).
REVISED = ("description", "ta_types", "paragraph", "horizon")
SOME_REVISION: JsonDict = {"anyOf": [{"required": [f], "properties": {f: {"not": {"type": "null"}}}} for f in REVISED]}


class Source(In):
    kind: SourceKind
    reference: Short
    cycle: ReviewCycle | None = None
    date: Annotated[Date, PlausibleDate] | None = None


StakeholderName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=para15.MAX_NAME), NonBlank
]
AssistanceText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=para15.MAX_ASSISTANCE), NonBlank
]


class Stakeholder(In):
    """One who took part in identifying the need (resolution para 15)."""

    kind: Annotated[str, listed(para15.STAKEHOLDER_KINDS)]  # the domain answers invalid-stakeholder for others
    name: StakeholderName


Stakeholders = Annotated[list[Stakeholder], Field(max_length=para15.MAX_STAKEHOLDERS)]


class AssistanceProvided(In):
    """The assistance already being provided for the need (resolution para 7), and the programme when known."""

    text: AssistanceText
    programme_id: UUID | None = None


class NeedStakeholders(In):
    """Who took part in identifying the need, replacing the list recorded (empty: nobody besides the State)."""

    stakeholders: Stakeholders


class NeedCreate(In):
    model_config = ConfigDict(extra="forbid", json_schema_extra=PARAGRAPHS)

    state: Party
    article: ArticleNumber
    paragraph: Paragraph | None = None
    ta_types: list[TaType] = Field(min_length=1, max_length=20)
    description: Text
    horizon: Horizon
    priority: Priority
    source: Source
    estimated_cost: Amount | None = None
    stakeholders: Stakeholders = []
    assistance_provided: AssistanceProvided | None = None


class NeedRevise(In):
    model_config = ConfigDict(extra="forbid", json_schema_extra=SOME_REVISION)

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
    stakeholders: list[dict[str, str]]
    assistance_provided: dict[str, Any] | None
    status: str
    published: bool
    version: int
    created_on: datetime
    modified_on: datetime


class NeedWritten(NeedPublic, Written):
    pass
