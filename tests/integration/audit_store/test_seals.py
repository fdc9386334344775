"""Seals (docs/seals.md): every event the ledger writes is sealed in its own transaction; a row written behind its
back is chained but never signed, and named; a record changed in place loses its seal. On both stores."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from api.root.services import Services
from api.root.settings import Settings
from domain.ledger import Ledger
from projections.audit.chain import LogRecord, leaf_hash
from projections.audit.sealing import SealKeyMissing
from projections.audit.seals import SEAL_LABEL, check_records, check_seals, seal_records
from projections.audit.store import events_head, read_events, stream_param
from tests.support import tamper
from tests.support.stores import opened


def register(svc: Services, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        svc.ledger.register_organisation(f"XM-SEAL-{i:04d}", f"Provider {i}", "21")


def table(svc: Services) -> str:
    return svc.ledger.recorder.events_table_name  # type: ignore[attr-defined,no-any-return]


def seal_key_of(svc: Services) -> bytes:
    return svc.signing_key.derive(SEAL_LABEL)


def insert_behind(svc: Services) -> int:
    """A row INSERTed straight into the events table, as someone with the database's password would: a copy of
    the last event under a new stream, so the views fold it like any other. The store numbers it as the next
    position, and no seal is written."""
    with svc.db.transaction(commit=False) as tx:
        head = events_head(tx, table(svc))
    last = tamper.row(svc, head)
    with svc.db.transaction() as tx:
        tx.execute(
            f"INSERT INTO {table(svc)} (originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?)",
            (stream_param(svc.db, uuid.uuid4()), 1, last["topic"], last["state"]),
        )
        return events_head(tx, table(svc))


def stored_seals(svc: Services) -> dict[int, str]:
    with svc.db.transaction(commit=False) as tx:
        return {int(r["position"]): r["seal"] for r in tx.execute("SELECT position, seal FROM event_seals").fetchall()}


def checkpointed(svc: Services) -> list[int]:
    with svc.db.transaction(commit=False) as tx:
        rows = tx.execute("SELECT position FROM audit_checkpoints ORDER BY position").fetchall()
    return [int(r["position"]) for r in rows]


def test_every_event_the_ledger_writes_is_sealed_over_its_stored_leaf(services: Services) -> None:
    # given events written through the ledger, one by one and in one batch
    register(services, 30)
    with services.ledger.bulk():
        register(services, 20, start=30)
    services.runner.catch_up()
    # then each stored event has a seal, HMAC-SHA256 over its leaf under the key derived from the signing key
    # (recomputed here with the standard library, from the events table)
    key, seals = seal_key_of(services), stored_seals(services)
    records = list(read_events(services.db, table(services), 10**9))
    assert len(records) == 50
    for record in records:
        assert seals[record.position] == hmac.new(key, leaf_hash(record), hashlib.sha256).hexdigest()
    # and the checks agree: nothing unsealed, in the chain or among the events
    with services.db.transaction(commit=False) as tx:
        assert check_seals(tx, key) is None
        assert check_records(tx, key, records) is None
    assert services.audit.unsealed(services.db) is None


def logged(captured: list[dict], caplog: pytest.LogCaptureFixture, event: str) -> list[dict]:
    """The structlog events named `event`, whichever way logging is set up: captured by structlog (the default
    configuration) or, once the app configured logging and cached its loggers, by the standard library's handler."""
    found = [e for e in captured if e.get("event") == event]
    return found or [
        {**r.msg, "log_level": r.levelname.lower()}
        for r in caplog.records
        if isinstance(r.msg, dict) and r.msg.get("event") == event
    ]


