"""Verify a log's audit chain: `verify_log` recomputes every leaf and link over the records given (stored
records, the lines of an exported log, checkpoints), compares them with the stored hashes and judges every
checkpoint (its signature, its place on the chain, and the signed link to the checkpoint before it), and answers a
`VerifyResult` naming the first failure in position order. What each problem means and
how a failure is localised is specified in docs/audit-verify.md, "What verification reports".
"""

from __future__ import annotations

import heapq
import itertools
import struct
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from projections.audit import verify_bulk
from projections.audit.chain import GENESIS, TOPIC_PACKERS, LogRecord, chain_hash, from_hex, sha256, topic_packer
from projections.audit.checkpoints import FIRST, Checkpoint, link_break, load_public_key, verify_checkpoint
from projections.audit.leaves import LeafBlock, blocks, rows_of
from projections.audit.log_format import FORMAT, event_fields
from projections.audit.verify_result import (
    CHAIN_MISMATCH,
    CHECKPOINT_MISMATCH,
    CHECKPOINT_OUT_OF_PLACE,
    HASHES_MISSING,
    LEAF_MISMATCH,
    LINK_MISSING,
    LOG_ENDS_EARLY,
    MALFORMED,
    NOT_ON_STORED_CHAIN,
    OUT_OF_ORDER,
    OUT_OF_SEQUENCE,
    RECORD_INSERTED,
    RECORD_MISSING,
    SIGNATURE_INVALID,
    ProvenPage,
    VerifyResult,
)


class _Failure(Exception):
    def __init__(self, position: int | None, problem: str, detail: str, suspect: int | None = None):
        super().__init__(detail)
        self.position, self.problem, self.detail = position, problem, detail
        self.suspect = position if suspect is None else suspect


def _parse_checkpoint(item: Any) -> Checkpoint:
    if isinstance(item, Checkpoint):
        return item
    try:
        return Checkpoint.from_dict(item)
    except (ValueError, TypeError, AttributeError) as e:
        position = item.get("position") if isinstance(item, Mapping) else None
        at = position if type(position) is int else None
        raise _Failure(at, MALFORMED, f"checkpoint: {e}") from None


def _keys(public_key: Any) -> list[Any]:
    if public_key is None:
        return []
    if isinstance(public_key, list | tuple):
        return [load_public_key(k) for k in public_key]
    return [load_public_key(public_key)]


def _hex_hash(value: Any) -> str:
    """A stored hash (hex in either case, or 32 bytes) as lowercase hex; ValueError otherwise."""
    if isinstance(value, bytes | bytearray | memoryview):
        value = bytes(value).hex()
    return from_hex(value).hex()


_END = (None, None, None)
_Row = tuple[int, bytes, int, str, bytes, Any, Any]


