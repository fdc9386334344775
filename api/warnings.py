"""Coordination at decision time: warnings a write carries when it creates provider overlap."""

from __future__ import annotations

from typing import Any
from uuid import UUID


def overlap_warnings(svc: Any, programme_id: UUID) -> list[dict[str, Any]]:
    """Other providers' active programmes on the same (state, article, TA type) cells.

    Placeholder until the provider-overlap view lands (issue 4); answers no warnings meanwhile.
    """
    return []
