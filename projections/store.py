"""The durable state and rows: SQL tables mirroring `model` documents and `rows` rows."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from typing import Any

from projections.db import Database, Tx

VIEWS = "views"  # tracking name of the views projection
VIEWS_LOCK = 7300002

TABLES = [
    "CREATE TABLE IF NOT EXISTS ledger_entities ("
    " kind TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (kind, id))",
    "CREATE TABLE IF NOT EXISTS view_needs ("
    " need_id TEXT PRIMARY KEY, state TEXT NOT NULL, region TEXT NOT NULL, chapter TEXT NOT NULL,"
    " article INTEGER NOT NULL, status TEXT NOT NULL, horizon TEXT NOT NULL,"
    " published INTEGER NOT NULL, classification TEXT, ta_types TEXT NOT NULL, doc TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS view_needs_state ON view_needs (state, article)",
    "CREATE INDEX IF NOT EXISTS view_needs_article ON view_needs (article)",
    "CREATE INDEX IF NOT EXISTS view_needs_region ON view_needs (region, chapter)",
    "CREATE TABLE IF NOT EXISTS view_snapshots ("
    " position BIGINT PRIMARY KEY, created_at TEXT NOT NULL, state BYTEA NOT NULL)",
    "CREATE TABLE IF NOT EXISTS view_programmes ("
    " programme_id TEXT PRIMARY KEY, status INTEGER NOT NULL, states TEXT NOT NULL,"
    " orgs TEXT NOT NULL, doc TEXT NOT NULL)",
]
TABLES_SQLITE_TYPES = {"BYTEA": "BLOB"}
SQLITE_ONLY = [
    "CREATE TABLE IF NOT EXISTS projection_lock (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)",
    f"INSERT OR IGNORE INTO projection_lock VALUES ({VIEWS_LOCK}, 0)",
]


def create_tables(db: Database) -> None:
    if db.dialect == "sqlite":
        db.create([t.replace("BYTEA", "BLOB") for t in TABLES] + SQLITE_ONLY)
    else:
        db.create(TABLES)


class SqlState:
    """The model's `State` over `ledger_entities`, read through and written back once per batch."""

    def __init__(self, tx: Tx) -> None:
        self.tx = tx
        self.cache: dict[tuple[str, str], dict[str, Any] | None] = {}
        self.dirty: set[tuple[str, str]] = set()

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        if (kind, key) not in self.cache:
            row = self.tx.execute(
                "SELECT doc FROM ledger_entities WHERE kind = ? AND id = ?", (kind, key)
            ).fetchone()
            self.cache[(kind, key)] = json.loads(row["doc"]) if row else None
        return self.cache[(kind, key)]

    def put(self, kind: str, key: str, doc: dict[str, Any]) -> None:
        self.cache[(kind, key)] = doc
        self.dirty.add((kind, key))

    def all(self, kind: str) -> Iterator[dict[str, Any]]:
        self.flush()
        rows = self.tx.execute(
            "SELECT id, doc FROM ledger_entities WHERE kind = ?", (kind,)
        ).fetchall()
        for row in rows:
            key = (kind, row["id"])
            if key not in self.cache:
                self.cache[key] = json.loads(row["doc"])
            doc = self.cache[key]
            if doc is not None:
                yield doc

    def flush(self) -> None:
        rows = [
            (k, i, json.dumps(self.cache[(k, i)], separators=(",", ":")))
            for k, i in sorted(self.dirty)
        ]
        self.tx.executemany(
            "INSERT INTO ledger_entities (kind, id, doc) VALUES (?, ?, ?) "
            "ON CONFLICT (kind, id) DO UPDATE SET doc = excluded.doc",
            rows,
        )
        self.dirty.clear()