class _Walk:
    """The verification state; the hot loop keeps it in locals and syncs it for the rare checks."""

    def __init__(self, keys: list[Any], embedded: bool) -> None:
        self.keys, self.embedded = keys, embedded
        self.pending: list[tuple[int, int, Checkpoint]] = []  # heap by position
        self.seq = itertools.count()  # keeps equal positions in arrival order
        self.head, self.count, self.last, self.leaf = GENESIS, 0, -1, GENESIS
        self.prev_head = GENESIS  # the head before the last record
        self.good_position: int | None = None  # last checkpoint found good
        self.good_head, self.good_count = GENESIS, 0
        self.window_start: int | None = None  # first record after it
        self.verified = self.unsigned = self.unlinked = 0
        # the signed sequence: (position, chain hash) of the last good checkpoint and of the one before its position
        self.current: tuple[int, str] | None = None
        self.previous: tuple[int, str] = FIRST
        self.same: set[Checkpoint] = set()  # the good checkpoints at `current`: an identical copy counts once
        self.linked = False  # a v2 checkpoint was met: every later one must be v2 too
        self.stored: Iterator[Any] = iter(())  # while verify_bulk has the walk: the stored chain after `exp`
        self.exp: tuple[Any, Any, Any] = _END

    def queue(self, checkpoint: Checkpoint, last: int) -> None:
        if checkpoint.position < last:  # we no longer know the chain head there
            detail = f"checkpoint at {checkpoint.position} comes after the event at {last}"
            raise _Failure(checkpoint.position, CHECKPOINT_OUT_OF_PLACE, detail)
        heapq.heappush(self.pending, (checkpoint.position, next(self.seq), checkpoint))

    def result(self, failure: _Failure | None = None) -> VerifyResult:
        said: tuple[int | None, str | None, str | None, int | None] = (None, None, None, None)
        if failure is not None:
            said = (failure.position, failure.problem, failure.detail, failure.suspect)
        last = None if self.count == 0 else self.last
        tally = (self.verified, self.unsigned, self.unlinked)
        return VerifyResult(failure is None, self.count, self.head.hex(), last, *said, *tally)

    def settle(self, before: int | None) -> _Failure | None:
        """Judge queued checkpoints at positions < `before` (all if None) against the head."""
        pending = self.pending
        while pending and (before is None or pending[0][0] < before):
            checkpoint = heapq.heappop(pending)[2]
            if checkpoint in self.same:
                continue  # an identical copy (a saved checkpoint that is also stored) counts once
            if failure := self.judge(checkpoint, at_end=before is None) or self.link(checkpoint):
                return failure
            if self.keys:
                self.verified += 1
            else:
                self.unsigned += 1
            self.unlinked += checkpoint.prev is None
            self.good_position, self.good_head = checkpoint.position, self.head
            self.good_count, self.window_start = self.count, before
            if self.current is None or self.current[0] != checkpoint.position:
                self.previous, self.current, self.same = self.current or FIRST, self.link_of(checkpoint), set()
            self.same.add(checkpoint)
        return None

    @staticmethod
    def link_of(checkpoint: Checkpoint) -> tuple[int, str]:
        return checkpoint.position, checkpoint.chain_hash

    def link(self, checkpoint: Checkpoint) -> _Failure | None:
        """None when `checkpoint` (already found on the chain) names the good checkpoint before its position as its
        previous one (FIRST for the first). A v2 checkpoint names its predecessor in what it signs, so a deleted
        checkpoint leaves a link to nothing and an extra one sits outside the signed sequence."""
        current = self.current
        expected = self.previous if current is not None and current[0] == checkpoint.position else (current or FIRST)
        brk = link_break(checkpoint, expected, self.linked)
        self.linked = self.linked or checkpoint.prev is not None
        if brk is None:
            return None
        at, prev = brk.at, checkpoint.prev
        if prev is None:
            detail = f"the checkpoint at {at} is v1 (names no previous checkpoint) but follows v2 checkpoints"
            return _Failure(at, OUT_OF_SEQUENCE, detail)
        named = "the start of the ledger" if prev == FIRST else f"the checkpoint at {prev[0]}"
        if brk.kind == "missing":
            detail = (
                f"the checkpoint at {at} signs {named} as the one before it, and there is none there: "
                "a signed checkpoint was deleted"
            )
            return _Failure(prev[0], LINK_MISSING, detail)
        if brk.kind == "skipped":
            detail = (
                f"the checkpoint at {at} signs {named} as the one before it: the checkpoint at {expected[0]} "
                "is not in the signed sequence"
            )
            return _Failure(expected[0], OUT_OF_SEQUENCE, detail)
        detail = (
            f"the checkpoint at {at} signs chain hash {prev[1]} for the checkpoint at {prev[0]}; "
            f"the one there has {expected[1]}"
        )
        return _Failure(prev[0], OUT_OF_SEQUENCE, detail)

    def judge(self, checkpoint: Checkpoint, at_end: bool) -> _Failure | None:
        """None when `checkpoint` is signed (if keys) and equals the chain state at it."""
        at, count, last = checkpoint.position, self.count, self.last
        if self.keys and not any(verify_checkpoint(checkpoint, key) for key in self.keys):
            detail = f"checkpoint at {at} (key {checkpoint.key_id}) does not verify"
            return _Failure(at, SIGNATURE_INVALID, detail)
        if checkpoint.count == count and checkpoint.chain_hash == self.head.hex():
            return None
        suspect = 0 if self.good_position is None else self.good_position + 1
        if at_end and checkpoint.count > count and at > last:
            detail = f"the log ends at {last} with {count} records; checkpoint at {at} signs "
            return _Failure(at, LOG_ENDS_EARLY, detail + str(checkpoint.count), suspect)
        window, start = count - self.good_count, self.window_start
        if start is not None and window == 1 and checkpoint.count == count:
            detail = f"the only record since the last good checkpoint differs from the one at {at}"
            return _Failure(start, CHECKPOINT_MISMATCH, detail)
        if (
            start is not None
            and window >= 2
            and checkpoint.count == self.good_count + 1
            and last == at
            and chain_hash(self.good_head, self.leaf).hex() == checkpoint.chain_hash
        ):  # the record at `at` follows the last good checkpoint directly: the rest are extra
            detail = f"records in [{start}, {at}) are not covered by the checkpoint at {at}"
            return _Failure(start, RECORD_INSERTED, detail)
        detail = (
            f"checkpoint at {at} signs {checkpoint.count} records and head {checkpoint.chain_hash}"
            f"; the log has {count} and {self.head.hex()}: records in [{suspect}, {at}] were "
            "altered, deleted or inserted"
        )
        return _Failure(at, CHECKPOINT_MISMATCH, detail, suspect)

    def decode(self, item: Any, last: int) -> _Row | None:
        """A row from anything but a LogRecord; None for checkpoint and header lines."""
        if type(item) is tuple:  # a row a LeafBlock left to the reference walk
            return item
        if type(item) is not dict and not isinstance(item, Mapping):  # dict first: ABCs are slow
            if isinstance(item, Checkpoint):
                self.queue(item, last)
                return None
            # an object with LogRecord's attributes
            stream_id = item.stream_id.bytes
            if len(stream_id) != 16:
                raise ValueError("stream id must be 16 bytes")
            return (item.position, stream_id, item.version, item.topic, item.state, None, None)
        kind = item.get("kind", "event")
        if kind == "checkpoint":
            self.queue(_parse_checkpoint(item), last)
            return None
        if kind == "header" and item.get("format") == FORMAT:
            return None
        if kind != "event":
            raise _Failure(None, MALFORMED, f"unknown line after position {last}: kind {kind!r}")
        try:
            fields = event_fields(item)
        except (ValueError, TypeError) as e:
            position = item.get("position")
            raise _Failure(position if type(position) is int else None, MALFORMED, str(e)) from None
        if not self.embedded:
            return fields + (None, None)
        if "leaf_hash" not in item or "chain_hash" not in item:
            raise _Failure(fields[0], HASHES_MISSING, "event line without leaf_hash/chain_hash")
        return fields + (item["leaf_hash"], item["chain_hash"])

    def join(self, pages: Iterable[ProvenPage]) -> _Failure | None:
        """Take proven pages, in position order, as the walk would have taken their records: each checkpoint is judged
        on the state after the last record at or before it, when the first record after it is met."""
        for page in pages:
            if not page.count:
                continue
            if self.count == 0:
                self.window_start = page.first
            if failure := self.settle(page.first):
                return failure
            base = self.count
            for i, position, before, head, leaf in page.marks:
                self.head, self.count, self.last, self.leaf = head, base + i, before, leaf
                if failure := self.settle(position):
                    return failure
            self.head, self.prev_head, self.leaf = page.head, page.prev_head, page.leaf
            self.count, self.last = base + page.count, page.last
        return None

    def walk(self, records: Iterable[Any], expected: Iterable[Any] | None) -> _Failure | None:
        """Chain every record, comparing stored hashes; the first failure or None (a LeafBlock: see verify_bulk)."""
        head, prev_head, count, last, leaf = self.head, self.prev_head, self.count, self.last, self.leaf
        pending, packers, sha = self.pending, TOPIC_PACKERS, sha256
        stored = iter(expected) if expected is not None else iter(())
        exp_position, exp_leaf, exp_chain = next(stored, _END)
        position: Any = -1  # stays == last when the source (not a record) raises
        spill: list[Iterator[Any]] = []
        try:
            for item in verify_bulk.spilled(records, spill):
                if type(item) is LogRecord:
                    position, version = item.position, item.version
                    topic, state = item.topic, item.state
                    stream_id = item.stream_id.int.to_bytes(16, "big")  # cheaper than .bytes
                    stored_leaf = stored_chain = None
                elif type(item) is LeafBlock:
                    self.head, self.count, self.last, self.leaf = head, count, last, leaf
                    self.prev_head, self.stored, self.exp = prev_head, stored, (exp_position, exp_leaf, exp_chain)
                    done, failure = verify_bulk.chain_block(self, item)
                    head, count, last, leaf, position = self.head, self.count, self.last, self.leaf, self.last
                    prev_head = self.prev_head
                    stored, (exp_position, exp_leaf, exp_chain) = self.stored, self.exp
                    if failure:
                        return failure  # type: ignore[no-any-return]
                    if done < len(item.rows):
                        spill.append(itertools.islice(item.rows.tuples(), done, None))
                    continue
                else:
                    row = self.decode(item, last)
                    if row is None:
                        continue
                    position, stream_id, version, topic, state, stored_leaf, stored_chain = row
                if position <= last:
                    return _Failure(position, OUT_OF_ORDER, f"position {position} after {last}")
                if count == 0:
                    self.window_start = position
                if exp_position is not None:  # the stored chain, aligned by position
                    if exp_position != position:  # (checkpoints before it: see verify_log)
                        return _misaligned(exp_position, position)
                    stored_leaf, stored_chain = exp_leaf, exp_chain
                    exp_position, exp_leaf, exp_chain = next(stored, _END)
                if pending and pending[0][0] < position:
                    self.head, self.count, self.last, self.leaf = head, count, last, leaf
                    if failure := self.settle(position):
                        return failure
                # chain.leaf_input's bytes in one pack and one concatenation (stream ids here are 16 bytes)
                encoded, packer = packers.get(topic) or topic_packer(topic)
                leaf = sha(
                    packer.pack(position, stream_id, version, len(encoded), encoded, len(state)) + state
                ).digest()
                new_head = sha(b"\x01" + head + leaf).digest()
                if stored_chain is not None and (new_head.hex() != stored_chain or leaf.hex() != stored_leaf):
                    computed, kept = (prev_head, new_head, leaf), (stored_leaf, stored_chain)
                    if failure := _stored_mismatch(position, last, count, computed, kept):
                        return failure
                prev_head, head, last = head, new_head, position
                count += 1
        except _Failure as failure:
            return failure
        except (ValueError, TypeError, AttributeError, struct.error) as e:
            return _malformed(e, position, last)
        finally:
            self.head, self.count, self.last, self.leaf, self.prev_head = head, count, last, leaf, prev_head
        if exp_position is not None:
            detail = f"the stored chain has position {exp_position} past the log's end"
            return _Failure(exp_position, RECORD_MISSING, detail)
        return None


