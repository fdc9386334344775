"""The event feed's reads: stored events after a position, in position order, and which needs a reader may see.

Events are read straight from the events table (the log itself, not a projection), decoded with the
ledger's own mapper; visibility is judged on the views' need rows (`view_needs`), so a reader who may
not see every need is served only up to the position the views have applied (the route bounds it).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from projections.audit.records import aggregate_of, stream_event
from projections.audit.store import position_column, stream_uuid
from projections.db import Tx
from projections.query import Scope


def events_after(tx: Tx, table: str, mapper: Any, after: int, until: int | None, size: int) -> list[dict[str, Any]]:
    """Up to `size` stored events with `after` < position (<= `until`), decoded, oldest first."""
    pos = position_column(tx)
    bound, params = (f" AND {pos} <= ?", [after, until]) if until is not None else ("", [after])
    rows = tx.execute(
        f"SELECT {pos} AS position, originator_id, originator_version AS version, topic, state FROM {table}"
        f" WHERE {pos} > ?{bound} ORDER BY {pos} LIMIT {int(size)}",
        params,
    ).fetchall()
    return [
        {
            "stream_id": str(stream_uuid(r["originator_id"])),
            "aggregate": aggregate_of(r["topic"]),
            **stream_event(mapper, r),
        }
        for r in rows
    ]


def visible_needs(tx: Tx, scope: Scope, need_ids: Iterable[str]) -> set[str]:
    """Those of `need_ids` the scope admits, as the views hold them now (a need they do not hold is not visible)."""
    ids = sorted(set(need_ids))
    if not ids:
        return set()
    marks = ", ".join("?" for _ in ids)
    rows = tx.execute(f"SELECT need_id, state, published FROM view_needs WHERE need_id IN ({marks})", ids).fetchall()
    return {str(r["need_id"]) for r in rows if scope.admits({"published": bool(r["published"]), "state": r["state"]})}
