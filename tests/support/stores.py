"""What a store must hold after a fault, whatever the tier that caused it."""

from __future__ import annotations

from typing import Any

from projections.query import FoldedRows


def assert_each_event_applied_once(svc: Any) -> None:
    """The views equal the fold of the whole log, and the audit chain holds every event exactly once."""
    folded = FoldedRows.of(svc.ledger, svc.runner.head(), svc.currency)
    assert svc.durable.needs() == folded.needs()
    with svc.db.transaction(commit=False) as tx:
        positions = [r["position"] for r in tx.execute("SELECT position FROM audit_log ORDER BY position").fetchall()]
    assert positions == sorted(set(positions))  # each event chained once
    assert len(positions) == svc.runner.head()
