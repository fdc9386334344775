"""Restore an exported log into an empty store (`ledger restore FILE`, docs/auditors.md, "Backup and restore"):
the file, verified first by the caller with `backup.verify_file`, goes back through the library's recorder with its
original positions (across a gap PostgreSQL's sequence is moved and SQLite's row id placed, so the chain head comes
out the original's); then the views are rebuilt, the chain caught up, and its head checked against the file's.
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
from projections.audit.checkpoints import Checkpoint, verify_checkpoint
from projections.audit.log_format import read_jsonl_log, record_from_json
from projections.audit.verify import VerifyResult

BATCH = 2000
Tick = Callable[[int], None]
Stage = Callable[[str, int], AbstractContextManager[Tick | None]]


class RestoreRefused(Exception):
    """The store is not empty, the file does not verify, or the restored chain differs."""


@dataclass(frozen=True)
class Restored:
    events: int
    head: str
    checkpoints_imported: int
    checkpoints_in_file: int


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


def restore(svc: Any, path: Path, verified: VerifyResult, stage: Stage | None = None) -> Restored:
    """Write a verified export's events into an empty store and catch every projection up; `stage(label, total)`
    opens a progress report for each step (e.g. `api.cli.progress`)."""
    stage = stage or (lambda label, total: nullcontext(None))
    ensure_empty(svc)
    with stage("restore", verified.last_position or 0) as tick:
        in_file, ours = _write_events(svc, path, tick)
    with svc.db.transaction() as tx:  # before catching up: our own cadence resumes after them
        for checkpoint in ours:
            audit.insert_checkpoint(tx, checkpoint)
    head = svc.runner.head()
    with stage("views", head) as tick:
        svc.runner.rebuild(svc.views, tick)
    with stage("chain", head) as tick:
        svc.runner.catch_up(tick)
    with svc.db.transaction(commit=False) as tx:
        last = audit.head_of(tx)
        count = int(tx.scalar("SELECT COUNT(*) FROM audit_log"))
    if count != verified.count or (last["chain_hash"] if last else GENESIS.hex()) != verified.head:
        raise RestoreRefused(f"the restored chain ({count} records) differs from the file's")
    return Restored(count, verified.head, len(ours), in_file)


def _write_events(svc: Any, path: Path, tick: Tick | None) -> tuple[int, list[Checkpoint]]:
    """The file's events into the store; answers its checkpoint count and those signed by us."""
    writer = _Writer(svc)
    in_file, ours = 0, []
    for line in read_jsonl_log(path):
        kind = line.get("kind", "event")
        if kind == "event":
            writer.add(record_from_json(line), tick)
        elif kind == "checkpoint":
            in_file += 1
            checkpoint = Checkpoint.from_dict(line)
            if verify_checkpoint(checkpoint, svc.signing_key):  # signed by this ledger's own key
                ours.append(checkpoint)
    writer.flush()
    return in_file, ours


class _Writer:
    """Stored events back into the events table at their original positions, in large batches."""

    def __init__(self, svc: Any) -> None:
        self.recorder, self.db = svc.ledger.recorder, svc.db
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
        with self.db.transaction() as tx:
            tx.execute(
                f"INSERT INTO {self.table} (rowid, originator_id, originator_version, topic,"
                " state) VALUES (?, ?, ?, ?, ?)",
                (record.position, record.stream_id.hex, record.version, record.topic, record.state),
            )


def _stored(record: LogRecord) -> StoredEvent:
    return StoredEvent(
        originator_id=record.stream_id, originator_version=record.version, topic=record.topic, state=record.state
    )
