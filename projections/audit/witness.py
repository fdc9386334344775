"""The auditor's witness (docs/auditors.md, "The auditor's witness"): does the ledger's history, as served now,
extend the auditor's own copy of it?

`sync` walks two streams in step, each in log order (a checkpoint right after the record at its position): the
ledger's records and checkpoints as served (`merged`), and the copy's lines (`held_items`). Every served record is
re-hashed here from its served bytes with projections/audit/chain.py; the served hashes are only compared, never
believed. Held items must come back identical; past the end of the copy, every new record and every new
checkpoint is checked (signature under the auditor's key, count and chain hash equal to the chain computed at its
position, its signed link naming the previous checkpoint) and handed to `out` to append. The first difference
ends the walk with a `Divergence` (exit 1) naming its position; input that cannot be read is `Unreadable` (exit 2).

Pure logic: no HTTP and no files. Memory is bounded by one record: both streams are iterators.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID

from projections.audit.chain import GENESIS, Chain, LogRecord
from projections.audit.checkpoints import FIRST, Checkpoint, PublicKeyLike, link_break, verify_checkpoint
from projections.audit.log_format import event_fields, record_to_json

EXTENDS, DIVERGED, UNREADABLE = "extends", "diverged", "unreadable"
EXIT_CODES = {EXTENDS: 0, DIVERGED: 1, UNREADABLE: 2}
METADATA = ("type", "recorded_at", "actor")  # served fields kept in the copy for people; never hashed

__all__ = [
    "DIVERGED",
    "EXIT_CODES",
    "EXTENDS",
    "UNREADABLE",
    "Divergence",
    "Held",
    "Item",
    "Out",
    "Unreadable",
    "WitnessResult",
    "held_items",
    "link_problem",
    "merged",
    "sync",
]

Fields = tuple[int, bytes, int, str, bytes]  # position, stream id bytes, version, topic, state


class Divergence(Exception):
    """The ledger answers a history that differs from the copy or does not verify: exit 1."""

    def __init__(self, code: str, message: str, position: int | None) -> None:
        super().__init__(message)
        self.code, self.message, self.position = code, message, position


class Unreadable(Exception):
    """Input the witness cannot read (a malformed served item, a damaged copy): exit 2."""

    def __init__(self, code: str, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.position = code, message, position


@dataclass(frozen=True, slots=True)
class Held:
    """What the copy holds, as its state file says: the last record, the chain up to it, the last checkpoint."""

    position: int | None = None
    count: int = 0
    chain_hash: str = GENESIS.hex()
    checkpoint: Checkpoint | None = None


@dataclass(frozen=True, slots=True)
class Item:
    """One entry of either stream, in log order: `key` sorts a checkpoint right after the record at its position.
    A record carries `fields` (state None when the ledger serves a chained record whose event is gone)."""

    key: tuple[int, int]
    fields: tuple[int, bytes, int, str, bytes | None] | None = None
    checkpoint: Checkpoint | None = None
    served: Mapping[str, Any] | None = None

    @property
    def position(self) -> int:
        return self.key[0]


class Out(Protocol):
    """Where new, verified items go (the copy's files); nothing is kept unless the run ends in `extends`."""

    def record(self, line: dict[str, Any]) -> None: ...

    def checkpoint(self, checkpoint: Checkpoint) -> None: ...


@dataclass
class WitnessResult:
    verdict: str
    reasons: list[dict[str, Any]] = field(default_factory=list)
    held: Held = field(default_factory=Held)
    added_records: int = 0
    added_checkpoints: int = 0
    pending_checkpoints: int = 0  # served past the log read this run: checked on the next run

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.verdict]

    def to_dict(self) -> dict[str, Any]:
        last = self.held.checkpoint
        return {
            "verdict": self.verdict,
            "exit_code": self.exit_code,
            "reasons": self.reasons,
            "added": {"records": self.added_records, "checkpoints": self.added_checkpoints},
            "held": {
                "position": self.held.position,
                "count": self.held.count,
                "chain_hash": self.held.chain_hash,
                "checkpoint": last.to_dict() if last else None,
            },
            "pending_checkpoints": self.pending_checkpoints,
        }


def _served_record(data: Mapping[str, Any]) -> Item:
    """A record of GET /v1/audit/log as an Item; a null state (the event gone from the store) is kept as None."""
    position = data.get("position") if isinstance(data, Mapping) else None
    try:
        if data.get("state") is None:
            position, stream, version, topic, _ = event_fields({**data, "state": ""})
            return Item((position, 0), (position, stream, version, topic, None), served=data)
        fields = event_fields(data)
        for name in ("leaf_hash", "chain_hash"):
            if not isinstance(data.get(name), str):
                raise ValueError(f"{name} missing")
    except (ValueError, TypeError, AttributeError) as e:
        raise Unreadable("served-malformed", f"the served record at position {position!r} is unreadable: {e}") from e
    return Item((fields[0], 0), fields, served=data)


