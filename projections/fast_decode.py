"""Stored events straight to the fold's inputs, for rebuilds: orjson, and no object the fold does not need.

The library's mapper (`Mapper.to_domain_event`) decodes each event's JSON with a Python object hook called
for every object in it, and builds a `UUID` (pure Python, slow) for every id. This decoder reads the same
bytes with orjson, then replaces each `{"_type_": name, "_data_": data}` object (inner ones first, as the
object hook does) by the transcoder's own transcoding of that name, upcasts as the mapper does, and builds
the event the same way (the class from its topic, its `__dict__` the decoded state).

One difference, on purpose: a UUID (the originator id and every `uuid_hex` value) is its canonical string,
`str(UUID(...))`, not a `UUID`. The fold only ever takes `str()` of them (`model._s` too), so it folds to the
same documents; tests/integration/projections/test_rebuild_fast.py holds every event type of a generated
history to the mapper's decoding, value by value, and the folds of both to the same state.

Only for the fold (rebuilds): events loaded to decide a command still go through the library.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import JSONTranscoder, Mapper, TranscodingNotRegisteredError
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import resolve_topic
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

_HEX = frozenset("0123456789abcdef")

# orjson reads an integer past 64 bits as a float where json reads it exactly: text with a run of 19 digits or more
# (anywhere, in a string too: harmless, only slower) is read as the library reads it. Found by mapping every digit to
# "0" and anything else to " ", then looking for the run: a tenth of the time a regular expression takes.
_DIGITS = bytes(ord("0") if chr(i).isdigit() and i < 128 else ord(" ") for i in range(256))
_RUN = b"0" * 19


def long_digits(text: bytes) -> bool:
    """Whether `text` holds a run of digits as long as an integer past 64 bits (orjson would read it as a float)."""
    return _RUN in text.translate(_DIGITS)


def uuid_text(value: Any) -> str:
    """`str(UUID(value))` without building the UUID when `value` is the 32 lowercase hex digits the library stores."""
    if isinstance(value, str) and len(value) == 32 and _HEX.issuperset(value):
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
    return str(value if isinstance(value, UUID) else UUID(value))


class FastDecoder:
    """Decodes (topic, state bytes, originator id, version) to the event the fold reads, as `mapper` would."""

    def __init__(self, mapper: Mapper[Any]) -> None:
        if (
            mapper.cipher is not None
            or mapper.compressor is not None
            or not isinstance(mapper.transcoder, JSONTranscoder)
        ):
            raise ValueError("the fast decoder reads plain JSON only: use the library's mapper")
        self.decoders: dict[str, Callable[[Any], Any]] = {
            name: transcoding.decode for name, transcoding in mapper.transcoder.names.items()
        }
        self.uuids: dict[str, str] = {}  # the same ids come again and again (needs, funders, organisations)
        self.decoders["uuid_hex"] = self._uuid
        self._classes: dict[str, tuple[type, int]] = {}

    def _class(self, topic: str) -> tuple[type, int]:
        found = self._classes.get(topic)
        if found is None:
            cls = resolve_topic(topic)
            found = self._classes[topic] = (cls, getattr(cls, "class_version", 1))
        return found

    def _uuid(self, value: Any) -> str:
        text = self.uuids.get(value) if type(value) is str else None
        if text is None:
            text = uuid_text(value)
            if type(value) is str:
                if len(self.uuids) >= 200_000:
                    self.uuids.clear()
                self.uuids[value] = text
        return text

    def _typed(self, value: dict[str, Any]) -> Any:
        """The object hook's rule: exactly the two keys `_type_` and `_data_` make a transcoded value."""
        if len(value) == 2 and "_type_" in value and "_data_" in value:
            name = value["_type_"]
            decode = self.decoders.get(name)
            if decode is None:
                raise TranscodingNotRegisteredError(
                    f"Data serialized with name '{name}' is not deserializable. "
                    "Please register a custom transcoding for this type."
                )
            data = value["_data_"]
            return decode(self._walk(data) if type(data) in (dict, list) else data)
        return {k: self._walk(v) if type(v) in (dict, list) else v for k, v in value.items()}

    def _walk(self, value: Any) -> Any:
        if type(value) is dict:
            return self._typed(value)
        if type(value) is list:
            return [self._walk(v) if type(v) in (dict, list) else v for v in value]
        return value

    def state(self, stored: bytes, loads: Callable[[bytes], Any] = orjson.loads) -> dict[str, Any]:
        """The event's attributes as the transcoder would decode them (UUIDs as their strings)."""
        raw = loads(stored)
        if type(raw) is not dict or len(raw) == 2:  # the object hook's rule applies to the outer object too
            decoded: dict[str, Any] = self._walk(raw)
            return decoded
        decoders = self.decoders
        for key, value in raw.items():
            kind = type(value)
            if kind is dict:
                # Inline, the common case: a transcoded value of a plain string (the timestamp, an id, an amount).
                if len(value) == 2 and "_type_" in value and "_data_" in value and type(value["_data_"]) is str:
                    decode = decoders.get(value["_type_"])
                    raw[key] = decode(value["_data_"]) if decode is not None else self._typed(value)
                else:
                    raw[key] = self._typed(value)
            elif kind is list:
                raw[key] = self._walk(value)
        return raw

    def event(self, topic: str, stored: bytes, originator_id: Any, originator_version: int) -> Any:
        return self._event(topic, stored, uuid_text(originator_id), originator_version, exact_loads)

    def _event(
        self,
        topic: str,
        stored: bytes,
        originator_id: str,
        originator_version: int,
        loads: Callable[[bytes], Any] = orjson.loads,
    ) -> Any:
        cls, class_version = self._class(topic)
        state = self.state(stored, loads)
        state["originator_id"] = originator_id
        state["originator_version"] = originator_version
        from_version = state.pop("class_version", 1)
        while from_version < class_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
            from_version += 1
        event: Any = object.__new__(cls)
        object.__setattr__(event, "__dict__", state)
        return event

    def rows(self, rows: Sequence[LogRow]) -> list[tuple[int, Any]]:
        """(position, event) of each row `read_log` answered; orjson reads the page unless a row holds what orjson
        would read otherwise than the library (an integer past 64 bits, NaN): then each row is read by `exact_loads`."""
        event = self._event  # the originator ids as read: their canonical strings already
        if not long_digits(b"".join(row[4] for row in rows)):
            try:
                return [(row[0], event(row[3], row[4], row[1], row[2])) for row in rows]
            except orjson.JSONDecodeError:
                pass
        return [(row[0], event(row[3], row[4], row[1], row[2], exact_loads)) for row in rows]

    def notification(self, notification: Any) -> Any:
        """A notification of the library's recorder, decoded (as `mapper.to_domain_event(notification)`, UUIDs as
        their strings)."""
        return self.event(
            notification.topic, notification.state, notification.originator_id, notification.originator_version
        )


