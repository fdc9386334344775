"""The PostgreSQL application recorder that appends a batch in one round trip, and a large one with COPY.

The library's recorder takes the table lock, inserts, fetches the notification ids and commits in several round
trips, all while holding the lock. This one keeps its table, its notification ids and its ordering guarantee (ids
are handed out only under `LOCK TABLE ... IN EXCLUSIVE MODE`, held until commit, so commit order is id order and a
reader following the log never passes an id that commits later) and sends less:

- One trip: the recorder remembers the last id the table's sequence handed out (`head`). It sends BEGIN, the lock,
  one statement and COMMIT in one pipeline: the statement checks, under the lock, that the sequence is still at
  `head`, and only then inserts the events at head+1.., their companion rows, moves the sequence and notifies. When
  someone else wrote meanwhile it inserts nothing and answers the sequence's value; the batch then goes the next way,
  and so do the next few (other writers are busy: a refused trip is a wasted one).
- Reserved ids: BEGIN, the lock and `nextval` for each event (one trip), then the events with those ids (one
  statement, or COPY for a large batch), their companion rows, NOTIFY and COMMIT.

Companion rows (`companion_table`: position, one text column) are values the subclass derives from each event at
the position it is stored at (the seals, projections/audit/sealing.py), written in the same transaction.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError, ProgrammingError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg import Connection
from psycopg.pq import TransactionStatus
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier, Literal

COPY_AT = 500  # a batch of this many events or more is written with COPY
SKIP_AFTER_REFUSAL = 8  # others are writing too: this many batches go the reserved way before one trip is tried again

# Under the lock: the last id the sequence handed out, whether it is the expected one (always, when none is
# expected), and, only then, the events and their companions at the given positions, the sequence moved past
# them when they were not drawn from it, and the notification.
WRITE = """
WITH sequence AS (SELECT pg_get_serial_sequence({table_name}, 'notification_id')::regclass AS id),
checked AS (
    SELECT coalesce(pg_sequence_last_value(sequence.id), 0) AS head,
           (%(expected)s::bigint IS NULL OR coalesce(pg_sequence_last_value(sequence.id), 0) = %(expected)s) AS ok
    FROM sequence
),
written AS (
    INSERT INTO {table} (notification_id, originator_id, originator_version, topic, state)
    SELECT * FROM unnest(%(positions)s::bigint[], %(ids)s::{id_type}[], %(versions)s::bigint[],
                         %(topics)s::text[], %(states)s::bytea[])
    WHERE (SELECT ok FROM checked)
    RETURNING notification_id
){companions}
SELECT checked.head, checked.ok, (SELECT count(*) FROM written) AS written,
       CASE WHEN checked.ok AND %(expected)s::bigint IS NOT NULL
            THEN setval((SELECT id FROM sequence), %(last)s) END AS moved,
       CASE WHEN checked.ok THEN pg_notify({channel}, '') END AS notified
