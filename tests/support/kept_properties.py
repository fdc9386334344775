"""Properties of what the runner keeps, over random histories on a live store: one set of Hypothesis settings and
one way of playing a history, a few events a batch, for every kept == fold test."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from hypothesis import HealthCheck, Phase, example, given, settings

from api.root.services import Services
from tests.support.histories import RICH, Player, histories
from tests.support.stores import wipe

F = TypeVar("F", bound=Callable[..., Any])


def over_histories(max_examples: int) -> Callable[[F], F]:
    """Run the test for RICH and `max_examples` random histories (argument `steps`); no shrinking, so a failure is
    printed whole (a store-backed example is slow to replay)."""

    def wrap(test: F) -> F:
        test = example(steps=RICH)(test)
        test = given(steps=histories)(test)
        return settings(
            max_examples=max_examples,
            phases=[Phase.explicit, Phase.reuse, Phase.generate],
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        )(test)

    return wrap


def play_in_small_batches(services: Services, steps: Any) -> None:
    """The store emptied, `steps` appended, and the runner catching up three events a batch (so kept data is moved
    by many small batches, not one)."""
    wipe(services)
    Player(services.ledger).play(steps)
    services.runner.batch_size = 3
    services.runner.catch_up()
