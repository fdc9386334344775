"""Tampering with a real store, as someone with write access to the database would, and undoing it.

On PostgreSQL each change runs with the append-only trigger disabled inside its own transaction
(ALTER TABLE is transactional there), so the trigger is on again the moment it commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from api.root.services import Services
from projections.audit.projection import trigger_name
from projections.audit.store import position_column, stream_param
from projections.db import Tx

Undo = Callable[[], None]
FORGED_TOPIC = "domain.needs:Need.NeedIdentified"


@contextmanager
def writable(svc: Services) -> Iterator[tuple[Tx, str, str]]:
    """A transaction free to change the events table: (tx, table, position column)."""
    table = svc.ledger.recorder.events_table_name
    with svc.db.transaction() as tx:
        if tx.dialect == "postgres":
            tx.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger_name(table)}")
        yield tx, table, position_column(tx)
        if tx.dialect == "postgres":
            tx.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger_name(table)}")


def row(svc: Services, position: int) -> dict[str, Any]:
    with writable(svc) as (tx, table, pos):
        found = tx.execute(
            f"SELECT originator_id, originator_version, topic, state FROM {table} WHERE {pos} = ?", (position,)
        ).fetchone()
    assert found is not None, f"no event at position {position}"
    return {**found, "state": bytes(found["state"])}


def _put(svc: Services, position: int, topic: str, state: bytes) -> None:
    with writable(svc) as (tx, table, pos):
        tx.execute(f"UPDATE {table} SET topic = ?, state = ? WHERE {pos} = ?", (topic, state, position))


def alter_byte(svc: Services, position: int, offset: int | None = None) -> Undo:
    """One bit of one byte of the stored state flipped."""
    before = row(svc, position)
    state = bytearray(before["state"])
    state[len(state) // 2 if offset is None else offset % len(state)] ^= 0x01
    _put(svc, position, before["topic"], bytes(state))
    return lambda: _put(svc, position, before["topic"], before["state"])


def swap(svc: Services, i: int, j: int) -> Undo:
    """Two records exchange their topic and state (each keeps its position and stream)."""
    a, b = row(svc, i), row(svc, j)
    _put(svc, i, b["topic"], b["state"])
    _put(svc, j, a["topic"], a["state"])

    def undo() -> None:
        _put(svc, i, a["topic"], a["state"])
        _put(svc, j, b["topic"], b["state"])

    return undo


def _insert(tx: Tx, table: str, pos: str, position: int, r: dict[str, Any]) -> None:
    values = (position, r["originator_id"], r["originator_version"], r["topic"], r["state"])
    tx.execute(
        f"INSERT INTO {table} ({pos}, originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?, ?)", values
    )


def delete(svc: Services, position: int) -> Undo:
    before = row(svc, position)
    with writable(svc) as (tx, table, pos):
        tx.execute(f"DELETE FROM {table} WHERE {pos} = ?", (position,))

    def undo() -> None:
        with writable(svc) as (tx, table, pos):
            _insert(tx, table, pos, position, before)

    return undo


def _shift(tx: Tx, table: str, pos: str, from_position: int, by: int) -> None:
    """Renumber every record at or after `from_position` by `by`, through negatives (unique ids)."""
    tx.execute(f"UPDATE {table} SET {pos} = -{pos} WHERE {pos} >= ?", (from_position,))
    tx.execute(f"UPDATE {table} SET {pos} = -{pos} + ? WHERE {pos} < 0", (by,))


def insert_forged(svc: Services, position: int) -> Undo:
    """A forged record slipped in at `position`; the records from there on move up by one."""
    forged = {
        "originator_id": stream_param(svc.db, uuid.uuid4()),
        "originator_version": 1,
        "topic": FORGED_TOPIC,
        "state": b'{"forged":true}',
    }
    with writable(svc) as (tx, table, pos):
        _shift(tx, table, pos, position, 1)
        _insert(tx, table, pos, position, forged)

    def undo() -> None:
        with writable(svc) as (tx, table, pos):
            tx.execute(f"DELETE FROM {table} WHERE {pos} = ?", (position,))
            _shift(tx, table, pos, position + 1, -1)

    return undo


def rewrite_chain_from(svc: Services, position: int) -> None:
    """What a tamperer without the key does next: recompute the stored hashes to match."""
    from projections.audit.chain import Chain
    from projections.audit.store import read_events

    with svc.db.transaction(commit=False) as tx:
        head = int(tx.scalar("SELECT MAX(position) FROM audit_log"))
    chain = Chain()
    rows = []
    for record in read_events(svc.db, svc.ledger.recorder.events_table_name, head):
        leaf, chained = chain.append(record)
        if record.position >= position:
            rows.append((leaf.hex(), chained.hex(), record.position))
    with svc.db.transaction() as tx:
        tx.executemany("UPDATE audit_log SET leaf_hash = ?, chain_hash = ? WHERE position = ?", rows)


TAMPERINGS: dict[str, Callable[[Services, int], Undo]] = {
    "altered": alter_byte,
    "deleted": delete,
    "inserted": insert_forged,
    "swapped": lambda svc, p: swap(svc, p, p + 37),
}


def resign_stored_checkpoints(svc: Services, key: Any = None) -> None:
    """What an operator holding the signing key can do after rewriting the chain: sign every stored checkpoint
    again over the chain as it now is, each linked (v2) to the one before it, with its original time. With `key`
    (a SigningKey), what a tamperer does with a key of their own."""
    from projections.audit.checkpoints import FIRST

    signer = key or svc.signing_key
    with svc.db.transaction() as tx:
        prev = FIRST
        for c in tx.execute("SELECT position, count, time FROM audit_checkpoints ORDER BY position").fetchall():
            at = int(c["position"])
            head = tx.scalar("SELECT chain_hash FROM audit_log WHERE position = ?", (at,))
            new = signer.sign(at, int(c["count"]), head, c["time"], prev)
            tx.execute(
                "UPDATE audit_checkpoints SET chain_hash = ?, signature = ?, key_id = ?, prev_position = ?,"
                " prev_chain_hash = ? WHERE position = ?",
                (new.chain_hash, new.signature, new.key_id, new.prev_position, new.prev_chain_hash, at),
            )
            prev = (at, new.chain_hash)


def delete_checkpoints(svc: Services, positions: list[int] | None = None) -> None:
    """Checkpoints deleted from the store: those at `positions`, or every one."""
    with svc.db.transaction() as tx:
        if positions is None:
            tx.execute("DELETE FROM audit_checkpoints")
        for position in positions or []:
            tx.execute("DELETE FROM audit_checkpoints WHERE position = ?", (position,))


def checkpoint_positions(svc: Services) -> list[int]:
    with svc.db.transaction(commit=False) as tx:
        rows = tx.execute("SELECT position FROM audit_checkpoints ORDER BY position").fetchall()
    return [int(r["position"]) for r in rows]
