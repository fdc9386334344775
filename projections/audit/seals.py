"""Seals: proof that a record was written by the ledger itself (docs/seals.md).

The writer stores, in the same transaction as each event, `seal = HMAC-SHA256(seal key, leaf hash)` in
`event_seals` (position, seal), the leaf hash being the audit chain's leaf of the stored record at its position
(chain.leaf_hash). The seal key is derived from the signing key (`SigningKey.derive(SEAL_LABEL)`): a secret the
database does not hold, so a row inserted behind the application's back, or changed in place, has no valid seal.
The checkpointer signs no record without one, and verify names the first position that lacks one.

Position 0 is no event's: it holds the marker the seal upgrade writes once (seal_upgrade.py).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from projections.audit.chain import LogRecord, from_hex, leaf_hash, sha256
from projections.audit.checkpoints import SigningKey
from projections.db import Database, Tx

SEAL_LABEL = b"uncac-ledger-seal-v1"
MARKER_POSITION = 0
MARKER_MESSAGE = b"uncac-ledger-seals-began-v1"
PAGE = 2000
TABLE = "CREATE TABLE IF NOT EXISTS event_seals (position BIGINT PRIMARY KEY, seal TEXT NOT NULL)"
# a stale seal at a reused position (SQLite reuses the highest rowid once its row is deleted) is replaced
UPSERT = (
    "INSERT INTO event_seals (position, seal) VALUES (?, ?) ON CONFLICT (position) DO UPDATE SET seal = excluded.seal"
)

__all__ = [
    "SEAL_LABEL",
    "Prefix",
    "Sealer",
    "check_records",
    "check_seals",
    "create_table",
    "prefix_of",
    "first_bad_seal",
    "seal_key",
    "seal_of",
    "seal_records",
    "sealed_prefix",
]


def seal_key(signing_key: SigningKey) -> bytes:
    """The seal key of a ledger: derived from its signing key, never stored."""
    return signing_key.derive(SEAL_LABEL)


class Sealer:
    """HMAC-SHA256 under one key with the padded key states computed once (RFC 2104): a seal costs two hash
    copies, which keeps sealing and checking cheap next to the chain's own hashing."""

    __slots__ = ("_inner", "_outer")

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes) or len(key) < 16:
            raise ValueError("a seal key is at least 16 bytes")
        padded = (sha256(key).digest() if len(key) > 64 else key).ljust(64, b"\0")
        self._inner = sha256(bytes(b ^ 0x36 for b in padded))
        self._outer = sha256(bytes(b ^ 0x5C for b in padded))

    def seal(self, leaf: bytes) -> str:
        inner = self._inner.copy()
        inner.update(leaf)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()

    def ok(self, leaf: bytes, seal: Any) -> bool:
        """Is `seal` (as stored: text, or None when missing) this key's seal of `leaf`?"""
        return isinstance(seal, str) and hmac.compare_digest(self.seal(leaf), seal)


Key = bytes | Sealer  # a seal key, or a Sealer made from one


def _sealer(key: Key) -> Sealer:
    return key if isinstance(key, Sealer) else Sealer(key)


def seal_of(key: Key, leaf: bytes) -> str:
    """The seal of a record whose leaf hash is `leaf` (32 bytes), as stored: 64 lowercase hex characters."""
    return _sealer(key).seal(leaf)


def marker_seal(key: Key) -> str:
    """What position 0 holds once a ledger seals its records (written by the seal upgrade)."""
    return _sealer(key).seal(MARKER_MESSAGE)


def create_table(db: Database) -> None:
    db.create([TABLE])


def _leaf(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else from_hex(value)


def first_bad_seal(key: Key, rows: Iterable[tuple[int, bytes | str, Any]]) -> int | None:
    """The first position among (position, leaf hash, stored seal or None) whose seal is missing or wrong."""
    sealer = _sealer(key)
    for position, leaf, seal in rows:
        if not sealer.ok(_leaf(leaf), seal):
            return int(position)
    return None


@dataclass(frozen=True, slots=True)
class Prefix:
    """The chained records after a position, up to the first without a valid seal: the last sealed one's
    position and chain hash (None when the first is unsealed or there are none), how many were sealed, and the
    first unsealed position (None when all are sealed)."""

    position: int | None
    chain_hash: str | None
    count: int
    first_bad: int | None


def sealed_prefix(tx: Tx, key: Key, after: int = 0, upto: int | None = None) -> Prefix:
    """Walk the chained records (audit_log) with `after` < position (<= `upto`) beside their seals, page by page,
    and stop at the first whose seal is missing or does not verify: what the checkpointer may sign."""
    sealer, count = _sealer(key), 0
    last: tuple[int | None, str | None] = (None, None)
    sql = (
        "SELECT a.position, a.leaf_hash, a.chain_hash, s.seal FROM audit_log a"
        " LEFT JOIN event_seals s ON s.position = a.position WHERE a.position > ?"
        + (" AND a.position <= ?" if upto is not None else "")
        + f" ORDER BY a.position LIMIT {PAGE}"
    )
    while True:
        rows = tx.execute(sql, (after,) if upto is None else (after, upto)).fetchall()
        for r in rows:
            if not sealer.ok(from_hex(r["leaf_hash"]), r["seal"]):
                return Prefix(*last, count, int(r["position"]))
            last, count = (int(r["position"]), r["chain_hash"]), count + 1
        if len(rows) < PAGE:
            return Prefix(*last, count, None)
        after = int(rows[-1]["position"])


def prefix_of(tx: Tx, position: int) -> tuple[int, str] | None:
    """What names the log up to `position` for what is kept of it (a fold, a drawn heatmap): the position and
    seal of its last event, or None for an empty prefix. The seal is written with the event, so it is never
    behind the log; a log emptied and written anew that reaches the same position has another last event (its
    stream id and time are new), so another seal, and nothing kept for the first log is taken for it."""
    row = tx.execute(
        "SELECT position, seal FROM event_seals WHERE position > ? AND position <= ? ORDER BY position DESC LIMIT 1",
        (MARKER_POSITION, position),
    ).fetchone()
    return None if row is None else (int(row["position"]), row["seal"])


def check_seals(tx: Tx, key: Key, after: int = 0, upto: int | None = None) -> int | None:
    """The first chained position in (`after`, `upto`] whose seal is missing or wrong; None when all verify.
    Reads the leaves the audit projection stored: where verify found the chain equal to the events, these are
    the events' own leaves."""
    return sealed_prefix(tx, key, after, upto).first_bad


def check_records(tx: Tx, key: Key, records: Sequence[LogRecord]) -> int | None:
    """The first of `records` (straight from the events table, in position order, e.g. one page of verify's
    read) whose seal is missing or wrong: the leaves are recomputed here, the seals read in one range query."""
    if not records:
        return None
    stored = {
        int(r["position"]): r["seal"]
        for r in tx.execute(
            "SELECT position, seal FROM event_seals WHERE position >= ? AND position <= ?",
            (records[0].position, records[-1].position),
        ).fetchall()
    }
    return first_bad_seal(key, ((r.position, leaf_hash(r), stored.get(r.position)) for r in records))


def seal_records(tx: Tx, key: Key, records: Iterable[LogRecord]) -> int:
    """Seal `records` (as stored, at their positions) in `tx`: for writes that bypass the sealing recorder, such
    as restore's direct inserts. Answers how many were sealed."""
    sealer = _sealer(key)
    rows = [(r.position, sealer.seal(leaf_hash(r))) for r in records]
    tx.executemany(UPSERT, rows)
    return len(rows)
