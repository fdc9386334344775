"""Verify's fast path over a LeafBlock (leaves already hashed, projections/audit/leaves.py): the chain runs over the
leaves in one tight loop, and the stored chain is compared a run at a time (one string comparison for a run's leaves,
one for its chain hashes). It answers only what it is sure of: at the first anomaly (a position out of order, a
stored hash that differs or is spelled otherwise, a malformed stored entry) it stops, leaving the state as it was
before that run, and verify's reference walk takes the rows from there, so every failure reads exactly as without
this path (a property test holds the two equal on random and tampered logs).
"""

from __future__ import annotations

import itertools
import operator
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from projections.audit.chain import sha256
from projections.audit.leaves import LeafBlock

_END = (None, None, None)


class Walk(Protocol):
    """What of verify's `_Walk` this path reads and moves."""

    head: bytes
    prev_head: bytes
    count: int
    last: int
    leaf: bytes
    window_start: int | None
    pending: list[tuple[int, int, Any]]
    stored: Any  # the stored chain after `exp`
    exp: tuple[Any, Any, Any]  # its next entry, _END when there is none

    def settle(self, before: int | None) -> Any: ...


def chain_block(walk: Walk, block: LeafBlock) -> tuple[int, Any]:
    """Chain `block`'s rows from the start while nothing is amiss: (rows done, a checkpoint's failure or None)."""
    leaves, positions = block.leaves, block.rows.positions
    if leaves is None or not _increasing(positions, walk.last):
        return 0, None
    done, n = 0, len(positions)
    while done < n:
        position = positions[done]
        if walk.exp[0] is not None and walk.exp[0] != position:
            return done, None  # the reference walk names the misalignment before judging checkpoints
        pending = walk.pending
        end = n if not pending or pending[0][0] >= positions[-1] else bisect_right(positions, pending[0][0], done)
        if end == done:  # a checkpoint before this row: judge it on the chain so far, as the reference walk does
            if walk.count == 0:
                walk.window_start = position
            if failure := walk.settle(position):
                return done, failure
            continue
        if not _run(walk, positions, leaves, done, end):
            return done, None
        done = end
    return n, None


def spilled(records: Iterable[Any], spill: list[Iterator[Any]]) -> Iterator[Any]:
    """`records`, with what the walk puts in `spill` right after the item that put it there."""
    for item in records:
        yield item
        while spill:
            yield from spill.pop()


def _increasing(positions: list[int], last: int) -> bool:
    try:
        return (
            set(map(type, positions)) == {int}
            and positions[0] > last
            and all(map(operator.lt, positions, itertools.islice(positions, 1, None)))
        )
    except (TypeError, IndexError):
        return False


def _run(walk: Walk, positions: list[int], leaves: bytes, start: int, end: int) -> bool:
    """Chain rows [start, end) and check them against the stored chain; False (nothing moved) on any difference."""
    head, sha = walk.head, sha256
    heads: list[bytes] = []
    append = heads.append
    for i in range(32 * start, 32 * end, 32):
        head = sha(b"\x01" + head + leaves[i : i + 32]).digest()
        append(head)
    if walk.exp[0] is not None:
        taken = [walk.exp, *itertools.islice(walk.stored, end - start - 1)]
        if not _matches(taken, positions[start:end], leaves[32 * start : 32 * end], heads):
            walk.stored = itertools.chain(taken[1:], walk.stored)  # put back: the reference walk reads them again
            return False
        walk.exp = next(walk.stored, _END)
    if walk.count == 0:
        walk.window_start = positions[start]
    walk.prev_head = heads[-2] if len(heads) > 1 else walk.head
    walk.head, walk.leaf = head, leaves[32 * (end - 1) : 32 * end]
    walk.count += end - start
    walk.last = positions[end - 1]
    return True


def _matches(taken: list[Any], positions: list[int], leaves: bytes, heads: list[bytes]) -> bool:
    """The stored (position, leaf, chain) entries equal the computed ones, each spelled in 64 lowercase hex digits.
    Fewer entries than rows: the stored chain ends there (the audit projection lags), the rest has nothing to match."""
    k = len(taken)
    try:
        stored_positions, stored_leaves, stored_chains = zip(*taken, strict=True)
        return (
            list(stored_positions) == positions[:k]
            and set(map(type, stored_positions)) == {int}
            and set(map(len, stored_leaves)) == {64}
            and set(map(len, stored_chains)) == {64}
            and "".join(stored_leaves) == leaves[: 32 * k].hex()
            and "".join(stored_chains) == b"".join(heads[:k]).hex()
        )
    except (TypeError, ValueError):
        return False