def exact_loads(stored: bytes) -> Any:
    """The JSON as the library's transcoder reads it: by orjson unless it holds what orjson reads otherwise (an integer
    past 64 bits, which orjson reads as a float) or refuses (NaN, Infinity), then by `json`, as the library does.

    A long run of digits inside a string (a UUID's hex can hold one) also goes to `json`: the same values, only slower.
    Either way the decoder's own walk follows, so a UUID is its string whichever parser read the text."""
    if not long_digits(stored):
        try:
            return orjson.loads(stored)
        except orjson.JSONDecodeError:
            pass
    return json.loads(stored)


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection during a fold of the log (a rebuild, an `as_of`): it makes mostly long-lived objects
    (the state, its documents, the rows), and the collector's passes over ever more of them cost a fifth of a rebuild's
    CPU time at 100,000 events, two thirds of decoding a snapshot at 200,000. On again after, if it was on before."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# (position, originator id as its string, originator version, topic, state): one stored event, as read for a rebuild
LogRow = tuple[int, str, int, str, bytes]


def read_log(recorder: Any, start: int, limit: int) -> list[LogRow]:
    """The stored events after position `start`, at most `limit`, in order, as the library's `select_notifications`
    reads them; on PostgreSQL in one statement answering plain tuples, the originator id as text (no UUID built)."""
    if isinstance(recorder, PostgresApplicationRecorder):
        statement = SQL(
            "SELECT notification_id, originator_id::text, originator_version, topic, state FROM {schema}.{table}"
            " WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
        ).format(schema=Identifier(recorder.datastore.schema), table=Identifier(recorder.events_table_name))
        with recorder.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as cursor:
            cursor.execute(statement, (start, limit), prepare=True)
            return cursor.fetchall()
    return [
        (n.id, uuid_text(n.originator_id), n.originator_version, n.topic, n.state)
        for n in recorder.select_notifications(start=start, limit=limit, inclusive_of_start=False)
    ]
