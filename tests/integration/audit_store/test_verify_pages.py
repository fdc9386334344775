"""Verify's pages on worker processes (projections/audit/verify_pages.py) answer exactly what the walk alone answers:
on a real store, intact or tampered with (a changed leaf, a changed or respelled chain hash, a deleted, inserted or
swapped row, a stored chain that lags or was rewritten, a deleted checkpoint), at random positions and at the
pages' boundaries, on SQLite and PostgreSQL; pages a few dozen positions long, so every store has many."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import DataError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.root.services import Services
from projections.audit import verify_pages
from projections.audit.chain import LogRecord
from projections.audit.checkpoints import SigningKey
from projections.audit.readonly import open_readonly
from projections.audit.store import stream_param
from projections.audit.verify_store import StoreVerification, verify_store
from tests.support import tamper
from tests.support.audit_logs import make_log, sign_every, stored_chain
from tests.support.stores import wipe
from tests.unit.audit.test_verify_bulk import edit, stored

SPAN = 61  # positions per page here: about twenty pages on the demo store
Undo = Callable[[], None]


@pytest.fixture(autouse=True)
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(verify_pages, "SPAN", SPAN)


def both(svc: Services, db: Any = None) -> tuple[StoreVerification, StoreVerification]:
    """The store verified on two worker processes, and by the walk alone."""
    db = db or svc.db
    table = svc.ledger.recorder.events_table_name
    key = svc.signing_key
    return verify_store(db, table, key, workers=2), verify_store(db, table, key, workers=0)


def audit_row(svc: Services, position: int) -> dict[str, Any]:
    with svc.db.transaction(commit=False) as tx:
        found = tx.execute("SELECT * FROM audit_log WHERE position = ?", (position,)).fetchone()
    assert found is not None
    return found


def set_hashes(svc: Services, position: int, leaf: str, chain: str) -> Undo:
    before = audit_row(svc, position)

    def put(leaf: str, chain: str) -> None:
        with svc.db.transaction() as tx:
            tx.execute("UPDATE audit_log SET leaf_hash = ?, chain_hash = ? WHERE position = ?", (leaf, chain, position))

    put(leaf, chain)
    return lambda: put(before["leaf_hash"], before["chain_hash"])


def drop_chain(svc: Services, after: int, upto: int | None = None) -> Undo:
    """Stored chain entries in (after, upto] deleted: one entry dropped, or the tail as when the projection lags."""
    upto = after + 1 if upto is None else upto
    with svc.db.transaction() as tx:
        rows = tx.execute("SELECT * FROM audit_log WHERE position > ? AND position <= ?", (after, upto)).fetchall()
        tx.execute("DELETE FROM audit_log WHERE position > ? AND position <= ?", (after, upto))

    def undo() -> None:
        with svc.db.transaction() as tx:
            for r in rows:
                names = ", ".join(r)
                tx.execute(f"INSERT INTO audit_log ({names}) VALUES ({', '.join('?' * len(r))})", tuple(r.values()))

    return undo


def rewritten(svc: Services, position: int) -> Undo:
    """An altered event whose stored hashes were recomputed: only a checkpoint can tell."""
    undo = tamper.alter_byte(svc, position)
    tamper.rewrite_chain_from(svc, position)

    def back() -> None:
        undo()
        tamper.rewrite_chain_from(svc, position)

    return back


def cases(svc: Services, head: int, rng: random.Random) -> list[tuple[str, Callable[[], Undo]]]:
    """Tamperings, each undone before the next: at page boundaries (first and last position of a page) and at
    random positions."""
    bounds = sorted({p for lo, hi in verify_pages.pages(head, 2) for p in (lo + 1, hi) if 1 < p < head - 40})
    spots = [*bounds[:6], *bounds[-3:], *(rng.randint(2, head - 40) for _ in range(6))]
    out: list[tuple[str, Callable[[], Undo]]] = [("intact", lambda: lambda: None)]
    for p in spots:
        row = audit_row(svc, p)
        out += [
            (f"altered {p}", lambda p=p: tamper.alter_byte(svc, p)),
            (f"deleted {p}", lambda p=p: tamper.delete(svc, p)),
            (f"inserted {p}", lambda p=p: tamper.insert_forged(svc, p)),
            (f"swapped {p}", lambda p=p: tamper.swap(svc, p, p + 37)),
            (f"swapped {p} with the next", lambda p=p: tamper.swap(svc, p, p + 1)),
            (f"leaf hash changed {p}", lambda p=p, r=row: set_hashes(svc, p, "0" * 64, r["chain_hash"])),
            (f"chain hash changed {p}", lambda p=p, r=row: set_hashes(svc, p, r["leaf_hash"], "f" * 64)),
            (f"spelled uppercase {p}", lambda p=p, r=row: set_hashes(svc, p, r["leaf_hash"].upper(), r["chain_hash"])),
            (f"chain entry dropped {p}", lambda p=p: drop_chain(svc, p - 1)),
            (f"chain lags from {p}", lambda p=p: drop_chain(svc, p, head)),
            (f"rewritten from {p}", lambda p=p: rewritten(svc, p)),
        ]
    checkpoints = tamper.checkpoint_positions(svc)
    for at in (checkpoints[1], checkpoints[len(checkpoints) // 2]):
        row = next(r for r in _checkpoint_rows(svc) if r["position"] == at)
        out.append((f"checkpoint {at} deleted", lambda at=at, row=row: _delete_checkpoint(svc, at, row)))
    return out


def _checkpoint_rows(svc: Services) -> list[dict[str, Any]]:
    with svc.db.transaction(commit=False) as tx:
        return tx.execute("SELECT * FROM audit_checkpoints").fetchall()


def _delete_checkpoint(svc: Services, at: int, row: dict[str, Any]) -> Undo:
    tamper.delete_checkpoints(svc, [at])

    def undo() -> None:
        with svc.db.transaction() as tx:
            names = ", ".join(row)
            tx.execute(
                f"INSERT INTO audit_checkpoints ({names}) VALUES ({', '.join('?' * len(row))})", tuple(row.values())
            )

    return undo


def test_pages_on_workers_answer_what_the_walk_answers_on_intact_and_tampered_stores(
    demo: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the demo store, verified in pages of a few dozen positions on two workers
    head = demo.runner.head()
    proven: list[int] = []
    prove = verify_pages.prove

    def counting(*args: Any, **kwargs: Any) -> Any:
        pages, reached = prove(*args, **kwargs)
        proven.append(len(pages))
        return pages, reached

    monkeypatch.setattr(verify_pages, "prove", counting)
    differ = []
    for name, change in cases(demo, head, random.Random(head)):
        # when it is tampered with (or not), verified with the workers and by the walk alone
        undo = change()
        try:
            paged, walked = both(demo)
        finally:
            undo()
        # then both say the same, to the word
        if paged != walked:
            differ.append((name, paged.result, walked.result))
    assert not differ, differ
    # and the workers did the work: the intact store was proven page by page, every page
    assert proven[0] == len(verify_pages.pages(head, 2)) > 10
    assert both(demo)[0].result.ok


def test_an_unreadable_stream_id_is_named_as_the_walk_names_it(demo: Services) -> None:
    # given an event whose stream id is no UUID any more (SQLite keeps any text)
    if demo.db.dialect != "sqlite":
        # PostgreSQL's uuid column refuses the tampering itself, and the store still verifies, on workers as alone
        with pytest.raises(DataError, match="uuid"), tamper.writable(demo) as (tx, table, pos):
            tx.execute(f"UPDATE {table} SET originator_id = 'not a uuid' WHERE {pos} = ?", (500,))
        paged, walked = both(demo)
        assert paged == walked and paged.result.ok
        return
    with tamper.writable(demo) as (tx, table, pos):
        tx.execute(f"UPDATE {table} SET originator_id = 'not a uuid' WHERE {pos} = ?", (500,))
    # then the workers' answer is the walk's
    paged, walked = both(demo)
    assert paged == walked and paged.result.first_bad_position == 500


def test_verify_on_workers_reads_only(demo: Services, tmp_path: Path) -> None:
    # given the store opened read-only, as `ledger verify` opens it
    url = demo.settings.database_url
    table = demo.ledger.recorder.events_table_name
    before = sorted(Path(url.removeprefix("sqlite:///")).parent.iterdir()) if url.startswith("sqlite") else None
    db = open_readonly(url, table)
    try:
        # when it is verified on two workers
        paged, walked = both(demo, db)
    finally:
        db.close()
    # then the answer is the walk's, and nothing was created
    assert paged == walked and paged.result.ok
    if before is not None:
        assert sorted(Path(url.removeprefix("sqlite:///")).parent.iterdir()) == before


KEY = SigningKey.generate()
EDITS = ["none", "alter", "delete", "insert", "swap contents", "bad version"]
STORED = ["exact", "none", "lags", "uppercase", "bytes", "leaf edited", "chain edited", "entry dropped", "too long"]


def write(svc: Services, log: list[LogRecord], chain: list[tuple[int, Any, Any]] | None) -> None:
    """`log` as the events table's rows and `chain` as the stored chain, written behind the application's back."""
    with tamper.writable(svc) as (tx, table, pos):
        tx.executemany(
            f"INSERT INTO {table} ({pos}, originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?, ?)",
            [(r.position, stream_param(tx, r.stream_id), r.version, r.topic, r.state) for r in log],
        )
        tx.executemany(
            "INSERT INTO audit_log (position, stream_id, version, topic, recorded_at, actor, leaf_hash, chain_hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(p, "s", 1, "t", "2026-01-01T00:00:00+00:00", None, leaf, head) for p, leaf, head in chain or []],
        )


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    n=st.integers(1, 90),
    seed=st.integers(0, 2**32),
    kind=st.sampled_from(EDITS),
    kept=st.sampled_from(STORED),
    every=st.sampled_from([0, 1, 4, 11]),
    span=st.integers(1, 40),
    between=st.lists(st.integers(0, 300), max_size=3),
    data=st.data(),
)
def test_pages_on_workers_answer_what_the_walk_answers_on_random_logs(
    services: Services, n, seed, kind, kept, every, span, between, data
) -> None:
    # given a random log with gaps in its positions, perhaps tampered with, its stored chain as kept (or edited),
    # checkpoints every few records and the auditor's own at positions between records, in pages of a few positions
    if kept == "bytes" and services.db.dialect == "postgres":
        kept = "exact"  # PostgreSQL's text column holds no bytes
    wipe(services)
    records = make_log(n, seed)
    i = data.draw(st.integers(0, n - 1), label="i")
    j = data.draw(st.integers(0, n - 1), label="j")
    write(services, edit(records, kind, i, j), stored(records, kept, i))
    given = sign_every(records, KEY, every) if every else []
    heads = stored_chain(records)
    for at in between:  # a checkpoint in a gap, signing the chain at the last record before it
        done = [h for h in heads if h[0] <= at]
        given.append(KEY.sign(at, len(done), done[-1][2] if done else bytes(32).hex()))
    table = services.ledger.recorder.events_table_name
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(verify_pages, "SPAN", span)
        # when verified on two workers and by the walk alone
        paged = verify_store(services.db, table, KEY.public_key_pem(), given, workers=2)
        walked = verify_store(services.db, table, KEY.public_key_pem(), given, workers=0)
    # then both say the same, to the word
    assert paged == walked


def test_workers_that_cannot_open_the_database_leave_it_to_the_walk(
    services: Services, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # given a log whose workers are pointed at a database that is not there
    records = make_log(40, seed=3)
    write(services, records, stored_chain(records))
    missing = verify_pages.Source("sqlite", f"file:{tmp_path / 'none.db'}?mode=ro", "stored_events")
    monkeypatch.setattr(verify_pages, "source_of", lambda db, table: missing)
    monkeypatch.setattr(verify_pages, "SPAN", 7)
    assert verify_pages.prove(missing, verify_pages.pages(200, 2), [], 2) == ([], 0)
    # when verified with workers, then the walk answers alone, as without them
    table = services.ledger.recorder.events_table_name
    paged = verify_store(services.db, table, None, workers=2)
    assert paged == verify_store(services.db, table, None, workers=0) and paged.result.ok
