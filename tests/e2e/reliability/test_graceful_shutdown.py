"""SIGTERM: the server finishes its in-flight requests and the runner its batch, then exits.

`ledger serve` runs uvicorn with a 20 s graceful timeout; `ledger worker` stops on SIGTERM.
The slow requests are uploads still streaming their body when the signal arrives: the server
has begun them, so it must answer them before it exits.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from api.root.services import Services
from api.root.settings import Settings
from bench.generate import generate
from tests.e2e.api.world import NEED
from tests.e2e.reliability.load import (
    Writers,
    assert_acknowledged_writes_are_stored,
    assert_views_are_the_fold_at_their_position,
)
from tests.support.processes import Server, environment_of, worker

SLOW = 8  # uploads in flight at the signal
GRACE = 20  # seconds: `ledger serve`'s graceful timeout


def slow_body(text: str, seconds: float, sending: threading.Semaphore) -> Iterator[bytes]:
    """A need's JSON, sent in pieces over `seconds` (a slow client on a poor link)."""
    data = json.dumps({**NEED, "description": text}).encode()
    pieces = [data[i : i + 40] for i in range(0, len(data), 40)]
    for n, piece in enumerate(pieces):
        yield piece
        if n == 1:  # the headers and a first piece went out: the server has begun this request
            sending.release()
        time.sleep(seconds / len(pieces))


def upload(url: str, key: str, text: str, sending: threading.Semaphore) -> httpx.Response:
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as c:
        return c.post(
            "/v1/needs",
            content=slow_body(text, 2.0, sending),
            headers={"Content-Type": "application/json"},
        )


def test_sigterm_lets_in_flight_requests_finish_and_the_server_exit_within_its_grace(
    settings: Settings, tmp_path: Path
) -> None:
    svc = Services(settings)
    try:
        admin = svc.ledger.issue_key("shutdown admin", "admin")[1]
        server = Server(
            environment_of(settings),
            tmp_path / "serve.log",
            command="ledger",
        ).start()
        try:
            with Writers(server.url, admin, n=2) as writers, ThreadPoolExecutor(SLOW) as pool:
                # Given writers at work, and eight uploads the server has begun but not received
                writers.wait_for(lambda: writers.count(201) >= 10, 60, "10 acknowledged writes")
                sending = threading.Semaphore(0)
                uploads = [pool.submit(upload, server.url, admin, f"slow upload {i}", sending) for i in range(SLOW)]
                for _ in range(SLOW):
                    assert sending.acquire(timeout=30)
                # When the server is sent SIGTERM
                took = server.shut_down(GRACE + 10)
                answers = [u.result() for u in uploads]
        finally:
            server.stop()
        print(f"\n[{settings.database_url.split(':')[0]}] exited {took:.1f} s after SIGTERM")
        # Then every upload in flight was answered 201 with its position, within the grace period
        assert [a.status_code for a in answers] == [201] * SLOW, [a.text for a in answers]
        assert took < GRACE
        # And the other writers got answers or were refused a connection, never an error answer
        assert writers.statuses() <= {200, 201, None}, writers.statuses()
        assert not server.errors(), server.errors()
        # And everything acknowledged is stored, and the runner stopped on a whole batch
        acknowledged = {
            **writers.acknowledged,
            **{a.json()["id"]: a.json()["version"] for a in answers},
        }
        assert_acknowledged_writes_are_stored(svc.ledger, acknowledged)
        assert_views_are_the_fold_at_their_position(svc)
    finally:
        svc.close()


def test_sigterm_stops_a_worker_mid_catch_up_after_its_batch(settings: Settings, tmp_path: Path) -> None:
    svc = Services(settings)
    try:
        # Given a worker catching up on about 2,000 events, 40 at a time
        generate(svc.ledger, 2000)
        head = svc.runner.head()
        env = environment_of(settings, LEDGER_RUNNER_BATCH_SIZE="40")
        process = worker(env, tmp_path / "worker.log")
        try:
            deadline = time.monotonic() + 120
            while not 0 < svc.runner.position("views") < head - 400:
                assert time.monotonic() < deadline, process.output()
                time.sleep(0.02)
            # When it is sent SIGTERM
            started = time.monotonic()
            process.terminate()
            code = process.wait(30)
            took = time.monotonic() - started
        finally:
            process.stop()
        # Then it exits 0 promptly, mid-log, with its views whole at the position they record
        assert code == 0, process.output()
        assert took < 10
        assert svc.runner.position("views") < head
        assert_views_are_the_fold_at_their_position(svc)
    finally:
        svc.close()
