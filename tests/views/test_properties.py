"""Every coordination view over the durable rows equals the same view over the fold of the log:
live, after a rebuild, after an interrupted runner resumes, and as of any past position."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings

from api.services import Services
from projections.query import FoldedRows
from projections.runner import Runner, ViewsProjection
from projections.views import (
    funding_gaps,
    irg_report,
    priority_areas,
    programme_monitoring,
    provider_overlap,
    unmet_needs,
)
from projections.views.common import AREAS
from tests.views.history import RICH, STATES, TODAY, Player, histories

PROPERTY = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def all_views(rows: Any, currency: str) -> dict[str, Any]:
    """Every view of DESIGN §5, with every grouping, from one source of rows."""
    needs, programmes = rows.needs(), rows.programmes()
    return {
        "unmet-needs": unmet_needs.view(needs, currency),
        "funding-gaps": {g: funding_gaps.view(needs, currency, g) for g in AREAS},
        "provider-overlap": provider_overlap.view(needs, currency),
        "priority-areas": {b: priority_areas.view(needs, currency, b) for b in priority_areas.BY},
        "programme-monitoring": programme_monitoring.view(programmes, currency, TODAY),
        "irg-report": {s: irg_report.view(needs, s, currency) for s in STATES},
    }


def folded(svc: Services, position: int | None = None) -> dict[str, Any]:
    at = svc.runner.head() if position is None else position
    return all_views(FoldedRows.of(svc.ledger, at, svc.currency), svc.currency)


def durable(svc: Services) -> dict[str, Any]:
    return all_views(svc.durable, svc.currency)


def wipe(svc: Services) -> None:
    """A fresh start for each hypothesis example on the same database."""
    with svc.db.transaction() as tx:
        for table in (
            "ledger_entities",
            "view_needs",
            "view_programmes",
            "view_snapshots",
            "audit_log",
            "audit_checkpoints",
        ):
            tx.execute(f"DELETE FROM {table}")
        svc.db.reset_tracking(tx, "views")
        svc.db.reset_tracking(tx, "audit")
        events = svc.ledger.recorder.events_table_name
        # TRUNCATE: the append-only trigger refuses DELETE on PostgreSQL, as it should.
        tx.execute(
            f"TRUNCATE {events}" if svc.db.dialect == "postgres" else f"DELETE FROM {events}"
        )


@PROPERTY
@given(steps=histories)
@example(steps=RICH)
def test_every_durable_view_equals_its_fold_over_random_histories(
    services: Services, steps
) -> None:
    # Given a random history with revisions, cancellations, unlinking, currencies and rates
    wipe(services)
    Player(services.ledger).play(steps)
    # When the runner catches up
    services.runner.catch_up()
    # Then every view over the durable rows equals the view over the fold of the whole log
    assert durable(services) == folded(services)


@PROPERTY
@given(steps=histories)
@example(steps=RICH)
def test_a_rebuild_from_position_zero_gives_the_live_views(services: Services, steps) -> None:
    wipe(services)
    Player(services.ledger).play(steps)
    services.runner.catch_up()
    live = durable(services)
    # When every view is rebuilt from position 0
    services.runner.rebuild(services.views)
    # Then it is the same as the live one
    assert durable(services) == live


class Killed(Exception):
    pass


class KilledMidBatch(ViewsProjection):
    """Writes a batch's rows, then dies before its position is stored."""

    def process(self, tx: Any, batch: Any) -> None:
        super().process(tx, batch)
        raise Killed()


@PROPERTY
@given(steps=histories)
@example(steps=RICH)
def test_an_interrupted_runner_resumes_in_a_new_process_to_the_same_views(
    services: Services, steps
) -> None:
    wipe(services)
    Player(services.ledger).play(steps)
    # Given a runner that applied one event (of at least the three organisations' registrations),
    # and another killed in the middle of its next batch
    services.runner.batch_size = 1
    services.runner.run_once()
    with pytest.raises(Killed):
        Runner(
            services.ledger, services.db, [KilledMidBatch(services.currency)], batch_size=3
        ).run_once()
    # When a new process (new Services on the same database) continues
    fresh = Services(services.settings)
    try:
        fresh.runner.catch_up()
        # Then its views equal the fold of the whole log
        assert durable(fresh) == folded(fresh)
    finally:
        fresh.close()


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=histories)
@example(steps=RICH)
def test_a_view_as_of_a_past_position_is_the_view_as_it_stood_then(
    services: Services, steps
) -> None:
    wipe(services)
    services.views.snapshot_every = 7  # so some past positions fold from a snapshot, others from 0
    seen: dict[int, dict[str, Any]] = {}

    def remember(position: int) -> None:
        services.runner.catch_up()
        seen[position] = durable(services)

    # Given the durable views remembered after every write of a random history
    Player(services.ledger).play(steps, after_each=remember)
    # When each is asked again as of its position (the fold of the first p events)
    for position, then in seen.items():
        # Then the answer is what the views were at that position
        assert all_views(services.rows(position), services.currency) == then
