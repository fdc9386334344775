"""Verify a log's audit chain: recompute leaves and links, compare stored hashes and checkpoints.

Export format (`ledger export log`): JSON Lines, UTF-8, one JSON object per line (blank lines are
skipped). Each object has a "kind":

    {"kind": "header", "format": "uncac-ledger-log/1"}             optional, first line
    {"kind": "event", "position": 42, "stream_id": "9f1c…-…", "version": 3,
     "topic": "domain.needs:Need.Prioritised", "state": "<base64 of the stored state bytes>",
     "leaf_hash": "<64 lowercase hex>", "chain_hash": "<64 lowercase hex>", …metadata…}
    {"kind": "checkpoint", "position": 42, "count": 40, "chain_hash": "…", "time": "…Z",
     "signature": "<128 hex>", "key_id": "<16 hex>"}                 see projections.audit.checkpoints

- Event lines come in strictly increasing position order; `stream_id` is the canonical
  36-character UUID string; `state` is standard base64 with padding; a line without "kind" is an
  event. Other keys ("type", "recorded_at", "actor", …) are metadata: not hashed, not checked.
- A checkpoint line may appear anywhere before the first event line whose position exceeds its
  own; `export_lines` writes each one right after the last event at or before its position.
- A separate checkpoint file (`ledger verify --checkpoint FILE`) is the same JSON Lines holding
  checkpoint objects ("kind" may be omitted there), or one JSON list of them. `read_checkpoints`
  skips other lines, so a log export doubles as its own checkpoint file.

What `verify_log` reports: the first failure in position order (`count`, `head` and
`last_position` then describe the verified prefix), as `problem`:
- Stored hashes (`expected`, or each event line's own leaf_hash/chain_hash) localise exactly:
  "leaf hash mismatch" names an altered record; "chain hash mismatch" names the record after a
  deleted, inserted or moved one; "record inserted" names a record the stored chain skips.
  Aligned with the database's stored chain: "record missing" (the log lacks a chained position),
  "record not on stored chain" (the log has an unchained position inside the chained range;
  records past the chain's end are not compared, as the chain may lag the log).
- Checkpoints: "checkpoint signature invalid", "checkpoint not on chain" (count or head differ at
  its position), "log ends before checkpoint", "checkpoint out of place" (a checkpoint line after
  events beyond it). Hashes alone cannot tell which record between two checkpoints diverged, so
  `first_bad_position` is the failing checkpoint's position and `suspect_from` the first position
  after the previous good checkpoint: the damage lies in [suspect_from, first_bad_position]. When
  that window holds exactly one record and the counts agree, that record is named; when the
  record at the checkpoint chains straight onto the previous good one, the extra records before
  it are named ("record inserted"). Checkpoints at every event therefore localise exactly. Records
  after the last checkpoint are covered by stored hashes only: sign often.
- "position out of order", "stored hashes missing" (an event line without them), "malformed
  record" (a field that does not decode; the position is None when even that is unknown).
Verification always starts from GENESIS: give it the whole log.
"""

from __future__ import annotations

import base64
import binascii
import heapq
import io
import itertools
import json
import os
import struct
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import IO, Any
from uuid import UUID

from projections.audit.chain import (
    _TOPIC_PACKERS,
    GENESIS,
    LogRecord,
    _sha256,
    _topic_packer,
    chain_hash,
    from_hex,
)
from projections.audit.checkpoints import Checkpoint, load_public_key, verify_checkpoint

FORMAT = "uncac-ledger-log/1"

OUT_OF_ORDER = "position out of order"
LEAF_MISMATCH = "leaf hash mismatch"
CHAIN_MISMATCH = "chain hash mismatch"
RECORD_INSERTED = "record inserted"
RECORD_MISSING = "record missing"
NOT_ON_STORED_CHAIN = "record not on stored chain"
HASHES_MISSING = "stored hashes missing"
MALFORMED = "malformed record"
SIGNATURE_INVALID = "checkpoint signature invalid"
CHECKPOINT_MISMATCH = "checkpoint not on chain"
LOG_ENDS_EARLY = "log ends before checkpoint"
CHECKPOINT_OUT_OF_PLACE = "checkpoint out of place"

