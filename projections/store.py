"""The durable state and rows: SQL tables mirroring `model` documents and `rows` rows."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from datetime import date
from typing import Any

from projections.db import Database, Tx
from projections.views import programme_monitoring, provider_overlap
from projections.views.common import Tally, group_keys, sort_key

VIEWS = "views"  # tracking name of the views projection
VIEWS_LOCK = 7300002

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
    " quiet_since TEXT, end_date TEXT, closed INTEGER NOT NULL, doc TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS view_programmes_sorted ON view_programmes (sort_key)",
    # What the open needs of each area add up to, per grouping and published flag (see Tally).
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
    'CREATE TABLE IF NOT EXISTS view_totals (name TEXT COLLATE "C" PRIMARY KEY, n BIGINT NOT NULL)',
]
VIEW_TABLES = (
    "ledger_entities",
    "view_needs",
    "view_programmes",
    "view_snapshots",
    "view_tallies",
    "view_cells",
    "view_totals",
)
VARIANTS = ("all", "published")
# Bump when the view tables change shape: they are dropped and rebuilt from the log at start.
SCHEMA_VERSION = 7
TABLES_SQLITE_TYPES = {"BYTEA": "BLOB"}
SQLITE_ONLY = [
    "CREATE TABLE IF NOT EXISTS projection_lock (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)",
    f"INSERT OR IGNORE INTO projection_lock VALUES ({VIEWS_LOCK}, 0)",
]


def create_tables(db: Database) -> None:
    """Create the view tables; when they are of an older shape, drop them to be rebuilt from the log."""
    # Sort keys compare byte by byte, as Python compares them: COLLATE "C" on PostgreSQL, whatever
    # the database's collation; SQLite's default (BINARY) already does.
    statements = (
        [t.replace("BYTEA", "BLOB").replace(' COLLATE "C"', "") for t in TABLES] + SQLITE_ONLY
        if db.dialect == "sqlite"
        else TABLES
    )
    with db.transaction() as tx:
        if db.dialect == "postgres":  # many processes may start at once
            tx.execute("SELECT pg_advisory_xact_lock(7300001)")
        tx.execute("CREATE TABLE IF NOT EXISTS view_schema (id INTEGER PRIMARY KEY, version INTEGER NOT NULL)")
        version = tx.scalar("SELECT version FROM view_schema WHERE id = 1")
        if version != SCHEMA_VERSION:
            for table in VIEW_TABLES:
                tx.execute(f"DROP TABLE IF EXISTS {table}")
            db.reset_tracking(tx, VIEWS)
            tx.execute("DELETE FROM view_schema")
            tx.execute("INSERT INTO view_schema (id, version) VALUES (1, ?)", (SCHEMA_VERSION,))
        for statement in statements:
            tx.execute(statement)


class SqlState:
    """The model's `State` over `ledger_entities`, read through and written back once per batch."""

    def __init__(self, tx: Tx) -> None:
        self.tx = tx
        self.cache: dict[tuple[str, str], dict[str, Any] | None] = {}
        self.dirty: set[tuple[str, str]] = set()

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        if (kind, key) not in self.cache:
            row = self.tx.execute("SELECT doc FROM ledger_entities WHERE kind = ? AND id = ?", (kind, key)).fetchone()
            self.cache[(kind, key)] = json.loads(row["doc"]) if row else None
        return self.cache[(kind, key)]

    def put(self, kind: str, key: str, doc: dict[str, Any]) -> None:
        self.cache[(kind, key)] = doc
        self.dirty.add((kind, key))

    def all(self, kind: str) -> Iterator[dict[str, Any]]:
        self.flush()
        rows = self.tx.execute("SELECT id, doc FROM ledger_entities WHERE kind = ?", (kind,)).fetchall()
        for row in rows:
            key = (kind, row["id"])
            if key not in self.cache:
                self.cache[key] = json.loads(row["doc"])
            doc = self.cache[key]
            if doc is not None:
                yield doc

    def flush(self) -> None:
        rows = [(k, i, json.dumps(self.cache[(k, i)], separators=(",", ":"))) for k, i in sorted(self.dirty)]
        self.tx.executemany(
            "INSERT INTO ledger_entities (kind, id, doc) VALUES (?, ?, ?) "
            "ON CONFLICT (kind, id) DO UPDATE SET doc = excluded.doc",
            rows,
        )
        self.dirty.clear()


