"""Versioned rows (projections/store/versions.py): a past view read from the versions at the point at or before it,
with the events since folded over the documents as they stood there (`VersionedRows`), is the view as it stood, at
every position of random histories; the versions a runner writes batch by batch are those a rebuild writes; and a
past read the versions cannot serve (a rate since the point, the runner far behind) folds the prefix instead."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings

from api.root.services import Services
from projections import store
from projections.query import FoldedRows
from projections.store import versions
from projections.versioned import VersionedRows
from tests.integration.views.test_properties import all_views, durable_after_each_write
from tests.support.histories import RICH, Player, histories
from tests.support.stores import wipe

VERSIONED = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def versioning(svc: Services, every: int, batch: int) -> None:
    """An empty ledger whose rows are versioned every `every` positions, kept by a runner working `batch` a batch."""
    wipe(svc)
    svc.views.version_every = every
    svc.runner.batch_size = batch


def versioned_at(svc: Services, position: int) -> VersionedRows | None:
    return VersionedRows.at(
        svc.ledger, svc.db, position, svc.runner.position(store.VIEWS), svc.currency, svc.views.version_every
    )


def valid_at_points(svc: Services) -> dict[int, dict[str, dict[tuple[Any, ...], Any]]]:
    """At every point up to the head, every table's versions valid there: {point: {table: {key: columns}}}, the
    documents decoded (a tally's version without one, deleted, is no tally: as reads see them)."""
    every = svc.views.version_every
    out: dict[int, dict[str, dict[tuple[Any, ...], Any]]] = {}
    with svc.db.transaction(commit=False) as tx:
        for point in range(0, svc.runner.head() + every, every):
            out[point] = {}
            for table, (keys, rest) in versions.SHAPES.items():
                rows = tx.execute(f"SELECT * FROM {table} WHERE {versions.VALID}", (point, point)).fetchall()
                out[point][table] = {
                    tuple(r[k] for k in keys): tuple(json.loads(r[c]) if c == "doc" else r[c] for c in rest)
                    for r in rows
                    if r["doc"] is not None
                }
    return out


@VERSIONED
@given(steps=histories)
@example(steps=RICH)
def test_a_past_view_read_from_versions_is_the_view_as_it_stood(services: Services, steps) -> None:
    # Given rows versioned every 3 positions, kept by a runner working at most 5 events a batch,
    # and the durable views remembered after every write of a random history
    versioning(services, every=3, batch=5)
    seen = durable_after_each_write(services, steps)
    served = 0
    # When each position is read from the versions at the point at or before it
    for position, then in seen.items():
        rows = versioned_at(services, position)
        if rows is None:  # a rate or a renamed organisation since the point: folded instead, checked below
            continue
        served += 1
        # Then the answer is what the views were at that position
        assert all_views(rows, services.currency) == then
    # (and the versions served most positions: the test is not one of the fallback)
    assert served >= len(seen) // 2


@VERSIONED
@given(steps=histories)
@example(steps=RICH)
def test_the_versions_a_runner_writes_batch_by_batch_are_those_a_rebuild_writes(services: Services, steps) -> None:
    # Given a history caught up by a runner working 2 events a batch, versioning every 4 positions
    versioning(services, every=4, batch=2)
    Player(services.ledger).play(steps)
    services.runner.catch_up()
    live = valid_at_points(services)
    assert len(live) > 1 and live[max(live)]["view_need_versions"] or not services.durable.needs()
    # When the views are rebuilt from position 0 (one fold, versions gathered point by point)
    services.runner.rebuild(services.views)
    # Then at every point the same documents, rows and tallies are valid
    assert valid_at_points(services) == live


def test_a_past_read_the_versions_cannot_serve_folds_the_prefix_and_gives_the_same_view(services: Services) -> None:
    # Given a rich history kept with versions every 3 positions
    versioning(services, every=3, batch=services.runner.batch_size)
    Player(services.ledger).play(RICH)
    services.runner.catch_up()
    head = services.runner.head()
    for position in range(head + 1):
        reference = all_views(FoldedRows.of(services.ledger, position, services.currency), services.currency)
        # When a past position is read while the runner stands far behind it (the versions are no use)
        behind = VersionedRows.at(services.ledger, services.db, position, 0, services.currency, 3)
        # Then it is read from the versions only within reach of the point, and always as the fold gives it
        if position > VersionedRows.MOST_EVENTS:
            assert behind is None
        assert all_views(services.rows(position), services.currency) == reference


def test_a_past_read_the_versions_cannot_serve_is_folded_once_then_read_from_the_fold_kept(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a rich history kept with versions every 3 positions, and a past position they cannot serve (a rate or a
    # renamed organisation since its point)
    versioning(services, every=3, batch=services.runner.batch_size)
    Player(services.ledger).play(RICH)
    services.runner.catch_up()
    position = next(p for p in range(services.runner.head() + 1) if versioned_at(services, p) is None)
    tried: list[int] = []
    at = VersionedRows.at.__func__  # type: ignore[attr-defined]

    def spied(cls: type[VersionedRows], *args: Any) -> VersionedRows | None:
        tried.append(args[2])
        return at(cls, *args)  # type: ignore[no-any-return]

    monkeypatch.setattr(VersionedRows, "at", classmethod(spied))
    # When it is read twice
    first, second = services.rows(position), services.rows(position)
    # Then the versions were tried once (the events since the point read and folded once): the second read is the
    # fold the first kept, and it is the fold of the prefix
    assert tried == [position] and second is first
    fresh = FoldedRows.of(services.ledger, position, services.currency)
    assert all_views(second, services.currency) == all_views(fresh, services.currency)
