"""Verify a log's audit chain: recompute leaves and links, compare stored hashes and checkpoints.

Export format (`ledger export log`): JSON Lines, UTF-8, one JSON object per line (blank lines are
skipped). Each object has a "kind":

    {"kind": "header", "format": "uncac-ledger-log/1"}             optional, first line
    {"kind": "event", "position": 42, "stream_id": "9f1c…-…", "version": 3,
     "topic": "domain.needs:Need.Prioritised", "state": "<base64 of the stored state bytes>",
     "leaf_hash": "<64 lowercase hex>", "chain_hash": "<64 lowercase hex>", …metadata…}
    {"kind": "checkpoint", "position": 42, "count": 40, "chain_hash": "…", "time": "…Z",
     "signature": "<128 hex>", "key_id": "<16 hex>"}                 see projections.checkpoints

- Event lines come in strictly increasing position order; `stream_id` is the canonical
  36-character UUID string; `state` is standard base64 with padding; a line without "kind" is an
  event. Other keys ("type", "recorded_at", "actor", …) are metadata: not hashed, not checked.
- A checkpoint line may appear anywhere before the first event line whose position exceeds its
  own; `export_lines` writes each one right after the last event at or before its position.
- A separate checkpoint file (`ledger verify --checkpoint FILE`) is the same JSON Lines holding
  checkpoint objects ("kind" may be omitted there). `read_checkpoints` skips other kinds, so a
  log export doubles as its own checkpoint file.

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
  that window holds exactly one record and the counts agree, that record is named; checkpoints at
  every event therefore localise exactly.
- "position out of order", "stored hashes missing" (an event line without them), "malformed
  record" (a field that does not decode; the position is None when even that is unknown).
Verification always starts from GENESIS: give it the whole log.
"""

from __future__ import annotations

import base64
import heapq
import itertools
import json
import os
import struct
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import IO, Any
from uuid import UUID

from projections.chain import _TOPIC_PACKERS, GENESIS, LogRecord, _leaf_bytes, _sha256, from_hex
from projections.checkpoints import Checkpoint, load_public_key, verify_checkpoint

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
    if (
        not isinstance(text, str)
        or len(text) != 36
        or text[8] + text[13] + text[18] + text[23] != "----"
    ):
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
            base64.b64decode(state, validate=True),
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
    """The checkpoints of a checkpoint file or a log export (other kinds skipped)."""
    return [
        Checkpoint.from_dict(obj)
        for obj in read_jsonl_log(source)
        if obj.get("kind", "checkpoint") == "checkpoint"
    ]


# ---------------------------------------------------------------- verification

_Row = tuple[int, bytes, int, str, bytes, bytes | None, bytes | None]


def _as_hash(value: Any) -> bytes:
    return value if isinstance(value, bytes) and len(value) == 32 else from_hex(value)


def _parse_checkpoint(item: Any) -> Checkpoint:
    if isinstance(item, Checkpoint):
        return item
    try:
        return Checkpoint.from_dict(item)
    except (ValueError, TypeError, AttributeError) as e:
        position = item.get("position") if isinstance(item, Mapping) else None
        at = position if type(position) is int else None
        raise _Failure(at, MALFORMED, f"checkpoint: {e}") from None


def _rows(
    items: Iterable[Any], embedded: bool, pending: list[Any], seq: Iterator[int]
) -> Iterator[_Row]:
    """Decode records and dict lines to rows; queue interleaved checkpoints as they come."""
    last = -1
    for item in items:
        if isinstance(item, dict):
            kind = item.get("kind", "event")
            if kind == "event":
                try:
                    row = _json_fields(item)
                except (ValueError, TypeError) as e:
                    position = item.get("position")
                    raise _Failure(
                        position if type(position) is int else None, MALFORMED, str(e)
                    ) from None
                if embedded:
                    if "leaf_hash" not in item or "chain_hash" not in item:
                        raise _Failure(
                            row[0], HASHES_MISSING, "event line without leaf_hash/chain_hash"
                        )
                    try:
                        row += (from_hex(item["leaf_hash"]), from_hex(item["chain_hash"]))
                    except (ValueError, TypeError) as e:
                        raise _Failure(row[0], MALFORMED, f"stored hash: {e}") from None
                else:
                    row += (None, None)
            elif kind == "checkpoint":
                _queue(_parse_checkpoint(item), last, pending, seq)
                continue
            elif kind == "header" and item.get("format") == FORMAT:
                continue
            else:
                raise _Failure(
                    None, MALFORMED, f"unknown line kind/format after position {last}: {kind!r}"
                )
        elif isinstance(item, Checkpoint):
            _queue(item, last, pending, seq)
            continue
        else:
            row = (
                item.position,
                item.stream_id.bytes,
                item.version,
                item.topic,
                item.state,
                None,
                None,
            )
        last = row[0]
        yield row


