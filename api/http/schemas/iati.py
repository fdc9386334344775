"""What an IATI import answers: counts, every skipped activity with its reason, and the log head."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Skipped(BaseModel):
    iati_identifier: str | None
    index: int
    code: str
    reason: str


class Note(BaseModel):
    iati_identifier: str
    index: int
    note: str


class IatiImportReport(BaseModel):
    """What an import did: counts, every skipped activity with its reason, and the log head."""

    file: str
    activities: dict[str, int]
    skipped: list[Skipped]
    transactions: dict[str, dict[str, int]]
    organisations_registered: int
    unknown_organisations: list[str] = Field(
        default=[], description="refs a provider key's import named but may not register: a coordinator registers them"
    )
    needs_linked: int
    needs_unlinked: int
    events: int
    notes: list[Note]
    position: int
