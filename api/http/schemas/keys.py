"""API keys: issued (the key shown once), listed (never a secret), revoked."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field

from api.http.schemas.codelists import Iso3, Role
from api.http.schemas.common import In, Short, Written


class KeyCreate(In):
    name: Short = Field(description="who holds the key, e.g. 'Kenya focal point'")
    role: Role
    organisation: Short | None = Field(default=None, description="IATI ref of its organisation (provider keys)")
    state: Iso3 | None = Field(default=None, description="ISO alpha-3 of its State party (state keys)")


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
