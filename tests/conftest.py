"""Shared fixtures: every store-backed test runs on SQLite and on PostgreSQL.

PostgreSQL tests get a fresh database each (created and dropped here). Outside CI with no
PostgreSQL reachable they skip with one reason; with CI=true they fail instead.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import uvicorn

from api.demo.load import load
from api.http.app import create_app
from api.root.services import Services
from api.root.settings import Settings

PG_URL = os.environ.get("LEDGER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
RUN_ID = uuid.uuid4().hex[:8]


def _admin_url(dbname: str) -> str:
    base, _, _ = PG_URL.rpartition("/")
    return f"{base}/{dbname}"


_pg_ok: bool | None = None


def postgres_available() -> bool:
    global _pg_ok
    if _pg_ok is None:
        try:
            with psycopg.connect(PG_URL, connect_timeout=3):
                _pg_ok = True
        except psycopg.Error:
            _pg_ok = False
    return _pg_ok


def require_postgres() -> None:
    if postgres_available():
        return
    if IN_CI:
        pytest.fail(f"PostgreSQL is required in CI and not reachable at {PG_URL}")
    pytest.skip(f"PostgreSQL not reachable at {PG_URL} (set LEDGER_TEST_POSTGRES_URL)")


def new_postgres_database() -> str:
    require_postgres()
    name = f"ltest_{RUN_ID}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_postgres_database(name: str) -> None:
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/ledger.db"
        return
    name = new_postgres_database()
    try:
        yield _admin_url(name)
    finally:
        drop_postgres_database(name)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        signing_key_file=tmp_path / "signing-key.pem",
        checkpoint_every_events=50,
        log_format="json",
    )


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    svc = Services(settings)
    try:
        yield svc
    finally:
        svc.close()


@pytest.fixture
def ledger(services: Services) -> Any:
    return services.ledger


@pytest.fixture
def demo(services: Services) -> Services:
    """A store holding the realistic demo data set (about 1,300 events), chained and checkpointed."""
    load(services.ledger)
    services.runner.catch_up()
    return services


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """The real app behind a real socket (uvicorn in a thread), for real HTTP requests."""

    def __init__(self, app: Any) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_config=None, lifespan="on")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def server(services: Services) -> Iterator[LiveServer]:
    app = create_app(services.settings, services=services)
    with LiveServer(app) as live:
        yield live


@pytest.fixture
def keys(services: Services) -> dict[str, str]:
    """One key per role; the state key is bound to Kenya, the provider key to GB-GOV-1."""
    ledger = services.ledger
    ledger.register_organisation("GB-GOV-1", "Foreign, Commonwealth & Development Office", "10", "GBR")
    org = ledger.organisation_by_ref("GB-GOV-1").id
    return {
        "admin": ledger.issue_key("test admin", "admin")[1],
        "coordinator": ledger.issue_key("test coordinator", "coordinator")[1],
        "state": ledger.issue_key("Kenya focal point", "state", state="KEN")[1],
        "provider": ledger.issue_key("FCDO desk", "provider", organisation=org)[1],
        "auditor": ledger.issue_key("test auditor", "auditor")[1],
    }


def client_for(server: LiveServer, key: str | None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.Client(base_url=server.url, headers=headers, timeout=30)


@pytest.fixture
def http(server: LiveServer, keys: dict[str, str]) -> Iterator[httpx.Client]:
    """An admin's HTTP client against the live server."""
    with client_for(server, keys["admin"]) as c:
        yield c


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # Leave no test databases behind, even after a crash mid-test.
    if not postgres_available():
        return
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        names = [
            r[0] for r in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (f"ltest_{RUN_ID}_%",))
        ]
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
