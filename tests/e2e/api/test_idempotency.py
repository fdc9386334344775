"""Idempotency-Key over real HTTP, both stores: a repeat gets the first answer, writes nothing."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from api.root.settings import Settings
from tests.support.servers import client_for


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # A short lock timeout, so a write blocked on purpose fails fast (503) instead of waiting.
    return Settings(
        database_url=database_url,
        signing_key_file=tmp_path / "signing-key.pem",
        checkpoint_every_events=50,
        log_format="json",
        lock_timeout_seconds=1,
    )


@pytest.fixture
def gb(services: Any, keys: dict[str, str]) -> str:
    return str(services.ledger.organisation_by_ref("GB-GOV-1").id)


def head(services: Any) -> int:
    return services.ledger.recorder.max_notification_id() or 0


def programme(gb: str, title: str = "Asset recovery in Kenya") -> dict:
    return {"title": title, "reporting_org": gb, "funders": [gb], "states": ["KEN"], "status": 1}


def test_a_repeat_with_the_same_key_and_body_answers_the_first_answer_and_writes_nothing(
    http: httpx.Client, services: Any, gb: str
) -> None:
    # Given a programme registered with an Idempotency-Key
    first = http.post("/v1/programmes", json=programme(gb), headers={"Idempotency-Key": "reg-1"})
    assert first.status_code == 201, first.text
    after_first = head(services)
    # When the very same request is sent again
    again = http.post("/v1/programmes", json=programme(gb), headers={"Idempotency-Key": "reg-1"})
    # Then it answers the first answer, says it is a replay, and the log does not move
    assert (again.status_code, again.json(), again.headers["etag"]) == (
        201,
        first.json(),
        first.headers["etag"],
    )
    assert again.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    assert head(services) == after_first


def test_a_repeated_commitment_without_an_id_is_recorded_once(http: httpx.Client, services: Any, gb: str) -> None:
    # Given a programme, and a commitment sent thrice with one key (the server generates its id)
    p = http.post("/v1/programmes", json=programme(gb)).json()
    money = {"funder": gb, "amount": "50000", "currency": "GBP", "value_date": "2024-05-01"}
    answers = [
        http.post(f"/v1/programmes/{p['id']}/commitments", json=money, headers={"Idempotency-Key": "c"})
        for _ in range(3)
    ]
    # Then every answer names the same commitment, and the programme has exactly one
    assert {a.json()["recorded_id"] for a in answers} == {answers[0].json()["recorded_id"]}
    assert len(http.get(f"/v1/programmes/{p['id']}").json()["commitments"]) == 1


def test_the_same_key_with_another_body_or_path_is_409_and_writes_nothing(
    http: httpx.Client, services: Any, gb: str
) -> None:
    http.post("/v1/programmes", json=programme(gb), headers={"Idempotency-Key": "reg-2"})
    before = head(services)
    other_body = http.post("/v1/programmes", json=programme(gb, "Another title"), headers={"Idempotency-Key": "reg-2"})
    other_path = http.post(
        "/v1/exchange-rates",
        json={"currency": "EUR", "date": "2024-01-31", "rate": "1.08"},
        headers={"Idempotency-Key": "reg-2"},
    )
    for r in (other_body, other_path):
        assert r.status_code == 409 and r.json()["code"] == "idempotency-key-reused", r.text
        assert r.headers["content-type"].startswith("application/problem+json")
    assert head(services) == before


def test_keys_belong_to_the_principal_that_sent_them(
    http: httpx.Client, server: Any, keys: dict[str, str], services: Any, gb: str
) -> None:
    # Given an admin's request under key "k"
    a = http.post("/v1/programmes", json=programme(gb), headers={"Idempotency-Key": "k"})
    # When a provider sends the same request under the same key, then it is its own request
    with client_for(server, keys["provider"]) as provider:
        b = provider.post("/v1/programmes", json=programme(gb), headers={"Idempotency-Key": "k"})
    assert a.status_code == b.status_code == 201 and a.json()["id"] != b.json()["id"]
    assert "idempotent-replayed" not in b.headers


def test_a_refusal_is_an_answer_too_and_is_replayed(http: httpx.Client, services: Any, gb: str) -> None:
    # Given a refused request (a float amount)
    p = http.post("/v1/programmes", json=programme(gb)).json()
    bad = {"funder": gb, "amount": 1.5, "currency": "GBP", "value_date": "2024-05-01"}
    first = http.post(f"/v1/programmes/{p['id']}/commitments", json=bad, headers={"Idempotency-Key": "bad"})
    assert first.status_code == 422
    # When it is repeated, then the same refusal is replayed
    again = http.post(f"/v1/programmes/{p['id']}/commitments", json=bad, headers={"Idempotency-Key": "bad"})
    assert (again.status_code, again.json()) == (422, first.json())
    assert again.headers["idempotent-replayed"] == "true"


def test_a_duplicate_still_in_flight_is_409_in_progress(
    http: httpx.Client, server: Any, keys: dict[str, str], services: Any, gb: str
) -> None:
    # Given a first request held in flight just after its write (the ledger's listeners run in it)
    release, written = threading.Event(), threading.Event()

    def hold() -> None:
        written.set()
        release.wait(20)

    services.ledger.listeners.append(hold)
    try:
        with ThreadPoolExecutor(1) as pool, client_for(server, keys["admin"]) as other:
            first = pool.submit(
                other.post,
                "/v1/programmes",
                json=programme(gb),
                headers={"Idempotency-Key": "slow"},
            )
            assert written.wait(20)
            # When the same request arrives meanwhile, then it is told the first is still running
            second = http.post("/v1/programmes", json=programme(gb), headers={"Idempotency-Key": "slow"})
            assert second.status_code == 409 and second.json()["code"] == "idempotency-in-progress"
            assert second.headers["retry-after"] == "1"
            release.set()
            assert first.result(20).status_code == 201
    finally:
        release.set()
        services.ledger.listeners.remove(hold)
    # And once the first is done, a repeat gets its answer and writes nothing
    before = head(services)
    third = http.post("/v1/programmes", json=programme(gb), headers={"Idempotency-Key": "slow"})
    assert third.json() == first.result().json() and head(services) == before


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)  # a table lock fails writes on demand
def test_a_failed_answer_is_not_stored_so_a_retry_runs(
    http: httpx.Client, services: Any, gb: str, database_url: str
) -> None:
    table = services.ledger.recorder.events_table_name
    # Given the events table locked by someone else, so the write times out: 503
    with psycopg.connect(database_url) as blocker:
        blocker.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        failed = http.post("/v1/programmes", json=programme(gb), headers={"Idempotency-Key": "retry"})
        assert failed.status_code == 503, failed.text
    before = head(services)
    # When the store is back and the client retries with the same key, then the request runs
    retried = http.post("/v1/programmes", json=programme(gb), headers={"Idempotency-Key": "retry"})
    assert retried.status_code == 201 and "idempotent-replayed" not in retried.headers
    assert head(services) > before


def test_an_empty_or_overlong_key_is_refused(http: httpx.Client, services: Any, gb: str) -> None:
    before = head(services)
    for key in ("", "k" * 256):
        r = http.post("/v1/programmes", json=programme(gb), headers={"Idempotency-Key": key})
        assert r.status_code == 400 and r.json()["code"] == "invalid-idempotency-key"
    assert head(services) == before
