"""The durable views equal their pure fold over the log: live, after a restart, and rebuilt."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from api.root.services import Services
from projections.query import FoldedRows
from projections.views import unmet_needs
from tests.support.histories import Player, histories
from tests.support.stores import wipe

PROPERTY = settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


def fold_of(svc: Services) -> FoldedRows:
    return FoldedRows.of(svc.ledger, svc.runner.head(), svc.currency)


def assert_equal_to_fold(svc: Services) -> None:
    folded = fold_of(svc)
    assert svc.durable.needs() == folded.needs()
    assert svc.durable.programmes() == folded.programmes()
    assert unmet_needs.view(svc.durable.needs(status="open"), "USD") == unmet_needs.view(
        folded.needs(status="open"), "USD"
    )


@PROPERTY
@given(steps=histories)
def test_the_durable_unmet_needs_view_equals_its_fold_over_random_histories(services: Services, steps) -> None:
    wipe(services)
    Player(services.ledger).play(steps)
    services.runner.catch_up()
    assert_equal_to_fold(services)


@PROPERTY
@given(steps=histories)
def test_the_views_equal_the_fold_after_a_restart_half_way(services: Services, steps) -> None:
    wipe(services)
    half = len(steps) // 2
    # Given half the history applied by one process
    Player(services.ledger).play(steps[:half])
    services.runner.catch_up()
    # When a new process (new Services on the same database) takes over for the rest
    fresh = Services(services.settings)
    try:
        Player(fresh.ledger).play(steps[half:])
        fresh.runner.catch_up()
        # Then its views equal the fold of the whole log
        assert_equal_to_fold(fresh)
    finally:
        fresh.close()


@PROPERTY
@given(steps=histories)
def test_a_rebuild_from_position_zero_equals_the_live_views(services: Services, steps) -> None:
    wipe(services)
    Player(services.ledger).play(steps)
    services.runner.catch_up()
    live = (services.durable.needs(), services.durable.programmes())
    services.runner.rebuild(services.views)
    assert (services.durable.needs(), services.durable.programmes()) == live
    assert services.runner.position("views") == services.runner.head()


@PROPERTY
@given(steps=histories)
def test_as_of_from_the_nearest_snapshot_equals_the_fold_from_the_start(services: Services, steps) -> None:
    # Given views that snapshot every 7 events
    wipe(services)
    services.views.snapshot_every = 7
    services.runner.batch_size = 5
    Player(services.ledger).play(steps)
    services.runner.catch_up()
    head = services.runner.head()
    # Then at every position, folding from the nearest snapshot gives what folding from 0 gives
    for position in sorted({0, 1, head // 3, head // 2, head - 1, head}):
        from_snapshot = FoldedRows.of(services.ledger, position, "USD", db=services.db)
        from_start = FoldedRows.of(services.ledger, position, "USD")
        assert from_snapshot.needs() == from_start.needs()
        assert from_snapshot.programmes() == from_start.programmes()
