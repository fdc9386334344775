"""Stored events as auditors read them: decoded with the ledger's own mapper, made JSON-safe."""

from __future__ import annotations

import base64
import dataclasses
from datetime import date, datetime
from typing import Any

ATTRIBUTION = ("actor", "actor_org", "reason", "request_id")
NOT_DATA = {*ATTRIBUTION, "timestamp", "originator_topic", "originator_id", "originator_version"}


def event_name(topic: str) -> str:
    """`domain.needs:Need.NeedIdentified` → `NeedIdentified`."""
    return topic.rpartition(":")[2].rpartition(".")[2]


def jsonable(value: Any) -> Any:
    """Decoded event values as JSON: decimals and ids as strings, never floats."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(dataclasses.asdict(value))
    return str(value)  # Decimal, UUID and anything a transcoding may add


def decode(mapper: Any, state: bytes) -> dict[str, Any] | None:
    """The stored state as the ledger wrote it (through its cipher and compressor, if any)."""
    try:
        if mapper.cipher:
            state = mapper.cipher.decrypt(state)
        if mapper.compressor:
            state = mapper.compressor.decompress(state)
        decoded = mapper.transcoder.decode(state)
    except Exception:  # altered bytes need not decode: the history still lists the event
        return None
    return decoded if isinstance(decoded, dict) else None


def aggregate_of(topic: str) -> str:
    """`domain.needs:Need.NeedIdentified` → `Need`."""
    return topic.rpartition(":")[2].partition(".")[0]


def stream_event(mapper: Any, row: dict[str, Any]) -> dict[str, Any]:
    state = decode(mapper, bytes(row["state"]))
    fields = state or {}
    recorded = fields.get("timestamp")
    return {
        "position": int(row["position"]),
        "version": int(row["version"]),
        "type": event_name(row["topic"]),
        "topic": row["topic"],
        "data": None if state is None else jsonable({k: v for k, v in state.items() if k not in NOT_DATA}),
        **{k: jsonable(fields.get(k)) for k in ATTRIBUTION},
        "recorded_at": jsonable(recorded) if recorded is not None else None,
    }


def logged_record(record: dict[str, Any]) -> dict[str, Any]:
    state = record["state"]
    return {
        **record,
        "type": event_name(record["topic"]),
        "state": base64.b64encode(state).decode("ascii") if state is not None else None,
    }
