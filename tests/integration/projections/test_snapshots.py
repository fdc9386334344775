"""View snapshots (for `as_of`) space out as the state grows: storage in proportion to the log."""

from __future__ import annotations

import json
import zlib

from api.root.services import Services
from tests.support.ledgers import identify_many


def snapshots(svc: Services) -> list[tuple[int, int]]:
    """(position, documents held) of every snapshot, in order."""
    with svc.db.transaction(commit=False) as tx:
        rows = tx.execute("SELECT position, state FROM view_snapshots ORDER BY position").fetchall()
    return [(int(r["position"]), len(json.loads(zlib.decompress(bytes(r["state"]))))) for r in rows]


def test_a_snapshot_waits_for_half_as_many_events_as_it_would_hold_documents(services: Services) -> None:
    # Given views that may snapshot every 5 events, and one new need (one document) per event
    services.views.snapshot_every = 5
    for _ in range(40):
        identify_many(services.ledger, 3)
        services.runner.catch_up()
    taken = snapshots(services)
    # Then each snapshot came no sooner than 5 events, and no sooner than half the documents it
    # holds, after the one before it: spaced further apart as the state grows
    assert len(taken) >= 4
    # And all of them hold no more than two documents per event of the log
    assert sum(documents for _, documents in taken) <= 2 * services.runner.head()
    previous = 0
    for position, documents in taken:
        assert position - previous >= max(5, documents / 2)
        previous = position
    # And a rebuild from position 0 takes its snapshots by the same rule
    services.runner.rebuild(services.views)
    rebuilt = snapshots(services)
    assert len(rebuilt) >= 4
    previous = 0
    for position, documents in rebuilt:
        assert position - previous >= max(5, documents / 2)
        previous = position