def _j(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def write_rows(
    tx: Tx,
    need_rows: dict[str, dict],
    programme_rows: dict[str, dict],
    currency: str,
    fresh: bool = False,
) -> None:
    """Upsert the rows; move the tallies by the difference the rewritten needs make, and rewrite
    the overlap cells of their (state, article).

    `fresh`: the tables were just cleared and the rows are all the rows: nothing to subtract.
    """
    tallies = {k: Tally.of(r) for k, r in need_rows.items() if r["status"] == "open"}
    deltas: dict[tuple[str, str, int], Tally] = {}
    places: set[tuple[str, int]] = set()  # (state, article) whose cells change
    if not fresh:
        for old in _old_tallies(tx, list(need_rows)):
            places.add((old["state"], int(old["article"])))
            for dim, key in group_keys(old):
                deltas.setdefault((dim, str(key), old["published"]), Tally()).merge(old["tally"], -1)
    for k, t in tallies.items():
        r = need_rows[k]
        places.add((r["state"], r["article"]))
        for dim, key in group_keys(r):
            deltas.setdefault((dim, str(key), int(r["published"])), Tally()).merge(t)
    tx.executemany(
        "INSERT INTO view_needs (need_id, state, region, chapter, article, status, horizon,"
        " published, classification, ta_types, sort_key, tally, doc) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT (need_id) DO UPDATE SET state = excluded.state, region = excluded.region,"
        " chapter = excluded.chapter, article = excluded.article, status = excluded.status,"
        " horizon = excluded.horizon, published = excluded.published,"
        " classification = excluded.classification, ta_types = excluded.ta_types,"
        " sort_key = excluded.sort_key, tally = excluded.tally, doc = excluded.doc",
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
                sort_key(r),
                _j(tallies[k].to_json()) if k in tallies else None,
                _j(r),
            )
            for k, r in need_rows.items()
        ],
    )
    _move_tallies(tx, deltas)
    if not fresh:
        places = _places_with_cells(tx, places, need_rows)
    _rewrite_cells(tx, places, currency, need_rows if fresh else None)
    _count_programmes(tx, programme_rows, fresh)
    tx.executemany(
        "INSERT INTO view_programmes (programme_id, status, states, orgs, sort_key, over_disbursed,"
        " quiet_since, end_date, closed, doc) VALUES (?,?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT (programme_id) DO UPDATE SET status = excluded.status,"
        " states = excluded.states, orgs = excluded.orgs, sort_key = excluded.sort_key,"
        " over_disbursed = excluded.over_disbursed, quiet_since = excluded.quiet_since,"
        " end_date = excluded.end_date, closed = excluded.closed, doc = excluded.doc",
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
                programme_monitoring.sort_key(r),
                int(programme_monitoring.over_disbursed(r)),
                programme_monitoring.quiet_since(r),
                r["end"],
                int(r["closed"]),
                _j(r),
            )
            for r in programme_rows.values()
        ],
    )


def _count_programmes(tx: Tx, programme_rows: dict[str, dict], fresh: bool) -> None:
    """Keep how many programmes there are and how many are over-disbursed, and, per day, how many
    open programmes end then and how many in implementation have been quiet since then: a day's
    overdue and stalled programmes are then a sum over days before it (a bounded range), not a
    count over every programme."""
    changes: dict[str, int] = {}

    def count(over: bool, quiet: str | None, end: str | None, closed: bool, sign: int) -> None:
        for name, yes in (
            ("programmes", True),
            ("over-disbursed", over),
            (f"quiet:{quiet}", quiet),
            (f"end:{end}", end and not closed),
        ):
            if yes:
                changes[name] = changes.get(name, 0) + sign

    ids = list(programme_rows) if not fresh else []
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        for r in tx.execute(
            "SELECT over_disbursed, quiet_since, end_date, closed FROM view_programmes"
            f" WHERE programme_id IN ({','.join('?' * len(chunk))})",
            chunk,
        ).fetchall():
            count(bool(r["over_disbursed"]), r["quiet_since"], r["end_date"], bool(r["closed"]), -1)
    for r in programme_rows.values():
        count(programme_monitoring.over_disbursed(r), programme_monitoring.quiet_since(r), r["end"], r["closed"], 1)
    _add_totals(tx, changes)