def test_a_row_inserted_behind_the_ledger_is_chained_but_never_signed(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    # given a ledger checkpointing every 50 events, 60 events signed
    register(services, 60)
    services.runner.catch_up()
    assert checkpointed(services)
    # when a row is inserted straight into the events table, and the ledger then writes 120 more events
    foreign = insert_behind(services)
    register(services, 120, start=60)
    with capture_logs() as logs:
        services.runner.catch_up()
        services.runner.catch_up()
    # then the foreign row is chained (the chain is the evidence of what is there)
    with services.db.transaction(commit=False) as tx:
        assert tx.scalar("SELECT COUNT(*) FROM audit_log WHERE position = ?", (foreign,)) == 1
        # and check_seals names it, from genesis or from the last checkpoint
        assert check_seals(tx, seal_key_of(services)) == foreign
        assert check_seals(tx, seal_key_of(services), after=foreign - 1) == foreign
        assert check_seals(tx, seal_key_of(services), after=foreign) is None  # those after it are sealed
    # and no checkpoint covers it: the last one signs the record just before it
    positions = checkpointed(services)
    assert max(positions) == foreign - 1
    # and the alarm is logged once, at error level, with the position; the readiness check names it
    alarms = logged(logs, caplog, "unsealed_record")
    assert len(alarms) == 1 and alarms[0]["position"] == foreign and alarms[0]["log_level"] == "error"
    assert services.audit.unsealed(services.db) == foreign
    # and a forced checkpoint (as `ledger export log` asks) does not sign past it either
    with services.db.transaction() as tx:
        assert services.audit.checkpoint_if_due(tx, force=True) is None
    assert max(checkpointed(services)) == foreign - 1


def test_a_record_changed_in_place_no_longer_verifies(services: Services) -> None:
    # given 40 sealed events, not yet chained
    register(services, 40)
    key = seal_key_of(services)
    # when one stored state is changed in place (an UPDATE of the events table), still a readable event
    state = tamper.row(services, 17)["state"]
    assert b"Provider 16" in state
    with tamper.writable(services) as (tx, events, pos):
        tx.execute(f"UPDATE {events} SET state = ? WHERE {pos} = 17", (state.replace(b"Provider 16", b"Provider 61"),))
    # then its seal no longer verifies, among the events and, once chained, in the chain
    with services.db.transaction(commit=False) as tx:
        assert check_records(tx, key, list(read_events(services.db, table(services), 40))) == 17
    services.runner.catch_up()
    with services.db.transaction(commit=False) as tx:
        assert check_seals(tx, key) == 17
    assert checkpointed(services) == [16]


def test_a_seal_made_with_another_key_does_not_verify(services: Services) -> None:
    register(services, 5)
    services.runner.catch_up()
    with services.db.transaction(commit=False) as tx:
        assert check_seals(tx, b"k" * 32) == 1
        assert check_seals(tx, seal_key_of(services)) is None


def test_seal_records_seals_what_is_inserted_directly(services: Services) -> None:
    # given a record inserted directly (as restore places a record at its position), then sealed in the same tx
    register(services, 3)
    copied = tamper.row(services, 3)
    record = LogRecord(10, uuid.uuid4(), 1, copied["topic"], copied["state"])
    with tamper.writable(services) as (tx, events, pos):
        tx.execute(
            f"INSERT INTO {events} ({pos}, originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?, ?)",
            (record.position, stream_param(tx, record.stream_id), record.version, record.topic, record.state),
        )
        assert seal_records(tx, seal_key_of(services), [record]) == 1
    services.runner.catch_up()
    # then it verifies like any record the ledger wrote, and is signed
    with services.db.transaction(commit=False) as tx:
        assert check_seals(tx, seal_key_of(services)) is None
    assert max(checkpointed(services)) == 10


def test_a_ledger_without_its_signing_key_writes_nothing(settings: Settings, tmp_path: Path) -> None:
    # given a ledger opened on a store whose signing key file is not there
    with opened(settings) as svc:  # the store, with its tables and one event
        register(svc, 1)
        before = svc.ledger.position()
    bare = Ledger(env=settings.model_copy(update={"signing_key_file": tmp_path / "absent.pem"}).eventsourcing_env())
    try:
        # when it is asked to write, it refuses: no event goes in unsealed
        with pytest.raises(SealKeyMissing, match="absent.pem"):
            bare.register_organisation("XM-NOKEY-1", "No key", "21")
        assert bare.position() == before
    finally:
        bare.close()
