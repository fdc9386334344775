"""PostgreSQL appends (projections/pg_recorder.py): one trip, ids reserved under the lock, COPY for large batches.

The guarantee kept from the library: ids are handed out under the table lock, held until commit, so a reader
following the notification log never passes an id that commits later. Proven here with writers in several
"processes" (each its own Services, so its own recorder and pool) and a reader following the log; and step by
step, with a writer paused while it holds its ids.
"""

from __future__ import annotations

import os
import random
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import StoredEvent

from api.root.services import Services
from api.root.settings import Settings
from projections.audit.seals import SEAL_LABEL, check_records
from projections.audit.store import read_events
from projections.pg_recorder import COPY_AT, OneTripPostgresRecorder
from tests.support.stores import new_database

WRITERS = 3  # recorders, as separate processes would have
THREADS = 2  # writing threads per recorder


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    with new_database("postgres", tmp_path) as url:
        yield url


def opened(url: str, key: Path, stack: ExitStack) -> Services:
    svc = Services(Settings(database_url=url, signing_key_file=key, log_format="json", pool_size=THREADS + 1))
    stack.callback(svc.close)
    return svc


def events(n: int) -> list[StoredEvent]:
    """n events of new streams, with state bytes COPY and arrays must carry as they are."""
    return [
        StoredEvent(uuid.uuid4(), 1, "domain.organisations:Organisation.Registered", os.urandom(40) + b"\x00\\\t\n'\"")
        for _ in range(n)
    ]


def recorder(svc: Services) -> OneTripPostgresRecorder:
    r = svc.ledger.recorder
    assert isinstance(r, OneTripPostgresRecorder)
    return r


def ids_in(svc: Services) -> list[int]:
    with svc.db.transaction(commit=False) as tx:
        rows = tx.execute(f"SELECT notification_id FROM {recorder(svc).events_table_name} ORDER BY 1").fetchall()
    return [int(r["notification_id"]) for r in rows]


