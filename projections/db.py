"""One small adapter over the library's own datastore, so views share the events' database.

SQL is written once with `?` placeholders; PostgreSQL gets `%s`. Views are written in the
same transaction as their tracking position, through the library's tracking recorder.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.persistence import Tracking


class Tx:
    def __init__(self, cursor: Any, dialect: str) -> None:
        self.cursor = cursor
        self.dialect = dialect

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.dialect == "postgres" else sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Tx:
        self.cursor.execute(self._sql(sql), tuple(params))
        return self

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.cursor.executemany(self._sql(sql), [tuple(r) for r in rows])

    def fetchall(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.cursor.fetchall()]

    def fetchone(self) -> dict[str, Any] | None:
        row = self.cursor.fetchone()
        return dict(row) if row is not None else None

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.execute(sql, params).cursor.fetchone()
        if row is None:
            return None
        return row[0] if self.dialect == "sqlite" else next(iter(dict(row).values()))


IDLE_BEFORE_PING = 1.0  # seconds: a pooled connection unused this long is pinged before it is handed out


def ping_when_idle(pool: Any, idle: float = IDLE_BEFORE_PING) -> None:
    """Pre-ping only connections idle longer than `idle` seconds: a busy server saves a round trip per checkout.

    The library gives psycopg_pool `check=ConnectionPool.check_connection` (POSTGRES_PRE_PING); psycopg_pool calls the
    pool's `_check` at each checkout and has no public setter. A connection is stamped when handed out, so the time
    since the stamp is at least its idle time: never a ping skipped that a stamp at its return would have called for.
    """
    check: Callable[[Any], None] | None = pool._check
    if check is None or getattr(check, "idle_seconds", None) is not None:
        return

    def check_when_idle(conn: Any) -> None:
        now = time.monotonic()
        last = getattr(conn, "_ledger_handed_out_at", None)
        if last is None or now - last > idle:
            check(conn)  # raises on a dead connection: the pool discards it and hands out another
        conn._ledger_handed_out_at = time.monotonic()

    check_when_idle.idle_seconds = idle  # type: ignore[attr-defined]
    pool._check = check_when_idle


class Database:
    """The events' database, as seen by projections and queries."""

    def __init__(self, factory: Any) -> None:
        self.factory = factory
        self.datastore = factory.datastore
        self.dialect = (
            "postgres"
            if any(c.__module__.startswith("eventsourcing.postgres") for c in type(factory).__mro__)
            else "sqlite"  # the library's factory, or a subclass of it (api.root.settings bounds its sessions)
        )
        self.tracking = factory.tracking_recorder()
        self.tracking_table = "tracking" if self.dialect == "sqlite" else self.tracking.tracking_table_name
        if self.dialect == "postgres":
            ping_when_idle(self.datastore.pool)

    @contextmanager
    def transaction(self, commit: bool = True) -> Iterator[Tx]:
        with self.datastore.transaction(commit=commit) as cursor:
            yield Tx(cursor, self.dialect)

    def create(self, statements: Sequence[str]) -> None:
        with self.transaction() as tx:
            if self.dialect == "postgres":
                # Many processes may start at once: creating the same tables must not race.
                tx.execute("SELECT pg_advisory_xact_lock(7300001)")
            for statement in statements:
                tx.execute(statement)

    def ping(self, timeout: int = 2) -> bool:
        """Is the database there? A fresh connection with a short timeout, not the retrying pool."""
        if self.dialect != "postgres":
            return True
        import psycopg

        kwargs = {k: v for k, v in self.datastore.pool.kwargs.items() if k not in ("row_factory", "connect_timeout")}
        try:
            with psycopg.connect(connect_timeout=timeout, **kwargs) as conn:
                conn.execute("SELECT 1")
            return True
        except psycopg.Error:
            return False

    def position(self, name: str) -> int:
        return self.tracking.max_tracking_id(name) or 0

    def track(self, tx: Tx, name: str, position: int) -> None:
        self.tracking._insert_tracking(tx.cursor, Tracking(application_name=name, notification_id=position))

    def reset_tracking(self, tx: Tx, name: str) -> None:
        tx.execute(f"DELETE FROM {self.tracking_table} WHERE application_name = ?", (name,))

    def unbounded(self, tx: Tx) -> None:
        """Lift the session's statement and idle-in-transaction limits for this transaction only: for an operator's
        rebuild or restore, whose switch transaction writes every view in a few statements and waits on the fold's
        last rows between them (at a million events, well past limits meant for requests; the lock limit stays)."""
        if self.dialect == "postgres":
            tx.execute("SET LOCAL statement_timeout = 0")
            tx.execute("SET LOCAL idle_in_transaction_session_timeout = 0")

    def lock(self, tx: Tx, key: int) -> None:
        """Serialise writers of one projection across processes, for this transaction."""
        if self.dialect == "postgres":
            tx.execute("SELECT pg_advisory_xact_lock(?)", (key,))
        else:
            # Take SQLite's write lock now, not at the first write, so two processes never both read.
            tx.execute("UPDATE projection_lock SET n = n + 1 WHERE id = ?", (key,))
