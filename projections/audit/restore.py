"""Restore an exported log into an empty store (`ledger restore FILE`, docs/auditors.md, "Backup and restore"):
the file, proven first by `proof.prove` (its checkpoints verified against trusted keys, covering it at the
cadence), goes back through the library's recorder with its original positions (across a gap PostgreSQL's sequence
is moved and SQLite's row id placed, so the chain head comes out the original's); its trusted checkpoints are
imported, so the restored ledger's next checkpoint links to the file's last one; an unsigned tail the caller
accepted is noted by an `UnsignedTailAccepted` event after the restored records; then the views are rebuilt, the
chain caught up, and its head at the file's last position checked against the file's.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eventsourcing.persistence import StoredEvent

from projections.audit import projection as audit
from projections.audit import store as audit_store
from projections.audit.chain import GENESIS, LogRecord
from projections.audit.log_format import read_jsonl_log, record_from_json
from projections.audit.proof import Proof, Tail
from projections.audit.seals import seal_key, seal_records

BATCH = 2000
Tick = Callable[[int], None]
Stage = Callable[[str, int], AbstractContextManager[Tick | None]]


class RestoreRefused(Exception):
    """The store is not empty, the file is not proven, or the restored chain differs."""


@dataclass(frozen=True)
class Restored:
    events: int
    head: str
    checkpoints_imported: int
    checkpoints_in_file: int
    tail: Tail | None = None  # the accepted unsigned tail, noted at `note_position`
    note_position: int | None = None


def ensure_empty(svc: Any) -> None:
    with svc.db.transaction(commit=False) as tx:
        events = audit_store.events_head(tx, svc.events_table)
        chained = audit_store.chained_head(tx)
    tracked = max(svc.runner.position(p.name) for p in svc.runner.projections)
    if events or chained or tracked:
        raise RestoreRefused(
            f"the store is not empty (events to {events}, chain to {chained}, views to {tracked}):"
            " restore only into an empty database"
        )


def restore(svc: Any, path: Path, proof: Proof, stage: Stage | None = None) -> Restored:
    """Write a proven export's events and trusted checkpoints into an empty store, note an accepted unsigned tail
    (attributed from the recording context, which must carry the reason), and catch every projection up;
    `stage(label, total)` opens a progress report for each step (e.g. `api.cli.progress`)."""
    if proof.refusal is not None:
        raise RestoreRefused(f"{path} is not proven: {proof.refusal.message}")
    stage = stage or (lambda label, total: nullcontext(None))
    verified = proof.result
    ensure_empty(svc)
    with stage("restore", verified.last_position or 0) as tick:
        _write_events(svc, path, tick)
    with svc.db.transaction() as tx:  # before catching up: the next checkpoint links to the file's last
        for checkpoint in proof.checkpoints:
            audit.insert_checkpoint(tx, checkpoint)
    note = None
    if proof.tail is not None:  # after the restored records, before the chain: the next checkpoint signs it too
        tail = proof.tail
        note = svc.ledger.accept_unsigned_tail(proof.sha256, tail.first, tail.last, tail.count).position
    head = svc.runner.head()
    with stage("views", head) as tick:
        svc.runner.rebuild(svc.views, tick)
    with stage("chain", head) as tick:
        svc.runner.catch_up(tick)
    _check_head(svc, verified.count, verified.head, verified.last_position or 0)
    return Restored(verified.count, verified.head, len(proof.checkpoints), proof.in_file, proof.tail, note)


def _check_head(svc: Any, count: int, head: str, last: int) -> None:
    """The restored chain at the file's last position is the file's: as many records, the same head."""
    with svc.db.transaction(commit=False) as tx:
        found = tx.scalar("SELECT chain_hash FROM audit_log WHERE position = ?", (last,)) if last else None
        chained = int(tx.scalar("SELECT COUNT(*) FROM audit_log WHERE position <= ?", (last,)))
    if chained != count or (found or GENESIS.hex()) != head:
        raise RestoreRefused(f"the restored chain ({chained} records to position {last}) differs from the file's")


def _write_events(svc: Any, path: Path, tick: Tick | None) -> None:
    """The file's events into the store."""
    writer = _Writer(svc)
    for line in read_jsonl_log(path):
        if line.get("kind", "event") == "event":
            writer.add(record_from_json(line), tick)
    writer.flush()


class _Writer:
    """Stored events back into the events table at their original positions, in large batches."""

    def __init__(self, svc: Any) -> None:
        self.recorder, self.db = svc.ledger.recorder, svc.db
        self.seal_key = seal_key(svc.signing_key)
        self.table = self.recorder.events_table_name
        self.run: list[LogRecord] = []
        self.last = 0  # the last position written

    def add(self, record: LogRecord, tick: Tick | None) -> None:
        if self.run and (record.position != self.run[-1].position + 1 or len(self.run) >= BATCH):
            self.flush()
            if tick:
                tick(self.last)
        self.run.append(record)

    def flush(self) -> None:
        run, self.run = self.run, []
        if not run:
            return
        if self.db.dialect == "postgres":
            if run[0].position != self.last + 1 or not self.last:  # a gap, or a sequence once used
                self._move_sequence(run[0].position)
        elif run[0].position != self.last + 1:  # SQLite numbers max(rowid) + 1: place the first
            self._insert_at(run[0])
            self.last, run = run[0].position, run[1:]
        ids = self.recorder.insert_events([_stored(r) for r in run]) if run else []
        if list(ids or []) != [r.position for r in run]:
            raise RestoreRefused(
                f"the store gave positions {ids[:3]}… for {run[0].position}…: "
                "was something else writing? Empty the store and restore again"
            )
        self.last = run[-1].position if run else self.last

    def _move_sequence(self, position: int) -> None:
        """The next notification id PostgreSQL hands out becomes `position`."""
        with self.db.transaction() as tx:
            tx.execute(
                "SELECT setval(pg_get_serial_sequence(?, 'notification_id'), ?, ?)",
                (self.table, max(position - 1, 1), position > 1),
            )

    def _insert_at(self, record: LogRecord) -> None:
        """SQLite: the record at its row id, sealed in the same transaction (the recorder seals all the others)."""
        with self.db.transaction() as tx:
            tx.execute(
                f"INSERT INTO {self.table} (rowid, originator_id, originator_version, topic,"
                " state) VALUES (?, ?, ?, ?, ?)",
                (record.position, record.stream_id.hex, record.version, record.topic, record.state),
            )
            seal_records(tx, self.seal_key, [record])


def _stored(record: LogRecord) -> StoredEvent:
    return StoredEvent(
        originator_id=record.stream_id, originator_version=record.version, topic=record.topic, state=record.state
    )