def _queue(checkpoint: Checkpoint, last: int, pending: list[Any], seq: Iterator[int]) -> None:
    if checkpoint.position < last:  # we no longer know the chain head there
        raise _Failure(
            checkpoint.position,
            CHECKPOINT_OUT_OF_PLACE,
            f"checkpoint at {checkpoint.position} comes after the event at {last}",
        )
    heapq.heappush(pending, (checkpoint.position, next(seq), checkpoint))


def _aligned(rows: Iterator[_Row], expected: Iterable[Any]) -> Iterator[_Row]:
    """Pair rows with the stored chain (position, leaf, chain) by position.

    Records past the end of the stored chain are not compared: the stored chain may lag the log.
    """
    stored = iter(expected)
    nxt = next(stored, None)
    for row in rows:
        position = row[0]
        if nxt is None:
            yield row
            continue
        if nxt[0] < position:
            raise _Failure(
                nxt[0],
                RECORD_MISSING,
                f"the stored chain has position {nxt[0]}; the log skips to {position}",
            )
        if nxt[0] > position:
            raise _Failure(
                position, NOT_ON_STORED_CHAIN, f"position {position} is not on the stored chain"
            )
        try:
            yield row[:5] + (_as_hash(nxt[1]), _as_hash(nxt[2]))
        except (ValueError, TypeError) as e:
            raise _Failure(position, MALFORMED, f"stored hash: {e}") from None
        nxt = next(stored, None)
    if nxt is not None:
        raise _Failure(
            nxt[0], RECORD_MISSING, f"the stored chain has position {nxt[0]} past the log's end"
        )


def _keys(public_key: Any) -> list[Any]:
    if public_key is None:
        return []
    if isinstance(public_key, list | tuple):
        return [load_public_key(k) for k in public_key]
    return [load_public_key(public_key)]


