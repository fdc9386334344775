"""Fixtures for fault tests: a PostgreSQL cluster of the test's own, and a fresh database in it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest

from tests.e2e.reliability.pgcluster import Cluster, binaries
from tests.support.ci import unavailable


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """One throwaway cluster per module: initdb costs seconds, a database in it costs little."""
    if binaries() is None:
        unavailable("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
    with Cluster() as c:
        yield c


@pytest.fixture
def cluster_url(cluster: Cluster) -> str:
    """A fresh database in the test's own cluster (started, whatever the last test left)."""
    if not cluster.running():
        cluster.start()
    name = f"fault_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(cluster.url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return cluster.url.rpartition("/")[0] + f"/{name}"
