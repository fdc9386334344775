"""A second, empty ledger on the same kind of store, for round trips."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from api.root.services import Services
from api.root.settings import Settings
from tests.conftest import _admin_url, drop_postgres_database, new_postgres_database


@pytest.fixture
def empty_services(settings: Settings, tmp_path: Path) -> Iterator[Services]:
    postgres = settings.is_postgres
    name = new_postgres_database() if postgres else None
    url = _admin_url(name) if name else f"sqlite:///{tmp_path}/empty.db"
    svc = Services(settings.model_copy(update={"database_url": url}))
    try:
        yield svc
    finally:
        svc.close()
        if name:
            drop_postgres_database(name)
