"""The view tables, their creation, and the schema version that has them rebuilt when they change."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence

from projections import kept
from projections.db import Database, Tx
from projections.search import store as search
from projections.store import versions

VIEWS = "views"  # tracking name of the views projection
VIEWS_LOCK = 7300002
CREATE_LOCK = 7300001  # serialises processes that start at once (PostgreSQL), as Database.create does

TABLES = [
    "CREATE TABLE IF NOT EXISTS ledger_entities ("
    " kind TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (kind, id))",
    "CREATE TABLE IF NOT EXISTS view_needs ("
    " need_id TEXT PRIMARY KEY, state TEXT NOT NULL, region TEXT NOT NULL, chapter TEXT NOT NULL,"
    " article INTEGER NOT NULL, status TEXT NOT NULL, horizon TEXT NOT NULL,"
    ' published INTEGER NOT NULL, classification TEXT, ta_types TEXT NOT NULL, sort_key TEXT COLLATE "C" NOT NULL,'
    " tally TEXT, doc TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS view_needs_state ON view_needs (state, article)",
    "CREATE INDEX IF NOT EXISTS view_needs_sorted ON view_needs (status, sort_key)",
    "CREATE INDEX IF NOT EXISTS view_needs_article ON view_needs (article)",
    "CREATE INDEX IF NOT EXISTS view_needs_region ON view_needs (region, chapter)",
    "CREATE TABLE IF NOT EXISTS view_snapshots ("
    " position BIGINT PRIMARY KEY, created_at TEXT NOT NULL, state BYTEA NOT NULL)",
    "CREATE TABLE IF NOT EXISTS view_programmes ("
    " programme_id TEXT PRIMARY KEY, status INTEGER NOT NULL, states TEXT NOT NULL,"
    ' orgs TEXT NOT NULL, sort_key TEXT COLLATE "C" NOT NULL, over_disbursed INTEGER NOT NULL,'
    " quiet_since TEXT, end_date TEXT, closed INTEGER NOT NULL, net_negative INTEGER NOT NULL, doc TEXT NOT NULL,"
    # programme-monitoring's item, encoded but for the fields judged on the day: before them and after (kept/monitored)
    " item_head TEXT NOT NULL, item_tail TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS view_programmes_sorted ON view_programmes (sort_key)",
    # What the open needs of each area add up to, per grouping and published flag (see kept.Tally).
    "CREATE TABLE IF NOT EXISTS view_tallies ("
    " dim TEXT NOT NULL, key TEXT NOT NULL, published INTEGER NOT NULL, doc TEXT NOT NULL,"
    " PRIMARY KEY (dim, key, published))",
    # provider-overlap's cells, kept per (state, article): over every open need ("all") and over
    # the published ones ("published"), with the totals of each variant in view_totals.
    "CREATE TABLE IF NOT EXISTS view_cells ("
    " variant TEXT NOT NULL, state TEXT NOT NULL, article INTEGER NOT NULL, ta_type TEXT NOT NULL,"
    ' region TEXT NOT NULL, chapter TEXT NOT NULL, sort_key TEXT COLLATE "C" NOT NULL, overlap INTEGER NOT NULL,'
    " pairs INTEGER NOT NULL, funders INTEGER NOT NULL, concentration REAL NOT NULL, doc TEXT NOT NULL,"
    " PRIMARY KEY (variant, state, article, ta_type))",
    "CREATE INDEX IF NOT EXISTS view_cells_sorted ON view_cells (variant, sort_key)",
    "CREATE INDEX IF NOT EXISTS view_cells_place ON view_cells (state, article)",
    # the dashboard's first cells (provider_overlap.rank): an index range, not a sort of every cell
    "CREATE INDEX IF NOT EXISTS view_cells_ranked ON view_cells"
    " (variant, overlap DESC, funders DESC, concentration, sort_key)",
    'CREATE TABLE IF NOT EXISTS view_totals (name TEXT COLLATE "C" PRIMARY KEY, n BIGINT NOT NULL)',
    # How many open needs each programme is active on and each provider provides for, over every
    # open need ("all") and over the published ones ("published"); a count at zero is no row.
    "CREATE TABLE IF NOT EXISTS view_refs ("
    " kind TEXT NOT NULL, id TEXT NOT NULL, variant TEXT NOT NULL, n BIGINT NOT NULL, PRIMARY KEY (kind, id, variant))",
    *kept.KEPT_TABLES,  # priority areas and flagged programmes as served (projections/kept/tables.py)
    *versions.TABLES,  # the documents and rows as they stood at every `versions.EVERY` positions
]
VIEW_TABLES = (
    "ledger_entities",
    "view_needs",
    "view_programmes",
    "view_snapshots",
    "view_tallies",
    "view_cells",
    "view_totals",
    "view_refs",
    *kept.KEPT_VIEW_TABLES,
    *versions.VIEW_TABLES,
)
SQLITE_ONLY = [
    "CREATE TABLE IF NOT EXISTS projection_lock (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)",
    f"INSERT OR IGNORE INTO projection_lock VALUES ({VIEWS_LOCK}, 0)",
]
VERSION_TABLE = "CREATE TABLE IF NOT EXISTS view_schema (id INTEGER PRIMARY KEY, version TEXT NOT NULL)"


def fingerprint(tables: Sequence[str], shape: Mapping[str, Sequence[str]]) -> str:
    """The first 12 hex digits of a SHA-256 over the CREATE statements and the shape of what is kept."""
    text = json.dumps({"tables": list(tables), "kept": {k: list(v) for k, v in shape.items()}}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


# Derived, never bumped by hand: a release that changes a table or the kept shape has its views rebuilt.
# the search index's tables (both engines') and how it cuts words too, the versions' spacing, and the tallies'
# amounts in their canonical text (`tally.exact`: an amount reads the same however the tally reached it)
FINGERPRINTED = [*TABLES, *search.SHAPE, f"versions every {versions.EVERY}", "tally amounts exact"]
SCHEMA_VERSION = fingerprint(FINGERPRINTED, kept.SHAPE)


def statements(dialect: str) -> list[str]:
    """The CREATE statements in a dialect: SQLite stores bytes as BLOB and already sorts as COLLATE "C"."""
    if dialect != "sqlite":
        return TABLES + search.statements(dialect)
    return (
        [t.replace("BYTEA", "BLOB").replace(' COLLATE "C"', "") for t in TABLES]
        + SQLITE_ONLY
        + search.statements(dialect)
    )


def create_tables(db: Database) -> None:
    """Create the view tables; when the stored schema version is not this one (an older fingerprint,
    or the integer of before fingerprints), drop them first, to be rebuilt from the log."""
    # Sort keys compare byte by byte, as Python compares them: COLLATE "C" on PostgreSQL, whatever
    # the database's collation; SQLite's default (BINARY) already does.
    with db.transaction() as tx:
        if db.dialect == "postgres":  # many processes may start at once
            tx.execute(f"SELECT pg_advisory_xact_lock({CREATE_LOCK})")
        tx.execute(VERSION_TABLE)
        if tx.scalar("SELECT version FROM view_schema WHERE id = 1") != SCHEMA_VERSION:
            _drop_views(db, tx)
        for statement in statements(db.dialect):
            tx.execute(statement)


def _drop_views(db: Database, tx: Tx) -> None:
    """Drop the view tables and their tracking position, and record this version."""
    for table in VIEW_TABLES:
        tx.execute(f"DROP TABLE IF EXISTS {table}")
    search.drop(tx)
    db.reset_tracking(tx, VIEWS)
    # Made afresh, not emptied: before fingerprints its version column was an INTEGER.
    tx.execute("DROP TABLE view_schema")
    tx.execute(VERSION_TABLE)
    tx.execute("INSERT INTO view_schema (id, version) VALUES (1, ?)", (SCHEMA_VERSION,))
