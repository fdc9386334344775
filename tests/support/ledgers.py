"""Small ledgers many tests start from, built through the Ledger: a Kenyan programme, a backlog of needs."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from domain.needs import money, source


def kenyan_programme(ledger: Any, funder: UUID, title: str = "Judicial integrity") -> UUID:
    """A programme in implementation in Kenya, funded and reported by `funder`."""
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


def identify_many(ledger: Any, n: int) -> None:
    """n costed needs of Kenya, Ghana and Indonesia in turn, one event each."""
    for i in range(n):
        ledger.identify_need(
            state=["KEN", "GHA", "IDN"][i % 3],
            article=5 + i % 58,
            ta_types=["legal-advice"],
            description=f"need {i}",
            horizon="current",
            priority="medium",
            source=source("self-assessment", f"SA {i}"),
            estimated_cost=money(f"{1000 + i}", "USD", date(2024, 1, 1)),
        )