def _days_before(tx: Tx, prefix: str, day: str) -> int:
    """Σ of the per-day counts `prefix:<date>` for the days before `day`."""
    return int(
        tx.scalar("SELECT SUM(n) FROM view_totals WHERE name >= ? AND name < ?", (f"{prefix}:", f"{prefix}:{day}")) or 0
    )


def _add_totals(tx: Tx, changes: dict[str, int]) -> None:
    moved = [(name, n) for name, n in sorted(changes.items()) if n]
    tx.executemany(
        "INSERT INTO view_totals (name, n) VALUES (?, ?)"
        " ON CONFLICT (name) DO UPDATE SET n = view_totals.n + excluded.n",
        moved,
    )
    tx.executemany("DELETE FROM view_totals WHERE name = ? AND n = 0", [(name,) for name, _ in moved])


def _kept_totals(tx: Tx, names: list[str]) -> dict[str, int]:
    rows = tx.execute(f"SELECT name, n FROM view_totals WHERE name IN ({','.join('?' * len(names))})", names).fetchall()
    kept = {r["name"]: int(r["n"]) for r in rows}
    return {name: kept.get(name, 0) for name in names}


def _old_tallies(tx: Tx, need_ids: list[str]) -> Iterator[dict[str, Any]]:
    """The stored tallies of these needs (open ones only), with the keys they count under."""
    for i in range(0, len(need_ids), 500):
        chunk = need_ids[i : i + 500]
        rows = tx.execute(
            "SELECT state, region, chapter, article, ta_types, published, tally FROM view_needs"
            f" WHERE tally IS NOT NULL AND need_id IN ({','.join('?' * len(chunk))})",
            chunk,
        ).fetchall()
        for r in rows:
            yield {
                **r,
                "ta_types_v2": [t for t in r["ta_types"].split(",") if t],
                "tally": Tally.from_json(json.loads(r["tally"])),
            }


def _move_tallies(tx: Tx, deltas: dict[tuple[str, str, int], Tally]) -> None:
    """Add each delta to its stored tally; a tally left with no need is deleted."""
    if not deltas:
        return
    stored: dict[tuple[str, str, int], Tally] = {}
    keys = sorted(deltas)
    for i in range(0, len(keys), 300):
        chunk = keys[i : i + 300]
        rows = tx.execute(
            "SELECT dim, key, published, doc FROM view_tallies WHERE "
            + " OR ".join(["(dim = ? AND key = ? AND published = ?)"] * len(chunk)),
            [v for k in chunk for v in k],
        ).fetchall()
        for r in rows:
            stored[(r["dim"], r["key"], int(r["published"]))] = Tally.from_json(json.loads(r["doc"]))
    upserts, deletes = [], []
    for k in keys:
        t = stored.get(k, Tally()).merge(deltas[k])
        if t.empty:
            deletes.append(k)
        else:
            upserts.append((*k, _j(t.to_json())))
    tx.executemany("DELETE FROM view_tallies WHERE dim = ? AND key = ? AND published = ?", deletes)
    tx.executemany(
        "INSERT INTO view_tallies (dim, key, published, doc) VALUES (?,?,?,?)"
        " ON CONFLICT (dim, key, published) DO UPDATE SET doc = excluded.doc",
        upserts,
    )


def _places_with_cells(tx: Tx, places: set[tuple[str, int]], need_rows: dict[str, dict]) -> set[tuple[str, int]]:
    """The places whose cells may change: where a rewritten need has an active programme now, or
    a cell stands already. Elsewhere there was no cell and there is none to make, however many
    needs the place holds."""
    active = {
        (r["state"], r["article"])
        for r in need_rows.values()
        if r["status"] == "open" and any(p["active"] for p in r["programmes"])
    }
    rest = sorted(places - active)
    for i in range(0, len(rest), 300):
        chunk = rest[i : i + 300]
        found = tx.execute(
            "SELECT DISTINCT state, article FROM view_cells WHERE "
            + " OR ".join(["(state = ? AND article = ?)"] * len(chunk)),
            [v for p in chunk for v in p],
        ).fetchall()
        active |= {(r["state"], int(r["article"])) for r in found}
    return active & places


