"""Shared fixtures: every store-backed test runs on SQLite and on PostgreSQL.

The helpers these fixtures stand on live in tests/support (stores, servers, processes, histories).
Each test is marked with its tier (unit, integration, e2e) from its folder, so `pytest -m unit` works.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.demo.load import load
from api.http.app import create_app
from api.root.services import Services
from api.root.settings import Settings
from tests.support.servers import LiveServer, client_for
from tests.support.stores import drop_this_runs_databases, new_database

# The suite never touches the real per-user data directory (~/.local/share/uncac-ledger): a setting left to its
# default, in this process or a `ledger` subprocess (tests/support/processes.py passes it on), lands here.
TEST_HOME = tempfile.mkdtemp(prefix="ledger-test-home-")
os.environ["LEDGER_HOME"] = TEST_HOME


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with new_database(request.param, tmp_path) as url:
        yield url


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


@pytest.fixture
def http(server: LiveServer, keys: dict[str, str]) -> Iterator[httpx.Client]:
    """An admin's HTTP client against the live server."""
    with client_for(server, keys["admin"]) as c:
        yield c


TIERS = {
    "unit": "no database, no server: the domain, the folds, the IATI reader and writer, the audit chain",
    "integration": "the stores, the runner and the views on SQLite and PostgreSQL, in this process",
    "e2e": "real HTTP, a real browser, real processes and faults",
}


def pytest_configure(config: pytest.Config) -> None:
    for tier, what in TIERS.items():
        config.addinivalue_line("markers", f"{tier}: {what}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # The folder is the tier, so `pytest -m unit` (or `-m "not e2e"`) picks a tier by marker.
    here = Path(__file__).parent
    for item in items:
        folder = item.path.relative_to(here).parts[0] if item.path.is_relative_to(here) else None
        if folder in TIERS:
            item.add_marker(folder)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    drop_this_runs_databases()
    shutil.rmtree(TEST_HOME, ignore_errors=True)
