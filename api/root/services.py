"""Wiring: one Ledger, its database, the projections and their runner, built from Settings."""

from __future__ import annotations

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
        # keys held per process, forgotten when their events say so (revoked anywhere: refused within a second)
        self.keys = KeyCache(self.db, self.events_table, getattr(self.ledger.recorder, "channel_name", None))
        self.ledger.commits.observers.append(self.keys.saved)

    def position_at(self, moment: datetime) -> int:
        with self.db.transaction(commit=False) as tx:
            return audit.position_at(tx, moment)

    def rows(self, as_of: int | None = None) -> Any:
        """The durable rows, or the log folded up to a past position."""
        if as_of is None:
            return self.durable
        return FoldedRows.of(self.ledger, as_of, self.currency, db=self.db)

    def close(self) -> None:
        self.keys.stop()
        self.runner.stop()
        self.ledger.close()
