"""The sealing writer: the library's application recorders, each of which seals every event it inserts, in the
insert's own transaction (docs/seals.md). A seal is HMAC-SHA256 over the record's leaf hash at the position the
store gave it (seals.py), so the seals are never lost and never half there.

The recorder reads its key from the signing key file named by the factory's `SEAL_KEY_FILE` setting (Settings
puts `LEDGER_SEAL_KEY_FILE` in the library's environment), once, at its first write; with no key it refuses to
write. There is no unsealed way in: the factories below build nothing but sealing recorders.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, ProgrammingError, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteFactory

from projections.audit.chain import LogRecord, leaf_hash
from projections.audit.checkpoints import SigningKey
from projections.audit.leaves import Rows, leaf_block
from projections.audit.seals import UPSERT, Sealer, seal_key
from projections.pg_recorder import OneTripPostgresRecorder

SEAL_KEY_FILE = "SEAL_KEY_FILE"


class SealKeyMissing(ProgrammingError):
    """A write with no seal key: the ledger writes nothing it cannot seal."""


class SealingRecorder:
    """What both sealing recorders share: the key, loaded once, and the seals of a batch of stored events."""

    key_file: Path | None = None
    _sealer: Sealer | None = None
    _loading = threading.Lock()

    def sealer(self) -> Sealer:
        sealer = self._sealer
        if sealer is None:
            with self._loading:
                sealer = self._sealer or Sealer(seal_key(SigningKey.load(self._key_path())))
                self._sealer = sealer
        return sealer

    def _key_path(self) -> Path:
        path = self.key_file
        if path is None or not path.exists():
            raise SealKeyMissing(
                f"no signing key at {path or '(none configured)'}: every event is sealed with a key derived from it,"
                " and nothing is written unsealed"
            )
        return path

    def seals(self, positions: Sequence[int], events: Sequence[StoredEvent]) -> list[tuple[int, str]]:
        """(position, seal) of each event stored at the position the store gave it."""
        if len(positions) != len(events):
            raise ProgrammingError(f"the store gave {len(positions)} positions for {len(events)} events")
        sealer = self.sealer()
        if not events:
            return []
        # One pass over the batch's columns: its leaves hashed together (leaves.leaf_block, the bytes of
        # chain.leaf_input, held equal by a property test), then sealed, with no LogRecord per event.
        rows = Rows(
            list(map(int, positions)),
            [i.bytes if isinstance(i, UUID) else UUID(str(i)).bytes for i in (e.originator_id for e in events)],
            [e.originator_version for e in events],
            [e.topic for e in events],
            [e.state for e in events],
        )
        block = leaf_block(rows)
        if block is None:  # a field that does not fit the leaf layout: the record's own path says which
            return self.seal_each(positions, events)
        seal = sealer.seal
        return list(zip(rows.positions, map(seal, [block[i : i + 32] for i in range(0, len(block), 32)]), strict=True))

    def seal_each(self, positions: Sequence[int], events: Sequence[StoredEvent]) -> list[tuple[int, str]]:
        """`seals` one record at a time, through `chain.leaf_hash` (the reference the batch is held equal to)."""
        if len(positions) != len(events):
            raise ProgrammingError(f"the store gave {len(positions)} positions for {len(events)} events")
        sealer = self.sealer()
        return [(int(p), sealer.seal(leaf_hash(_record(p, e)))) for p, e in zip(positions, events, strict=True)]


def _record(position: int, event: StoredEvent) -> LogRecord:
    stream = event.originator_id
    return LogRecord(
        int(position), stream if isinstance(stream, UUID) else UUID(str(stream)), event.originator_version,
        event.topic, event.state,
    )  # fmt: skip


class SealingSQLiteRecorder(SealingRecorder, SQLiteApplicationRecorder):
    """SQLite: each insert gives its rowid (the position); the seals go in before the transaction commits."""

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int]:
        self.sealer()  # refuse before anything is inserted
        ids = list(super()._insert_events(c, stored_events, **kwargs) or [])
        c.executemany(UPSERT, self.seals(ids, stored_events))
        return ids


class SealingPostgresRecorder(SealingRecorder, OneTripPostgresRecorder):
    """PostgreSQL: the seals are the companion rows of the events (projections/pg_recorder.py), computed at the
    positions the events are stored at and written in the same statement or transaction."""

    companion_table = "event_seals"
    companion_column = "seal"

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        if self.datastore.enable_db_functions:  # that path inserts in a database function we cannot seal in
            raise ProgrammingError("sealed writes do not use POSTGRES_ENABLE_DB_FUNCTIONS: unset it")
        if stored_events:
            self.sealer()  # refuse before anything is inserted
        ids: Sequence[int] | None = super().insert_events(stored_events, **kwargs)
        return ids

    def companions(self, positions: Sequence[int], events: Sequence[StoredEvent]) -> list[str]:
        return [seal for _, seal in self.seals(positions, events)]


def configured(recorder: ApplicationRecorder, key_file: str | None) -> ApplicationRecorder:
    """The factory's recorder, which must seal, told where the signing key is."""
    if not isinstance(recorder, SealingRecorder):
        raise ProgrammingError(f"{type(recorder).__name__} does not seal: the ledger writes only through a sealer")
    recorder.key_file = Path(key_file) if key_file else None
    return recorder


class SealingSQLiteFactory(SQLiteFactory):
    """The library's SQLite factory, whose application recorder seals."""

    application_recorder_class = SealingSQLiteRecorder

    def application_recorder(self) -> ApplicationRecorder:
        return configured(super().application_recorder(), self.env.get(SEAL_KEY_FILE))
