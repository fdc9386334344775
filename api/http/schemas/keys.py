"""API keys: issued (the key shown once), listed (never a secret), revoked."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict, JsonValue

from api.http.orgs import OrgRef
from api.http.schemas.codelists import Party, Role
from api.http.schemas.common import In, Short, Written

# A state key names its State party, a provider key its organisation, other roles neither (scope-required,
# scope-not-allowed): one branch per role.
BOUND: list[JsonValue] = [
    {
        "properties": {"role": {"const": "state"}, "state": {"type": "string"}, "organisation": {"type": "null"}},
        "required": ["state"],
    },
    {
        "properties": {"role": {"const": "provider"}, "organisation": {"type": "string"}, "state": {"type": "null"}},
        "required": ["organisation"],
    },
]
UNBOUND: list[JsonValue] = [
    {"properties": {"role": {"const": role}, "state": {"type": "null"}, "organisation": {"type": "null"}}}
    for role in ("admin", "coordinator", "auditor")
]
SCOPES: JsonDict = {"anyOf": BOUND + UNBOUND}


class KeyCreate(In):
    model_config = ConfigDict(extra="forbid", json_schema_extra=SCOPES)

    name: Short = Field(description="who holds the key, e.g. 'Kenya focal point'")
    role: Role
    organisation: OrgRef | None = Field(default=None, description="its organisation's IATI ref or id (provider keys)")
    state: Party | None = Field(default=None, description="ISO alpha-3 of its State party (state keys)")


class KeyPublic(BaseModel):
    id: UUID
    name: str
    role: str
    organisation: UUID | None
    organisation_ref: str | None
    state: str | None
    revoked: bool
    version: int


class KeyListed(KeyPublic):
    issued_at: datetime
    issued_by: str
    revoked_at: datetime | None = None


class KeyPage(BaseModel):
    items: list[KeyListed]
    next_cursor: str | None = None
    position: int


class KeyWritten(KeyPublic, Written):
    pass


class KeyIssued(KeyWritten):
    key: str = Field(description="the API key itself: shown in this answer only, stored only as a hash")
