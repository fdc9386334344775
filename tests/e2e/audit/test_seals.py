"""Seals on a running server (docs/seals.md): what the ledger writes over HTTP and through the `ledger` command is
sealed; a row inserted straight into the database is never signed, however often the server checkpoints, the
alarm is logged, and /readyz answers 503 naming its position. On both stores."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.root.services import Services
from api.root.settings import Settings
from projections.audit.seals import SEAL_LABEL, check_seals
from projections.audit.store import events_head, stream_param
from tests.e2e.audit.commands import run
from tests.support import tamper

CADENCE_SECONDS = 0.3


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """A server that checkpoints every 5 events or 0.3 s: it would sign a foreign row at once, if it ever did."""
    return Settings(
        database_url=database_url,
        signing_key_file=tmp_path / "signing-key.pem",
        checkpoint_every_events=5,
        checkpoint_every_seconds=CADENCE_SECONDS,
        log_format="json",
    )


def register(http: httpx.Client, n: int, start: int) -> None:
    for i in range(start, start + n):
        body = {"ref": f"XM-SEALED-{i:03d}", "name": f"Provider {i}", "org_type": "21"}
        r = http.post("/v1/organisations", json=body)
        assert r.status_code == 201, r.text


def ready(http: httpx.Client, status: int, timeout: float = 30) -> httpx.Response:
    """/readyz once it answers `status` with the whole log applied (or, for 503, at all)."""
    deadline = time.monotonic() + timeout
    while True:
        r = http.get("/readyz")
        if r.status_code == status and (status != 200 or r.json()["lag"] == 0):
            return r
        assert time.monotonic() < deadline, f"/readyz never answered {status}: {r.status_code} {r.text}"
        time.sleep(0.05)


def insert_behind(svc: Services) -> int:
    """A copy of the last event under a new stream, INSERTed straight into the events table: the next position,
    with no seal."""
    table = svc.events_table
    with svc.db.transaction(commit=False) as tx:
        last = tamper.row(svc, events_head(tx, table))
    with svc.db.transaction() as tx:
        tx.execute(
            f"INSERT INTO {table} (originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?)",
            (stream_param(tx, uuid.uuid4()), 1, last["topic"], last["state"]),
        )
        return events_head(tx, table)


def stored(svc: Services) -> tuple[int | None, list[int], int, int]:
    """(first unsealed chained position, checkpoint positions, chained head, seals)."""
    with svc.db.transaction(commit=False) as tx:
        first = check_seals(tx, svc.signing_key.derive(SEAL_LABEL))
        checkpoints = [int(r["position"]) for r in tx.execute("SELECT position FROM audit_checkpoints").fetchall()]
        head = int(tx.scalar("SELECT MAX(position) FROM audit_log") or 0)
        sealed = int(tx.scalar("SELECT COUNT(*) FROM event_seals WHERE position > 0"))
    return first, checkpoints, head, sealed


def logged(caplog: pytest.LogCaptureFixture, event: str) -> list[dict[str, Any]]:
    """The structlog events named `event` the server logged (through the standard logging its set-up uses)."""
    return [r.msg for r in caplog.records if isinstance(r.msg, dict) and r.msg.get("event") == event]


def test_a_running_server_never_signs_a_row_inserted_behind_it(
    services: Services, http: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    # given writes over HTTP and through the `ledger` command, all applied
    register(http, 12, start=0)
    issued = run(services, "keys", "issue", "--role", "auditor", "--name", "sealed auditor")
    assert issued.returncode == 0, issued.stderr
    ready(http, 200)
    # then every one of them carries a valid seal, and the server has signed them all
    first, checkpoints, head, sealed = stored(services)
    assert first is None and sealed == head == services.ledger.position()
    time.sleep(3 * CADENCE_SECONDS)
    assert max(stored(services)[1]) == head
    # when a row is inserted straight into the database, and the ledger goes on writing
    foreign = insert_behind(services)
    register(http, 12, start=12)
    # then /readyz answers 503, a problem naming the position
    problem = ready(http, 503).json()
    assert problem["code"] == "unsealed-record" and str(foreign) in problem["detail"]
    assert problem["errors"] == [{"code": "unsealed-record", "position": foreign}]
    # and, many cadences later, everything is chained but no checkpoint reaches the foreign row
    time.sleep(10 * CADENCE_SECONDS)
    first, checkpoints, head, _ = stored(services)
    assert first == foreign and head == services.ledger.position() == foreign + 12
    assert max(checkpoints) == foreign - 1
    # and the server logged the alarm, once, with the position
    alarms = logged(caplog, "unsealed_record")
    assert [(a["level"], a["position"]) for a in alarms] == [("error", foreign)]
    assert ready(http, 503).json()["errors"][0]["position"] == foreign  # it holds
