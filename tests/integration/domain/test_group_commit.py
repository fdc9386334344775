"""Group commit: concurrent commands share transactions, yet each keeps its own outcome."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import IntegrityError, OperationalError

from api.http.problems import ApiProblem
from domain import context
from domain.errors import DomainError, Refused, RuleBroken
from domain.ledger import Ledger, Written
from domain.needs import Need, source
from domain.programmes import Programme
from tests.support.ledgers import kenyan_programme


def test_concurrent_commands_each_get_their_own_outcome_and_position(ledger) -> None:
    # Given one programme and 40 threads each recording a distinct commitment, a few of them bad
    org = ledger.register_organisation("GB-GOV-1", "FCDO", "10").id
    programme = ledger.register_programme(
        title="Procurement reform",
        description="",
        reporting_org=org,
        funders=[org],
        implementers=[],
        states=["KEN"],
        start=date(2024, 1, 1),
        end=date(2026, 1, 1),
        status=2,
    ).id
    results: dict[int, object] = {}

    def commit(i: int) -> None:
        with context.recording(actor=f"thread-{i}"):
            try:
                amount = "-1" if i % 10 == 0 else f"{1000 + i}"
                w = ledger.change_programme(
                    programme, lambda p: p.record_commitment(f"c{i}", org, amount, "USD", date(2024, 2, 1))
                )
                results[i] = w.position
            except Exception as e:
                results[i] = e

    threads = [threading.Thread(target=commit, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Then every good command succeeded with a distinct position, every bad one failed alone
    ok = {i: p for i, p in results.items() if isinstance(p, int)}
    assert sorted(ok) == [i for i in range(40) if i % 10]
    assert len(set(ok.values())) == len(ok)
    final = ledger.programme(programme)
    assert sorted(final.commitments) == sorted(f"c{i}" for i in ok)
    # And each event is attributed to the thread that asked for it
    events = {e.commitment_id: e.actor for e in ledger.events.get(programme) if hasattr(e, "commitment_id")}
    assert all(events[f"c{i}"] == f"thread-{i}" for i in ok)


def test_commands_in_one_batch_see_the_effects_of_those_before_them(ledger) -> None:
    # Given many threads registering the same organisation at once
    outcomes: list[object] = []

    def register() -> None:
        try:
            outcomes.append(ledger.register_organisation("XM-DAC-41114", "UNDP", "40").position)
        except RuleBroken as e:
            outcomes.append(e.code)

    threads = [threading.Thread(target=register) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Then exactly one registered it; every other saw it registered
    assert sum(isinstance(o, int) for o in outcomes) == 1
    assert outcomes.count("organisation-already-registered") == 11


def test_a_need_created_while_others_commit_is_never_lost(ledger) -> None:
    ids = []
    lock = threading.Lock()

    def identify(i: int) -> None:
        w = ledger.identify_need(
            state="KEN",
            article=5 + i % 50,
            ta_types=["other"],
            description=f"n{i}",
            horizon="current",
            priority="low",
            source=source("other", "x"),
        )
        with lock:
            ids.append(w.id)

    threads = [threading.Thread(target=identify, args=(i,)) for i in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(ids) == 30
    assert all(ledger.need(i).status == "open" for i in ids)


def test_bulk_loading_saves_in_large_transactions_and_atomic_blocks_stay_whole(ledger) -> None:
    # Given a bulk load of 30 needs in chunks of 10 events, with one atomic block that fails half-way
    head = ledger.recorder.max_notification_id() or 0
    with ledger.bulk(flush_every=10):
        for i in range(30):
            ledger.identify_need(
                state="GHA",
                article=5 + i,
                ta_types=["other"],
                description=f"n{i}",
                horizon="current",
                priority="low",
                source=source("other", "x"),
            )
        try:
            with ledger.atomic():
                w = ledger.identify_need(
                    state="GHA",
                    article=9,
                    ta_types=["other"],
                    description="kept?",
                    horizon="current",
                    priority="low",
                    source=source("other", "x"),
                )
                ledger.change_need(w.id, lambda n: n.mark_met("done"))
                ledger.change_need(w.id, lambda n: n.revise(description="closed: refused"))
        except RuleBroken:
            pass
    # Then the 30 needs are stored, and nothing of the failed block
    assert (ledger.recorder.max_notification_id() or 0) - head == 30


def test_a_command_that_fails_half_way_leaves_the_batch_as_it_found_the_aggregate(ledger) -> None:
    from domain.group_commit import Unit

    # Given a need, and a batch in which one command changes it properly first
    need_id = ledger.identify_need(
        state="KEN",
        article=9,
        ta_types=["other"],
        description="as stored",
        horizon="current",
        priority="low",
        source=source("other", "x"),
    ).id
    unit = Unit(ledger._load, load_at=lambda i, v: ledger.repository.get(i, version=v))

    def prioritise(u: Unit):
        n = u.get(need_id)
        n.prioritise("high")
        return n

    def broken(u: Unit):
        n = u.get(need_id)
        n.description = "half-applied"  # a bug: state changed outside an event, then a crash
        raise RuntimeError("crashed half-way")

    unit.run(prioritise)
    # When a later command of the batch crashes half-way
    with contextlib.suppress(RuntimeError):
        unit.run(broken)
    # Then the batch's aggregate is as stored plus the earlier command's event, nothing of the crash
    held = unit.aggregates[need_id]
    assert (held.description, held.priority, held.version) == ("as stored", "high", 2)


# ---- the rules, deterministically: batches formed on purpose, faults injected at the recorder ----


@pytest.fixture
def sqlite_ledger(tmp_path: Path) -> Iterator[Ledger]:
    ledger = Ledger(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "ledger.db")})
    try:
        yield ledger
    finally:
        ledger.close()


@dataclass
class World:
    ledger: Ledger
    funder: UUID
    programme: UUID
    need: UUID  # the aggregate the leader holds on to, recording nothing


@pytest.fixture
def world(sqlite_ledger: Ledger) -> World:
    funder = sqlite_ledger.register_organisation("GB-GOV-1", "FCDO", "10").id
    programme = kenyan_programme(sqlite_ledger, funder)
    need = sqlite_ledger.identify_need(
        state="KEN",
        article=9,
        ta_types=["other"],
        description="held",
        horizon="current",
        priority="low",
        source=source("other", "x"),
    ).id
    return World(sqlite_ledger, funder, programme, need)


class Recorder:
    """The recorder's inserts as they happen: events per transaction; queued faults raise instead."""

    def __init__(self, ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
        self.transactions: list[int] = []
        self.faults: list[BaseException] = []
        insert = ledger.recorder.insert_events

        def insert_or_fail(events: list[Any], **kwargs: Any) -> Any:
            if self.faults:
                raise self.faults.pop(0)
            self.transactions.append(len(events))
            return insert(events, **kwargs)

        monkeypatch.setattr(ledger.recorder, "insert_events", insert_or_fail)


class Queue(list[Any]):
    """The group commit's queue, observed: a test waits until the commands it started are queued."""

    def __init__(self) -> None:
        super().__init__()
        self.grew = threading.Condition()

    def append(self, item: Any) -> None:
        with self.grew:
            super().append(item)
            self.grew.notify_all()

    def wait_for_length(self, n: int) -> None:
        with self.grew:
            assert self.grew.wait_for(lambda: len(self) >= n, timeout=30), f"{n} commands never queued"


def one_batch(world: World, commands: list[Callable[[], Written]]) -> tuple[Any, list[Any]]:
    """Run `commands` as one batch, queued in this order: a first command, recording nothing, holds the
    lead until all are queued. Answers the holder's outcome and each command's (a Written or its error)."""
    queue = Queue()
    world.ledger.commits._queue = queue
    holding, release = threading.Event(), threading.Event()
    outcomes: dict[int, Any] = {}

    def hold(need: Need) -> None:
        holding.set()
        release.wait(30)

    def run(i: int, command: Callable[[], Written]) -> None:
        try:
            outcomes[i] = command()
        except Exception as e:
            outcomes[i] = e

    threads = [threading.Thread(target=run, args=(-1, lambda: world.ledger.change_need(world.need, hold)))]
    threads[0].start()
    assert holding.wait(30), "the leader never ran its command"
    for i, command in enumerate(commands):
        threads.append(threading.Thread(target=run, args=(i, command)))
        threads[-1].start()
        queue.wait_for_length(i + 1)
    release.set()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads), "a command never got its answer"
    return outcomes[-1], [outcomes[i] for i in range(len(commands))]


