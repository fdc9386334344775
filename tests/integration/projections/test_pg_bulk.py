"""Bulk paths on PostgreSQL (`ledger demo`, IATI import, restore, bench generation) write their large batches by COPY
(projections/pg_recorder.py): the library reads every event back as it was handed to the store, the audit chain
and seals verify, and the views rebuilt equal the fold."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import StoredEvent

from api.demo.load import load
from api.root.services import Services
from api.root.settings import Settings
from bench.generate import generate
from projections.audit.seals import SEAL_LABEL, check_seals
from projections.audit.verify_store import verify_store
from projections.pg_recorder import OneTripPostgresRecorder
from tests.support.stores import assert_each_event_applied_once, new_database


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    with new_database("postgres", tmp_path) as url:
        svc = Services(Settings(database_url=url, signing_key_file=tmp_path / "key.pem", log_format="json"))
        try:
            yield svc
        finally:
            svc.close()


@pytest.fixture
def handed(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Every event handed to the recorder with the position it was given, and how many batches went by COPY."""
    seen: dict[str, Any] = {"events": [], "copies": 0}
    insert, copy = OneTripPostgresRecorder.insert_events, OneTripPostgresRecorder._copy

    def recorded(self: Any, stored: Any, **kwargs: Any) -> Any:
        ids = insert(self, stored, **kwargs)
        seen["events"].extend(zip(ids or [], stored, strict=True))
        return ids

    def counted(self: Any, *args: Any) -> Any:
        seen["copies"] += 1
        return copy(self, *args)

    monkeypatch.setattr(OneTripPostgresRecorder, "insert_events", recorded)
    monkeypatch.setattr(OneTripPostgresRecorder, "_copy", counted)
    return seen


def verified(svc: Services) -> bool:
    """The chain recomputed from the events table is intact, and every chained record has its seal."""
    with svc.db.transaction(commit=False) as tx:
        sealed = check_seals(tx, svc.signing_key.derive(SEAL_LABEL)) is None
    return sealed and verify_store(svc.db, svc.events_table, svc.signing_key).result.ok


def read_back(svc: Services) -> list[tuple[int, StoredEvent]]:
    """Every event through the library's own read of the notification log."""
    out: list[tuple[int, StoredEvent]] = []
    while page := svc.ledger.recorder.select_notifications(start=(out[-1][0] if out else 0) + 1, limit=1000):
        out.extend((n.id, StoredEvent(n.originator_id, n.originator_version, n.topic, n.state)) for n in page)
    return out


def test_the_demo_goes_by_copy_and_reads_back_unchanged(services: Services, handed: dict[str, Any]) -> None:
    # given the demo, written through the domain's bulk path
    assert load(services.ledger) > 0
    # then its large batches went by COPY
    assert handed["copies"] >= 1
    # and the library reads back every event exactly as it was handed to the store, at the position it was given
    assert read_back(services) == handed["events"]
    # and every aggregate loads through the library's repository at its last version
    last: dict[Any, int] = {}
    for _, e in handed["events"]:
        last[e.originator_id] = max(last.get(e.originator_id, 0), e.originator_version)
    for aggregate_id, version in list(last.items())[::25]:
        assert services.ledger.repository.get(aggregate_id).version == version
    # and verify finds the chain and every seal intact
    services.runner.catch_up()
    assert verified(services)
    # and the views equal the fold, live and rebuilt
    assert_each_event_applied_once(services)
    services.runner.rebuild(services.views)
    assert_each_event_applied_once(services)


def test_a_generated_history_goes_by_copy_and_commands_after_it_append_after_it(
    services: Services, handed: dict[str, Any]
) -> None:
    # given a history generated for the benchmarks, written by COPY in batches of about a thousand
    generate(services.ledger, 3000, flush_every=1000)
    assert handed["copies"] >= 3
    head = services.ledger.recorder.max_notification_id()
    # when a command is saved on its own
    written = services.ledger.register_organisation("XM-AFTER-BULK", "After the bulk load", "21")
    # then it takes the next position, and the log reads back whole
    assert written.position == head + 1
    assert read_back(services) == handed["events"]
    # and the chain, the seals and the views hold
    services.runner.catch_up()
    assert verified(services)
    assert_each_event_applied_once(services)
