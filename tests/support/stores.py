"""Stores for tests: a new database of either kind, a store wiped between hypothesis examples, and
what a store must hold after a fault.

Each PostgreSQL test gets a database of its own, named after this run so the session's end can drop
whatever a crashed test left. With no PostgreSQL reachable the test skips, or fails in CI.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

from api.root.services import Services
from api.root.settings import Settings
from projections import store
from projections.query import FoldedRows
from tests.support.ci import unavailable

PG_URL = os.environ.get("LEDGER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
RUN_ID = uuid.uuid4().hex[:8]


@functools.cache
def postgres_available() -> bool:
    try:
        with psycopg.connect(PG_URL, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def require_postgres() -> None:
    if not postgres_available():
        unavailable(f"PostgreSQL not reachable at {PG_URL} (set LEDGER_TEST_POSTGRES_URL)")


def postgres_url(name: str) -> str:
    """The URL of database `name` on the test server."""
    return f"{PG_URL.rpartition('/')[0]}/{name}"


def new_postgres_database() -> str:
    require_postgres()
    name = f"ltest_{RUN_ID}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_postgres_database(name: str) -> None:
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def drop_this_runs_databases() -> None:
    """Leave no test database behind, even after a crash mid-test."""
    if not postgres_available():
        return
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        pattern = f"ltest_{RUN_ID}_%"
        rows = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (pattern,)).fetchall()
        for (name,) in rows:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def new_database(kind: str, directory: Path) -> Iterator[str]:
    """The URL of a new, empty database of `kind` (sqlite or postgres); a PostgreSQL one is dropped after."""
    if kind == "sqlite":
        yield f"sqlite:///{directory}/ledger-{uuid.uuid4().hex[:6]}.db"
        return
    name = new_postgres_database()
    try:
        yield postgres_url(name)
    finally:
        drop_postgres_database(name)


@contextmanager
def empty_store(kind: str, directory: Path, key_file: Path) -> Iterator[Settings]:
    """Settings for a new, empty store of `kind`, signing with this key file."""
    with new_database(kind, directory) as url:
        yield Settings(database_url=url, signing_key_file=key_file, log_format="json")


@contextmanager
def opened(settings: Settings) -> Iterator[Services]:
    """Services on the store, as a new process would open them; closed after."""
    svc = Services(settings)
    try:
        yield svc
    finally:
        svc.close()


def wipe(svc: Services) -> None:
    """A fresh start for each hypothesis example on the same database."""
    with svc.db.transaction() as tx:
        for table in (*store.VIEW_TABLES, "audit_log", "audit_checkpoints", "event_seals"):
            tx.execute(f"DELETE FROM {table}")
        svc.db.reset_tracking(tx, "views")
        svc.db.reset_tracking(tx, "audit")
        events = svc.ledger.recorder.events_table_name
        # TRUNCATE: the append-only trigger refuses DELETE on PostgreSQL, as it should.
        tx.execute(f"TRUNCATE {events}" if svc.db.dialect == "postgres" else f"DELETE FROM {events}")


def assert_each_event_applied_once(svc: Any) -> None:
    """The views equal the fold of the whole log, and the audit chain holds every event exactly once."""
    folded = FoldedRows.of(svc.ledger, svc.runner.head(), svc.currency)
    assert svc.durable.needs() == folded.needs()
    with svc.db.transaction(commit=False) as tx:
        positions = [r["position"] for r in tx.execute("SELECT position FROM audit_log ORDER BY position").fetchall()]
    assert positions == sorted(set(positions))  # each event chained once
    assert len(positions) == svc.runner.head()