FROM checked
"""
COMPANIONS = """,
companions AS (
    INSERT INTO {companion_table} (position, {column})
    SELECT * FROM unnest(%(positions)s::bigint[], %(companions)s::text[])
    WHERE (SELECT ok FROM checked)
    ON CONFLICT (position) DO UPDATE SET {column} = excluded.{column}
)"""
RESERVE = """
WITH sequence AS (SELECT pg_get_serial_sequence({table_name}, 'notification_id')::regclass AS id)
SELECT nextval(sequence.id) AS id FROM sequence, generate_series(1, %(n)s)
"""
COMPANIONS_ALONE = """
INSERT INTO {companion_table} (position, {column}) SELECT * FROM unnest(%(positions)s::bigint[], %(companions)s::text[])
ON CONFLICT (position) DO UPDATE SET {column} = excluded.{column}
"""


class OneTripPostgresRecorder(PostgresApplicationRecorder):
    """The library's application recorder, appending as the module docstring says; reads are the library's."""

    companion_table: str | None = None  # a table (position BIGINT PRIMARY KEY, <companion_column> TEXT)
    companion_column = "value"

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self.head: int | None = None  # the last id the sequence handed out, as far as this recorder knows
        self._skip = 0  # batches still to write the reserved way after a one-trip write was refused
        schema, table = Identifier(self.datastore.schema), Identifier(self.events_table_name)
        qualified = ".".join(
            '"' + part.replace('"', '""') + '"' for part in (self.datastore.schema, self.events_table_name)
        )
        names = {
            "table": Composed([schema, SQL("."), table]),
            "table_name": Literal(qualified),
            "id_type": SQL(self.datastore.originator_id_type),
            "channel": Literal(self.channel_name),
        }
        companions: Composed | SQL = SQL("")
        if self.companion_table is not None:
            side = {"companion_table": Identifier(self.companion_table), "column": Identifier(self.companion_column)}
            companions = SQL(COMPANIONS).format(**side)
            self.companions_statement: Composed | None = SQL(COMPANIONS_ALONE).format(**side)
        else:
            self.companions_statement = None
        self.write_statement = SQL(WRITE).format(**names, companions=companions)
        self.reserve_statement = SQL(RESERVE).format(table_name=names["table_name"])
        self.copy_statement = SQL(
            "COPY {table} (notification_id, originator_id, originator_version, topic, state) FROM STDIN (FORMAT BINARY)"
        ).format(table=names["table"])
        self.notify_statement = SQL("SELECT pg_notify({channel}, '')").format(channel=names["channel"])

    def companions(self, positions: Sequence[int], events: Sequence[StoredEvent]) -> list[str]:
        """The companion value of each event stored at its position (a subclass with a companion table says)."""
        raise NotImplementedError

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        if self.datastore.enable_db_functions:
            raise ProgrammingError("this recorder does not use POSTGRES_ENABLE_DB_FUNCTIONS: unset it")
        if not stored_events:
            return []
        try:
            ids = None
            if self.head is not None and len(stored_events) < COPY_AT and not self._skip:
                ids = self._one_trip(stored_events, self.head)
                self._skip = 0 if ids is not None else SKIP_AFTER_REFUSAL
            elif self._skip:
                self._skip -= 1
            if ids is None:
                ids = self._reserved(stored_events)
        except BaseException:
            self.head = None  # whatever happened, the next write learns the sequence again
            raise
        return ids

    def _one_trip(self, events: Sequence[StoredEvent], head: int) -> list[int] | None:
        """The batch at head+1.. in one round trip; None (nothing written) when the sequence has moved on."""
        positions = list(range(head + 1, head + 1 + len(events)))
        params = self._params(positions, events, expected=head)
        with self.datastore.get_connection() as conn, conn.cursor() as curs, _rolled_back_on_error(conn):
            with conn.pipeline():
                curs.execute("BEGIN")
                self._lock_table(curs)
                curs.execute(self.write_statement, params, prepare=True)
                conn.execute("COMMIT")
            row = _result(curs)
        if not row["ok"]:
            self.head = int(row["head"])
            return None
        if row["written"] != len(events):
            raise ProgrammingError(f"{row['written']} of {len(events)} events written")
        self.head = positions[-1]
        return positions

    def _reserved(self, events: Sequence[StoredEvent]) -> list[int]:
        """Ids drawn from the sequence under the lock (one trip), then the batch at them (COPY when large)."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs, _rolled_back_on_error(conn):
            with conn.pipeline():
                curs.execute("BEGIN")
                self._lock_table(curs)
                curs.execute(self.reserve_statement, {"n": len(events)}, prepare=True)
            positions = sorted(int(r["id"]) for r in curs.fetchall())
            if len(events) >= COPY_AT:
                self._copy(curs, positions, events)
            with conn.pipeline():
                if len(events) < COPY_AT:
                    curs.execute(self.write_statement, self._params(positions, events, expected=None), prepare=True)
                elif self.companions_statement is not None:
                    values = self.companions(positions, events)
                    curs.execute(self.companions_statement, {"positions": positions, "companions": values})
                    curs.execute(self.notify_statement)
                else:
                    curs.execute(self.notify_statement)
                conn.execute("COMMIT")
        self.head = positions[-1]
        return positions

    def _copy(self, curs: psycopg.Cursor[DictRow], positions: list[int], events: Sequence[StoredEvent]) -> None:
        with curs.copy(self.copy_statement) as copy:
            copy.set_types(["int8", self.datastore.originator_id_type, "int8", "text", "bytea"])
            for position, e in zip(positions, events, strict=True):
                copy.write_row((position, e.originator_id, e.originator_version, e.topic, e.state))

    def _params(self, positions: list[int], events: Sequence[StoredEvent], expected: int | None) -> dict[str, Any]:
        params: dict[str, Any] = {
            "expected": expected,
            "last": positions[-1],
            "positions": positions,
            "ids": [e.originator_id for e in events],
            "versions": [e.originator_version for e in events],
            "topics": [e.topic for e in events],
            "states": [e.state for e in events],
        }
        if self.companion_table is not None:
            params["companions"] = self.companions(positions, events)
        return params


@contextlib.contextmanager
def _rolled_back_on_error(conn: Connection[DictRow]) -> Iterator[None]:
    """On the library's autocommit connection, a transaction left open by an error is rolled back before the
    connection goes back to the pool."""
    try:
        yield
    except BaseException:
        if conn.info.transaction_status in (TransactionStatus.INTRANS, TransactionStatus.INERROR):
            with contextlib.suppress(psycopg.Error):
                conn.execute("ROLLBACK")
        raise


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _result(curs: psycopg.Cursor[DictRow]) -> DictRow:
    row = curs.fetchone()
    if row is None:
        raise ProgrammingError("the append statement answered nothing")
    return row