def _malformed(error: Exception, position: Any, last: int) -> _Failure:
    """A record's own fields failed (its position is known) or the source did (it may say where)."""
    at = position if type(position) is int and position > last else None
    if at is None:
        said = getattr(error, "position", None)
        at = said if type(said) is int else None
    return _Failure(at, MALFORMED, f"after position {last}: {error}")


def _misaligned(exp_position: int, position: int) -> _Failure:
    if exp_position < position:
        detail = f"the stored chain has position {exp_position}; the log skips to {position}"
        return _Failure(exp_position, RECORD_MISSING, detail)
    return _Failure(position, NOT_ON_STORED_CHAIN, f"position {position} is not on the stored chain")


def _stored_mismatch(
    position: int, last: int, count: int, computed: tuple[bytes, bytes, bytes], stored: tuple[Any, Any]
) -> _Failure | None:
    """What a stored-hash mismatch at `position` means; None if only the spelling differed. `computed` is the
    (previous head, head, leaf) recomputed, `stored` the (leaf, chain) hashes stored for the record."""
    prev_head, head, leaf = computed
    try:
        stored_leaf, stored_chain = _hex_hash(stored[0]), _hex_hash(stored[1])
    except (ValueError, TypeError) as e:
        return _Failure(position, MALFORMED, f"stored hash: {e}")
    if leaf.hex() != stored_leaf:
        return _Failure(position, LEAF_MISMATCH, "the record differs from its stored leaf_hash")
    if head.hex() == stored_chain:
        return None
    if count and chain_hash(prev_head, leaf).hex() == stored_chain:
        return _Failure(last, RECORD_INSERTED, f"the stored chain of {position} skips {last}")
    detail = (
        f"the stored chain_hash of {position} does not follow {last if count else 'genesis'}: "
        "a record before it was deleted, inserted or moved, or the hash was altered"
    )
    return _Failure(position, CHAIN_MISMATCH, detail)


