"""The search index's store, one interface over two engines: SQLite FTS5 (a contentless-rowid `search_text` table
beside `search_entries`) and PostgreSQL full-text search (a `tsvector` column with a GIN index, the 'simple'
configuration: the words are folded here, see `text`). Written by the views' runner in the same transaction as the
views (exactly once, rebuilt with them); read ranked (FTS5's bm25, PostgreSQL's ts_rank; title words weigh most,
then the body, then the context) or in list order, a page at a time, scoped to what the reader may see.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from projections.db import Tx
from projections.model import NEED, ORG
from projections.search import text
from projections.search.fold import Entry

COLUMNS = "key TEXT NOT NULL, kind TEXT NOT NULL, states TEXT NOT NULL, articles TEXT NOT NULL, chapters TEXT NOT NULL"
SIDE_TABLES = [
    # who may not see an entry: the States of the unpublished needs it names (none: everyone may)
    "CREATE TABLE IF NOT EXISTS search_hidden (key TEXT NOT NULL, state TEXT NOT NULL, PRIMARY KEY (key, state))",
    # what an entry names (needs, organisations): a change of one of them re-derives the entry
    "CREATE TABLE IF NOT EXISTS search_refs (ref TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (ref, key))",
    "CREATE INDEX IF NOT EXISTS search_refs_key ON search_refs (key)",
]
SQLITE = [
    f"CREATE TABLE IF NOT EXISTS search_entries (rid INTEGER PRIMARY KEY, {COLUMNS},"
    " sort_key TEXT NOT NULL, digest TEXT NOT NULL, doc TEXT NOT NULL, UNIQUE (key))",
    "CREATE INDEX IF NOT EXISTS search_entries_sorted ON search_entries (kind, sort_key)",
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_text USING fts5(title, body, context, tokenize = 'unicode61')",
    *SIDE_TABLES,
]
POSTGRES = [
    f'CREATE TABLE IF NOT EXISTS search_entries ({COLUMNS}, sort_key TEXT COLLATE "C" NOT NULL,'
    " digest TEXT NOT NULL, doc TEXT NOT NULL, words tsvector NOT NULL, PRIMARY KEY (key))",
    "CREATE INDEX IF NOT EXISTS search_entries_sorted ON search_entries (kind, sort_key)",
    "CREATE INDEX IF NOT EXISTS search_entries_words ON search_entries USING GIN (words)",
    *SIDE_TABLES,
]
TABLES: dict[str, tuple[str, ...]] = {
    "sqlite": ("search_entries", "search_text", "search_hidden", "search_refs"),
    "postgres": ("search_entries", "search_hidden", "search_refs"),
}
# What a stored index depends on besides its tables: how words are cut (a change has the views rebuilt).
SHAPE = [*SQLITE, *POSTGRES, f"words: max {text.MAX_WORD}, prefix from {text.MIN_PREFIX}, {text.WORD.pattern}"]
WEIGHTS = (8.0, 4.0, 1.0)  # title, body, context: FTS5's bm25 weights; PostgreSQL's A, B, C labels
PG_WEIGHTS = f"{{0.1, {WEIGHTS[2] / WEIGHTS[0]}, {WEIGHTS[1] / WEIGHTS[0]}, 1.0}}"  # D, C, B, A: ts_rank's order


def statements(dialect: str) -> list[str]:
    return SQLITE if dialect == "sqlite" else POSTGRES


def clear(tx: Tx) -> None:
    for table in TABLES[tx.dialect]:
        tx.execute(f"DELETE FROM {table}")


def drop(tx: Tx) -> None:
    for table in TABLES[tx.dialect]:
        tx.execute(f"DROP TABLE IF EXISTS {table}")


def digest(entry: Entry) -> str:
    return hashlib.sha256(json.dumps(entry, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:32]


def listed(values: Iterable[object]) -> str:
    """A list as a column LIKE can filter on: ",KEN,UGA,"."""
    return "," + ",".join(str(v) for v in values) + ","


def dependents(tx: Tx, touched: Iterable[tuple[str, str]]) -> set[str]:
    """The stored entries naming a touched need or organisation (a lesson names its needs, a programme its
    organisations): their text or who may see them may change with it."""
    refs = sorted({key for kind, key in touched if kind in (NEED, ORG)})
    found: set[str] = set()
    for chunk in _chunks(refs):
        rows = tx.execute(f"SELECT key FROM search_refs WHERE ref IN ({_marks(chunk)})", chunk).fetchall()
        found |= {r["key"] for r in rows}
    return found


def write(tx: Tx, entries: dict[str, Entry | None], fresh: bool = False) -> int:
    """Replace the entries that changed (by digest) and delete those now None; `fresh`: the index was just cleared.
    Answers how many entries were written or deleted."""
    wanted = {k: digest(e) for k, e in entries.items() if e is not None}
    stored = {} if fresh else _digests(tx, list(entries))
    gone = [k for k in stored if wanted.get(k) != stored[k]]
    new = [k for k in wanted if stored.get(k) != wanted[k]]
    _delete(tx, gone)
    rows = [(e, wanted[k]) for k in new if (e := entries[k]) is not None]
    fields = [
        (e["key"], e["kind"], listed(e["states"]), listed(e["articles"]), listed(e["chapters"]), e["sort_key"], d)
        for e, d in rows
    ]
    docs = [json.dumps(e["doc"], separators=(",", ":")) for e, _ in rows]
    words = [(text.indexed(e["title"]), text.indexed(e["body"]), text.indexed(e["context"])) for e, _ in rows]
    insert = "INSERT INTO search_entries (key, kind, states, articles, chapters, sort_key, digest, doc"
    if tx.dialect == "sqlite":
        tx.executemany(f"{insert}) VALUES (?,?,?,?,?,?,?,?)", [(*f, d) for f, d in zip(fields, docs, strict=True)])
        tx.executemany(
            "INSERT INTO search_text (rowid, title, body, context)"
            " SELECT rid, ?, ?, ? FROM search_entries WHERE key = ?",
            [(*w, f[0]) for f, w in zip(fields, words, strict=True)],
        )
    else:
        weighted = " || ".join(f"setweight(to_tsvector('simple', ?), '{label}')" for label in "ABC")
        tx.executemany(
            f"{insert}, words) VALUES (?,?,?,?,?,?,?,?, {weighted})",
            [(*f, d, *w) for f, d, w in zip(fields, docs, words, strict=True)],
        )
    tx.executemany(
        "INSERT INTO search_hidden (key, state) VALUES (?, ?)", [(e["key"], s) for e, _ in rows for s in e["hidden"]]
    )
    tx.executemany(
        "INSERT INTO search_refs (ref, key) VALUES (?, ?)",
        [(r, e["key"]) for e, _ in rows for r in dict.fromkeys(e["refs"])],
    )
    return len(gone) + len(new)


def _delete(tx: Tx, keys: Sequence[str]) -> None:
    for chunk in _chunks(list(keys)):
        marks = _marks(chunk)
        if tx.dialect == "sqlite":
            tx.execute(
                f"DELETE FROM search_text WHERE rowid IN (SELECT rid FROM search_entries WHERE key IN ({marks}))", chunk
            )
        for table in ("search_entries", "search_hidden", "search_refs"):
            tx.execute(f"DELETE FROM {table} WHERE key IN ({marks})", chunk)


def _digests(tx: Tx, keys: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for chunk in _chunks(keys):
        rows = tx.execute(f"SELECT key, digest FROM search_entries WHERE key IN ({_marks(chunk)})", chunk).fetchall()
        found |= {r["key"]: r["digest"] for r in rows}
    return found


def digests(tx: Tx) -> dict[str, str]:
    """Every stored entry's digest (what a rebuild and the fold are compared by)."""
    return {r["key"]: r["digest"] for r in tx.execute("SELECT key, digest FROM search_entries").fetchall()}


