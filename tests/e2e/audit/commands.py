"""The real `ledger` commands an auditor or operator runs against a store: verify, export, restore."""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from api.root.services import Services
from api.root.settings import Settings
from tests.conftest import _admin_url, drop_postgres_database, new_postgres_database
from tests.e2e.api.process import environment, ledger


def run(svc: Services | Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """The real `ledger` command against this store, as an operator or auditor runs it."""
    settings = svc.settings if isinstance(svc, Services) else svc
    return ledger(environment(settings.database_url, settings.key_file), *args)


def verdict(svc: Services | Settings, *args: str) -> tuple[int, dict[str, Any], str]:
    """`ledger verify --json`: its exit code, its JSON answer and what it said on stderr."""
    done = run(svc, "verify", "--json", *args)
    return done.returncode, json.loads(done.stdout or "{}"), done.stderr


def export(svc: Services, path: Path) -> Path:
    done = run(svc, "export", "log", "-o", str(path))
    assert done.returncode == 0, done.stderr
    return path


@contextmanager
def empty_store(kind: str, tmp_path: Path, key_file: Path) -> Iterator[Settings]:
    """Settings for a new, empty database of `kind` (sqlite or postgres), with this key file."""
    if kind == "sqlite":
        yield Settings(
            database_url=f"sqlite:///{tmp_path}/restored-{uuid.uuid4().hex[:6]}.db",
            signing_key_file=key_file,
            log_format="json",
        )
        return
    name = new_postgres_database()
    try:
        yield Settings(database_url=_admin_url(name), signing_key_file=key_file, log_format="json")
    finally:
        drop_postgres_database(name)


@contextmanager
def opened(settings: Settings) -> Iterator[Services]:
    svc = Services(settings)
    try:
        yield svc
    finally:
        svc.close()
