"""The runner applies each event exactly once: a crash mid-batch or a SIGKILL loses and repeats nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date

import pytest

from api.root.services import Services
from domain.needs import money, source
from projections.query import FoldedRows
from projections.runner import ViewsProjection
from tests import paths

ROOT = paths.ROOT


def identify_many(ledger, n: int) -> None:
    for i in range(n):
        ledger.identify_need(
            state=["KEN", "GHA", "IDN"][i % 3],
            article=5 + i % 58,
            ta_types=["legal-advice"],
            description=f"need {i}",
            horizon="current",
            priority="medium",
            source=source("self-assessment", f"SA {i}"),
            estimated_cost=money(f"{1000 + i}", "USD", date(2024, 1, 1)),
        )


def assert_exactly_once(svc: Services) -> None:
    folded = FoldedRows.of(svc.ledger, svc.runner.head(), svc.currency)
    assert svc.durable.needs() == folded.needs()
    with svc.db.transaction(commit=False) as tx:
        positions = [r["position"] for r in tx.execute("SELECT position FROM audit_log ORDER BY position").fetchall()]
    assert positions == sorted(set(positions))  # each event chained exactly once
    assert len(positions) == svc.runner.head()


class Crash(Exception):
    pass


class CrashingViews(ViewsProjection):
    """Fails inside its third batch, after it has written part of it."""

    def __init__(self, currency: str) -> None:
        super().__init__(currency)
        self.batches = 0

    def process(self, tx, batch) -> None:
        self.batches += 1
        super().process(tx, batch)
        if self.batches == 3:
            raise Crash()


def test_a_batch_that_fails_half_way_is_rolled_back_and_resumed_exactly_once(services: Services) -> None:
    # Given 50 events and a runner that crashes in its third batch of 10
    identify_many(services.ledger, 50)
    services.runner.batch_size = 10
    crashing = CrashingViews(services.currency)
    services.runner.projections = [crashing, services.audit]
    with pytest.raises(Crash):
        services.runner.catch_up()
    # Then the views stand at the end of the second batch, nothing of the third
    assert services.runner.position("views") == 20
    # When a fresh process resumes
    fresh = Services(services.settings)
    try:
        fresh.runner.catch_up()
        # Then every event is applied exactly once
        assert fresh.runner.position("views") == 50
        assert_exactly_once(fresh)
    finally:
        fresh.close()


def test_a_worker_killed_with_sigkill_resumes_exactly_once(services: Services, settings) -> None:
    # Given a long backlog
    identify_many(services.ledger, 400)
    env = {
        **os.environ,
        "LEDGER_DATABASE_URL": settings.database_url,
        "LEDGER_SIGNING_KEY_FILE": str(settings.signing_key_file),
        "LEDGER_RUNNER_BATCH_SIZE": "5",
        "LEDGER_LOG_FORMAT": "json",
    }
    # When a worker is killed while it works through it
    worker = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while services.runner.position("views") < 50 and time.monotonic() < deadline:
        time.sleep(0.05)
    worker.send_signal(signal.SIGKILL)
    worker.wait(10)
    killed_at = services.runner.position("views")
    assert 0 < killed_at < 400, "the worker should have been killed mid-way"
    # Then a restarted runner finishes, and every event counts once
    services.runner.catch_up()
    assert_exactly_once(services)
