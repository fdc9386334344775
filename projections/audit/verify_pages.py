"""Verify's pages on every core: each link of the stored chain checked on its own, so pages of the events table (by
position range) are verified by worker processes that each open their own read-only connection and read and hash
their own range; the main process only joins the pages' results (projections/audit/verify.py, `ProvenPage`).

A link holds when SHA-256(0x01 ‖ stored chain hash before ‖ leaf) is the stored chain hash, the leaf recomputed
from the record's stored bytes (chain.leaf_input's layout) being its stored leaf hash. When every link of a page
holds, the events' positions are the stored chain's and the first link starts from the stored chain hash before
the page (genesis for the first record), the recomputed chain is the stored one there, by induction from the first
page. A page that shows anything else (a hash that differs or is spelled otherwise, a missing or extra row, a field
the layout cannot hold, an error) proves nothing: verify's reference walk takes the log from that page's start, so
every answer reads as it did before this path (tests/integration/audit_store/test_verify_pages.py).

Only the stored chain is paged: records the audit projection has not chained yet (past its last position) have no
stored hash to check a link against, and the walk chains them after the pages.
"""

from __future__ import annotations

import gc
import hashlib
import itertools
import multiprocessing
import operator
import os
import sqlite3
import sys
from bisect import bisect_right
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from projections.audit.chain import GENESIS
from projections.audit.leaves import Rows, leaf_block
from projections.audit.verify_result import ProvenPage
from projections.db import Database

__all__ = ["PARALLEL_FROM", "SPAN", "Source", "pages", "prove", "source_of", "workers_for"]

PARALLEL_FROM = 50_000  # chained positions from which the workers pay for their start
SPAN = 25_000  # positions per page: a few pages per worker, so a slow core holds up little
_sha256 = hashlib.sha256  # OpenSSL's: over a page's links, mapped in C, it beats the builtin here too
_digest = type(_sha256(b"")).digest
_FLAG = b"\x01"


@dataclass(frozen=True, slots=True)
class Source:
    """How a worker opens the ledger's database read-only: an SQLite URI or a PostgreSQL conninfo."""

    dialect: str
    target: str
    table: str


def workers_for(chained: int, workers: int | None) -> int:
    """How many worker processes verify `chained` positions: None is one per core for a large log, 0 never."""
    if workers is None:
        workers = (os.cpu_count() or 1) if chained >= PARALLEL_FROM else 0
    return workers if workers > 1 else 0


def source_of(db: Database, table: str) -> Source | None:
    """Where `db` reads from, for a worker to open it itself; None when it cannot (an in-memory SQLite database)."""
    from projections.audit.readonly import sqlite_uri

    try:
        with db.transaction(commit=False) as tx:
            if tx.dialect == "sqlite":
                files = {r["name"]: r["file"] for r in tx.execute("PRAGMA database_list").fetchall()}
                path = files.get("main")
                return Source("sqlite", sqlite_uri(Path(path)), table) if path else None
            import psycopg.conninfo

            info = tx.cursor.connection.info
            given = psycopg.conninfo.conninfo_to_dict(info.dsn)
            options = f"{given.get('options') or ''} -c default_transaction_read_only=on".strip()
            extra = {"password": info.password} if info.password else {}
            return Source("postgres", psycopg.conninfo.make_conninfo(info.dsn, options=options, **extra), table)
    except Exception:  # noqa: BLE001 - no source: verify takes the path it took before
        return None


