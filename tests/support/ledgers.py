"""A programme in implementation in Kenya, funded by one organisation: the world many tests need."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID


def kenyan_programme(ledger: Any, funder: UUID, title: str = "Judicial integrity") -> UUID:
    return ledger.register_programme(
        title=title,
        description="",
        reporting_org=funder,
        funders=[funder],
        implementers=[],
        states=["KEN"],
        start=date(2024, 1, 1),
        end=date(2026, 12, 31),
        status=2,
    ).id
