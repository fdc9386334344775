"""PostgreSQL's pool pings a connection before handing it out only when it has been idle longer than a second
(projections/db.py `ping_when_idle`): a busy server saves a round trip per checkout, and a connection the database
dropped while it sat idle is still found dead and replaced before any caller gets it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from eventsourcing.postgres import ConnectionPool

from api.root.services import Services
from api.root.settings import Settings
from projections.db import IDLE_BEFORE_PING, ping_when_idle
from tests.support.stores import new_database


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    with new_database("postgres", tmp_path) as url:
        yield url


class Pings:
    """The library's own check, counted."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, conn: Any) -> None:
        self.count += 1
        ConnectionPool.check_connection(conn)


def test_a_connection_used_within_a_second_is_not_pinged_and_one_idle_longer_is(url: str) -> None:
    # given a pool of one connection whose check is the library's pre-ping, pinging only idle connections
    pings = Pings()
    pool: ConnectionPool[Any] = ConnectionPool(url, min_size=1, max_size=1, check=pings, open=True)
    try:
        ping_when_idle(pool)
        # when the connection is taken three times in a row
        for _ in range(3):
            with pool.connection() as conn:
                conn.execute("SELECT 1")
        # then it was pinged once, the first time (nothing says when it was last used)
        assert pings.count == 1
        # when it then sits idle longer than a second and is taken again
        time.sleep(IDLE_BEFORE_PING + 0.2)
        with pool.connection() as conn:
            conn.execute("SELECT 1")
        # then it is pinged before it is handed out
        assert pings.count == 2
    finally:
        pool.close()


def test_a_connection_dropped_while_idle_is_replaced_before_anyone_gets_it(url: str, tmp_path: Path) -> None:
    # given a ledger whose pooled connections have all been used
    settings = Settings(
        database_url=url, signing_key_file=tmp_path / "key.pem", log_format="json", pool_size=2, pool_timeout_seconds=20
    )
    svc = Services(settings)
    try:
        with svc.db.transaction(commit=False) as tx:
            assert tx.scalar("SELECT 1") == 1
        # when the database drops every one of them, and they sit idle longer than a second
        with psycopg.connect(url, autocommit=True) as admin:
            dropped = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
        assert dropped
        time.sleep(IDLE_BEFORE_PING + 0.2)
        # then a read (which nothing retries) still gets a live connection
        with svc.db.transaction(commit=False) as tx:
            assert tx.scalar("SELECT 1") == 1
    finally:
        svc.close()


def test_the_ledger_pool_pings_only_idle_connections(url: str, tmp_path: Path) -> None:
    svc = Services(Settings(database_url=url, signing_key_file=tmp_path / "key.pem", log_format="json"))
    try:
        check = svc.db.datastore.pool._check
        assert getattr(check, "idle_seconds", None) == IDLE_BEFORE_PING
    finally:
        svc.close()
