"""A key revoked anywhere is refused by every server process within a second, although each keeps keys in memory
(api/http/key_cache.py): revoked over HTTP through one of two servers, and with `ledger keys revoke` from the
command line, on PostgreSQL; with the command line beside one server on SQLite. Each server is a process of its own,
started as deployed (`uvicorn api.http.asgi:app`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from uuid import UUID

import httpx
import pytest

from api.root.services import Services
from api.root.settings import Settings
from domain import context
from tests.support.processes import Server, environment, ledger
from tests.support.stores import new_database

DEADLINE = 1.0  # seconds after the revocation has answered


@pytest.fixture
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Settings, str]]:
    """A ledger (created here, as `ledger serve` would) and an admin key."""
    with new_database(request.param, tmp_path) as url:
        settings = Settings(database_url=url, signing_key_file=tmp_path / "key.pem", log_format="json")
        svc = Services(settings)
        try:
            with context.recording(actor="test"):
                admin = svc.ledger.issue_key("admin", "admin")[1]
        finally:
            svc.close()
        yield settings, admin


def servers(settings: Settings, n: int, tmp_path: Path, stack: ExitStack) -> list[Server]:
    env = environment(settings.database_url, settings.key_file)
    started = []
    for i in range(n):
        server = Server(env, tmp_path / f"server-{i}.log")
        stack.callback(server.stop)
        started.append(server.start())
    return started


def new_key(server: Server, admin: str) -> tuple[str, str]:
    r = httpx.post(f"{server.url}/v1/keys", json={"name": "short-lived", "role": "admin"}, headers=bearer(admin))
    assert r.status_code == 201, r.text
    return r.json()["id"], r.json()["key"]


def holding(servers: list[Server], key: str) -> None:
    """Each server accepts the key, once its key cache is in use (its watcher's first look, in its log): the key is
    then held in memory, and a revocation must reach it there."""
    for server in servers:
        deadline = time.monotonic() + 30
        while not any(r.get("event") == "key_cache_watching" for r in server.log_records()):
            assert time.monotonic() < deadline, server.output()[-3000:]
            time.sleep(0.05)
        assert status(server, key) == 200


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def status(server: Server, key: str) -> int:
    return httpx.get(f"{server.url}/v1/needs", headers=bearer(key), timeout=30).status_code


def assert_refused_within_a_second(server: Server, key: str, revoked_at: float) -> None:
    """Every request sent a second after the revocation is refused, and one soon is."""
    while True:
        sent = time.monotonic()
        answer = status(server, key)
        if answer == 401:
            return
        assert answer == 200, answer
        assert sent < revoked_at + DEADLINE, f"{server.url} still accepted the key a second after its revocation"
        time.sleep(0.01)


@pytest.mark.parametrize("store", ["postgres"], indirect=True)
def test_a_key_revoked_through_one_server_is_refused_by_the_other_within_a_second(
    store: tuple[Settings, str], tmp_path: Path
) -> None:
    settings, admin = store
    with ExitStack() as stack:
        # given two server processes, each of which has answered a key (and holds it)
        one, two = servers(settings, 2, tmp_path, stack)
        key_id, key = new_key(one, admin)
        holding([one, two], key)
        # when it is revoked through the first
        r = httpx.post(f"{one.url}/v1/keys/{key_id}/revoke", headers=bearer(admin))
        assert r.status_code == 200, r.text
        revoked_at = time.monotonic()
        # then the first refuses it at once, and the second within a second
        assert status(one, key) == 401
        assert_refused_within_a_second(two, key, revoked_at)
        assert status(two, key) == 401  # and from then on


@pytest.mark.parametrize(("store", "n"), [("postgres", 2), ("sqlite", 1)], indirect=["store"])
def test_a_key_revoked_from_the_command_line_is_refused_by_every_server_within_a_second(
    store: tuple[Settings, str], n: int, tmp_path: Path
) -> None:
    settings, admin = store
    with ExitStack() as stack:
        # given the servers, each of which has answered a key
        running = servers(settings, n, tmp_path, stack)
        key_id, key = new_key(running[0], admin)
        holding(running, key)
        # when `ledger keys revoke` revokes it, from a process of its own
        done = ledger(environment(settings.database_url, settings.key_file), "keys", "revoke", key_id)
        assert done.returncode == 0, done.stderr
        revoked_at = time.monotonic()
        # then every server refuses it within a second
        for server in running:
            assert_refused_within_a_second(server, key, revoked_at)
        # and an idempotent write with it is refused too, its key never claimed
        r = httpx.post(
            f"{running[0].url}/v1/needs", json={}, headers={**bearer(key), "Idempotency-Key": str(UUID(int=1))}
        )
        assert r.status_code == 401