@pytest.fixture
def paths(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How many batches went each way."""
    counts = {"one trip": 0, "one trip refused": 0, "reserved": 0, "copy": 0}
    one_trip, reserved, copy = (
        OneTripPostgresRecorder._one_trip,
        OneTripPostgresRecorder._reserved,
        OneTripPostgresRecorder._copy,
    )

    def counted_one_trip(self: Any, *args: Any) -> Any:
        ids = one_trip(self, *args)
        counts["one trip" if ids is not None else "one trip refused"] += 1
        return ids

    def counted_reserved(self: Any, *args: Any) -> Any:
        counts["reserved"] += 1
        return reserved(self, *args)

    def counted_copy(self: Any, *args: Any) -> Any:
        counts["copy"] += 1
        return copy(self, *args)

    monkeypatch.setattr(OneTripPostgresRecorder, "_one_trip", counted_one_trip)
    monkeypatch.setattr(OneTripPostgresRecorder, "_reserved", counted_reserved)
    monkeypatch.setattr(OneTripPostgresRecorder, "_copy", counted_copy)
    return counts


def test_a_reader_following_the_log_never_passes_an_id_that_commits_later(
    url: str, tmp_path: Path, paths: dict[str, int]
) -> None:
    with ExitStack() as stack:
        # given several recorders writing batches of every size at once, one in six of them large enough for COPY
        services = [opened(url, tmp_path / "key.pem", stack) for _ in range(WRITERS)]
        done = threading.Event()
        errors: list[BaseException] = []

        def write(svc: Services, seed: int) -> None:
            rng = random.Random(seed)
            try:
                for _ in range(40):
                    n = COPY_AT + rng.randrange(50) if rng.random() < 1 / 6 else rng.randrange(1, 9)
                    recorder(svc).insert_events(events(n))
            except BaseException as e:
                errors.append(e)

        # and a reader following the log page by page, as the projection runner does
        seen: list[int] = []

        def follow() -> None:
            reader = recorder(services[0])
            while True:
                finished = done.is_set()  # read once more after the writers are done
                page = reader.select_notifications(start=(seen[-1] if seen else 0) + 1, limit=37)
                seen.extend(n.id for n in page)
                if finished and not page:
                    return

        writers = [
            threading.Thread(target=write, args=(svc, i * THREADS + t))
            for i, svc in enumerate(services)
            for t in range(THREADS)
        ]
        following = threading.Thread(target=follow)
        following.start()
        for w in writers:
            w.start()
        for w in writers:
            w.join()
        # and then one of them writing alone, while the reader still follows
        write(services[0], seed=99)
        done.set()
        following.join()
        assert not errors, errors
        # then the reader saw every id the table holds, in order: none was passed while it was not yet committed
        stored = ids_in(services[0])
        assert seen == stored
        assert len(stored) == len(set(stored))
        # and every batch went one of the three ways, each of them taken
        assert paths["one trip"] and paths["one trip refused"] and paths["reserved"] and paths["copy"], paths
        # and every event is sealed at the position it is stored at
        records = list(read_events(services[0].db, recorder(services[0]).events_table_name, 10**9))
        with services[0].db.transaction(commit=False) as tx:
            assert check_records(tx, services[0].signing_key.derive(SEAL_LABEL), records) is None


def waiting_on_a_lock(url: str) -> bool:
    """Is a session of this database waiting for a lock (the table lock, here)?"""
    name = url.rpartition("/")[2]
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'", (name,)
        ).fetchone()
    return bool(row and row[0])


def until(condition: Any, what: str) -> None:
    deadline = time.monotonic() + 30  # a bound on a wait, not a timed assertion
    while not condition():
        assert time.monotonic() < deadline, f"never {what}"
        time.sleep(0.01)


def test_a_writer_holding_ids_keeps_the_next_writer_and_readers_from_passing_them(
    url: str, tmp_path: Path, paths: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    with ExitStack() as stack:
        first, second = (opened(url, tmp_path / "key.pem", stack) for _ in range(2))
        # given the second writer has written, so it knows where the sequence is and will try one trip
        recorder(second).insert_events(events(2))
        assert paths["one trip"] == 0 and paths["reserved"] == 1
        # and the first writer paused after drawing its ids under the lock, before it commits
        holding, release = threading.Event(), threading.Event()
        companions = recorder(first).companions

        def paused(positions: Any, stored: Any) -> list[str]:
            holding.set()
            release.wait(30)
            return companions(positions, stored)

        monkeypatch.setattr(recorder(first), "companions", paused)
        results: dict[str, Any] = {}
        one = threading.Thread(target=lambda: results.update(first=recorder(first).insert_events(events(3))))
        one.start()
        until(holding.is_set, "paused holding its ids")
        # when the second writer appends meanwhile
        two = threading.Thread(target=lambda: results.update(second=recorder(second).insert_events(events(1))))
        two.start()
        # then it waits for the table lock, and a reader sees neither batch
        until(lambda: waiting_on_a_lock(url), "waiting on the table lock")
        assert [n.id for n in recorder(second).select_notifications(start=3, limit=10)] == []
        # when the first commits
        release.set()
        one.join()
        two.join()
        # then the second found the sequence moved and drew ids after the first's; the log lists them in that order
        assert paths["one trip refused"] == 1
        assert results["first"] == [3, 4, 5] and results["second"] == [6]
        assert [n.id for n in recorder(second).select_notifications(start=1, limit=10)] == [1, 2, 3, 4, 5, 6]


def test_large_batches_go_by_copy_and_read_back_through_the_library_unchanged(
    url: str, tmp_path: Path, paths: dict[str, int]
) -> None:
    with ExitStack() as stack:
        svc = opened(url, tmp_path / "key.pem", stack)
        # given a small batch, then one large enough for COPY, then a small one again
        batches = [events(3), events(COPY_AT + 17), events(2)]
        written = [recorder(svc).insert_events(batch) for batch in batches]
        assert paths["copy"] == 1
        # then the positions follow one another, and the library reads back each event as it was given
        flat = [e for batch in batches for e in batch]
        positions = [p for ids in written for p in (ids or [])]
        assert positions == list(range(1, len(flat) + 1))
        read = recorder(svc).select_notifications(start=1, limit=len(flat) + 10)
        assert [(n.id, n.originator_id, n.originator_version, n.topic, n.state) for n in read] == [
            (p, e.originator_id, e.originator_version, e.topic, e.state) for p, e in zip(positions, flat, strict=True)
        ]
        for e in flat[COPY_AT : COPY_AT + 3]:
            assert recorder(svc).select_events(e.originator_id) == [e]
        # and the one after the COPY went in one trip, the recorder knowing where the sequence is
        assert paths["one trip"] == 1


def test_each_batch_notifies_listeners_once_whichever_way_it_goes(
    url: str, tmp_path: Path, paths: dict[str, int]
) -> None:
    with ExitStack() as stack:
        svc = opened(url, tmp_path / "key.pem", stack)
        with psycopg.connect(url, autocommit=True) as listener:
            listener.execute(f'LISTEN "{recorder(svc).channel_name}"')
            # when batches go each way: ids drawn under the lock, one trip, COPY, one trip
            for n in (2, 3, COPY_AT, 1):
                recorder(svc).insert_events(events(n))
            assert paths == {"one trip": 2, "one trip refused": 0, "reserved": 2, "copy": 1}
            # then the listener was told once per batch
            told = list(listener.notifies(timeout=1, stop_after=5))
        assert [n.channel for n in told] == [recorder(svc).channel_name] * 4