def commitment(world: World, commitment_id: str) -> Callable[[], Written]:
    return lambda: world.ledger.change_programme(
        world.programme,
        lambda p: p.record_commitment(commitment_id, world.funder, "1000", "USD", date(2024, 2, 1)),
    )


def test_commands_queued_behind_a_leader_are_saved_together_in_one_transaction(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a leader holding its batch open, and five commitments queued behind it
    recorder = Recorder(world.ledger, monkeypatch)
    head = world.ledger.position()
    # When the leader lets go
    held, written = one_batch(world, [commitment(world, f"c{i}") for i in range(5)])
    # Then the five were saved in one transaction, each answering the position of its own event
    assert recorder.transactions == [5]
    assert sorted(w.position for w in written) == list(range(head + 1, head + 6))
    assert [w.aggregate.commitments.keys() for w in written][-1] == {f"c{i}" for i in range(5)}
    # And the leader, whose batch saved nothing, answered the position the ledger was at
    assert held.position == head


def test_a_command_that_records_nothing_answers_the_position_its_batch_leaves_the_ledger_at(
    world: World,
) -> None:
    # Given a batch where a command that records nothing sits between two that record
    def nothing(p: Programme) -> None:
        pass

    def records_nothing() -> Written:
        return world.ledger.change_programme(world.programme, nothing)

    # When the batch is saved
    _, (first, quiet, last) = one_batch(world, [commitment(world, "c1"), records_nothing, commitment(world, "c2")])
    # Then it answers the ledger's position after the batch, as a write outside a batch would
    assert quiet.position == last.position == world.ledger.position()
    assert first.position == last.position - 1


def test_a_conflicting_save_is_retried_one_command_at_a_time_and_each_is_saved_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a recorder that refuses the batch's first insert as a conflict
    recorder = Recorder(world.ledger, monkeypatch)
    recorder.faults.append(IntegrityError("duplicate key (originator_id, originator_version)"))
    head = world.ledger.position()
    # When three commitments are saved as one batch
    _, written = one_batch(world, [commitment(world, f"c{i}") for i in range(3)])
    # Then each was retried alone on fresh state, saved once, in its own transaction
    assert recorder.transactions == [1, 1, 1]
    assert sorted(w.position for w in written) == [head + 1, head + 2, head + 3]
    assert sorted(world.ledger.programme(world.programme).commitments) == ["c0", "c1", "c2"]


def test_a_store_outage_fails_every_command_of_the_batch_and_writes_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a store that is away when the batch is saved
    recorder = Recorder(world.ledger, monkeypatch)
    recorder.faults.append(OperationalError("server closed the connection unexpectedly"))
    head = world.ledger.position()
    # When three commitments are saved as one batch
    _, outcomes = one_batch(world, [commitment(world, f"c{i}") for i in range(3)])
    # Then every one of them got the outage, and nothing was written
    assert all(isinstance(o, OperationalError) for o in outcomes)
    assert recorder.transactions == []
    assert world.ledger.position() == head
    assert world.ledger.programme(world.programme).commitments == {}
    # And once the store is back, the next command leads and is saved
    assert commitment(world, "c9")().position == head + 1


@pytest.mark.parametrize(
    "error",
    [
        RuleBroken("funder-not-on-programme", "not a funder"),
        ApiProblem(403, "forbidden", "not yours"),
        RuntimeError("crashed half-way"),
    ],
    ids=["domain refusal", "http refusal", "crash"],
)
def test_a_composite_command_that_fails_half_way_saves_nothing_and_the_rest_of_its_batch_is_saved(
    world: World, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    # Given a command that records a commitment, then fails, between two good commands of one batch
    recorder = Recorder(world.ledger, monkeypatch)

    def record_then_fail(p: Programme) -> None:
        p.record_commitment("half", world.funder, "500", "USD", date(2024, 2, 1))
        raise error

    def composite() -> Written:
        return world.ledger.change_programme(world.programme, record_then_fail)

    # When the batch is saved
    _, (before, failed, after) = one_batch(world, [commitment(world, "c1"), composite, commitment(world, "c2")])
    # Then the failed command got its error, and nothing of it was saved, not even its first event
    assert failed is error
    assert recorder.transactions == [2]
    assert sorted(world.ledger.programme(world.programme).commitments) == ["c1", "c2"]
    assert (before.version, after.version) == (2, 3)


def test_every_domain_error_and_the_http_problem_are_refusals() -> None:
    # Given the errors a command may refuse with
    refusals = [*DomainError.__subclasses__(), ApiProblem]
    # Then each is a Refused, so a batch knows a refusal by its type, not by an attribute
    assert all(issubclass(cls, Refused) for cls in refusals)
    assert not issubclass(RuntimeError, Refused)


def test_a_command_that_changes_two_aggregates_keeps_the_events_of_both(world: World) -> None:
    from domain.group_commit import Unit

    # Given a second need beside the world's
    other = world.ledger.identify_need(
        state="KEN",
        article=10,
        ta_types=["other"],
        description="other",
        horizon="current",
        priority="low",
        source=source("other", "x"),
    ).id
    unit = Unit(world.ledger._load)

    def prioritise_both(u: Unit) -> Need:
        first, second = u.get(world.need), u.get(other)
        second.prioritise("high")
        first.prioritise("high")
        return first

    # When one command prioritises both and answers the first
    _, index = unit.run(prioritise_both)
    # Then the batch holds both events, the answered aggregate's last, and no pending event is left behind
    assert [(e.originator_id, type(e).__name__) for e in unit.events] == [
        (other, "NeedPrioritised"),
        (world.need, "NeedPrioritised"),
    ]
    assert index == 1
    assert not any(a.pending_events for a in unit.aggregates.values())
