"""Group commit: concurrent commands share transactions, yet each keeps its own outcome."""

from __future__ import annotations

import contextlib
import threading
from datetime import date

from domain import context
from domain.errors import RuleBroken
from domain.needs import source


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