def pages(chained: int, workers: int, span: int | None = None) -> list[tuple[int, int]]:
    """(0, `chained`] in position ranges (lo, hi]: at least two per worker, at most `span` positions each."""
    span = SPAN if span is None else span
    count = max(2 * workers, -(-chained // max(1, span)))
    step = -(-chained // count)
    return [(lo, min(lo + step, chained)) for lo in range(0, chained, step)] if chained > 0 else []


def prove(
    source: Source,
    ranges: Sequence[tuple[int, int]],
    checkpoints: Sequence[int],
    workers: int,
    on_page: Callable[[int], None] | None = None,
) -> tuple[list[ProvenPage], int]:
    """The pages of `ranges` proven, in order, up to the first that is not; and the position they reach (the walk
    reads on from there). `checkpoints` are the positions checkpoints are judged at."""
    marks = sorted(set(checkpoints))
    proven: list[ProvenPage] = []
    reached = 0
    if not ranges or workers < 1:
        return proven, reached
    method = "fork" if sys.platform == "linux" else None  # a worker starts in milliseconds and imports nothing
    gc.freeze()  # a forked worker's collections then leave this process's objects, and their pages, alone
    try:
        pool = ProcessPoolExecutor(
            min(workers, len(ranges)),
            mp_context=multiprocessing.get_context(method),
            initializer=_open,
            initargs=(source,),
        )
    except BaseException:
        gc.unfreeze()
        raise
    try:
        futures: list[Future[ProvenPage | None]] = []
        try:
            for lo, hi in ranges:
                futures.append(pool.submit(_page, lo, hi, marks[bisect_right(marks, lo) : bisect_right(marks, hi)]))
        except Exception:  # noqa: BLE001 - the pool broke (a worker could not open the database): pages so far
            pass
        for (_, hi), future in zip(ranges, futures, strict=False):  # futures may stop short
            try:
                page = future.result()
            except Exception:  # noqa: BLE001 - a worker that failed proves nothing; the walk reads its page
                page = None
            if page is None:
                break
            proven.append(page)
            reached = hi
            if on_page and page.count:
                on_page(page.last)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        gc.unfreeze()
    return proven, reached


# --- in the worker processes ---

_connection: Any = None
_source: Source | None = None


def _open(source: Source) -> None:
    global _connection, _source
    _source = source
    if source.dialect == "sqlite":
        _connection = sqlite3.connect(source.target, uri=True)
    else:
        import psycopg

        _connection = psycopg.connect(source.target, connect_timeout=10)


def _read(lo: int, hi: int) -> tuple[list[Any], list[Any], Any]:
    """The page's events (position, stream id as 32 hex digits, version, topic, state), its stored chain (position,
    leaf hash, chain hash) and the stored chain hash before it, if any; one read-only transaction."""
    assert _source is not None
    table, connection = _source.table, _connection
    if _source.dialect == "sqlite":
        events = (
            f"SELECT rowid, originator_id, originator_version, topic, state FROM {table}"
            " WHERE rowid > ? AND rowid <= ? ORDER BY rowid"
        )
        chain = "SELECT position, leaf_hash, chain_hash FROM audit_log WHERE position > ? AND position <= ?"
        before = "SELECT chain_hash FROM audit_log WHERE position > 0 AND position <= ? ORDER BY position DESC LIMIT 1"
        connection.execute("BEGIN")
        try:
            rows = connection.execute(events, (lo, hi)).fetchall()
            stored = connection.execute(chain + " ORDER BY position", (lo, hi)).fetchall()
            link = connection.execute(before, (lo,)).fetchone()
        finally:
            connection.rollback()
        return rows, stored, link
    events = (
        f"SELECT notification_id, replace(originator_id::text, '-', ''), originator_version, topic, state FROM {table}"
        " WHERE notification_id > %s AND notification_id <= %s ORDER BY notification_id"
    )
    chain = "SELECT position, leaf_hash, chain_hash FROM audit_log WHERE position > %s AND position <= %s"
    before = "SELECT chain_hash FROM audit_log WHERE position > 0 AND position <= %s ORDER BY position DESC LIMIT 1"
    try:
        with connection.cursor(binary=True) as cursor:  # half the client's decoding of text results
            rows = cursor.execute(events, (lo, hi)).fetchall()
            stored = cursor.execute(chain + " ORDER BY position", (lo, hi)).fetchall()
            link = cursor.execute(before, (lo,)).fetchone()
    finally:
        connection.rollback()
    return rows, stored, link


def _page(lo: int, hi: int, checkpoints: list[int]) -> ProvenPage | None:
    """The page (lo, hi] proven, or None when it shows anything but intact canonical rows."""
    try:
        return _prove(lo, *_read(lo, hi), checkpoints)
    except Exception:  # noqa: BLE001 - anything odd is for the reference walk to name
        return None


def _prove(lo: int, rows: list[Any], stored: list[Any], link: Any, checkpoints: list[int]) -> ProvenPage | None:
    n = len(rows)
    if len(stored) != n:
        return None
    if n == 0:
        return ProvenPage(0, lo, lo, GENESIS, GENESIS, GENESIS)
    positions, ids, versions, topics, states = zip(*rows, strict=True)
    kept_positions, kept_leaves, kept_chains = zip(*stored, strict=True)
    if (
        positions != kept_positions
        or set(map(type, positions)) != {int}
        or positions[0] <= lo
        or not all(map(operator.lt, positions, itertools.islice(positions, 1, None)))
        or set(map(type, ids)) != {str}
        or set(map(len, ids)) != {32}
        or set(map(type, versions)) != {int}
        or set(map(type, kept_leaves)) != {str}
        or set(map(type, kept_chains)) != {str}
        or set(map(len, kept_leaves)) != {64}
        or set(map(len, kept_chains)) != {64}
    ):
        return None
    streams = bytes.fromhex("".join(ids))  # 16 bytes from each 32 hex digits, as UUID(id).bytes
    if len(streams) != 16 * n:
        return None
    leaves = leaf_block(Rows(list(positions), _cut(streams, 16), list(versions), list(topics), list(states)))
    if leaves is None or leaves.hex() != "".join(kept_leaves):
        return None
    spelled = "".join(kept_chains)
    chains = bytes.fromhex(spelled)
    if chains.hex() != spelled:  # only lowercase hex, 64 digits each, is taken here
        return None
    if link is None:
        before = GENESIS
    else:
        before = bytes.fromhex(link[0]) if type(link[0]) is str and len(link[0]) == 64 else b""
        if before.hex() != link[0]:
            return None
    previous = before + chains[:-32]
    links = map(b"".join, zip(itertools.repeat(_FLAG), _cut(previous, 32), _cut(leaves, 32)))
    if b"".join(map(_digest, map(_sha256, links))) != chains:
        return None
    marks: list[tuple[int, int, int, bytes, bytes]] = []
    for at in checkpoints:
        i = bisect_right(positions, at)
        if 0 < i < n and (not marks or marks[-1][0] != i):
            at_i = slice(32 * i - 32, 32 * i)
            marks.append((i, positions[i], positions[i - 1], chains[at_i], leaves[at_i]))
    prev_head = chains[-64:-32] if n > 1 else before
    return ProvenPage(n, positions[0], positions[-1], chains[-32:], prev_head, leaves[-32:], tuple(marks))


def _cut(data: bytes, size: int) -> list[bytes]:
    """`data` in pieces of `size` bytes, sliced in C."""
    cuts = itertools.starmap(slice, zip(range(0, len(data), size), itertools.count(size, size)))
    return list(map(data.__getitem__, cuts))