def _served_checkpoint(data: Any) -> Item:
    try:
        checkpoint = Checkpoint.from_dict(data)
    except (ValueError, TypeError, AttributeError) as e:
        at = data.get("position") if isinstance(data, Mapping) else None
        raise Unreadable("served-malformed", f"the served checkpoint at {at!r} is unreadable: {e}") from e
    return Item((checkpoint.position, 1), checkpoint=checkpoint)


def merged(
    records: Iterable[Mapping[str, Any]], checkpoints: Iterable[Mapping[str, Any]], until: int, pending: list[int]
) -> Iterator[Item]:
    """The served records with position <= `until` and the served checkpoints, in log order. A checkpoint past
    `until` (signed after this run read the log's head) is left for the next run; its position goes to `pending`.
    Each stream must strictly increase: the ledger serves both in position order."""
    record_iter, checkpoint_iter = iter(records), iter(checkpoints)

    def pull_record(last: int) -> Item | None:
        for data in record_iter:
            item = _served_record(data)
            if item.position <= last:
                raise Divergence("log-out-of-order", f"the ledger serves {item.position} after {last}", item.position)
            return item if item.position <= until else None
        return None

    def pull_checkpoint(last: int) -> Item | None:
        for data in checkpoint_iter:
            item = _served_checkpoint(data)
            if item.position <= last:
                message = f"the ledger serves a checkpoint at {item.position} after one at {last}"
                raise Divergence("checkpoint-out-of-sequence", message, item.position)
            if item.position > until:
                pending.append(item.position)
                pending.extend(_served_checkpoint(d).position for d in checkpoint_iter)
                return None
            return item
        return None

    record, checkpoint = pull_record(-1), pull_checkpoint(-1)
    while record is not None or checkpoint is not None:
        if checkpoint is None or (record is not None and record.key < checkpoint.key):
            assert record is not None
            yield record
            record = pull_record(record.position)
        else:
            yield checkpoint
            checkpoint = pull_checkpoint(checkpoint.position)


def held_items(lines: Iterable[Mapping[str, Any]]) -> Iterator[Item]:
    """The copy's log lines (export format) as Items; a line that does not parse means the copy is damaged."""
    last: tuple[int, int] = (-1, 1)
    for number, line in enumerate(lines, 1):
        kind = line.get("kind", "event")
        try:
            if kind == "header":
                continue
            if kind == "checkpoint":
                checkpoint = Checkpoint.from_dict(line)
                item = Item((checkpoint.position, 1), checkpoint=checkpoint)
            elif kind == "event":
                fields = event_fields(line)
                item = Item((fields[0], 0), fields)
            else:
                raise ValueError(f"unknown kind {kind!r}")
        except (ValueError, TypeError, AttributeError) as e:
            raise Unreadable("copy-damaged", f"the copy's log is damaged at entry {number}: {e}") from e
        if item.key <= last:
            raise Unreadable("copy-damaged", f"the copy's log is out of order at entry {number}", item.position)
        last = item.key
        yield item


def link_problem(checkpoint: Checkpoint, previous: Checkpoint | None) -> Divergence | None:
    """Why `checkpoint` does not extend the signed sequence ending in `previous` (None: it does). A v2 checkpoint
    names the previous one (FIRST for a ledger's first); a v1 checkpoint (older ledgers) names none."""
    expected = (previous.position, previous.chain_hash) if previous else FIRST
    brk = link_break(checkpoint, expected, linked=previous is not None and previous.prev is not None)
    if brk is None:
        return None
    at, where = brk.at, brk.named
    if where is None:
        return Divergence("checkpoint-unlinked", f"the checkpoint at {at} names no previous checkpoint", at)
    if brk.kind == "missing":
        message = f"the checkpoint at {at} names a previous checkpoint at {where} that the ledger no longer serves"
        return Divergence("signed-link-missing", message, where)
    if brk.kind == "fork":
        message = f"the checkpoint at {at} names another chain hash for the checkpoint at {where}: a fork"
        return Divergence("checkpoint-fork", message, at)
    message = f"the checkpoint at {at} links to {where}, leaving the checkpoint at {brk.expected} out of its sequence"
    return Divergence("checkpoint-out-of-sequence", message, brk.expected)


