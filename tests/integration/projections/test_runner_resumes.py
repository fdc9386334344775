"""The runner applies each event exactly once: a crash mid-batch loses and repeats nothing.

A worker killed with SIGKILL is the same story told with processes: tests/e2e/reliability/test_crashes.py.
"""

from __future__ import annotations

import pytest

from api.root.services import Services
from projections.runner import ViewsProjection
from tests.support.ledgers import identify_many
from tests.support.stores import assert_each_event_applied_once


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
        assert_each_event_applied_once(fresh)
    finally:
        fresh.close()