__all__ = [
    "FORMAT",
    "VerifyResult",
    "export_lines",
    "read_checkpoints",
    "read_jsonl_log",
    "record_from_json",
    "record_to_json",
    "verify_log",
]


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    count: int  # records verified before any failure
    head: str  # chain head (hex) after them
    last_position: int | None
    first_bad_position: int | None = None
    problem: str | None = None
    detail: str | None = None
    suspect_from: int | None = None  # earliest position that may be bad (<= first_bad_position)
    checkpoints_verified: int = 0  # signature valid and on the chain
    checkpoints_unsigned: int = 0  # on the chain, signature not checked (no public key given)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Failure(Exception):
    def __init__(self, position: int | None, problem: str, detail: str, suspect: int | None = None):
        super().__init__(detail)
        self.position, self.problem, self.detail = position, problem, detail
        self.suspect = position if suspect is None else suspect


# ---------------------------------------------------------------- the export format


def _int_field(data: Mapping[str, Any], name: str) -> int:
    value = data[name]
    if type(value) is not int:  # bool and float are not positions
        raise ValueError(f"{name} must be an integer, got {value!r}")
    return value


def _stream_bytes(text: Any) -> bytes:
    """Canonical UUID string -> 16 bytes, without the cost of building a UUID object."""
    if not isinstance(text, str) or len(text) != 36 or text[8] + text[13] + text[18] + text[23] != "----":
        raise ValueError(f"stream_id must be a canonical UUID string, got {text!r}")
    return bytes.fromhex(text.replace("-", ""))


def _json_fields(data: Mapping[str, Any]) -> tuple[int, bytes, int, str, bytes]:
    """(position, stream id bytes, version, topic, state) of an exported event line."""
    try:
        topic = data["topic"]
        if not isinstance(topic, str):
            raise ValueError("topic must be a string")
        state = data["state"]
        if not isinstance(state, str):
            raise ValueError("state must be a base64 string")
        return (
            _int_field(data, "position"),
            _stream_bytes(data["stream_id"]),
            _int_field(data, "version"),
            topic,
            binascii.a2b_base64(state, strict_mode=True),  # strict: no junk, exact padding
        )
    except KeyError as e:
        raise ValueError(f"event line lacks {e.args[0]!r}") from None


def record_from_json(data: Mapping[str, Any]) -> LogRecord:
    position, stream_id, version, topic, state = _json_fields(data)
    return LogRecord(position, UUID(bytes=stream_id), version, topic, state)


