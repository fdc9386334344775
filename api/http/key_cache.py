"""API keys held per process, forgotten when the keys' own events say so (api/http/auth.py asks here first).

A key is read from the store once and kept. A watcher thread looks at the log since the position it last saw, in one
statement (one snapshot): the new head, and the keys any new event belongs to; those keys are forgotten. It looks every
POLL seconds, and on PostgreSQL at once when the library's NOTIFY of an append arrives (LISTEN on its channel, at most
one look per GAP). The cache is used only while the watcher's last look began less than TRUST seconds ago: a watcher
that cannot reach the store or falls behind turns it off, and every request reads the store as before. So a key
revoked anywhere (another server, the CLI) is refused by every process within TRUST seconds, under one second; the
process that saved the revocation refuses it from its next request on (`saved`, a group-commit observer).

The log's ordering guarantee (no notification id commits after a reader saw a higher one) is what makes "since the
position" complete. A load that began before a key was forgotten is not kept (a generation counter), so a read that
raced a revocation cannot outlive it. Unknown keys are never kept: guessing ids cannot fill the memory.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

import structlog
from eventsourcing.utils import get_topic

from domain.group_commit import BatchSaved
from domain.keys import ApiKey
from projections.db import Database

POLL = 0.2  # seconds between looks with nothing heard
GAP = 0.05  # at most one look per GAP however many appends are notified
TRUST = 0.8  # the cache is used only this long after the watcher's last look began
MAX_KEYS = 10_000
KEY_TOPICS = get_topic(ApiKey) + "."  # ApiKeyIssued, ApiKeyRevoked: every event of a key aggregate
KEY_EVENTS = frozenset({ApiKey.ApiKeyIssued.__name__, "ApiKeyRevoked"})  # domain/keys.py: @event("ApiKeyRevoked")

T = TypeVar("T")
log = structlog.get_logger()


def statements(dialect: str, events_table: str) -> tuple[str, str]:
    """The log's head; and the head after a position with the keys that have events after it (one statement, so one
    snapshot: a key event committed between two statements could otherwise be passed over)."""
    if dialect == "postgres":
        return (
            f"SELECT MAX(notification_id) AS head, NULL AS keys FROM {events_table}",
            f"SELECT MAX(notification_id) AS head, array_agg(DISTINCT originator_id::text)"
            f" FILTER (WHERE topic LIKE %s) AS keys FROM {events_table} WHERE notification_id > %s",
        )
    return (
        f"SELECT MAX(rowid) AS head, NULL AS keys FROM {events_table}",
        f"SELECT MAX(rowid) AS head, group_concat(DISTINCT originator_id)"
        f" FILTER (WHERE topic GLOB ?) AS keys FROM {events_table} WHERE rowid > ?",
    )


class KeyCache:
    """Keys by id, for one process; `get` answers what `load` would, from memory while the watcher keeps up."""

    def __init__(self, db: Database, events_table: str, channel: str | None = None) -> None:
        self.db = db
        self.channel = channel  # PostgreSQL: the library's NOTIFY channel of appends
        self._head, self._changes = statements(db.dialect, events_table)
        self._pattern = KEY_TOPICS + ("%" if db.dialect == "postgres" else "*")
        self._held: dict[UUID, Any] = {}
        self._lock = threading.Lock()
        self._generation = 0  # moves whenever a key is forgotten
        self._position: int | None = None  # the log position the watcher has seen up to
        self._looked_at: float | None = None  # when its last successful look began
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def get(self, key_id: UUID, load: Callable[[UUID], T | None]) -> T | None:
        """The key as `load` reads it from the store; kept while the watcher keeps up, never kept when unknown."""
        self.start()
        with self._lock:
            trusted = self.trusted()
            held = self._held.get(key_id) if trusted else None
            generation = self._generation
        if held is not None:
            return held  # type: ignore[no-any-return]
        value = load(key_id)
        if value is not None and trusted:
            with self._lock:
                if self._generation == generation:  # nothing was forgotten while we read
                    if len(self._held) >= MAX_KEYS:
                        self._held.pop(next(iter(self._held)))
                    self._held[key_id] = value
        return value

    def saved(self, report: BatchSaved) -> None:
        """This process saved a batch (a group-commit observer): a key event in it is felt at once, before its answer,
        not at the watcher's next look. Key events are rare: every key is forgotten."""
        if report.error is None and not KEY_EVENTS.isdisjoint(report.events):
            with self._lock:
                self._held.clear()
                self._generation += 1

    def trusted(self) -> bool:
        """Is the cache in use: did the watcher's last look begin less than TRUST seconds ago?"""
        return self._looked_at is not None and time.monotonic() - self._looked_at < TRUST

    @property
    def position(self) -> int | None:
        """The log position the watcher has looked up to (None before its first look)."""
        return self._position

    def look(self, fetch: Callable[[str, tuple[Any, ...]], tuple[int | None, list[str]]]) -> None:
        """One look at the log since the last one: forget the keys with new events, move the position on."""
        began = time.monotonic()
        first = self._position is None
        if first:  # nothing is held yet: only the head matters
            head, changed = fetch(self._head, ())
        else:
            head, changed = fetch(self._changes, (self._pattern, self._position))
        with self._lock:
            for key in changed:
                self._held.pop(UUID(key), None)
            if changed:
                self._generation += 1
            if head is not None:
                self._position = max(self._position or 0, int(head))
            elif self._position is None:
                self._position = 0
            self._looked_at = began
        if first:
            log.info("key_cache_watching", position=self._position)

    # ---- the watcher ----

    def start(self) -> None:
        """Start the watcher (once; `get` starts it too)."""
        if self._thread is not None or self._stop.is_set():
            return
        with self._lock:
            if self._thread is not None:
                return
            watch = self._watch_postgres if self.db.dialect == "postgres" else self._watch_sqlite
            self._thread = threading.Thread(target=watch, name="key-cache-watcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5.0)

    def _watch_sqlite(self) -> None:
        while not self._stop.is_set():
            try:
                self.look(self._fetch_with_pool)
            except Exception as e:  # the store may be away: the cache goes untrusted until a look succeeds
                log.info("key_cache_look_failed", error=str(e))
            self._stop.wait(POLL)

    def _fetch_with_pool(self, statement: str, params: tuple[Any, ...]) -> tuple[int | None, list[str]]:
        with self.db.transaction(commit=False) as tx:
            row = tx.execute(statement, params).fetchone() or {}
        keys = row.get("keys") or ""
        return row.get("head"), [k for k in keys.split(",") if k]

    def _watch_postgres(self) -> None:
        import psycopg

        kwargs = {k: v for k, v in self.db.datastore.pool.kwargs.items() if k != "row_factory"}
        while not self._stop.is_set():
            try:
                with psycopg.connect(autocommit=True, **kwargs) as conn:
                    conn.execute(f'LISTEN "{self.channel}"')

                    def fetch(statement: str, params: tuple[Any, ...]) -> tuple[int | None, list[str]]:
                        row = conn.execute(statement, params).fetchone()
                        assert row is not None  # an aggregate answers one row
                        return row[0], list(row[1] or [])

                    while not self._stop.is_set():
                        self.look(fetch)
                        for _ in conn.notifies(timeout=POLL, stop_after=1):
                            pass
                        self._stop.wait(GAP)
            except Exception as e:  # the database went away: untrusted until it answers again
                log.info("key_cache_watcher_reconnecting", error=str(e))
                self._stop.wait(POLL)
