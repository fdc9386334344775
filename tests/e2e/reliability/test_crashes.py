"""Crashes: the server or the worker killed with SIGKILL mid-work, on SQLite and on PostgreSQL.

After a restart every acknowledged write exists and is whole, and the views the restarted
runner produced are exactly those of a rebuild from position 0.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.root.services import Services
from api.root.settings import Settings
from bench.generate import generate
from tests.e2e.reliability.load import (
    Writers,
    assert_acknowledged_commitments_are_stored,
    assert_acknowledged_writes_are_stored,
    assert_views_are_the_fold_at_their_position,
    assert_views_equal_a_fresh_rebuild,
    views,
)
from tests.support.ledgers import kenyan_programme
from tests.support.processes import Server, cli, environment_of, worker
from tests.support.stores import assert_each_event_applied_once


@pytest.fixture
def opened(settings: Settings) -> Iterator[Any]:
    """Opens fresh Services on the test's store (as an operator's shell would); closed after."""
    opened: list[Services] = []

    def open_() -> Services:
        opened.append(Services(settings))
        return opened[-1]

    yield open_
    for svc in opened:
        svc.close()


def world(svc: Services) -> tuple[str, tuple[str, str]]:
    """An admin key and a programme with its funder, for writers to use."""
    ledger = svc.ledger
    org = ledger.register_organisation("GB-GOV-1", "Foreign, Commonwealth & Development Office", "10", "GBR").id
    programme = kenyan_programme(ledger, org)
    return ledger.issue_key("crash admin", "admin")[1], (str(programme), str(org))


def test_a_server_killed_mid_load_loses_no_acknowledged_write_and_its_views_match_a_rebuild(
    settings: Settings, opened: Any, tmp_path: Path
) -> None:
    admin, programme = world(opened())
    env = environment_of(settings)
    server = Server(env, tmp_path / "server.log").start()
    try:
        with Writers(server.url, admin, n=4, programme=programme) as writers:
            # Given four clients writing needs, revisions and commitments
            writers.wait_for(lambda: writers.count(201) >= 30, 60, "30 acknowledged writes")
            # When the server is killed outright mid-load
            server.kill()
            writers.wait_for(lambda: writers.count(None) >= 4, 30, "the clients saw the server go")
        # Then the clients got answers or lost connections, never an error answer
        assert writers.statuses() <= {200, 201, None}, writers.statuses()
        # When it is started again, its runner catches up by itself
        restarted = Server(env, tmp_path / "restarted.log").start()
        try:
            took = restarted.wait_caught_up()
            # Then every acknowledged need reads back over HTTP at least at its acknowledged version
            with httpx.Client(base_url=restarted.url, headers={"Authorization": f"Bearer {admin}"}) as c:
                for need, version in writers.acknowledged.items():
                    r = c.get(f"/v1/needs/{need}")
                    assert r.status_code == 200 and r.json()["version"] >= version, r.text
        finally:
            restarted.shut_down(30)
        print(
            f"\n[{settings.database_url.split(':')[0]}] {len(writers.acknowledged)} needs and "
            f"{len(writers.commitments)} commitments acknowledged; "
            f"caught up {took:.1f} s after restart"
        )
        assert not restarted.errors(), restarted.errors()
    finally:
        server.stop()
    # And in the store every acknowledged write is whole, and the views equal a fresh rebuild
    svc = opened()
    assert_acknowledged_writes_are_stored(svc.ledger, writers.acknowledged)
    assert_acknowledged_commitments_are_stored(svc.ledger, programme[0], writers.commitments)
    assert_views_equal_a_fresh_rebuild(svc)


def test_a_worker_killed_mid_catch_up_resumes_where_its_last_whole_batch_ended(
    settings: Settings, opened: Any, tmp_path: Path
) -> None:
    # Given a log of about 2,000 events no projection has seen yet
    svc = opened()
    generate(svc.ledger, 2000)
    head = svc.runner.head()
    env = environment_of(settings, LEDGER_RUNNER_BATCH_SIZE="40")
    # When a worker has applied part of it, and is killed outright
    first = worker(env, tmp_path / "worker.log")
    try:
        wait_until(lambda: 0 < svc.runner.position("views") < head - 400, 120, "the worker mid catch-up")
        first.kill()
    finally:
        first.stop()
    position = svc.runner.position("views")
    assert 0 < position < head
    # Then the views are exactly the log folded up to the position they record: no half batch
    assert_views_are_the_fold_at_their_position(svc)
    # When a worker starts again, it goes on to the end, and stops on SIGTERM
    second = worker(env, tmp_path / "worker2.log")
    try:
        wait_until(lambda: svc.runner.lag() == 0, 180, "the restarted worker to catch up")
        second.terminate()
        assert second.wait(30) == 0
    finally:
        second.stop()
    # Then every event is applied and chained exactly once, and the views equal a fresh rebuild
    assert_each_event_applied_once(svc)
    assert_views_equal_a_fresh_rebuild(opened())


def test_a_rebuild_killed_midway_leaves_the_previous_views_whole(
    settings: Settings, opened: Any, tmp_path: Path
) -> None:
    # Given current views over a log of about 7,000 events (a rebuild reads 5,000 at a time)
    svc = opened()
    generate(svc.ledger, 7_000)
    svc.runner.catch_up()
    before, position = views(svc), svc.runner.position()
    env = environment_of(settings)
    # When `ledger rebuild` is killed after its first batch
    rebuild = cli(env, tmp_path / "rebuild.log", "rebuild")
    try:
        wait_until(lambda: "rebuild:" in rebuild.output() or not rebuild.alive(), 120, "the first batch")
        rebuild.kill()
    finally:
        rebuild.stop()
    assert rebuild.popen is not None and rebuild.popen.returncode == -signal.SIGKILL, rebuild.output()
    # Then the views and their position are as they were: the rebuild is one transaction
    svc = opened()
    assert svc.runner.position() == position
    assert views(svc) == before
    # And a rebuild run to the end gives the same views again
    svc.runner.rebuild(svc.views)
    assert views(svc) == before


def wait_until(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.02)
