"""When a log position was recorded: a past view's "today" (programme-monitoring flags), and the moment a
spreadsheet's "About" sheet says its figures reflect."""

from __future__ import annotations

from datetime import date, datetime

from projections.db import Database


def recorded_at(db: Database, position: int) -> datetime | None:
    """The recording time of the last event at or before `position`, from the audit log."""
    with db.transaction(commit=False) as tx:
        row = tx.execute(
            "SELECT recorded_at FROM audit_log WHERE position <= ? ORDER BY position DESC LIMIT 1",
            (position,),
        ).fetchone()
    return datetime.fromisoformat(row["recorded_at"]) if row else None


def day_of(db: Database, position: int) -> date | None:
    """The recording day of the last event at or before `position`."""
    moment = recorded_at(db, position)
    return moment.date() if moment else None
