"""Wiring: one Ledger, its database, the projections and their runner, built from Settings."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from api.http.key_cache import KeyCache
from api.root.settings import Settings
from api.web import sessions
from domain.ledger import Ledger
from projections import store
from projections.audit import projection as audit
from projections.audit import seals
from projections.audit.checkpoints import SigningKey
from projections.audit.projection import AuditProjection
from projections.audit.seal_upgrade import upgrade_seals
from projections.audit.sealing import SealingRecorder
from projections.db import Database
from projections.query import DurableRows, FoldedRows
from projections.runner import Runner, ViewsProjection
from projections.versioned import VersionedRows

API_TABLES = [
    "CREATE TABLE IF NOT EXISTS idempotency_keys ("
    " principal TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, status INTEGER,"
    " headers TEXT, body TEXT, created_at TEXT NOT NULL, PRIMARY KEY (principal, key))",
    "CREATE INDEX IF NOT EXISTS idempotency_keys_created ON idempotency_keys (created_at)",  # the purge
]


class Services:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.currency = settings.reporting_currency
        self.ledger = Ledger(env=settings.eventsourcing_env(), reporting_currency=self.currency)
        self.db = Database(self.ledger.factory)
        # Both of the library's recorders name their table; its base class does not declare it.
        self.events_table: str = self.ledger.recorder.events_table_name  # type: ignore[attr-defined]
        store.create_tables(self.db)
        audit.create_tables(self.db, self.events_table)
        seals.create_table(self.db)
        self.db.create([*API_TABLES, *sessions.TABLES])
        self.sessions = sessions.Sessions(
            self.db,
            sessions.Lifetime(
                timedelta(minutes=settings.session_idle_minutes), timedelta(hours=settings.session_absolute_hours)
            ),
        )
        self.signing_key = SigningKey.load_or_create(settings.key_file)
        # every event is sealed as it is written (docs/seals.md); a ledger from before seals is sealed once here
        if not isinstance(self.ledger.recorder, SealingRecorder):
            raise RuntimeError(f"the ledger's recorder {type(self.ledger.recorder).__name__} does not seal")
        upgrade_seals(self.db, self.events_table, self.signing_key)
        self.views = ViewsProjection(self.currency, settings.snapshot_every_events)
        self.audit = AuditProjection(
            self.signing_key, settings.checkpoint_every_events, settings.checkpoint_every_seconds
        )
        self.runner = Runner(self.ledger, self.db, [self.views, self.audit], batch_size=settings.runner_batch_size)
        self.ledger.listeners.append(self.runner.wake.set)
        self.durable = DurableRows(self.db)
        self.folds = FoldCache(settings.as_of_cache)
        # keys held per process, forgotten when their events say so (revoked anywhere: refused within a second)
        self.keys = KeyCache(self.db, self.events_table, getattr(self.ledger.recorder, "channel_name", None))
        self.ledger.commits.observers.append(self.keys.saved)

    def position_at(self, moment: datetime) -> int:
        with self.db.transaction(commit=False) as tx:
            return audit.position_at(tx, moment)

    def rows(self, as_of: int | None = None) -> Any:
        """The durable rows, or a past position's: read from the versions (`VersionedRows`), or where they cannot serve
        it, the log folded up to it (kept for the next read of it, which takes it without trying the versions again).

        A position past the head folds what there is, as the head: the same rows now, and a past that no later write
        changes (ids commit in order, so no event below the head is still to come). A fold is kept under its position
        and the seal of the last event up to it (written with the event): should the log ever not be the one folded
        (a store wiped and written again, as tests do), the key is not the same and the fold is not reused."""
        if as_of is None:
            return self.durable
        position = min(as_of, self.ledger.recorder.max_notification_id() or 0)
        with self.db.transaction(commit=False) as tx:
            key = (position, seals.prefix_of(tx, position))
        kept = self.folds.peek(key)  # a position the versions could not serve, folded already: not tried again
        if kept is not None:
            return kept
        versioned = VersionedRows.at(
            self.ledger, self.db, position, self.runner.position(store.VIEWS), self.currency, self.views.version_every
        )
        if versioned is not None:
            return versioned
        return self.folds.get(key, lambda: FoldedRows.of(self.ledger, position, self.currency, db=self.db))

    def close(self) -> None:
        self.keys.stop()
        self.runner.stop()
        self.ledger.close()


class FoldCache:
    """The last `size` folded positions, for `as_of` reads: the log's past never changes, so a fold can be reused.

    At most one fold at a time in the process (a fold holds the whole state: two at once double the peak), the
    least recently read position let go before a fold when `size` are kept (the kept and the one folding: at
    most `size` states), and
    two requests for the same position fold it once (the second waits for the first and takes its rows). The
    rows are shared between requests: `FoldedRows` is read-only once built. `size` 0 keeps nothing.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.kept: OrderedDict[Any, Any] = OrderedDict()  # (position, seal) -> rows, the least recently read first
        self.lock = threading.Lock()  # guards `kept` and `waits`
        self.waits: dict[Any, threading.Lock] = {}  # one per position being folded
        self.folding = threading.Lock()  # one fold at a time

    def get(self, position: Any, fold: Callable[[], Any]) -> Any:
        if self.size <= 0:
            with self.folding:
                return fold()
        with self.lock:
            found = self._found(position)
            if found is not None:
                return found
            wait = self.waits.setdefault(position, threading.Lock())
        with wait:
            with self.lock:
                found = self._found(position)
            if found is not None:
                return found
            try:
                with self.folding:
                    with self.lock:  # room first: a fold and the kept ones are never more than `size` states
                        while len(self.kept) >= self.size:
                            self.kept.popitem(last=False)
                    folded = fold()
                with self.lock:
                    self.kept[position] = folded
                    while len(self.kept) > self.size:
                        self.kept.popitem(last=False)
            finally:
                with self.lock:
                    self.waits.pop(position, None)
        return folded

    def peek(self, position: Any) -> Any:
        """The rows kept for `position` (read: the last to go), or None; never folds."""
        with self.lock:
            return self._found(position)

    def _found(self, position: Any) -> Any:
        found = self.kept.get(position)
        if found is not None:
            self.kept.move_to_end(position)
        return found
