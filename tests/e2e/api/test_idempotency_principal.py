"""Idempotency keys belong to an authenticated principal, and expire: real HTTP, both stores.

A request without a valid key (none, malformed, unknown, revoked) never reads or writes the
idempotency table; a key's owner is the API key, however the Authorization header spells it; a
stored answer is forgotten after 24 hours and purged by later claims. Time is the test's own clock,
injected into the app, so nothing sleeps.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from api.http.app import create_app
from api.http.idempotency import PURGE_BATCH
from tests.support.servers import LiveServer

START = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> None:
        self.now += by


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def server(services: Any, clock: Clock) -> Iterator[LiveServer]:
    """The live server of conftest, with the test's clock for the idempotency answers."""
    with LiveServer(create_app(services.settings, services=services, clock=clock)) as live:
        yield live


def stored(services: Any) -> int:
    """How many rows the idempotency table holds."""
    with services.db.transaction(commit=False) as tx:
        return int(tx.scalar("SELECT COUNT(*) FROM idempotency_keys"))


def head(services: Any) -> int:
    return services.ledger.recorder.max_notification_id() or 0


def organisation(ref: str) -> dict[str, str]:
    return {"ref": ref, "name": f"Organisation {ref}", "org_type": "10", "country": "GBR"}


def post(server: LiveServer, authorization: str | None, key: str, ref: str = "XM-DAC-1") -> httpx.Response:
    headers = {"Idempotency-Key": key} | ({"Authorization": authorization} if authorization else {})
    return httpx.post(f"{server.url}/v1/organisations", json=organisation(ref), headers=headers, timeout=30)


def test_requests_without_a_valid_key_never_touch_the_idempotency_table(
    server: LiveServer, keys: dict[str, str], services: Any
) -> None:
    before = head(services)
    # When 30 requests without a key, with a malformed header or an unknown key, each send an Idempotency-Key
    refused = [
        post(server, authorization, f"anon-{i}")
        for i in range(10)
        for authorization in (None, "Basic dXNlcjpwYXNz", "Bearer lk_00000000000000000000000000000000_nope")
    ]
    # Then each is 401 as without the header, and the table holds no row: nothing was claimed
    assert {(r.status_code, r.json()["code"]) for r in refused} == {
        (401, "unauthenticated"),
        (401, "invalid-credentials"),
    }
    assert stored(services) == 0 and head(services) == before


def test_a_revoked_key_is_refused_and_never_gets_its_stored_answer(server: LiveServer, services: Any) -> None:
    # Given a coordinator's registration answered 201 under an Idempotency-Key
    issued, secret = services.ledger.issue_key("desk to revoke", "coordinator")
    first = post(server, f"Bearer {secret}", "once")
    assert first.status_code == 201, first.text
    # When the key is revoked and the same request is sent again
    services.ledger.revoke_key(issued.aggregate.id)
    rows, before = stored(services), head(services)
    again = post(server, f"Bearer {secret}", "once")
    # Then it is refused like any revoked key, the stored 201 is not replayed, and nothing is claimed
    assert again.status_code == 401 and again.json()["code"] == "invalid-credentials", again.text
    assert "idempotent-replayed" not in again.headers
    assert stored(services) == rows and head(services) == before


@pytest.mark.parametrize("spelling", ["bearer  {key}", "BEARER {key}", "Bearer\t{key}", "bEaReR \t {key}"])
def test_one_key_is_one_principal_however_the_header_is_spelled(
    server: LiveServer, keys: dict[str, str], services: Any, spelling: str
) -> None:
    # Given a registration answered under an Idempotency-Key with the usual spelling
    first = post(server, f"Bearer {keys['admin']}", "spelt")
    assert first.status_code == 201, first.text
    before = head(services)
    # When the same key is sent with another spelling of the scheme and whitespace
    again = post(server, spelling.format(key=keys["admin"]), "spelt")
    # Then it is the same principal's repeat: the first answer, replayed, and nothing written
    assert (again.status_code, again.json()) == (201, first.json())
    assert again.headers["idempotent-replayed"] == "true"
    assert head(services) == before


def test_a_stored_answer_is_replayed_for_24_hours_then_forgotten(
    server: LiveServer, keys: dict[str, str], services: Any, clock: Clock
) -> None:
    admin = f"Bearer {keys['admin']}"
    first = post(server, admin, "daily", "XM-DAC-2")
    assert first.status_code == 201
    # A second before the day is out, the repeat is a replay and writes nothing
    clock.advance(timedelta(hours=24) - timedelta(seconds=1))
    before = head(services)
    replay = post(server, admin, "daily", "XM-DAC-2")
    assert replay.headers.get("idempotent-replayed") == "true" and head(services) == before
    # Two seconds later the key is new again: the request runs (and is refused, the ref being taken)
    clock.advance(timedelta(seconds=2))
    fresh = post(server, admin, "daily", "XM-DAC-2")
    assert "idempotent-replayed" not in fresh.headers
    assert fresh.status_code == 409 and fresh.json()["code"] == "organisation-already-registered", fresh.text


def test_expired_answers_are_purged_by_later_claims_in_bounded_batches(
    server: LiveServer, keys: dict[str, str], services: Any, clock: Clock
) -> None:
    admin = f"Bearer {keys['admin']}"
    # Given more expired answers than one claim purges (refusals are answers too: no events needed)
    stale = PURGE_BATCH + 5
    for i in range(stale):
        assert post(server, admin, f"old-{i}", "").status_code == 422
    assert stored(services) == stale
    # When a day and a minute later one claim is made
    clock.advance(timedelta(hours=24, minutes=1))
    assert post(server, admin, "new-1", "").status_code == 422
    # Then it deleted one batch of the expired answers and added its own
    assert stored(services) == stale - PURGE_BATCH + 1
    # And the next claim deletes the rest
    assert post(server, admin, "new-2", "").status_code == 422
    assert stored(services) == 2
