"""The durable views equal their pure fold over the log, on random histories: every row and every
coordination view, for three reader scopes (all, published only, a state's own), live, after a
rebuild, after a runner killed mid-batch is resumed by a new process that writes the rest, and as of
past positions, whether folded from a snapshot the runner took or from the start."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings

from api.root.services import Services
from projections.query import FoldedRows, Scope
from projections.runner import Runner, ViewsProjection
from projections.views import (
    funding_gaps,
    irg_report,
    priority_areas,
    programme_monitoring,
    provider_overlap,
    unmet_needs,
)
from projections.views.common import AREAS, sort_key
from tests.support.histories import RICH, STATES, TODAY, Player, histories
from tests.support.stores import wipe

PROPERTY = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def pages(rows: Any, scope: Scope, size: int = 3) -> dict[str, list[dict[str, Any]]]:
    """unmet-needs and provider-overlap walked a few at a time, each page with the counts of all."""
    out: dict[str, list[dict[str, Any]]] = {"unmet-needs": [], "provider-overlap": []}
    after = None
    while True:
        page, counts, more = rows.open_page(scope, after, size)
        out["unmet-needs"].append({"ids": [r["need_id"] for r in page], "counts": counts})
        if not more:
            break
        after = sort_key(page[-1])
    after = None
    while True:
        cells, counted, more = rows.cell_page(scope, after, size)
        out["provider-overlap"].append({"cells": cells, "totals": counted})
        if not more:
            break
        after = provider_overlap.cell_key(cells[-1])
    for flag in (None, *programme_monitoring.FLAGS):
        after = None
        while True:
            found, counted, more = rows.programme_page(TODAY, flag, after, size)
            out[f"programme-monitoring {flag}"] = [
                *out.get(f"programme-monitoring {flag}", []),
                {"ids": [p["programme_id"] for p in found], **counted},
            ]
            if not more:
                break
            after = programme_monitoring.sort_key(found[-1])
    return out


def all_views(rows: Any, currency: str) -> dict[str, Any]:
    """Every view of DESIGN §5, with every grouping, from one source of rows.

    Grouped views come from `rows.grouped`, which the durable rows answer from the tallies the
    runner keeps (published needs apart), and the fold from its rows.
    """
    needs, programmes = rows.needs(), rows.programmes()
    scopes = {
        "all": Scope(),
        "published": Scope(published_only=True),
        "a state's own": Scope(published_only=True, states=(STATES[0],)),
    }
    return {
        "rows": {"needs": needs, "programmes": programmes},
        "kept": {
            name: {
                "funding-gaps": {g: funding_gaps.answer(*rows.grouped(g, scope), currency, g) for g in AREAS},
                "priority-areas": {
                    b: priority_areas.answer(rows.grouped(b, scope)[0], currency, b) for b in priority_areas.BY
                },
                "pages": pages(rows, scope),
            }
            for name, scope in scopes.items()
        },
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


def durable_after_each_write(svc: Services, steps: Any) -> dict[int, dict[str, Any]]:
    """Play `steps`, the runner catching up after every write: the durable views then, by the write's position."""
    seen: dict[int, dict[str, Any]] = {}

    def remember(position: int) -> None:
        svc.runner.catch_up()
        seen[position] = durable(svc)

    Player(svc.ledger).play(steps, after_each=remember)
    return seen


@PROPERTY
@given(steps=histories)
@example(steps=RICH)
def test_every_durable_view_equals_its_fold_over_random_histories(services: Services, steps) -> None:
    # Given a random history with revisions, cancellations, unlinking, currencies and rates
    wipe(services)
    Player(services.ledger).play(steps)
    # When the runner catches up, a few events a batch
    services.runner.batch_size = 5
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
    # Then it is the same as the live one, at the head of the log
    assert durable(services) == live
    assert services.runner.position("views") == services.runner.head()


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
def test_a_runner_killed_mid_batch_is_resumed_by_a_new_process_to_the_same_views(services: Services, steps) -> None:
    wipe(services)
    player = Player(services.ledger)
    half = len(steps) // 2
    player.play(steps[:half])
    # Given half a history, a runner that applied one event of it (of at least the three
    # organisations' registrations), and another killed in the middle of its next batch
    services.runner.batch_size = 1
    services.runner.run_once()
    with pytest.raises(Killed):
        Runner(services.ledger, services.db, [KilledMidBatch(services.currency)], batch_size=3).run_once()
    # When a new process (new Services on the same database) writes the rest and catches up
    fresh = Services(services.settings)
    try:
        player.ledger = fresh.ledger
        player.play(steps[half:])
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
def test_a_view_as_of_a_past_position_is_the_view_as_it_stood_then(services: Services, steps) -> None:
    wipe(services)
    services.views.snapshot_every = 7  # so some past positions fold from a snapshot, others from 0
    # Given the durable views remembered after every write of a random history
    seen = durable_after_each_write(services, steps)
    # When each is asked again as of its position (the fold of the first p events)
    for position, then in seen.items():
        # Then the answer is what the views were at that position
        assert all_views(services.rows(position), services.currency) == then


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=histories)
@example(steps=RICH)
def test_folding_from_the_runners_nearest_snapshot_equals_folding_from_the_start(services: Services, steps) -> None:
    # Given views that snapshot every 7 events, kept by a runner working 5 events a batch
    wipe(services)
    services.views.snapshot_every = 7
    services.runner.batch_size = 5
    Player(services.ledger).play(steps)
    services.runner.catch_up()
    head = services.runner.head()
    # Then at past positions, folding from the nearest snapshot gives what folding from 0 gives
    for position in sorted({0, 1, head // 3, head // 2, head - 1, head}):
        assert all_views(services.rows(position), services.currency) == folded(services, position)
