"""The audit projection: the hash chain over the log, kept incrementally, with signed checkpoints."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from projections.chain import GENESIS, LogRecord, chain_hash, leaf_hash
from projections.db import Database, Tx

AUDIT = "audit"
AUDIT_LOCK = 7300003

TABLES = [
    "CREATE TABLE IF NOT EXISTS audit_log ("
    " position BIGINT PRIMARY KEY, stream_id TEXT NOT NULL, version BIGINT NOT NULL,"
    " topic TEXT NOT NULL, recorded_at TEXT NOT NULL, actor TEXT, leaf_hash TEXT NOT NULL,"
    " chain_hash TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS audit_log_recorded_at ON audit_log (recorded_at)",
    "CREATE INDEX IF NOT EXISTS audit_log_stream ON audit_log (stream_id, version)",
    "CREATE TABLE IF NOT EXISTS audit_checkpoints ("
    " position BIGINT PRIMARY KEY, count BIGINT NOT NULL, chain_hash TEXT NOT NULL,"
    " time TEXT NOT NULL, signature TEXT NOT NULL, key_id TEXT NOT NULL)",
]
SQLITE_ONLY = [f"INSERT OR IGNORE INTO projection_lock VALUES ({AUDIT_LOCK}, 0)"]


def create_tables(db: Database) -> None:
    db.create(TABLES + (SQLITE_ONLY if db.dialect == "sqlite" else []))


class AuditProjection:
    name = AUDIT
    lock_key = AUDIT_LOCK

    def __init__(
        self, signing_key: Any = None, every_events: int = 1000, every_seconds: float = 600.0
    ) -> None:
        self.signing_key = signing_key
        self.every_events = every_events
        self.every_seconds = every_seconds

    def clear(self, tx: Tx) -> None:
        raise RuntimeError("the audit chain is evidence: it is verified, never rebuilt")

    def process(self, tx: Tx, batch: Sequence[tuple[Any, Any]]) -> None:
        last = tx.execute(
            "SELECT chain_hash FROM audit_log ORDER BY position DESC LIMIT 1"
        ).fetchone()
        head = bytes.fromhex(last["chain_hash"]) if last else GENESIS
        rows = []
        for n, event in batch:
            leaf = leaf_hash(
                LogRecord(n.id, n.originator_id, n.originator_version, n.topic, n.state)
            )
            head = chain_hash(head, leaf)
            rows.append(
                (
                    n.id,
                    str(n.originator_id),
                    n.originator_version,
                    n.topic,
                    event.timestamp.isoformat(),
                    getattr(event, "actor", None),
                    leaf.hex(),
                    head.hex(),
                )
            )
        tx.executemany("INSERT INTO audit_log VALUES (?,?,?,?,?,?,?,?)", rows)
        self._maybe_checkpoint(tx, batch[-1][0].id, head.hex())

    def _maybe_checkpoint(self, tx: Tx, position: int, head: str) -> None:
        if self.signing_key is None:
            return
        last = tx.execute(
            "SELECT position, time FROM audit_checkpoints ORDER BY position DESC LIMIT 1"
        ).fetchone()
        since = tx.scalar(
            "SELECT COUNT(*) FROM audit_log WHERE position > ?", (last["position"] if last else 0,)
        )
        now = datetime.now(UTC)
        age = (now - datetime.fromisoformat(last["time"])).total_seconds() if last else float("inf")
        if since < self.every_events and age < self.every_seconds:
            return
        count = tx.scalar("SELECT COUNT(*) FROM audit_log")
        cp = self.signing_key.sign(position, int(count), head, now.isoformat())
        tx.execute(
            "INSERT INTO audit_checkpoints VALUES (?,?,?,?,?,?)",
            (cp.position, cp.count, cp.chain_hash, cp.time, cp.signature, cp.key_id),
        )


def position_at(tx: Tx, moment: datetime) -> int:
    """The last log position recorded at or before `moment`."""
    value = tx.scalar(
        "SELECT MAX(position) FROM audit_log WHERE recorded_at <= ?",
        (moment.astimezone(UTC).isoformat(),),
    )
    return int(value or 0)
