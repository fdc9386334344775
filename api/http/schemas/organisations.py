"""Organisations: registered by their IATI identifier, renamed, read."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, Field

from api.http.schemas.codelists import Iso3, OrganisationType
from api.http.schemas.common import In, Short, Written


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