def record_to_json(
    record: LogRecord, leaf: bytes, chain: bytes, metadata: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """One event line of the export (metadata keys go after the hashed fields, never over them)."""
    line: dict[str, Any] = {
        "kind": "event",
        "position": record.position,
        "stream_id": str(record.stream_id),
        "version": record.version,
        "topic": record.topic,
        "state": base64.b64encode(record.state).decode("ascii"),
        "leaf_hash": leaf.hex(),
        "chain_hash": chain.hex(),
    }
    for key, value in (metadata or {}).items():
        line.setdefault(key, value)
    return line


def _dumps(obj: Mapping[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"


def export_lines(
    rows: Iterable[tuple[LogRecord, bytes, bytes, Mapping[str, Any] | None]],
    checkpoints: Iterable[Checkpoint] = (),
) -> Iterator[str]:
    """The export, line by line: header, events (record, leaf, chain, metadata), and each checkpoint
    right after the last event at or before its position."""
    pending = sorted(checkpoints, key=lambda c: c.position)
    i = 0
    yield _dumps({"kind": "header", "format": FORMAT})
    for record, leaf, chain, metadata in rows:
        while i < len(pending) and pending[i].position < record.position:
            yield _dumps(pending[i].to_dict())
            i += 1
        yield _dumps(record_to_json(record, leaf, chain, metadata))
    for checkpoint in pending[i:]:
        yield _dumps(checkpoint.to_dict())


def read_jsonl_log(source: str | os.PathLike[str] | IO[str]) -> Iterator[dict[str, Any]]:
    """Every object of an exported log (headers, events, checkpoints), in file order.

    Raises ValueError naming the line when a line is not a JSON object.
    """
    if isinstance(source, str | os.PathLike):
        with open(source, encoding="utf-8") as handle:
            yield from read_jsonl_log(handle)
        return
    name = getattr(source, "name", "<log>")
    for number, line in enumerate(source, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise ValueError(f"{name}:{number}: not JSON ({e.msg})") from None
        if not isinstance(obj, dict):
            raise ValueError(f"{name}:{number}: not a JSON object")
        yield obj


def read_checkpoints(source: str | os.PathLike[str] | IO[str]) -> list[Checkpoint]:
    """The checkpoints of a checkpoint file or a log export (other lines skipped).

    Also reads one JSON document: a list of checkpoints, or an object listing them under
    "checkpoints" or "items" (a saved API answer). Raises ValueError on a malformed checkpoint.
    """
    if isinstance(source, str | os.PathLike):
        with open(source, encoding="utf-8") as handle:
            return read_checkpoints(handle)
    text = source.read()
    try:
        document = json.loads(text)
    except json.JSONDecodeError:  # several lines: JSON Lines
        objects: list[Any] = list(read_jsonl_log(io.StringIO(text)))
    else:
        if isinstance(document, dict) and "kind" not in document and "signature" not in document:
            document = document.get("checkpoints", document.get("items"))
            if not isinstance(document, list):
                raise ValueError("no checkpoints in this document")
        objects = document if isinstance(document, list) else [document]
    return [
        Checkpoint.from_dict(obj)
        for obj in objects
        if isinstance(obj, dict) and (obj.get("kind") == "checkpoint" or ("kind" not in obj and "signature" in obj))
    ]


# ---------------------------------------------------------------- verification


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
        self.good_position: int | None = None  # last checkpoint found good
        self.good_head, self.good_count = GENESIS, 0
        self.window_start: int | None = None  # first record after it
        self.verified = self.unsigned = 0

    def queue(self, checkpoint: Checkpoint, last: int) -> None:
        if checkpoint.position < last:  # we no longer know the chain head there
            detail = f"checkpoint at {checkpoint.position} comes after the event at {last}"
            raise _Failure(checkpoint.position, CHECKPOINT_OUT_OF_PLACE, detail)
        heapq.heappush(self.pending, (checkpoint.position, next(self.seq), checkpoint))

    def result(self, failure: _Failure | None = None) -> VerifyResult:
        common = (self.count, self.head.hex(), None if self.count == 0 else self.last)
        if failure is None:
            return VerifyResult(True, *common, checkpoints_verified=self.verified, checkpoints_unsigned=self.unsigned)
        return VerifyResult(
            False,
            *common,
            failure.position,
            failure.problem,
            failure.detail,
            failure.suspect,
            self.verified,
            self.unsigned,
        )

    def settle(self, before: int | None) -> _Failure | None:
        """Judge queued checkpoints at positions < `before` (all if None) against the head."""
        pending = self.pending
        while pending and (before is None or pending[0][0] < before):
            checkpoint = heapq.heappop(pending)[2]
            if failure := self.judge(checkpoint, at_end=before is None):
                return failure
            if self.keys:
                self.verified += 1
            else:
                self.unsigned += 1
            self.good_position, self.good_head = checkpoint.position, self.head
            self.good_count, self.window_start = self.count, before
        return None

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
            fields = _json_fields(item)
        except (ValueError, TypeError) as e:
            position = item.get("position")
            raise _Failure(position if type(position) is int else None, MALFORMED, str(e)) from None
        if not self.embedded:
            return fields + (None, None)
        if "leaf_hash" not in item or "chain_hash" not in item:
            raise _Failure(fields[0], HASHES_MISSING, "event line without leaf_hash/chain_hash")
        return fields + (item["leaf_hash"], item["chain_hash"])

    def walk(self, records: Iterable[Any], expected: Iterable[Any] | None) -> _Failure | None:
        """Chain every record, comparing stored hashes; the first failure or None."""
        head, prev_head, count, last, leaf = self.head, GENESIS, 0, -1, GENESIS
        pending, packers, sha = self.pending, _TOPIC_PACKERS, _sha256
        stored = iter(expected) if expected is not None else iter(())
        exp_position, exp_leaf, exp_chain = next(stored, _END)
        position: Any = -1  # stays == last when the source (not a record) raises
        try:
            for item in records:
                if type(item) is LogRecord:
                    position, version = item.position, item.version
                    topic, state = item.topic, item.state
                    stream_id = item.stream_id.int.to_bytes(16, "big")  # cheaper than .bytes
                    stored_leaf = stored_chain = None
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
                # the same bytes as chain._leaf_bytes: one pack, one concatenation, two hashes
                # (stream ids here are always 16 bytes: UUID.int, _stream_bytes or UUID.bytes)
                try:
                    encoded, struct_ = packers[topic]
                except KeyError:
                    encoded, struct_ = _topic_packer(topic)
                leaf = sha(
                    struct_.pack(position, stream_id, version, len(encoded), encoded, len(state)) + state
                ).digest()
                new_head = sha(b"\x01" + head + leaf).digest()
                if (
                    stored_chain is not None
                    and (new_head.hex() != stored_chain or leaf.hex() != stored_leaf)
                    and (
                        failure := _stored_mismatch(
                            position, last, count, leaf, new_head, prev_head, stored_leaf, stored_chain
                        )
                    )
                ):
                    return failure
                prev_head, head, last = head, new_head, position
                count += 1
        except _Failure as failure:
            return failure
        except (ValueError, TypeError, AttributeError, struct.error) as e:
            # a record's own fields failed (its position is known) or the source did (it may say)
            at = position if type(position) is int and position > last else None
            if at is None and type(getattr(e, "position", None)) is int:
                at = e.position  # type: ignore[union-attr]
            return _Failure(at, MALFORMED, f"after position {last}: {e}")
        finally:
            self.head, self.count, self.last, self.leaf = head, count, last, leaf
        if exp_position is not None:
            detail = f"the stored chain has position {exp_position} past the log's end"
            return _Failure(exp_position, RECORD_MISSING, detail)
        return None


def _misaligned(exp_position: int, position: int) -> _Failure:
    if exp_position < position:
        detail = f"the stored chain has position {exp_position}; the log skips to {position}"
        return _Failure(exp_position, RECORD_MISSING, detail)
    return _Failure(position, NOT_ON_STORED_CHAIN, f"position {position} is not on the stored chain")


def _stored_mismatch(
    position: int,
    last: int,
    count: int,
    leaf: bytes,
    head: bytes,
    prev_head: bytes,
    stored_leaf: Any,
    stored_chain: Any,
) -> _Failure | None:
    """What a stored-hash mismatch at `position` means; None if only the spelling differed."""
    try:
        stored_leaf, stored_chain = _hex_hash(stored_leaf), _hex_hash(stored_chain)
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
) -> VerifyResult:
    """Recompute the chain over `records` (position order) and check it; see the module docstring.

    `records` may mix LogRecords, export lines (dicts: events, checkpoints, header) and
    Checkpoints. `expected` is the stored chain as (position, leaf, chain), hex or bytes; without
    it, event dicts are checked against their own leaf_hash/chain_hash. `public_key` is one key
    (PEM, raw, hex) or a list of them; without one, checkpoints are checked against the chain but
    their signatures are not (counted in `checkpoints_unsigned`). A ValueError raised by the
    `records` iterable becomes a "malformed record" failure (at its `position` attribute if any).
    """
    walk = _Walk(_keys(public_key), embedded=expected is None)
    try:
        for item in checkpoints:
            walk.queue(_parse_checkpoint(item), -1)
    except _Failure as bad_checkpoint:
        return walk.result(bad_checkpoint)
    failure = walk.walk(records, expected)
    if failure is None:
        return walk.result(walk.settle(None))
    if failure.position is not None and (earlier := walk.settle(failure.position)):
        return walk.result(earlier)  # a checkpoint before the failure already failed
    return walk.result(failure)
