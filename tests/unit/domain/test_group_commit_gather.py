"""The group commit's new leader waits briefly for the commands the last batch had running (docs/group-commit.md):
so one commit carries every concurrent caller, not every other one. A store-free group commit, its saves counted;
the save's duration is set on a clock of the test's own, so no outcome depends on how fast the machine is."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any
from uuid import uuid4

import pytest

from domain import group_commit
from domain.group_commit import GroupCommit, Unit


class Thing:
    """An aggregate of one event, new each time."""

    def __init__(self) -> None:
        self.id = uuid4()
        self.pending_events: list[Any] = [object()]

    def collect_events(self) -> list[Any]:
        events, self.pending_events = self.pending_events, []
        return events


def command(unit: Unit) -> Thing:
    return Thing()


class Store:
    """Saves counted by size; the first one held until released; each takes `seconds` on the test's clock."""

    def __init__(self, seconds: float) -> None:
        self.sizes: list[int] = []
        self.entered, self.release = threading.Event(), threading.Event()
        self.seconds, self.clock = seconds, 0.0

    def perf_counter(self) -> float:
        return self.clock

    def save(self, events: list[Any]) -> list[Any]:
        if not self.sizes:
            self.entered.set()
            assert self.release.wait(30), "the first save was never released"
        self.clock += self.seconds
        self.sizes.append(len(events))
        return [SimpleNamespace(notification=SimpleNamespace(id=len(self.sizes)))] * len(events)


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    store = Store(seconds=100.0)  # a long save: the leader may wait up to LINGER
    monkeypatch.setattr(
        group_commit, "time", SimpleNamespace(perf_counter=store.perf_counter, monotonic=time.monotonic)
    )
    yield store
    store.release.set()


def queued(commits: GroupCommit, n: int) -> None:
    deadline = time.monotonic() + 30  # a bound on a wait, not a timed assertion
    while len(commits._queue) < n:
        assert time.monotonic() < deadline, f"{n} commands never queued"
        time.sleep(0.001)


def run_four(commits: GroupCommit, store: Store, again: bool) -> None:
    """One caller leads a held save while three queue behind it; then (if `again`) it sends a second command, once
    the next leader is waiting for commands (or, should it never wait, a while later)."""
    waiting = threading.Event()
    wait = commits._arrived.wait

    def noted(timeout: float | None = None) -> bool:
        waiting.set()
        return wait(timeout)

    commits._arrived.wait = noted  # type: ignore[method-assign]

    def first() -> None:
        commits.submit(command)
        if again:
            waiting.wait(5)
            commits.submit(command)

    threads = [threading.Thread(target=first)]
    threads[0].start()
    assert store.entered.wait(30)
    for _ in range(3):
        threads.append(threading.Thread(target=commits.submit, args=(command,)))
        threads[-1].start()
    queued(commits, 3)
    store.release.set()
    for t in threads:
        t.join(30)
    assert not any(t.is_alive() for t in threads), "a command never got its answer"


def test_the_next_leader_waits_for_the_caller_just_answered_so_one_commit_carries_all_four(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(group_commit, "LINGER", 60.0)  # the wait ends when the command comes, not by time
    commits = GroupCommit(lambda i: None, store.save, lambda: 0)
    # given a batch of one saving while three commands queue, four running in all
    # when its caller, answered, sends another command
    run_four(commits, store, again=True)
    # then the next batch waited for it: the three and it were saved together
    assert store.sizes == [1, 4]


def test_the_wait_ends_after_linger_when_the_expected_command_does_not_come(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(group_commit, "LINGER", 0.01)
    commits = GroupCommit(lambda i: None, store.save, lambda: 0)
    # given four running, and the first caller sending nothing more
    run_four(commits, store, again=False)
    # then the three queued were saved together once the leader stopped waiting
    assert store.sizes == [1, 3]


def test_one_caller_at_a_time_never_waits(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    store.release.set()
    commits = GroupCommit(lambda i: None, store.save, lambda: 0)

    def never(*args: Any) -> bool:
        raise AssertionError("a lone caller waited for commands that could not come")

    monkeypatch.setattr(commits._arrived, "wait", never)
    # when one caller sends commands one after another
    for _ in range(3):
        commits.submit(command)
    # then each was saved alone, and no leader waited
    assert store.sizes == [1, 1, 1]