def _judge(
    checkpoint: Checkpoint,
    keys: list[Any],
    head: bytes,
    count: int,
    last: int,
    good_position: int | None,
    good_count: int,
    window_start: int | None,
) -> _Failure | None:
    """None when `checkpoint` is signed (if keys) and equals the chain state (head, count) at it."""
    at = checkpoint.position
    if keys and not any(verify_checkpoint(checkpoint, key) for key in keys):
        return _Failure(
            at, SIGNATURE_INVALID, f"checkpoint at {at} (key {checkpoint.key_id}) does not verify"
        )
    if checkpoint.count == count and checkpoint.chain_hash == head.hex():
        return None
    suspect = 0 if good_position is None else good_position + 1
    if checkpoint.count > count and at > last:
        return _Failure(
            at,
            LOG_ENDS_EARLY,
            f"the log ends at {last} with {count} records; "
            f"checkpoint at {at} signs {checkpoint.count}",
            suspect,
        )
    window = count - good_count
    if checkpoint.count == count and window == 1 and window_start is not None:
        return _Failure(
            window_start,
            CHECKPOINT_MISMATCH,
            f"the only record since the last good checkpoint differs from checkpoint at {at}",
        )
    return _Failure(
        at,
        CHECKPOINT_MISMATCH,
        f"checkpoint at {at} signs {checkpoint.count} records and head {checkpoint.chain_hash}; "
        f"the log has {count} and {head.hex()}: records in [{suspect}, {at}] were altered, "
        "deleted or inserted",
        suspect,
    )


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
    their signatures are not (counted in `checkpoints_unsigned`).
    """
    keys = _keys(public_key)
    pending: list[Any] = []
    seq = itertools.count()
    for item in checkpoints:
        try:
            checkpoint = _parse_checkpoint(item)
        except _Failure as f:
            return VerifyResult(
                False, 0, GENESIS.hex(), None, f.position, f.problem, f.detail, f.suspect
            )
        heapq.heappush(pending, (checkpoint.position, next(seq), checkpoint))
    rows = _rows(records, expected is None, pending, seq)
    if expected is not None:
        rows = _aligned(rows, expected)

    head, prev_head, count, last = GENESIS, GENESIS, 0, -1
    good_position: int | None = None
    good_count, verified, unsigned = 0, 0, 0
    window_start: int | None = None
    packers, sha, heappop = _TOPIC_PACKERS, _sha256, heapq.heappop

    def result(failure: _Failure | None = None) -> VerifyResult:
        last_position = None if count == 0 else last
        if failure is None:
            return VerifyResult(
                True, count, head.hex(), last_position, None, None, None, None, verified, unsigned
            )
        return VerifyResult(
            False,
            count,
            head.hex(),
            last_position,
            failure.position,
            failure.problem,
            failure.detail,
            failure.suspect,
            verified,
            unsigned,
        )

    def settle(before: int | None) -> _Failure | None:
        """Judge queued checkpoints at positions < `before` (all if None) against the head."""
        nonlocal good_position, good_count, verified, unsigned, window_start
        while pending and (before is None or pending[0][0] < before):
            checkpoint = heappop(pending)[2]
            failure = _judge(
                checkpoint, keys, head, count, last, good_position, good_count, window_start
            )
            if failure is not None:
                return failure
            if keys:
                verified += 1
            else:
                unsigned += 1
            good_position, good_count, window_start = checkpoint.position, count, None
        return None

    position = -1  # stays == last when the source (not a record) raises
    try:
        for position, stream_id, version, topic, state, stored_leaf, stored_chain in rows:
            if position <= last:
                return result(_Failure(position, OUT_OF_ORDER, f"position {position} after {last}"))
            if pending and pending[0][0] < position and (failure := settle(position)):
                return result(failure)
            if window_start is None:
                window_start = position
            # the hot path: the same bytes as chain._leaf_bytes, one pack and two hashes per record
            packer = packers.get(topic)
            if packer is None or len(stream_id) != 16:
                leaf = sha(_leaf_bytes(position, stream_id, version, topic, state)).digest()
            else:
                leaf = sha(
                    packer[1].pack(
                        position, stream_id, version, len(packer[0]), packer[0], len(state)
                    )
                    + state
                ).digest()
            new_head = sha(b"\x01" + head + leaf).digest()
            if stored_chain is not None and (new_head != stored_chain or leaf != stored_leaf):
                if leaf != stored_leaf:
                    return result(
                        _Failure(
                            position, LEAF_MISMATCH, "the record differs from its stored leaf_hash"
                        )
                    )
                if count and sha(b"\x01" + prev_head + leaf).digest() == stored_chain:
                    return result(
                        _Failure(
                            last, RECORD_INSERTED, f"the stored chain of {position} skips {last}"
                        )
                    )
                return result(
                    _Failure(
                        position,
                        CHAIN_MISMATCH,
                        f"stored chain_hash of {position} does not "
                        f"follow {last if count else 'genesis'}: a record before it was "
                        "deleted, inserted or moved, or the hash was altered",
                    )
                )
            prev_head, head, last = head, new_head, position
            count += 1
    except _Failure as failure:
        if failure.position is not None and (earlier := settle(failure.position)):
            return result(earlier)
        return result(failure)
    except (ValueError, TypeError, AttributeError, struct.error) as e:
        at = position if position > last else None  # a record's fields failed, not the source
        return result(_Failure(at, MALFORMED, f"after position {last}: {e}"))
    return result(settle(None))
