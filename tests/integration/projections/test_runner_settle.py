"""The runner in its own thread, out of the requests' way: a stream of appends is applied in few batches (it lets
them settle before each), while a reader waiting for its own write (read-your-writes, `wait_for`) cuts that short.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from api.root.services import Services
from domain import context
from projections.db import Tx
from projections.runner import ViewsProjection
from tests.support.ledgers import identify_many

LONG = 600.0  # a settle no test outlives: only a waiting reader can end it


class CountedViews(ViewsProjection):
    """The views, counting the batches they are given."""

    def __init__(self, currency: str) -> None:
        super().__init__(currency)
        self.batches: list[int] = []

    def process(self, tx: Tx, batch: Sequence[tuple[Any, Any]]) -> None:
        self.batches.append(len(batch))
        super().process(tx, batch)


def test_a_reader_waiting_for_its_write_does_not_wait_for_the_runner_to_settle(services: Services) -> None:
    # given a running runner that lets appends settle for longer than any test lasts
    runner = services.runner
    runner.settle = LONG
    runner.start()
    # when a write is made and its writer waits for the views to apply it
    with context.recording(actor="test"):
        identify_many(services.ledger, 1)
    position = services.ledger.position()
    # then the views reach it within the wait's bound, however long the settle
    assert runner.wait_for(position, timeout=30)
    assert runner.position() >= position


def test_a_stream_of_appends_is_applied_in_few_batches(services: Services) -> None:
    # given a running runner that lets appends settle, counting the views' batches
    counted = CountedViews(services.currency)
    runner = services.runner
    runner.projections = [counted, services.audit]
    runner.settle = LONG
    runner.start()
    # when twenty writes arrive one after another, each waking the runner
    with context.recording(actor="test"):
        identify_many(services.ledger, 20)
    position = services.ledger.position()
    assert runner.wait_for(position, timeout=30)
    # then they were applied together (one batch, or two when the runner was already reading as the first arrived)
    assert sum(counted.batches) == 20
    assert len(counted.batches) <= 2, counted.batches
