"""A stuck transaction cannot hang the service: lock, idle-in-transaction and statement timeouts.

PostgreSQL only (SQLite has one writer and a busy timeout instead; see docs/operations.md).
A write blocked by a lock is answered 503 `store-unavailable` with Retry-After: the store is
busy for reasons outside the request, nothing was written, and the same request may be retried
as it is (409 would tell the client to re-read and decide again, which would not help).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from eventsourcing.persistence import OperationalError

from api.http.app import create_app
from api.root.services import Services
from api.root.settings import Settings
from tests.e2e.api.world import NEED
from tests.support.servers import LiveServer
from tests.support.stores import new_database

LOCK_TIMEOUT = 1  # seconds, so the test is short; the default is 2
STATEMENT_TIMEOUT = 3  # also the idle-in-transaction timeout


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[Services, LiveServer, str, str]]:
    with new_database("postgres", tmp_path) as url:
        settings = Settings(
            database_url=url,
            signing_key_file=tmp_path / "key.pem",
            log_format="json",
            lock_timeout_seconds=LOCK_TIMEOUT,
            statement_timeout_seconds=STATEMENT_TIMEOUT,
        )
        svc = Services(settings)
        admin = svc.ledger.issue_key("lock admin", "admin")[1]
        try:
            with LiveServer(create_app(settings, services=svc)) as server:
                yield svc, server, admin, url
        finally:
            svc.close()


def post_need(server: LiveServer, key: str, text: str) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    r = httpx.post(
        f"{server.url}/v1/needs",
        json={**NEED, "description": text},
        headers={"Authorization": f"Bearer {key}"},
        timeout=120,
    )
    return r, time.monotonic() - started


def test_a_write_blocked_by_an_exclusive_lock_on_the_log_fails_with_503_in_bounded_time(
    live: tuple[Services, LiveServer, str, str],
) -> None:
    svc, server, admin, url = live
    table = svc.ledger.recorder.events_table_name
    assert post_need(server, admin, "before the lock")[0].status_code == 201
    head = svc.runner.head()
    # Given another session holding ACCESS EXCLUSIVE on the events table (a migration, VACUUM FULL)
    with psycopg.connect(url) as holder:
        holder.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
        # When a client writes
        refused, took = post_need(server, admin, "during the lock")
        # Then the view reads that do not touch the log still answer
        view = httpx.get(f"{server.url}/v1/views/unmet-needs", timeout=30)
        holder.rollback()
    print(f"\nblocked write answered {refused.status_code} in {took:.1f} s")
    # And the write is refused 503 with Retry-After, after waiting on the lock but within the bound
    assert refused.status_code == 503, refused.text
    assert refused.json()["code"] == "store-unavailable" and refused.headers["retry-after"]
    assert LOCK_TIMEOUT <= took < 10 * (LOCK_TIMEOUT + 0.2) + 5  # the library tries a call 10 times
    assert view.status_code == 200
    # And it wrote nothing; once the lock is gone the same write succeeds
    assert svc.runner.head() == head
    assert post_need(server, admin, "after the lock")[0].status_code == 201


def test_a_transaction_left_idle_by_the_service_itself_is_ended_and_writes_resume(
    live: tuple[Services, LiveServer, str, str],
) -> None:
    svc, server, admin, _ = live
    table = svc.ledger.recorder.events_table_name
    locked = threading.Event()
    ended: list[BaseException] = []

    def stuck() -> None:
        # A bug: one of the service's own sessions takes a lock, then forgets its transaction
        try:
            with svc.db.transaction() as tx:
                tx.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
                locked.set()
                time.sleep(STATEMENT_TIMEOUT * 2)
                tx.execute("SELECT 1")
        except Exception as e:  # what the server did to it is the point of the test
            ended.append(e)

    thread = threading.Thread(target=stuck)
    thread.start()
    assert locked.wait(10)
    # When a client writes meanwhile
    answer, took = post_need(server, admin, "behind a forgotten transaction")
    thread.join()
    print(f"\nwrite behind an idle transaction answered {answer.status_code} in {took:.1f} s")
    # Then PostgreSQL ended the idle session, releasing its lock, and the write went through
    assert answer.status_code == 201, answer.text
    assert took < STATEMENT_TIMEOUT * 2
    assert ended and isinstance(ended[0], Exception)


def test_every_session_of_the_service_is_bounded_by_a_statement_timeout(
    live: tuple[Services, LiveServer, str, str],
) -> None:
    svc: Any = live[0]
    # Given the service's own sessions, when a statement runs longer than the statement timeout
    started = time.monotonic()
    with pytest.raises(OperationalError, match="statement timeout"), svc.db.transaction() as tx:
        tx.execute("SELECT pg_sleep(?)", (STATEMENT_TIMEOUT * 10,))
    # Then it is cancelled at the timeout
    assert time.monotonic() - started < STATEMENT_TIMEOUT + 2
    # And every connection of the pool has the limits, not only some (all held at once here)
    names = ("statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout")
    with ExitStack() as held:
        sessions = [held.enter_context(svc.db.transaction(commit=False)) for _ in range(12)]
        limits = {tuple(tx.scalar(f"SHOW {name}") for name in names) for tx in sessions}
        pids = {tx.scalar("SELECT pg_backend_pid()") for tx in sessions}
    assert len(pids) == 12
    assert limits == {(f"{STATEMENT_TIMEOUT}s", f"{LOCK_TIMEOUT}s", f"{STATEMENT_TIMEOUT}s")}


def test_an_operators_rebuild_outlasts_the_limits_meant_for_requests(
    live: tuple[Services, LiveServer, str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    svc: Any = live[0]
    assert post_need(live[1], live[2], "a need to rebuild")[0].status_code == 201
    assert svc.runner.wait_for(svc.runner.head(), timeout=30)
    with svc.db.transaction(commit=False) as tx:
        before = tx.execute("SELECT need_id, doc FROM view_needs ORDER BY need_id").fetchall()
    # Given a rebuild's switch transaction as it runs at a million events: waiting on the fold's rows between its
    # statements past the idle-in-transaction limit, and one statement past the statement limit
    write_all = type(svc.views).write_all

    def at_scale(self: Any, tx: Any, folded: dict[str, Any]) -> None:
        time.sleep(STATEMENT_TIMEOUT + 1)
        tx.execute("SELECT pg_sleep(?)", (STATEMENT_TIMEOUT + 1,))
        write_all(self, tx, folded)

    monkeypatch.setattr(type(svc.views), "write_all", at_scale)
    # When the operator rebuilds: then it completes, and the views are what they were
    assert svc.runner.rebuild(svc.views) == svc.runner.head()
    with svc.db.transaction(commit=False) as tx:
        assert tx.execute("SELECT need_id, doc FROM view_needs ORDER BY need_id").fetchall() == before
        # And the service's own sessions keep their limits afterwards
        assert tx.scalar("SHOW statement_timeout") == f"{STATEMENT_TIMEOUT}s"
        assert tx.scalar("SHOW idle_in_transaction_session_timeout") == f"{STATEMENT_TIMEOUT}s"
