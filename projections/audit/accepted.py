"""The unsigned ranges a restore deliberately accepted (`ledger restore --accept-unsigned-tail --reason`): each is an
`UnsignedTailAccepted` event in the log itself (domain/audit_notes.py), so it is chained and signed like any record.
`accepted_ranges` finds them in the database or in an exported log's lines and answers (first, last, description)
tuples; verify passes them to its verdict as `accepted`, which reports such a range as "accepted-unsigned-range"
instead of proving it silently, even once a later checkpoint of the restored ledger covers it.
"""

from __future__ import annotations

import binascii
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from eventsourcing.utils import get_topic

from domain.audit_notes import UnsignedTail
from projections.audit.records import decode
from projections.audit.store import position_column
from projections.db import Database

TOPIC = get_topic(UnsignedTail.UnsignedTailAccepted)
Range = tuple[int, int, str]

__all__ = ["TOPIC", "Range", "accepted_ranges", "describe", "watching"]


def describe(fields: Mapping[str, Any]) -> Range | None:
    """(first, last, description) of one decoded note; None when its fields are not a note's (an altered record:
    verify reports that by its own rules)."""
    first, last, count = fields.get("first_position"), fields.get("last_position"), fields.get("count")
    if type(first) is not int or type(last) is not int or type(count) is not int:
        return None
    when = fields.get("timestamp")
    if isinstance(when, Mapping):  # the JSON transcoder's form of a datetime
        when = when.get("_data_")
    text = (
        f"{count} unsigned records in [{first}, {last}] accepted on restore by {fields.get('actor')}"
        f" at {when}: {fields.get('reason')!r} (file sha256 {fields.get('file_sha256')})"
    )
    return first, last, text


def _decoded(state: bytes, mapper: Any) -> Mapping[str, Any] | None:
    if mapper is not None:
        return decode(mapper, state)
    try:
        found = json.loads(state)
    except (ValueError, UnicodeDecodeError):
        return None
    return found if isinstance(found, dict) else None


def _from_store(db: Database, events_table: str, mapper: Any, until: int | None) -> list[Range]:
    pos = position_column(db)
    sql = f"SELECT {pos} AS position, state FROM {events_table} WHERE topic = ?"
    params: list[Any] = [TOPIC]
    if until is not None:
        sql, params = sql + f" AND {pos} <= ?", [*params, until]
    with db.transaction(commit=False) as tx:
        rows = tx.execute(sql + f" ORDER BY {pos}", params).fetchall()
    found = (_decoded(bytes(r["state"] or b""), mapper) for r in rows)
    return [r for r in (describe(f) for f in found if f is not None) if r is not None]


def _from_line(line: Mapping[str, Any], mapper: Any) -> Range | None:
    if line.get("kind", "event") != "event" or line.get("topic") != TOPIC:
        return None
    try:
        state = binascii.a2b_base64(str(line.get("state", "")), strict_mode=True)
    except (binascii.Error, ValueError):
        return None
    fields = _decoded(state, mapper)
    return None if fields is None else describe(fields)


def watching(objects: Iterable[Mapping[str, Any]], found: list[Range], mapper: Any = None) -> Iterator[Any]:
    """Pass an export's objects through unchanged, adding each accepted range met to `found`: verify collects them
    in the one pass it makes over a file."""
    for obj in objects:
        if isinstance(obj, Mapping) and obj.get("topic") == TOPIC and (met := _from_line(obj, mapper)):
            found.append(met)
        yield obj


def accepted_ranges(
    source: Database | Iterable[Mapping[str, Any]],
    events_table: str | None = None,
    mapper: Any = None,
    until: int | None = None,
) -> list[Range]:
    """Every accepted unsigned range, oldest note first: from the store (`source` a Database, `events_table` its
    events table; notes at positions <= `until` if given) or from an exported log's objects (`read_jsonl_log`).
    `mapper` (the ledger's) decodes states written through a cipher or compressor; without one, states are JSON."""
    if isinstance(source, Database):
        if events_table is None:
            raise TypeError("accepted_ranges on a database needs its events table")
        return _from_store(source, events_table, mapper, until)
    found: list[Range] = []
    for _ in watching(source, found, mapper):
        pass
    return found
