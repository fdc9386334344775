"""The stored log as an auditor reads it: events straight from the events table in position order, the chain the
audit projection stored beside them, and the signed checkpoints. A position is the store's notification id
(SQLite's rowid, PostgreSQL's `notification_id`); reads page by position (keyset), each page in its own short
transaction, so a long verification or export never holds a transaction open.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any
from uuid import UUID

from projections.audit.chain import LogRecord
from projections.audit.checkpoints import Checkpoint
from projections.audit.projection import checkpoint_of
from projections.db import Database, Tx

PAGE = 5000


def position_column(db: Database | Tx) -> str:
    return "rowid" if db.dialect == "sqlite" else "notification_id"


def stream_uuid(value: Any) -> UUID:
    """The store's originator id (SQLite: 32 hex characters; PostgreSQL: a uuid) as a UUID."""
    return value if isinstance(value, UUID) else UUID(str(value))


def stream_param(db: Database | Tx, stream_id: UUID) -> Any:
    return stream_id.hex if db.dialect == "sqlite" else stream_id


def events_head(tx: Tx, table: str) -> int:
    return int(tx.scalar(f"SELECT MAX({position_column(tx)}) FROM {table}") or 0)


def chained_head(tx: Tx) -> int:
    return int(tx.scalar("SELECT MAX(position) FROM audit_log") or 0)


def read_events(
    db: Database, table: str, until: int, on_page: Callable[[int], None] | None = None, after: int = 0
) -> Iterator[LogRecord]:
    """Every stored event with `after` < position <= `until`, in position order, as the chain sees it."""
    pos = position_column(db)
    sql = (
        f"SELECT {pos} AS position, originator_id, originator_version, topic, state FROM {table}"
        f" WHERE {pos} > ? AND {pos} <= ? ORDER BY {pos} LIMIT {PAGE}"
    )
    while True:
        with db.transaction(commit=False) as tx:
            rows = tx.execute(sql, (after, until)).cursor.fetchall()
        for r in rows:
            yield stored_record(r)
        if rows and on_page:
            on_page(rows[-1]["position"])
        if len(rows) < PAGE:
            return
        after = rows[-1]["position"]


class UnreadableRecord(ValueError):
    """A stored row whose fields are not an event any more (e.g. an id that is no UUID)."""

    def __init__(self, position: int, problem: str) -> None:
        super().__init__(f"the event at position {position} is unreadable: {problem}")
        self.position = position


def stored_record(r: Any) -> LogRecord:
    """A row of the events table as the chain sees it; values of the wrong type still hash."""
    state, topic = r["state"], r["topic"]
    if isinstance(state, str):  # SQLite is typeless: a tampered state may come back as TEXT
        state = state.encode("utf-8")
    try:
        stream_id, version = stream_uuid(r["originator_id"]), int(r["originator_version"])
    except (ValueError, TypeError, AttributeError) as e:
        raise UnreadableRecord(int(r["position"]), str(e)) from None
    return LogRecord(
        int(r["position"]),
        stream_id,
        version,
        topic if isinstance(topic, str) else str(topic or ""),
        bytes(state or b""),
    )


def read_chain(db: Database, until: int, after: int = 0) -> Iterator[tuple[int, str, str]]:
    """The stored chain (position, leaf_hash, chain_hash) after `after` up to `until`, in position order."""
    while True:
        with db.transaction(commit=False) as tx:
            rows = tx.execute(
                "SELECT position, leaf_hash, chain_hash FROM audit_log"
                f" WHERE position > ? AND position <= ? ORDER BY position LIMIT {PAGE}",
                (after, until),
            ).cursor.fetchall()
        for r in rows:
            yield int(r["position"]), r["leaf_hash"], r["chain_hash"]
        if len(rows) < PAGE:
            return
        after = rows[-1]["position"]


def checkpoints(tx: Tx, after: int = 0, limit: int | None = None, until: int | None = None) -> list[Checkpoint]:
    """Stored checkpoints with `after` < position (<= `until`), oldest first."""
    sql, params = "SELECT * FROM audit_checkpoints WHERE position > ?", [after]
    if until is not None:
        sql, params = sql + " AND position <= ?", [*params, until]
    sql += " ORDER BY position" + (f" LIMIT {int(limit)}" if limit is not None else "")
    return [checkpoint_of(r) for r in tx.execute(sql, params).fetchall()]


def first_records(tx: Tx, after: Iterable[int]) -> dict[int, tuple[int, str]]:
    """For each position in `after` (a checkpoint's, or 0 for genesis): the position and recorded time
    (`audit_log.recorded_at`, not signed) of the first chained record after it, when there is one. One indexed
    look-up each: the verdict needs them per checkpoint, never per record."""
    found = {}
    for position in sorted(set(after)):
        row = tx.execute(
            "SELECT position, recorded_at FROM audit_log WHERE position > ? ORDER BY position LIMIT 1", (position,)
        ).fetchone()
        if row is not None:
            found[position] = (int(row["position"]), str(row["recorded_at"]))
    return found


def log_page(tx: Tx, table: str, after: int, limit: int) -> list[dict[str, Any]]:
    """Chained records after `after`: the stored event's fields beside its stored hashes; `state` is None when a
    chained position has no event any more (a deletion shows as such)."""
    pos = position_column(tx)
    rows = tx.execute(
        "SELECT a.position, a.stream_id AS chained_stream, a.version AS chained_version,"
        " a.topic AS chained_topic, a.recorded_at, a.actor, a.leaf_hash, a.chain_hash,"
        " e.originator_id, e.originator_version, e.topic, e.state"
        f" FROM audit_log a LEFT JOIN {table} e ON e.{pos} = a.position"
        f" WHERE a.position > ? ORDER BY a.position LIMIT {int(limit)}",
        (after,),
    ).fetchall()
    return [_logged(r) for r in rows]


def _logged(r: dict[str, Any]) -> dict[str, Any]:
    present = r["state"] is not None
    return {
        "position": int(r["position"]),
        "stream_id": stream_uuid(r["originator_id"] if present else r["chained_stream"]),
        "version": int(r["originator_version"] if present else r["chained_version"]),
        "topic": r["topic"] if present else r["chained_topic"],
        "state": bytes(r["state"]) if present else None,
        "recorded_at": r["recorded_at"],
        "actor": r["actor"],
        "leaf_hash": r["leaf_hash"],
        "chain_hash": r["chain_hash"],
    }


def stream_events(tx: Tx, table: str, stream_id: UUID) -> list[dict[str, Any]]:
    """One aggregate's stored events, oldest first, each with its log position."""
    return tx.execute(
        f"SELECT {position_column(tx)} AS position, originator_version AS version, topic, state"
        f" FROM {table} WHERE originator_id = ? ORDER BY originator_version",
        (stream_param(tx, stream_id),),
    ).fetchall()