def _rewrite_cells(tx: Tx, places: set[tuple[str, int]], currency: str, every: dict[str, dict] | None) -> None:
    """Recompute the cells of these (state, article) places from their open needs.

    `every`: all need rows (a rebuild), so nothing need be read back or subtracted.
    """
    by_place: dict[tuple[str, int], list[dict]] = {p: [] for p in places}
    if every is not None:
        for r in every.values():
            if r["status"] == "open":
                by_place[(r["state"], r["article"])].append(r)
    old = {f"{w}:{v}": 0 for w in ("cells", "overlapping", "pairs") for v in VARIANTS}
    new = dict(old)
    rows, places_list = [], sorted(places)
    for i in range(0, len(places_list), 300):
        chunk = places_list[i : i + 300]
        where = " OR ".join(["(state = ? AND article = ?)"] * len(chunk))
        params = [v for p in chunk for v in p]
        if every is None:
            for r in tx.execute(f"SELECT doc FROM view_needs WHERE status = 'open' AND ({where})", params).fetchall():
                doc = json.loads(r["doc"])
                by_place[(doc["state"], doc["article"])].append(doc)
            for r in tx.execute(f"SELECT variant, overlap, pairs FROM view_cells WHERE {where}", params).fetchall():
                v = r["variant"]
                old[f"cells:{v}"] += 1
                old[f"overlapping:{v}"] += int(r["overlap"])
                old[f"pairs:{v}"] += int(r["pairs"])
            tx.execute(f"DELETE FROM view_cells WHERE {where}", params)
    for place in places_list:
        needs = by_place[place]
        for variant, subset in (("all", needs), ("published", [r for r in needs if r["published"]])):
            for item in provider_overlap.cells(subset, currency):
                rows.append(
                    (
                        variant,
                        item["state"],
                        item["article"],
                        item["ta_type"],
                        item["region"],
                        item["chapter"],
                        provider_overlap.cell_key(item),
                        int(item["overlap"]),
                        len(item["pairs"]),
                        len(item["funders"]),
                        float(item["hhi"] or 1),
                        _j(item),
                    )
                )
                new[f"cells:{variant}"] += 1
                new[f"overlapping:{variant}"] += int(item["overlap"])
                new[f"pairs:{variant}"] += len(item["pairs"])
    tx.executemany(
        "INSERT INTO view_cells (variant, state, article, ta_type, region, chapter, sort_key, overlap,"
        " pairs, funders, concentration, doc) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )
    _add_totals(tx, {name: new[name] - old[name] for name in new})


def clear(tx: Tx) -> None:
    for table in VIEW_TABLES:
        tx.execute(f"DELETE FROM {table}")


# ---- queries: the rows every view is computed from ----


def _need_where(
    state: str | None = None,
    region: str | None = None,
    chapter: str | None = None,
    article: int | None = None,
    status: str | None = None,
    horizon: str | None = None,
    ta_type: str | None = None,
    classification: str | None = None,
    published_only: bool = False,
    states: tuple[str, ...] | list[str] = (),
) -> tuple[list[str], list[Any]]:
    """The WHERE clauses of a need query; `published_only` admits the `states`' unpublished needs too."""
    where, params = ["1 = 1"], []
    for column, value in (
        ("state", state),
        ("region", region),
        ("chapter", chapter),
        ("article", article),
        ("status", status),
        ("horizon", horizon),
        ("classification", classification),
    ):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if ta_type is not None:
        where.append("ta_types LIKE ?")
        params.append(f"%,{ta_type},%")
    if published_only:
        where.append(f"(published = 1 OR state IN ({','.join('?' * len(states))}))" if states else "published = 1")
        params.extend(states)
    return where, params


def need_rows(tx: Tx, **filters: Any) -> list[dict[str, Any]]:
    where, params = _need_where(**filters)
    rows = tx.execute(
        f"SELECT doc FROM view_needs WHERE {' AND '.join(where)} ORDER BY state, article, need_id",
        params,
    ).fetchall()
    return [json.loads(r["doc"]) for r in rows]


def open_need_page(tx: Tx, after: str | None, limit: int, **filters: Any) -> list[dict[str, Any]]:
    """Up to `limit` open needs in list order after the sort key `after`: an index range, not a scan."""
    where, params = _need_where(status="open", **filters)
    if after is not None:
        where.append("sort_key > ?")
        params.append(after)
    rows = tx.execute(
        f"SELECT doc FROM view_needs WHERE {' AND '.join(where)} ORDER BY status, sort_key LIMIT ?",
        [*params, limit],
    ).fetchall()
    return [json.loads(r["doc"]) for r in rows]


def open_need_counts(tx: Tx, **filters: Any) -> dict[str, int]:
    """How many open needs match, per classification."""
    where, params = _need_where(status="open", **filters)
    rows = tx.execute(
        f"SELECT classification, COUNT(*) AS n FROM view_needs WHERE {' AND '.join(where)} GROUP BY classification",
        params,
    ).fetchall()
    return {r["classification"]: int(r["n"]) for r in rows}


def _cell_where(
    published_only: bool = False,
    states: tuple[str, ...] = (),
    state: str | None = None,
    region: str | None = None,
    chapter: str | None = None,
    article: int | None = None,
    ta_type: str | None = None,
) -> tuple[list[str], list[Any]]:
    """Which kept cells a reader sees: every need's, the published needs', or a state's own too."""
    where, params = [], []
    if not published_only:
        where.append("variant = 'all'")
    elif not states:
        where.append("variant = 'published'")
    else:
        marks = ",".join("?" * len(states))
        where.append(
            f"((variant = 'all' AND state IN ({marks})) OR (variant = 'published' AND state NOT IN ({marks})))"
        )
        params += [*states, *states]
    for column, value in (
        ("state", state),
        ("region", region),
        ("chapter", chapter),
        ("article", article),
        ("ta_type", ta_type),
    ):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    return where, params


def cell_page(tx: Tx, after: str | None, limit: int, **filters: Any) -> list[dict[str, Any]]:
    """Up to `limit` overlap cells in list order after the cell key `after`."""
    where, params = _cell_where(**filters)
    if after is not None:
        where.append("sort_key > ?")
        params.append(after)
    rows = tx.execute(
        f"SELECT doc FROM view_cells WHERE {' AND '.join(where)} ORDER BY sort_key LIMIT ?", [*params, limit]
    ).fetchall()
    return [json.loads(r["doc"]) for r in rows]


def top_cells(tx: Tx, limit: int, **filters: Any) -> list[dict[str, Any]]:
    """The cells to discuss first (provider_overlap.rank): overlapping, most funders, most concentrated."""
    where, params = _cell_where(**filters)
    rows = tx.execute(
        f"SELECT doc FROM view_cells WHERE {' AND '.join(where)}"
        " ORDER BY overlap DESC, funders DESC, concentration, sort_key LIMIT ?",
        [*params, limit],
    ).fetchall()
    return [json.loads(r["doc"]) for r in rows]


def kept_cell_totals(tx: Tx, published_only: bool) -> dict[str, int]:
    """How many cells, overlapping cells and pairs there are, as kept for one variant."""
    variant = "published" if published_only else "all"
    kept = _kept_totals(tx, [f"{w}:{variant}" for w in ("cells", "overlapping", "pairs")])
    return {
        "count": kept[f"cells:{variant}"],
        "overlapping": kept[f"overlapping:{variant}"],
        "pairs": kept[f"pairs:{variant}"],
    }


def cell_totals(tx: Tx, **filters: Any) -> dict[str, int]:
    """How many cells, overlapping cells and pairs match the filters, counted."""
    where, params = _cell_where(**filters)
    row = (
        tx.execute(
            f"SELECT COUNT(*) AS c, SUM(overlap) AS o, SUM(pairs) AS p FROM view_cells WHERE {' AND '.join(where)}",
            params,
        ).fetchone()
        or {}
    )
    return {"count": int(row.get("c") or 0), "overlapping": int(row.get("o") or 0), "pairs": int(row.get("p") or 0)}


def _flag_sql(today: date) -> dict[str, tuple[str, list[Any]]]:
    """programme-monitoring's flags on `today`, as SQL conditions (see programme_monitoring.flags)."""
    return {
        "over-disbursed": ("over_disbursed = 1", []),
        "stalled": ("quiet_since < ?", [programme_monitoring.stalled_before(today)]),
        "overdue": ("(end_date < ? AND closed = 0)", [today.isoformat()]),
    }


def programme_page(
    tx: Tx, today: date, flag: str | None, after: str | None, limit: int, state: str | None = None
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Up to `limit` programmes in list order after the sort key `after` (raising `flag`, if
    given), and how many there are and raise each flag."""
    flag_sql = _flag_sql(today)
    where, params = ["1 = 1"], []
    if state is not None:
        where.append("states LIKE ?")
        params.append(f"%,{state},%")
        sums = ", ".join(f"SUM(CASE WHEN {c} THEN 1 ELSE 0 END) AS f{i}" for i, (c, _) in enumerate(flag_sql.values()))
        row = (
            tx.execute(
                f"SELECT COUNT(*) AS n, {sums} FROM view_programmes WHERE {' AND '.join(where)}",
                [*(v for _, ps in flag_sql.values() for v in ps), *params],
            ).fetchone()
            or {}
        )
        counted = {"count": int(row.get("n") or 0), **{f: int(row.get(f"f{i}") or 0) for i, f in enumerate(flag_sql)}}
    else:  # kept counts
        kept = _kept_totals(tx, ["programmes", "over-disbursed"])
        counted = {"count": kept["programmes"], "over-disbursed": kept["over-disbursed"]}  # and by day:
        counted["stalled"] = _days_before(tx, "quiet", programme_monitoring.stalled_before(today))
        counted["overdue"] = _days_before(tx, "end", today.isoformat())
    if flag is not None:
        where.append(flag_sql[flag][0])
        params += flag_sql[flag][1]
        counted["count"] = counted[flag]
    if after is not None:
        where.append("sort_key > ?")
        params.append(after)
    rows = tx.execute(
        f"SELECT doc FROM view_programmes WHERE {' AND '.join(where)} ORDER BY sort_key LIMIT ?", [*params, limit]
    ).fetchall()
    return [json.loads(r["doc"]) for r in rows], counted


def tallies(tx: Tx, dims: tuple[str, ...], published_only: bool) -> dict[tuple[str, str], Tally]:
    """The kept tallies of these groupings, published and unpublished needs together unless told."""
    rows = tx.execute(
        f"SELECT dim, key, doc FROM view_tallies WHERE dim IN ({','.join('?' * len(dims))})"
        + (" AND published = 1" if published_only else ""),
        dims,
    ).fetchall()
    out: dict[tuple[str, str], Tally] = {}
    for r in rows:
        t = Tally.from_json(json.loads(r["doc"]))
        key = (r["dim"], r["key"])
        out[key] = out[key].merge(t) if key in out else t
    return out


def programme_rows(tx: Tx, state: str | None = None, org: str | None = None) -> list[dict[str, Any]]:
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
    rows = tx.execute("SELECT doc FROM ledger_entities WHERE kind = ? ORDER BY id", (kind,)).fetchall()
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
    tx.execute(
        "INSERT INTO view_snapshots (position, created_at, state) VALUES (?, ?, ?) ON CONFLICT (position) DO NOTHING",
        (position, created_at, blob),
    )


def last_snapshot_position(tx: Tx) -> int:
    return int(tx.scalar("SELECT MAX(position) FROM view_snapshots") or 0)


def entity_count(tx: Tx) -> int:
    return int(tx.scalar("SELECT COUNT(*) FROM ledger_entities") or 0)


def nearest_snapshot(tx: Tx, position: int) -> tuple[int, list[list[str]]] | None:
    row = tx.execute(
        "SELECT position, state FROM view_snapshots WHERE position <= ? ORDER BY position DESC LIMIT 1", (position,)
    ).fetchone()
    if row is None:
        return None
    return int(row["position"]), json.loads(zlib.decompress(bytes(row["state"])))