def _j(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def write_rows(tx: Tx, need_rows: dict[str, dict], programme_rows: dict[str, dict]) -> None:
    tx.executemany(
        "INSERT INTO view_needs (need_id, state, region, chapter, article, status, horizon,"
        " published, classification, ta_types, doc) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT (need_id) DO UPDATE SET state = excluded.state, region = excluded.region,"
        " chapter = excluded.chapter, article = excluded.article, status = excluded.status,"
        " horizon = excluded.horizon, published = excluded.published,"
        " classification = excluded.classification, ta_types = excluded.ta_types, doc = excluded.doc",
        [
            (
                r["need_id"],
                r["state"],
                r["region"],
                r["chapter"],
                r["article"],
                r["status"],
                r["horizon"],
                int(r["published"]),
                r["classification"],
                "," + ",".join(r["ta_types_v2"]) + ",",
                _j(r),
            )
            for r in need_rows.values()
        ],
    )
    tx.executemany(
        "INSERT INTO view_programmes (programme_id, status, states, orgs, doc) VALUES (?,?,?,?,?)"
        " ON CONFLICT (programme_id) DO UPDATE SET status = excluded.status,"
        " states = excluded.states, orgs = excluded.orgs, doc = excluded.doc",
        [
            (
                r["programme_id"],
                r["status"],
                "," + ",".join(r["states"]) + ",",
                ","
                + ",".join(
                    sorted(
                        {
                            r["reporting_org"]["org_id"],
                            *(f["org_id"] for f in r["funders"]),
                            *(i["org_id"] for i in r["implementers"]),
                        }
                    )
                )
                + ",",
                _j(r),
            )
            for r in programme_rows.values()
        ],
    )


def clear(tx: Tx) -> None:
    for table in ("ledger_entities", "view_needs", "view_programmes", "view_snapshots"):
        tx.execute(f"DELETE FROM {table}")


# ---- queries: the rows every view is computed from ----


def need_rows(
    tx: Tx,
    state: str | None = None,
    region: str | None = None,
    chapter: str | None = None,
    article: int | None = None,
    status: str | None = None,
    horizon: str | None = None,
    ta_type: str | None = None,
    published_only: bool = False,
    states: list[str] | None = None,
) -> list[dict[str, Any]]:
    where, params = ["1 = 1"], []
    for column, value in (
        ("state", state),
        ("region", region),
        ("chapter", chapter),
        ("article", article),
        ("status", status),
        ("horizon", horizon),
    ):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if ta_type is not None:
        where.append("ta_types LIKE ?")
        params.append(f"%,{ta_type},%")
    if published_only:
        where.append("published = 1")
    if states is not None:
        where.append(f"state IN ({','.join('?' * len(states))})" if states else "1 = 0")
        params.extend(states)
    rows = tx.execute(
        f"SELECT doc FROM view_needs WHERE {' AND '.join(where)} ORDER BY state, article, need_id",
        params,
    ).fetchall()
    return [json.loads(r["doc"]) for r in rows]


def programme_rows(
    tx: Tx, state: str | None = None, org: str | None = None
) -> list[dict[str, Any]]:
    where, params = ["1 = 1"], []
    if state is not None:
        where.append("states LIKE ?")
        params.append(f"%,{state},%")
    if org is not None:
        where.append("orgs LIKE ?")
        params.append(f"%,{org},%")
    rows = tx.execute(
        f"SELECT doc FROM view_programmes WHERE {' AND '.join(where)} ORDER BY programme_id", params
    ).fetchall()
    return [json.loads(r["doc"]) for r in rows]


def entities(tx: Tx, kind: str) -> list[dict[str, Any]]:
    rows = tx.execute(
        "SELECT doc FROM ledger_entities WHERE kind = ? ORDER BY id", (kind,)
    ).fetchall()
    return [json.loads(r["doc"]) for r in rows]


# ---- snapshots: `as_of` folds from the nearest one, not from the start of the log ----

def write_snapshot(tx: Tx, position: int, created_at: str) -> None:
    rows = tx.execute("SELECT kind, id, doc FROM ledger_entities ORDER BY kind, id").fetchall()
    _insert_snapshot(tx, [[r["kind"], r["id"], r["doc"]] for r in rows], position, created_at)


def snapshot_blob(docs: dict[str, dict[str, Any]]) -> bytes:
    entries = [[kind, key, _j(doc)] for kind in sorted(docs) for key, doc in sorted(docs[kind].items())]
    return zlib.compress(json.dumps(entries).encode(), 6)


def _insert_snapshot(tx: Tx, entries: list[list[str]], position: int, created_at: str) -> None:
    insert_snapshot(tx, position, created_at, zlib.compress(json.dumps(entries).encode(), 6))


def insert_snapshot(tx: Tx, position: int, created_at: str, blob: bytes) -> None:
    tx.execute("INSERT INTO view_snapshots (position, created_at, state) VALUES (?, ?, ?)"
               " ON CONFLICT (position) DO NOTHING", (position, created_at, blob))


def nearest_snapshot(tx: Tx, position: int) -> tuple[int, list[list[str]]] | None:
    row = tx.execute("SELECT position, state FROM view_snapshots WHERE position <= ?"
                     " ORDER BY position DESC LIMIT 1", (position,)).fetchone()
    if row is None:
        return None
    return int(row["position"]), json.loads(zlib.decompress(bytes(row["state"])))
