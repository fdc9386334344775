"""PostgreSQL goes away under load: 503 while down, recovery by itself, no acknowledged write lost.

The database is a cluster of the test's own, stopped and started under a live server that four
writer threads keep busy. Measured times are printed (pytest -s) for the operations notes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from api.http.app import create_app
from api.root.services import Services
from api.root.settings import Settings
from tests.e2e.api.world import NEED
from tests.e2e.reliability.load import (
    Answer,
    Writers,
    assert_acknowledged_writes_are_stored,
    assert_no_intent_recorded_twice,
    assert_views_equal_a_fresh_rebuild,
)
from tests.e2e.reliability.pgcluster import Cluster
from tests.support.servers import LiveServer

BOUND = 30.0  # seconds: no request may take longer while the store is away (measured ~12 s)


@pytest.fixture
def live(cluster_url: str, tmp_path: Path) -> Iterator[tuple[Services, LiveServer, str]]:
    settings = Settings(database_url=cluster_url, signing_key_file=tmp_path / "key.pem", log_format="json")
    svc = Services(settings)
    admin = svc.ledger.issue_key("fault admin", "admin")[1]
    try:
        with LiveServer(create_app(settings, services=svc)) as server:
            yield svc, server, admin
    finally:
        svc.close()


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_writes_and_reads_answer_503_while_postgres_is_down_and_recover_without_a_restart(
    live: tuple[Services, LiveServer, str], cluster: Cluster, mode: str
) -> None:
    svc, server, admin = live
    with (
        Writers(server.url, admin, n=4, idempotent=True) as writers,
        ThreadPoolExecutor(2) as probes,
    ):
        # Given writers whose needs are being acknowledged
        writers.wait_for(lambda: writers.count(201) >= 20, 30, "20 acknowledged writes")
        # When PostgreSQL stops (cleanly, or as if it crashed)
        cluster.stop(mode)
        down_at = time.monotonic()
        ready = probes.submit(get, server.url, "/readyz", None)  # as a load balancer asks
        view = probes.submit(get, server.url, "/v1/views/unmet-needs", admin)
        # Then writes are refused with 503 store-unavailable; readiness and reads say so too
        first_503 = writers.wait_for(lambda: writers.count(503) >= 4, 2 * BOUND, "503s while down")
        ready_answer, view_answer = ready.result(), view.result()
        # When PostgreSQL comes back
        cluster.start()
        up_at = time.monotonic()
        acknowledged_before = writers.count(201)
        # Then writes succeed again, the same server answering
        recovered = writers.wait_for(
            lambda: writers.count(201) > acknowledged_before + 10,
            60,
            "writes acknowledged again after the restart",
        )
    caught_up = wait_caught_up(server.url)
    slowest = max(a.seconds for a in writers.answers)
    print(
        f"\n[{mode}] down {up_at - down_at:.1f} s; first 503s after {first_503:.1f} s; "
        f"readyz 503 in "
        f"{ready_answer.seconds:.1f} s, view 503 in {view_answer.seconds:.1f} s; slowest write "
        f"{slowest:.1f} s; writes acknowledged {recovered:.1f} s after the start; lag 0 "
        f"{caught_up:.1f} s later"
    )

    # And every answer was a success or a bounded 503 problem with Retry-After: no 500, no hang
    # (or, to a keyed write sent again, "in progress": its first try's claim outlived the outage)
    assert writers.statuses() <= {200, 201, 409, 503}, writers.statuses()
    assert {a.body["code"] for a in writers.answers if a.status == 409} <= {"idempotency-in-progress"}
    refused = [a for a in writers.answers if a.status == 503] + [view_answer]
    assert all(a.status == 503 and a.body["code"] == "store-unavailable" for a in refused), view_answer
    assert all(a.headers["content-type"] == "application/problem+json" and a.headers["retry-after"] for a in refused)
    assert ready_answer.status == 503 and ready_answer.body["status"] == "unavailable"
    assert ready_answer.headers["retry-after"]
    assert max(slowest, ready_answer.seconds, view_answer.seconds) < BOUND
    assert slowest < 20  # one failing store call (~12 s): writes queued behind it fail with it
    # And every acknowledged write is in the store, whole, and the views match a rebuild
    assert_acknowledged_writes_are_stored(svc.ledger, writers.acknowledged)
    assert_no_intent_recorded_twice(svc, writers.intents)
    assert_views_equal_a_fresh_rebuild(svc)


def get(url: str, path: str, key: str | None) -> Answer:
    started = time.monotonic()
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    r = httpx.get(f"{url}{path}", headers=headers, timeout=2 * BOUND)
    return Answer("read", r.status_code, started, time.monotonic() - started, r.json(), dict(r.headers))


def wait_caught_up(url: str, timeout: float = 60) -> float:
    started = time.monotonic()
    while True:
        r = httpx.get(f"{url}/readyz", timeout=2 * BOUND)
        if r.status_code == 200 and r.json()["lag"] == 0 and r.json()["runner"] == "ok":
            return time.monotonic() - started
        assert time.monotonic() - started < timeout, r.text
        time.sleep(0.1)


def test_a_keyed_write_cut_off_by_the_outage_after_its_key_was_claimed_answers_503(
    live: tuple[Services, LiveServer, str], cluster: Cluster, cluster_url: str
) -> None:
    svc, server, admin = live
    table = svc.ledger.recorder.events_table_name
    # Stopping ends the lock holder's session and the write's alike; in the instant between the two the write may
    # take the lock and commit. Then it is acknowledged and stored, and its key replays it: the cut-off is tried again.
    for attempt in range(1, 4):
        headers = {"Authorization": f"Bearer {admin}", "Idempotency-Key": f"cut-off-{attempt}"}
        body = {**NEED, "description": f"cut off by the outage ({attempt})"}
        answer = cut_off(server, cluster, cluster_url, table, body, headers)
        if answer.status_code != 201:
            break
        wait_caught_up(server.url)  # the store back and the app on it again
        replay = httpx.post(f"{server.url}/v1/needs", json=body, headers=headers, timeout=60)
        assert replay.status_code == 201 and replay.json()["id"] == answer.json()["id"], replay.text
    else:
        raise AssertionError("three writes got through the outage: none was cut off")
    # Then it is a 503 problem like any other write while the store is away, not a 500
    assert answer.status_code == 503, answer.text
    assert answer.json()["code"] == "store-unavailable" and answer.headers["retry-after"]
    # And sent again under the same key once the store is back, it is never recorded twice: the
    # claim the outage kept from being released answers "in progress" until it is abandoned
    again = httpx.post(f"{server.url}/v1/needs", json=body, headers=headers, timeout=60)
    assert (again.status_code, again.json()["code"]) == (409, "idempotency-in-progress"), again.text
    assert [r["description"] for r in svc.durable.needs()].count(body["description"]) == 0


def cut_off(
    server: LiveServer, cluster: Cluster, cluster_url: str, table: str, body: dict[str, Any], headers: dict[str, str]
) -> httpx.Response:
    """A write whose key is claimed, held up inside the app by a lock on the log, when PostgreSQL stops under it."""
    holder = psycopg.connect(cluster_url)  # the stop below ends its session
    with ThreadPoolExecutor(1) as pool:
        # SHARE lets the key be read (keys are events: a key is claimed only after it is authenticated) but holds
        # every append
        holder.execute(f'LOCK TABLE "{table}" IN SHARE MODE')
        pending = pool.submit(httpx.post, f"{server.url}/v1/needs", json=body, headers=headers, timeout=2 * BOUND)
        time.sleep(1.0)
        cluster.stop("fast")
        try:
            return pending.result()
        finally:
            holder.close()
            cluster.start()