def _chunks(items: list[str], size: int = 500) -> Iterable[list[str]]:
    return (items[i : i + size] for i in range(0, len(items), size))


def _marks(items: Sequence[object]) -> str:
    return ",".join("?" * len(items))


@dataclass(frozen=True)
class Query:
    """One search: the words (none: list order), what kinds, which filters, whose eyes, which page."""

    terms: list[str]
    kinds: tuple[str, ...]
    published_only: bool = False
    states: tuple[str, ...] = ()  # with published_only: these States' unpublished needs are seen too
    filters: dict[str, Any] = field(default_factory=dict)  # state, article, chapter
    limit: int = 20
    offset: int = 0


def find(tx: Tx, q: Query) -> tuple[list[dict[str, Any]], bool]:
    """A page of entries' documents, each with its `score` (higher: more relevant; 0 in list order), and whether
    more follow."""
    where, params = [f"e.kind IN ({_marks(q.kinds)})"], [*q.kinds]
    for column, name in (("states", "state"), ("articles", "article"), ("chapters", "chapter")):
        if q.filters.get(name) is not None:
            where.append(f"e.{column} LIKE ?")
            params.append(f"%,{q.filters[name]},%")
    if q.published_only:
        others = f" AND h.state NOT IN ({_marks(q.states)})" if q.states else ""
        where.append(f"NOT EXISTS (SELECT 1 FROM search_hidden h WHERE h.key = e.key{others})")
        params += q.states
    page = [q.limit + 1, q.offset]
    if not q.terms:
        sql = f"SELECT e.doc, 0 AS score FROM search_entries e WHERE {' AND '.join(where)} ORDER BY e.sort_key"
    elif tx.dialect == "sqlite":
        sql = (
            f"SELECT e.doc, -bm25(search_text, {', '.join(map(str, WEIGHTS))}) AS score FROM search_text"
            f" JOIN search_entries e ON e.rid = search_text.rowid WHERE search_text MATCH ? AND {' AND '.join(where)}"
            " ORDER BY score DESC, e.sort_key"
        )
        params.insert(0, text.fts5_match(q.terms))
    else:
        sql = (
            f"SELECT e.doc, ts_rank('{PG_WEIGHTS}', e.words, to_tsquery('simple', ?))"
            f" AS score FROM search_entries e WHERE e.words @@ to_tsquery('simple', ?) AND {' AND '.join(where)}"
            " ORDER BY score DESC, e.sort_key"
        )
        params[:0] = [text.tsquery(q.terms)] * 2
    rows = tx.execute(f"{sql} LIMIT ? OFFSET ?", [*params, *page]).fetchall()
    found = [{**json.loads(r["doc"]), "score": float(r["score"])} for r in rows]
    return found[: q.limit], len(found) > q.limit
