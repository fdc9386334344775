"""Leaf hashes in bulk: the leaves of a run of stored events from their columns, with no UUID or record object per
event, and on every core when the log is large. The bytes hashed are exactly `chain.leaf_input`'s (docs/auditors.md,
"The hash chain"); a property test holds the two equal on random and tampered logs. Only the leaves are parallel:
the chain over them stays sequential (projections/audit/verify.py).
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import struct
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

__all__ = ["PARALLEL_FROM", "LeafBlock", "Rows", "blocks", "leaf_block", "rows_of"]

# OpenSSL's SHA-256 (SHA-NI where the CPU has it) beats CPython's builtin from about 150 bytes: leaf inputs are
# longer than that; the 65-byte chain input is not (chain.sha256 stays the builtin).
_sha256 = hashlib.sha256
_digest = type(_sha256(b"")).digest
_PREFIX = struct.Struct(">xQ16sQ")  # 0x00, position, stream id, version
_LENGTH = struct.Struct(">I")
_SIZE = 4096  # rows per block: large enough to amortise a round trip to a worker, small enough to stream
PARALLEL_FROM = 100_000  # rows seen before the workers start: below it, starting them costs more than they save
_AHEAD = 4  # blocks in flight per worker


@dataclass(frozen=True, slots=True)
class Rows:
    """A run of stored events in position order, as columns; stream ids as their 16 bytes."""

    positions: list[int]
    stream_ids: list[bytes]
    versions: list[int]
    topics: list[str]
    states: list[bytes]

    def __len__(self) -> int:
        return len(self.positions)

    def tuples(self) -> Iterator[tuple[int, bytes, int, str, bytes, None, None]]:
        """One row at a time, as verify's reference walk reads rows (no stored hashes)."""
        for position, stream_id, version, topic, state in zip(
            self.positions, self.stream_ids, self.versions, self.topics, self.states, strict=True
        ):
            yield position, stream_id, version, topic, state, None, None


@dataclass(frozen=True, slots=True)
class LeafBlock:
    """`rows` with their leaf hashes, 32 bytes each, concatenated; `leaves` is None when a row does not fit the
    leaf layout (verify's reference walk then names the row)."""

    rows: Rows
    leaves: bytes | None


def leaf_block(rows: Rows) -> bytes | None:
    """The rows' leaf hashes concatenated, or None when one does not fit the layout (its fields' types or sizes)."""
    states, stream_ids, topics = rows.states, rows.stream_ids, rows.topics
    if not (len(stream_ids) == len(states) == len(topics)) or not stream_ids:
        return None
    # checked per column in C: "16s" would pad or truncate a wrong-sized id silently
    if set(map(type, stream_ids)) != {bytes} or set(map(len, stream_ids)) != {16}:
        return None
    if set(map(type, states)) != {bytes} or set(map(type, topics)) != {str}:
        return None
    try:
        parts = {topic: _LENGTH.pack(len(encoded := topic.encode())) + encoded for topic in set(topics)}
        inputs = map(
            b"".join,
            zip(
                map(_PREFIX.pack, rows.positions, stream_ids, rows.versions),
                map(parts.__getitem__, topics),
                map(_LENGTH.pack, map(len, states)),
                states,
                strict=True,
            ),
        )
        return b"".join(map(_digest, map(_sha256, inputs)))
    except (struct.error, ValueError, TypeError, KeyError):
        return None


def rows_of(records: Iterable[Any], size: int = _SIZE) -> Iterator[Any]:
    """`records` with each run of LogRecords gathered into Rows of at most `size`; anything else passes through."""
    from projections.audit.chain import LogRecord

    run: list[LogRecord] = []
    try:
        for item in records:
            if type(item) is LogRecord:
                run.append(item)
                if len(run) < size:
                    continue
            if run:
                yield from _columns(run)
                run = []
            if type(item) is not LogRecord:
                yield item
    except Exception:  # the source failed: what it gave before still comes first
        yield from _columns(run)
        raise
    yield from _columns(run)


def _columns(run: list[Any]) -> Iterator[Any]:
    """The run as Rows; the records themselves when a stream id is no UUID (verify's walk names the record)."""
    if not run:
        return
    try:
        stream_ids = [r.stream_id.int.to_bytes(16, "big") for r in run]  # cheaper than .bytes
    except (AttributeError, TypeError, ValueError, OverflowError):
        yield from run
        return
    yield Rows(
        [r.position for r in run], stream_ids, [r.version for r in run], [r.topic for r in run], [r.state for r in run]
    )


def _pool(workers: int) -> ProcessPoolExecutor:
    # fork starts a worker in milliseconds; it runs nothing but leaf_block. Elsewhere, the platform's default.
    method = "fork" if sys.platform == "linux" else None
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method))


def blocks(items: Iterable[Any], workers: int | None = None, parallel_from: int = PARALLEL_FROM) -> Iterator[Any]:
    """`items` in order, each Rows replaced by its LeafBlock; other items pass through. Once `parallel_from` rows
    have passed, the leaves are hashed by `workers` processes (None: one per core; 0: never), a few blocks ahead."""
    workers = (os.cpu_count() or 1) if workers is None else workers
    pool: ProcessPoolExecutor | None = None
    ahead: deque[Any] = deque()
    seen = 0
    try:
        for item in items:
            if type(item) is not Rows:
                ahead.append(item)
            elif pool is not None:
                ahead.append((item, pool.submit(leaf_block, item)))
            else:
                ahead.append(LeafBlock(item, leaf_block(item)))
                seen += len(item)
                if workers > 0 and seen >= parallel_from:
                    pool = _pool(workers)
            while ahead and (pool is None or len(ahead) > _AHEAD * workers or type(ahead[0]) is not tuple):
                yield _ready(ahead.popleft())
    except Exception:  # the source failed: what it gave before still comes first
        while ahead:
            yield _ready(ahead.popleft())
        raise
    else:
        while ahead:
            yield _ready(ahead.popleft())
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _ready(entry: Any) -> Any:
    if type(entry) is tuple:
        rows, future = entry
        assert isinstance(future, Future)
        return LeafBlock(rows, future.result())
    return entry
