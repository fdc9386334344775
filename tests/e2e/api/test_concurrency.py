"""Concurrent writes to one programme: each succeeds (retried fresh) or is 409/412; none is lost."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any
from uuid import UUID

import httpx

from domain.errors import ConcurrentChange
from tests.support.ledgers import kenyan_programme
from tests.support.servers import client_for

THREADS = 8


def registered(ledger: Any) -> tuple[UUID, UUID]:
    org = ledger.organisation_by_ref("GB-GOV-1").id
    return kenyan_programme(ledger, org), org


def all_at_once(n: int, work: Any) -> list[Any]:
    """Run `work(i)` on n threads released together, so their writes really collide."""
    start = threading.Barrier(n)

    def run(i: int) -> Any:
        start.wait(10)
        return work(i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def test_concurrent_commitments_over_http_are_each_recorded_or_refused_and_none_is_lost(
    server: Any, keys: dict[str, str], services: Any
) -> None:
    # Given a programme, and eight clients each recording a distinct commitment at the same moment
    pid, org = registered(services.ledger)
    clients = [client_for(server, keys["admin"]) for _ in range(THREADS)]

    def commit(i: int) -> httpx.Response:
        return clients[i].post(
            f"/v1/programmes/{pid}/commitments",
            json={
                "commitment_id": f"c{i}",
                "funder": str(org),
                "amount": f"{1000 + i}",
                "currency": "USD",
                "value_date": "2024-02-01",
            },
        )

    try:
        answers = all_at_once(THREADS, commit)
    finally:
        for c in clients:
            c.close()
    # Then each answer is a success or a 409 concurrent change, never an error
    assert {a.status_code for a in answers} <= {201, 409}, [a.text for a in answers]
    assert all(a.json()["code"] == "concurrent-change" for a in answers if a.status_code == 409)
    acknowledged = {f"c{i}" for i, a in enumerate(answers) if a.status_code == 201}
    assert acknowledged
    # And the programme has exactly the acknowledged commitments: none lost, none from a refusal
    p = services.ledger.programme(pid)
    assert set(p.commitments) == acknowledged
    assert p.version == 1 + len(acknowledged)


def test_concurrent_commands_through_the_ledger_are_retried_on_fresh_state(services: Any, keys: dict) -> None:
    # Given a programme, and eight threads each recording a commitment through the Ledger
    pid, org = registered(services.ledger)
    ledger = services.ledger

    def commit(i: int) -> object:
        try:
            return ledger.change_programme(
                pid, lambda p: p.record_commitment(f"c{i}", org, "10", "USD", date(2024, 2, 1))
            ).position
        except ConcurrentChange as e:
            return e

    outcomes = all_at_once(THREADS, commit)
    # Then every acknowledged commitment is there, each at its own log position
    positions = [o for o in outcomes if isinstance(o, int)]
    acknowledged = {f"c{i}" for i, o in enumerate(outcomes) if isinstance(o, int)}
    assert set(ledger.programme(pid).commitments) == acknowledged and len(set(positions)) == len(positions)


def test_concurrent_writes_naming_the_same_version_let_exactly_one_through(
    server: Any, keys: dict[str, str], services: Any
) -> None:
    # Given a programme at version 1, and eight clients writing with If-Match "1" at the same moment
    pid, org = registered(services.ledger)
    clients = [client_for(server, keys["admin"]) for _ in range(THREADS)]

    def commit(i: int) -> httpx.Response:
        return clients[i].post(
            f"/v1/programmes/{pid}/commitments",
            headers={"If-Match": '"1"'},
            json={
                "commitment_id": f"c{i}",
                "funder": str(org),
                "amount": "10",
                "currency": "USD",
                "value_date": "2024-02-01",
            },
        )

    try:
        answers = all_at_once(THREADS, commit)
    finally:
        for c in clients:
            c.close()
    # Then exactly one succeeds, every other one is 412, and only the winner's commitment is kept
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] + [412] * (THREADS - 1), [a.text for a in answers]
    [winner] = [f"c{i}" for i, a in enumerate(answers) if a.status_code == 201]
    assert set(services.ledger.programme(pid).commitments) == {winner}


def test_two_processes_changing_one_programme_lose_no_acknowledged_write(
    services: Any, settings: Any, keys: dict
) -> None:
    # Given a programme, and a second Ledger on the same database (as another API process has)
    from domain.ledger import Ledger

    pid, org = registered(services.ledger)
    other = Ledger(env=settings.eventsourcing_env(), reporting_currency=settings.reporting_currency)
    ledgers = [services.ledger, other]

    def commit(i: int) -> object:
        try:
            return (
                ledgers[i % 2]
                .change_programme(pid, lambda p: p.record_commitment(f"c{i}", org, "10", "USD", date(2024, 2, 1)))
                .position
            )
        except ConcurrentChange as e:
            return e

    # When eight threads, four per process, each record a commitment at the same moment
    try:
        outcomes = all_at_once(THREADS, commit)
    finally:
        other.close()
    # Then each is acknowledged or refused as a concurrent change; every acknowledged one is there
    assert all(isinstance(o, int | ConcurrentChange) for o in outcomes), outcomes
    acknowledged = {f"c{i}" for i, o in enumerate(outcomes) if isinstance(o, int)}
    assert acknowledged and set(services.ledger.programme(pid).commitments) == acknowledged