def verify_log(
    records: Iterable[LogRecord | Mapping[str, Any] | Checkpoint],
    checkpoints: Iterable[Checkpoint | Mapping[str, Any]] = (),
    public_key: Any = None,
    expected: Iterable[tuple[int, str | bytes, str | bytes]] | None = None,
    workers: int | None = 0,
    proven: Iterable[ProvenPage] = (),
) -> VerifyResult:
    """Recompute the chain over `records` (position order) and check it (docs/audit-verify.md): `records` may mix
    LogRecords, export lines (dicts: events, checkpoints, header) and Checkpoints; `expected` is the stored chain
    as (position, leaf, chain), hex or bytes, else event dicts are checked against their own hashes; `public_key`
    is one key (PEM, raw, hex) or a list, else checkpoint signatures are not checked (`checkpoints_unsigned`);
    `workers` processes hash a large log's leaves (leaves.blocks; None: one per core; 0: none). `proven` pages come
    before `records` (which then start after the last of them, as does `expected`)."""
    walk = _Walk(_keys(public_key), embedded=expected is None)
    try:
        for item in checkpoints:
            walk.queue(_parse_checkpoint(item), -1)
    except _Failure as bad_checkpoint:
        return walk.result(bad_checkpoint)
    failure = walk.join(proven) or walk.walk(blocks(rows_of(records), workers), expected)
    if failure is None:
        return walk.result(walk.settle(None))
    if failure.position is not None and (earlier := walk.settle(failure.position)):
        return walk.result(earlier)  # a checkpoint before the failure already failed
    return walk.result(failure)
