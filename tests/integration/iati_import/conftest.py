"""A second, empty ledger on the same kind of store, for round trips."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from api.root.services import Services
from api.root.settings import Settings
from tests.support.stores import new_database


@pytest.fixture
def empty_services(settings: Settings, tmp_path: Path) -> Iterator[Services]:
    with new_database("postgres" if settings.is_postgres else "sqlite", tmp_path) as url:
        svc = Services(settings.model_copy(update={"database_url": url}))
        try:
            yield svc
        finally:
            svc.close()
