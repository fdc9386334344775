"""Server hygiene: the environment is an enum read however it is spelled, the demo stays on this
machine (no wide bind, 403 to any other client), and the SQLite store is private to its owner.
"""

from __future__ import annotations

import contextlib
import os
import socket
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from pydantic import ValidationError

from api.http.app import create_app
from api.root.services import Services
from api.root.settings import Environment, Settings
from tests.support.processes import environment, ledger
from tests.support.servers import free_port

PRODUCTION_SPELLINGS = ["production", "Production", "PRODUCTION", "prod", "Prod", " production", "production\t"]


@pytest.mark.parametrize("spelling", PRODUCTION_SPELLINGS)
def test_every_spelling_of_production_is_production_and_refuses_the_demo(
    spelling: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given LEDGER_ENVIRONMENT spelt in another case, with spaces, or short
    monkeypatch.setenv("LEDGER_ENVIRONMENT", spelling)
    # Then it reads as production, and the demo mode is refused with it
    assert Settings().environment is Environment.PRODUCTION
    with pytest.raises(ValidationError, match="LEDGER_DEMO_MODE is refused"):
        Settings(demo_mode=True)


@pytest.mark.parametrize("spelling", ["staging", "prodution", "", "production-eu"])
def test_an_unknown_environment_is_refused_at_start_up(spelling: str) -> None:
    # A misspelt production must never read as development
    with pytest.raises(ValidationError, match="LEDGER_ENVIRONMENT is one of development, dev, production, prod"):
        Settings(environment=spelling)


def test_serve_refuses_the_demo_in_a_production_spelt_otherwise(tmp_path: Path) -> None:
    env = environment(f"sqlite:///{tmp_path}/ledger.db", tmp_path / "k.pem", LEDGER_ENVIRONMENT=" Prod")
    done = ledger(env, "serve", "--demo", "--port", str(free_port()), timeout=60)
    assert done.returncode != 0 and "LEDGER_DEMO_MODE is refused" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.2"])
def test_serve_refuses_to_bind_the_demo_beyond_this_machine(tmp_path: Path, host: str) -> None:
    # When the demo is asked to listen on every interface, or on a network address
    env = environment(f"sqlite:///{tmp_path}/ledger.db", tmp_path / "k.pem")
    done = ledger(env, "serve", "--demo", "--host", host, "--port", str(free_port()), timeout=60)
    # Then it exits before listening, saying why, without a traceback
    assert done.returncode != 0 and "the demo serves this machine only" in done.stderr, done.stderr[-2000:]
    assert "Traceback" not in done.stderr


def this_machines_network_address() -> str:
    """An address of this machine that is not loopback (the one its default route leaves from)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.123", 9))  # no packet is sent: this only picks the route
        except OSError:
            pytest.skip("this machine has no network interface besides loopback")
        address = str(s.getsockname()[0])
    if address.startswith("127."):
        pytest.skip("this machine has no network interface besides loopback")
    return address


@contextlib.contextmanager
def listening_everywhere(app: Any) -> Iterator[int]:
    """The app served on 0.0.0.0 (as a misconfigured uvicorn would), in a thread; yields its port."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="0.0.0.0", port=port, log_config=None, lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the test server did not start"
        time.sleep(0.02)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(10)


def test_the_demo_answers_403_to_clients_beyond_this_machine(services: Services) -> None:
    # Given the demo app, served on every interface despite the CLI's refusal (uvicorn run by hand)
    settings = services.settings.model_copy(update={"demo_mode": True})
    address = this_machines_network_address()
    with listening_everywhere(create_app(settings, services=services)) as port:
        # When a client reaches it through the machine's network address, with or without a key
        remote = httpx.get(f"http://{address}:{port}/v1/programmes", timeout=30)
        page = httpx.get(f"http://{address}:{port}/", timeout=30)
        # Then it is refused as problem+json, and the demo's coordinator reads are not given
        for r in (remote, page):
            assert r.status_code == 403, r.text
            assert r.headers["content-type"].startswith("application/problem+json")
            assert r.json()["code"] == "demo-local-only"
        # And a client on this machine reads as the demo promises
        assert httpx.get(f"http://127.0.0.1:{port}/v1/programmes", timeout=30).status_code == 200


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_sqlite_store_and_its_wal_and_shm_are_private_to_their_owner(tmp_path: Path) -> None:
    # Given a fresh data directory and the usual umask (files 0644 unless asked otherwise)
    data = tmp_path / "data"
    previous = os.umask(0o022)
    try:
        settings = Settings(database_url=f"sqlite:///{data}/ledger.db", log_format="json")
        svc = Services(settings)
        try:
            # When the ledger writes (SQLite opens its write-ahead log and shared memory)
            svc.ledger.register_organisation("XM-DAC-7", "A provider", "10", "GBR")
            files = [data / "ledger.db", data / "ledger.db-wal", data / "ledger.db-shm", data / "signing-key.pem"]
            # Then every file holding the ledger, and the signing key, is readable by its owner only
            assert {f.name: oct(mode(f)) for f in files} == {f.name: oct(0o600) for f in files}
            assert mode(data) & 0o077 == 0
        finally:
            svc.close()
    finally:
        os.umask(previous)
