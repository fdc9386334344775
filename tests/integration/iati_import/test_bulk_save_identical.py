"""The IATI import's save (a bulk chunk by the ledger's `save_chunk`, with no type check or recording per event, and
a batch's seals from its leaves in one pass) stores what the library's own save and per-record sealing store: the
same file imported both ways into two stores of the same kind gives byte-identical event rows and seals, with the
clock fixed so both runs stamp the same times. On PostgreSQL the generated file's batch goes by COPY."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from api.root.services import Services
from bench.iati_import import generate_file
from projections.audit.sealing import SealingRecorder
from projections.audit.seals import SEAL_LABEL, check_seals
from projections.audit.verify_store import verify_store
from projections.pg_recorder import COPY_AT
from tests.support.iati_import import MAEC, head, imported

START = datetime(2026, 1, 1, tzinfo=UTC)


def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every event's timestamp from a counter: one microsecond apart from START, the same in each import."""
    ticks = iter(range(10**9))
    monkeypatch.setattr(
        "eventsourcing.domain.datetime_now_with_tzinfo", lambda: START + timedelta(microseconds=next(ticks))
    )


def import_both(svc: Services, files: list[Path], monkeypatch: pytest.MonkeyPatch) -> list[int]:
    fixed_clock(monkeypatch)
    return [imported(svc, f, f.name)["events"] for f in files]


def stored(svc: Services) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Every event row, as the library reads the notification log, and every seal row."""
    events: list[tuple[Any, ...]] = []
    while page := svc.ledger.recorder.select_notifications(start=(events[-1][0] if events else 0) + 1, limit=1000):
        events.extend((n.id, n.originator_id, n.originator_version, n.topic, bytes(n.state)) for n in page)
    with svc.db.transaction(commit=False) as tx:
        rows = tx.execute("SELECT position, seal FROM event_seals ORDER BY position").fetchall()
        seals = [(r["position"], r["seal"]) for r in rows]
    return events, seals


def verified(svc: Services) -> bool:
    with svc.db.transaction(commit=False) as tx:
        sealed = check_seals(tx, svc.signing_key.derive(SEAL_LABEL)) is None
    return sealed and verify_store(svc.db, svc.events_table, svc.signing_key).result.ok


def test_the_import_stores_the_same_rows_and_seals_as_the_librarys_save_and_per_record_seals(
    services: Services, empty_services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a real, messy file and a generated one whose events make one batch larger than COPY's threshold
    generated = generate_file(tmp_path / "generated.xml", 150)
    files = [MAEC, generated]
    # when they are imported the old way (the library's save, each record sealed through its LogRecord) ...
    with monkeypatch.context() as old:
        old.setattr(SealingRecorder, "seals", SealingRecorder.seal_each)
        for path in ("save", "save_bulk"):
            old.setattr(empty_services.ledger.commits, path, lambda events: empty_services.ledger.save(*events))
        reference = import_both(empty_services, files, old)
    # ... and the import's way, into another store of the same kind, with the same clock
    counts = import_both(services, files, monkeypatch)
    # then each import appended as many events, one of them a batch COPY takes on PostgreSQL
    assert counts == reference and counts[1] >= COPY_AT
    # and the stored events and seals are byte for byte the same
    ours, theirs = stored(services), stored(empty_services)
    assert len(ours[0]) == sum(counts) and len(ours[1]) >= len(ours[0])
    assert ours == theirs
    # and the chain and every seal verify; importing again appends nothing
    services.runner.catch_up()
    assert verified(services)
    before = head(services)
    assert [imported(services, f, f.name)["events"] for f in files] == [0, 0]
    assert head(services) == before