class _Walk:
    """The walk's state: the chain computed from the served bytes and the last checkpoint of the sequence."""

    def __init__(self, key: PublicKeyLike, out: Out) -> None:
        self.key, self.out = key, out
        self.chain = Chain()
        self.previous: Checkpoint | None = None
        self.added_records = self.added_checkpoints = 0

    def rehash(self, item: Item) -> tuple[bytes, bytes]:
        """Chain a served record from its served bytes; its served hashes must be the ones computed."""
        assert item.fields is not None and item.served is not None
        position, stream, version, topic, state = item.fields
        if state is None:
            raise Divergence("record-deleted", f"the event at {position} is gone from the ledger's store", position)
        try:
            leaf, head = self.chain.append_fields(position, stream, version, topic, state)
        except ValueError as e:
            raise Unreadable("served-malformed", f"the served record at {position} is unreadable: {e}", position) from e
        if (item.served["leaf_hash"], item.served["chain_hash"]) != (leaf.hex(), head.hex()):
            message = f"the ledger's stored hashes at {position} are not those of its stored bytes"
            raise Divergence("served-hash-mismatch", message, position)
        return leaf, head

    def held_pair(self, served: Item, held: Item) -> None:
        """A served item where the copy holds one at the same place: it must be the same."""
        if held.checkpoint is not None:
            if served.checkpoint != held.checkpoint:
                message = f"the ledger serves another checkpoint at {held.position} than the one the copy holds"
                raise Divergence("checkpoint-changed", message, held.position)
            self.previous = held.checkpoint
            return
        if served.fields != held.fields:
            if served.fields is not None and served.fields[4] is None:
                self.rehash(served)  # raises record-deleted
            raise Divergence(
                "record-changed", f"the ledger's record at {held.position} differs from the copy's", held.position
            )
        self.rehash(served)

    def new(self, item: Item) -> None:
        """A served item past the end of the copy: checked, then appended."""
        if item.checkpoint is None:
            leaf, head = self.rehash(item)
            assert item.fields is not None and item.served is not None
            position, stream, version, topic, state = item.fields
            record = LogRecord(position, UUID(bytes=stream), version, topic, state or b"")
            metadata = {k: item.served[k] for k in METADATA if item.served.get(k) is not None}
            self.out.record(record_to_json(record, leaf, head, metadata))
            self.added_records += 1
            return
        checkpoint, at = item.checkpoint, item.position
        if not verify_checkpoint(checkpoint, self.key):
            raise Divergence("checkpoint-signature-invalid", f"the checkpoint at {at} is not signed by your key", at)
        if (checkpoint.count, checkpoint.chain_hash) != (self.chain.count, self.chain.head_hex):
            message = (
                f"the checkpoint at {at} signs {checkpoint.count} records ending in {checkpoint.chain_hash[:16]}…; "
                f"the served log has {self.chain.count} ending in {self.chain.head_hex[:16]}…"
            )
            raise Divergence("checkpoint-not-on-chain", message, at)
        problem = link_problem(checkpoint, self.previous)
        if problem is not None:
            raise problem
        self.previous = checkpoint
        self.out.checkpoint(checkpoint)
        self.added_checkpoints += 1


def _missing(held: Item) -> Divergence:
    """The held item the ledger no longer serves."""
    if held.checkpoint is not None:
        return Divergence(
            "checkpoint-vanished", f"the checkpoint at {held.position} is no longer served", held.position
        )
    return Divergence("record-deleted", f"the record at {held.position} is no longer served", held.position)


def _inserted(served: Item) -> Divergence:
    """A served item placed before the end of the copy where the copy holds nothing."""
    if served.checkpoint is not None:
        message = f"the ledger serves a checkpoint at {served.position} inside the history the copy holds"
        return Divergence("checkpoint-out-of-sequence", message, served.position)
    return Divergence(
        "record-inserted", f"the ledger serves a record at {served.position} the copy never held", served.position
    )


def _check_copy(walk: _Walk, held: Held) -> None:
    """At the end of the held items the chain recomputed over them must be the one the state file records."""
    state = (walk.chain.position, walk.chain.count, walk.chain.head_hex, walk.previous)
    if state != (held.position, held.count, held.chain_hash, held.checkpoint):
        raise Unreadable("copy-damaged", "the copy's log does not hold what its state file records")


def _walk(walk: _Walk, served: Iterator[Item], copy: Iterator[Item], held: Held) -> None:
    s, h = next(served, None), next(copy, None)
    while h is not None:
        if s is None:
            if h.checkpoint is not None:
                raise _missing(h)
            message = f"the ledger's log ends before the copy's head ({held.position}): {h.position} is not served"
            raise Divergence("log-cut", message, h.position)
        if s.key == h.key:
            walk.held_pair(s, h)
            s, h = next(served, None), next(copy, None)
        elif s.key < h.key:
            raise _inserted(s)
        else:
            raise _missing(h)
    _check_copy(walk, held)
    while s is not None:
        walk.new(s)
        s = next(served, None)


def sync(served: Iterable[Item], copy: Iterable[Item], held: Held, key: PublicKeyLike, out: Out) -> WitnessResult:
    """Compare the served history with the copy item by item, append what extends it; never raises for a
    divergence or unreadable input (the result says which, naming the first diverging position)."""
    walk = _Walk(key, out)
    try:
        _walk(walk, iter(served), iter(copy), held)
    except (Divergence, Unreadable) as e:
        verdict = DIVERGED if isinstance(e, Divergence) else UNREADABLE
        reason: dict[str, Any] = {"code": e.code, "message": e.message}
        if e.position is not None:
            reason["position"] = e.position
        return WitnessResult(verdict, [reason], held)
    after = Held(walk.chain.position, walk.chain.count, walk.chain.head_hex, walk.previous)
    return WitnessResult(EXTENDS, [], after, walk.added_records, walk.added_checkpoints)
