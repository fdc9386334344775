"""The audit projection: the hash chain over the log, kept incrementally, with signed checkpoints. Each batch
extends the chain from the head stored in `audit_log`, inside the runner's transaction, so the chain always reaches
exactly the audit tracking position; a checkpoint signs (position, count, head) when `CheckpointPolicy` says so
(after N new records, or T seconds after the last checkpoint; the runner's idle turn signs a quiet log's tail
too). On PostgreSQL a trigger refuses UPDATE and DELETE on the events table.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import structlog

from projections.audit.chain import Chain
from projections.audit.checkpoints import FIRST, Checkpoint, CheckpointPolicy, SigningKey
from projections.audit.seals import Sealer, seal_key, sealed_prefix
from projections.db import Database, Tx

log = structlog.get_logger()
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
# v2 checkpoints name the previous one (NULL on the v1 checkpoints of older ledgers)
LINK_COLUMNS = {"prev_position": "BIGINT", "prev_chain_hash": "TEXT"}
SQLITE_ONLY = [f"INSERT OR IGNORE INTO projection_lock VALUES ({AUDIT_LOCK}, 0)"]


def append_only(events_table: str) -> list[str]:
    """PostgreSQL: refuse UPDATE and DELETE on the events table; create it once, keep it enabled."""
    name = trigger_name(events_table)
    return [
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN"
        " RAISE EXCEPTION USING ERRCODE = 'restrict_violation',"
        "  MESSAGE = 'the event log is append-only: ' || TG_OP || ' on ' || TG_TABLE_NAME"
        "   || ' refused',"
        "  HINT = 'events are never changed or deleted; see docs/auditors.md on legal erasure';"
        " END $fn$",
        f"DO $do$ BEGIN"
        f" IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = '{name}'"
        f"   AND tgrelid = '{events_table}'::regclass) THEN"
        f"  CREATE TRIGGER {name} BEFORE UPDATE OR DELETE ON {events_table}"
        f"   FOR EACH ROW EXECUTE FUNCTION {name}();"
        f" ELSIF EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = '{name}'"
        f"   AND tgrelid = '{events_table}'::regclass AND tgenabled = 'D') THEN"
        f"  ALTER TABLE {events_table} ENABLE TRIGGER {name};"
        f" END IF; END $do$",
    ]


def trigger_name(events_table: str) -> str:
    return f"{events_table}_append_only"


def create_tables(db: Database, events_table: str | None = None) -> None:
    if db.dialect == "sqlite" or not events_table:
        db.create(TABLES + (SQLITE_ONLY if db.dialect == "sqlite" else []))
        _add_link_columns(db)
        return
    with db.transaction(commit=False) as tx:
        before = trigger_state(tx, events_table)
    db.create(TABLES + append_only(events_table))
    _add_link_columns(db)
    if before == "disabled":  # someone turned the guard off: it is on again, and we say so
        log.warning("append_only_trigger_reenabled", table=events_table)


def _add_link_columns(db: Database) -> None:
    """Ledgers from before v2 checkpoints gain the link columns; their v1 checkpoints keep NULL there."""
    with db.transaction(commit=False) as tx:
        if tx.dialect == "sqlite":
            have = {r["name"] for r in tx.execute("PRAGMA table_info(audit_checkpoints)").fetchall()}
        else:
            have = {
                r["column_name"]
                for r in tx.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = 'audit_checkpoints'"
                    " AND table_schema = current_schema()"
                ).fetchall()
            }
    missing = [
        f"ALTER TABLE audit_checkpoints ADD COLUMN {name} {kind}"
        for name, kind in LINK_COLUMNS.items()
        if name not in have
    ]
    if missing:
        db.create(missing)


def trigger_state(tx: Tx, events_table: str) -> str | None:
    """PostgreSQL's append-only trigger: enabled, disabled or missing (None on SQLite)."""
    if tx.dialect != "postgres":
        return None
    flag = tx.scalar(
        "SELECT tgenabled FROM pg_trigger WHERE tgname = ? AND tgrelid = to_regclass(?)",
        (trigger_name(events_table), events_table),
    )
    return "missing" if flag is None else ("disabled" if flag == "D" else "enabled")


