"""The ledger's database opened for reading only, as `ledger verify` needs it: nothing is created or changed, on
either store (docs/audit-verify.md, "Verifying the database").

SQLite: a `file:` URI in `mode=ro`, which cannot create the file or write it. A WAL database (the ledger's) is read
through its `-wal` and `-shm` files when both exist (a ledger in use); when they do not (a closed ledger, or a copy
of its file), it is opened `immutable=1`, because SQLite would otherwise create them. PostgreSQL: one connection
whose every transaction is read-only (`default_transaction_read_only`), rolled back after each read.

`ReadOnlyDatabase` is a `Database` for everything that reads (the audit store's functions take one), and refuses
everything that writes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import quote

from projections.db import Database, Tx

__all__ = ["ReadOnlyDatabase", "StoreMissing", "StoreUnreadable", "open_readonly"]


class StoreUnreadable(Exception):
    """The database cannot be read as a ledger: missing, unreachable, or not a ledger's."""


class StoreMissing(StoreUnreadable):
    """No ledger there (no SQLite file, or no ledger's tables in it or in the PostgreSQL database): the commands that
    only read or append refuse on it, and create nothing (api/cli/common.py)."""


class ReadOnlyDatabase(Database):
    def __init__(self, connection: Any, dialect: str) -> None:  # not Database's: there is no library factory
        self.connection = connection
        self.dialect = dialect

    @contextmanager
    def transaction(self, commit: bool = True) -> Iterator[Tx]:
        """One read-only transaction (whatever `commit` says: nothing is ever committed)."""
        connection = self.connection
        if self.dialect == "sqlite":
            cursor = connection.cursor()
            cursor.execute("BEGIN")  # one snapshot for the whole read
            try:
                yield Tx(cursor, "sqlite")
            finally:
                connection.rollback()
            return
        try:
            with connection.cursor() as cursor:
                yield Tx(cursor, "postgres")
        finally:
            connection.rollback()

    def _refuse(self, *_: Any, **__: Any) -> NoReturn:
        raise PermissionError("the ledger's database is open read-only here")

    def create(self, statements: Sequence[str]) -> None:
        self._refuse()

    def lock(self, tx: Tx, key: int) -> None:
        self._refuse()

    def track(self, tx: Tx, name: str, position: int) -> None:
        self._refuse()

    def reset_tracking(self, tx: Tx, name: str) -> None:
        self._refuse()

    def position(self, name: str) -> int:
        self._refuse()

    def close(self) -> None:
        self.connection.close()


def sqlite_uri(path: Path) -> str:
    """The read-only URI of a ledger's SQLite file: `immutable` unless its WAL files are there to read through."""
    wal, shm = path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")
    mode = "mode=ro" if wal.exists() and shm.exists() else "mode=ro&immutable=1"
    return f"file:{quote(str(path.resolve()))}?{mode}"


def _sqlite(path: Path) -> ReadOnlyDatabase:
    if not path.is_file():
        raise StoreMissing(f"no database file at {path}")
    try:
        connection = sqlite3.connect(sqlite_uri(path), uri=True, isolation_level=None, check_same_thread=False)
        connection.row_factory = sqlite3.Row
        connection.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # a file that is no database fails here
    except sqlite3.Error as e:
        raise StoreUnreadable(f"cannot read {path} as an SQLite database: {e}") from None
    return ReadOnlyDatabase(connection, "sqlite")


def _postgres(url: str) -> ReadOnlyDatabase:
    import psycopg
    from psycopg.rows import dict_row

    try:
        connection = psycopg.connect(
            url, connect_timeout=10, options="-c default_transaction_read_only=on", row_factory=dict_row
        )
    except psycopg.Error as e:
        raise StoreUnreadable(f"cannot connect to the database: {str(e).strip()}") from None
    return ReadOnlyDatabase(connection, "postgres")


def _require_tables(db: ReadOnlyDatabase, events_table: str) -> None:
    """A ledger's database holds its events table and the audit tables; anything else is not one."""
    if db.dialect == "sqlite":
        sql, params = "SELECT name FROM sqlite_master WHERE type = 'table'", ()
    else:
        sql, params = (
            "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()",
            (),
        )
    with db.transaction(commit=False) as tx:
        have = {r["name"] for r in tx.execute(sql, params).fetchall()}
    missing = sorted({events_table, "audit_log", "audit_checkpoints"} - have)
    if missing:
        db.close()
        raise StoreMissing(f"not a ledger's database: no table {', '.join(missing)}")


def open_readonly(database_url: str, events_table: str) -> ReadOnlyDatabase:
    """The ledger's database at `database_url` (sqlite:///path or postgresql://...), read-only; StoreUnreadable
    when it is missing, unreachable or holds no ledger."""
    if database_url.startswith(("postgresql://", "postgres://")):
        db = _postgres(database_url)
    else:
        db = _sqlite(Path(database_url.removeprefix("sqlite:///").removeprefix("sqlite://")))
    _require_tables(db, events_table)
    return db
