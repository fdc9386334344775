"""The exported log's JSON Lines format (`ledger export log`): writing it (`export_lines`), reading it back
(`read_jsonl_log`, `record_from_json`) and reading checkpoint files (`read_checkpoints`). The format is specified
in docs/audit-verify.md, "The exported log".
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any
from uuid import UUID

from projections.audit.chain import LogRecord
from projections.audit.checkpoints import Checkpoint

FORMAT = "uncac-ledger-log/1"

__all__ = [
    "FORMAT",
    "event_fields",
    "export_lines",
    "read_checkpoints",
    "read_jsonl_log",
    "record_from_json",
    "record_to_json",
]


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


def event_fields(data: Mapping[str, Any]) -> tuple[int, bytes, int, str, bytes]:
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
    position, stream_id, version, topic, state = event_fields(data)
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


def read_jsonl_log(source: str | os.PathLike[str] | Iterable[str]) -> Iterator[dict[str, Any]]:
    """Every object of an exported log (headers, events, checkpoints), in file order, from a path or the lines
    of an open file; raises ValueError naming the line when a line is not a JSON object.
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
    """The checkpoints of a checkpoint file or a log export (other lines skipped), or of one JSON document (a list
    of checkpoints, or an object listing them under "checkpoints" or "items"); ValueError on a malformed one."""
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