class AuditProjection:
    name = AUDIT
    lock_key = AUDIT_LOCK

    def __init__(
        self, signing_key: SigningKey | None = None, every_events: int = 1000, every_seconds: float = 600.0
    ) -> None:
        self.signing_key = signing_key
        # a checkpoint signs only records the ledger sealed (docs/seals.md): the seal key derives from the signing key
        self.sealer = Sealer(seal_key(signing_key)) if signing_key else None
        self.policy = CheckpointPolicy(every_events, every_seconds)
        self._next_idle_check = 0.0
        self._alarmed: int | None = None  # the unsealed position already logged
        self._sealed_upto = 0  # chained records up to here were seen sealed (what /readyz need not look at again)

    def clear(self, tx: Tx) -> None:
        raise RuntimeError("the audit chain is evidence: it is verified, never rebuilt")

    def process(self, tx: Tx, batch: Sequence[tuple[Any, Any]]) -> None:
        last = head_of(tx)
        chain = Chain(bytes.fromhex(last["chain_hash"]), last["position"]) if last else Chain()
        rows = []
        for n, event in batch:
            leaf, head = chain.append_fields(n.id, n.originator_id.bytes, n.originator_version, n.topic, n.state)
            rows.append(
                (
                    n.id,
                    str(n.originator_id),
                    n.originator_version,
                    n.topic,
                    event.timestamp.astimezone(UTC).isoformat(timespec="microseconds"),
                    getattr(event, "actor", None),
                    leaf.hex(),
                    head.hex(),
                )
            )
        tx.executemany("INSERT INTO audit_log VALUES (?,?,?,?,?,?,?,?)", rows)
        self.checkpoint_if_due(tx)

    def checkpoint_if_due(self, tx: Tx, now: datetime | None = None, force: bool = False) -> Checkpoint | None:
        """Sign the stored head when the policy says so, or whenever it holds something new if `force` (`ledger
        export log` signs the tail so an export is fully covered); call it holding the audit lock."""
        if self.signing_key is None:
            return None
        last, head = last_checkpoint(tx), head_of(tx)
        after = last.position if last else 0
        if head is None or head["position"] <= after:
            return None  # nothing new to sign
        now = now or datetime.now(UTC)
        since = int(tx.scalar("SELECT COUNT(*) FROM audit_log WHERE position > ?", (after,)))
        if not force and not self.policy.due(since, _age(last, now)):
            return None
        assert self.sealer is not None
        sealed = sealed_prefix(tx, self.sealer, after, int(head["position"]))
        if sealed.first_bad is not None:
            self._alarm(sealed.first_bad, after)
        if sealed.position is None or sealed.chain_hash is None:
            return None  # the first record after the last checkpoint has no valid seal: nothing may be signed
        count = (last.count if last else 0) + sealed.count
        prev = (last.position, last.chain_hash) if last else FIRST
        checkpoint = self.signing_key.sign(sealed.position, count, sealed.chain_hash, now, prev)
        insert_checkpoint(tx, checkpoint)
        return checkpoint

    def _alarm(self, position: int, signed_upto: int) -> None:
        """Once per position: a record the ledger did not seal is chained, and no checkpoint will cover it."""
        if self._alarmed != position:
            self._alarmed = position
            log.error(
                "unsealed_record",
                position=position,
                signed_upto=signed_upto,
                detail="a record the ledger did not write (no valid seal) is in the log; checkpoints stop before it",
            )

    def unsealed(self, db: Database) -> int | None:
        """The first chained record after the last checkpoint whose seal is missing or wrong, None when there is
        none (what /readyz reports). Each call reads only what earlier calls have not seen sealed."""
        if self.sealer is None:
            return None
        with db.transaction(commit=False) as tx:
            last, head = last_checkpoint(tx), head_of(tx)
            signed = last.position if last else 0
            if head is None or head["position"] < self._sealed_upto:  # an emptied store: start again
                self._sealed_upto, self._alarmed = 0, None
            after = max(signed, self._sealed_upto)
            sealed = sealed_prefix(tx, self.sealer, after)
        self._sealed_upto = max(after, sealed.position or 0)
        if sealed.first_bad is None and self._alarmed is not None and self._alarmed > signed:
            return self._alarmed  # the checkpointer found it unsealed (its seal may have gone since we looked)
        return sealed.first_bad

    def idle(self, db: Database) -> None:
        """The runner's idle turn: a quiet log's unsigned tail is signed once T seconds passed."""
        if self.signing_key is None or not self.policy.every_seconds:
            return
        moment = time.monotonic()
        if moment < self._next_idle_check:
            return
        self._next_idle_check = moment + min(max(self.policy.every_seconds / 4, 0.2), 30.0)
        with db.transaction(commit=False) as tx:  # a cheap look first: no write lock when not due
            last, head = last_checkpoint(tx), head_of(tx)
            if head is None or (last and head["position"] <= last.position):
                return
            if _age(last, datetime.now(UTC)) < self.policy.every_seconds:
                return
        with db.transaction() as tx:
            db.lock(tx, self.lock_key)
            self.checkpoint_if_due(tx)


def _age(last: Checkpoint | None, now: datetime) -> float:
    if last is None:
        return float("inf")
    return (now - datetime.fromisoformat(last.time.replace("Z", "+00:00"))).total_seconds()


def head_of(tx: Tx) -> dict[str, Any] | None:
    """The last chained record's position and chain hash."""
    return tx.execute("SELECT position, chain_hash FROM audit_log ORDER BY position DESC LIMIT 1").fetchone()


def last_checkpoint(tx: Tx) -> Checkpoint | None:
    row = tx.execute("SELECT * FROM audit_checkpoints ORDER BY position DESC LIMIT 1").fetchone()
    return checkpoint_of(row) if row else None


def checkpoint_of(row: dict[str, Any]) -> Checkpoint:
    prev = row.get("prev_position")
    return Checkpoint(
        int(row["position"]),
        int(row["count"]),
        row["chain_hash"],
        row["time"],
        row["signature"],
        row["key_id"],
        None if prev is None else int(prev),
        row.get("prev_chain_hash"),
    )


def insert_checkpoint(tx: Tx, checkpoint: Checkpoint) -> None:
    c = checkpoint
    tx.execute(
        "INSERT INTO audit_checkpoints (position, count, chain_hash, time, signature, key_id, prev_position,"
        " prev_chain_hash) VALUES (?,?,?,?,?,?,?,?)",
        (c.position, c.count, c.chain_hash, c.time, c.signature, c.key_id, c.prev_position, c.prev_chain_hash),
    )


def position_at(tx: Tx, moment: datetime) -> int:
    """The last log position recorded at or before `moment`."""
    value = tx.scalar(
        "SELECT MAX(position) FROM audit_log WHERE recorded_at <= ?",
        (moment.astimezone(UTC).isoformat(timespec="microseconds"),),
    )
    return int(value or 0)
