"""Row writes: the model's documents, the need and programme rows, and what is kept from them."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import orjson

from projections import kept
from projections.db import Tx
from projections.store import versions
from projections.store.schema import VIEW_TABLES
from projections.views import programme_monitoring
from projections.views.common import sort_key


def compact_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def fast_json(value: Any) -> str:
    """`compact_json`'s value, encoded by orjson (non-ASCII characters unescaped: the same JSON value), for what is
    only ever read back by `json.loads` (versions); as `compact_json` where orjson will not (integers past 64 bits)."""
    try:
        return orjson.dumps(value).decode()
    except (TypeError, orjson.JSONEncodeError):
        return compact_json(value)


class SqlState:
    """The model's `State` over `ledger_entities`, read through and written back once per batch."""

    def __init__(self, tx: Tx) -> None:
        self.tx = tx
        self.cache: dict[tuple[str, str], dict[str, Any] | None] = {}
        self.dirty: set[tuple[str, str]] = set()
        self.written: dict[tuple[str, str], str] = {}  # (kind, id) -> the JSON last written

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
        """Write the documents put since the last flush (kept in `written` too, for their versions)."""
        rows = [(k, i, compact_json(self.cache[(k, i)])) for k, i in sorted(self.dirty)]
        self.tx.executemany(
            "INSERT INTO ledger_entities (kind, id, doc) VALUES (?, ?, ?) "
            "ON CONFLICT (kind, id) DO UPDATE SET doc = excluded.doc",
            rows,
        )
        self.dirty.clear()
        self.written.update(((k, i), doc) for k, i, doc in rows)


def write_entities(tx: Tx, docs: dict[str, dict[str, dict[str, Any]]]) -> None:
    """Every document of a fold, into a just-cleared `ledger_entities` (a rebuild): COPY on PostgreSQL."""
    rows = [(kind, key, compact_json(docs[kind][key])) for kind in sorted(docs) for key in sorted(docs[kind])]
    insert(tx, "ledger_entities", ("kind", "id", "doc"), rows, fresh=True, upsert="")


def write_versions(tx: Tx, kept: versions.Versions) -> None:
    """A rebuild's versions, into their just-cleared tables (COPY on PostgreSQL, then ANALYZE: filled at once, the
    planner should know them before the first read does)."""
    for table, columns, rows in kept.closed():
        insert(tx, table, columns, rows, fresh=True, upsert="")
        if tx.dialect == "postgres":
            tx.execute(f"ANALYZE {table}")


def insert(tx: Tx, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]], fresh: bool, upsert: str) -> None:
    """Insert `rows`; on PostgreSQL into a table just cleared (`fresh`: no row to conflict with) by COPY, otherwise
    by `executemany` with `upsert` (the ON CONFLICT clause). COPY writes the same values: text, integers and NULLs."""
    if not rows:
        return
    if fresh and tx.dialect == "postgres":
        with tx.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ",".join("?" * len(columns))
    tx.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}){upsert}", rows)


def write_rows(
    tx: Tx,
    need_rows: dict[str, dict[str, Any]],
    programme_rows: dict[str, dict[str, Any]],
    currency: str,
    fresh: bool = False,
    since: int | None = None,
) -> None:
    """Upsert the rows, and move what is kept from them by the difference they make (see `kept`);
    `fresh`: the tables were just cleared and the rows are all the rows: nothing to subtract.
    `since`: the point whose version they are, too (`versions`)."""
    moves = kept.NeedMoves.read(tx, need_rows, fresh)  # the stored tallies, before the rows replace them
    needs = need_columns(need_rows)
    insert(
        tx,
        "view_needs",
        NEED_COLUMNS,
        [
            (*row[:-1], compact_json(moves.tallies[k].to_json()) if k in moves.tallies else None, row[-1])
            for k, row in zip(need_rows, needs, strict=True)
        ],
        fresh,
        _on_conflict("need_id", NEED_COLUMNS),
    )
    moved_tallies = moves.apply(tx, currency)
    kept.count_programmes(tx, programme_rows, fresh)  # the stored flags, before the rows replace them
    programmes = programme_columns(programme_rows)
    insert(tx, "view_programmes", PROGRAMME_COLUMNS, programmes, fresh, _on_conflict("programme_id", PROGRAMME_COLUMNS))
    if since is not None:
        versions.write(tx, "view_need_versions", since, needs)
        versions.write(tx, "view_programme_versions", since, [(p[0], p[10]) for p in programmes])
        versions.write(tx, "view_tally_versions", since, moved_tallies)


NEED_COLUMNS = (  # noqa: SIM905 (the table's columns, in its order)
    "need_id state region chapter article status horizon published classification ta_types sort_key tally doc"
).split()
PROGRAMME_COLUMNS = (  # noqa: SIM905
    "programme_id status states orgs sort_key over_disbursed quiet_since end_date closed net_negative doc"
    " item_head item_tail"
).split()


def _on_conflict(key: str, columns: Sequence[str]) -> str:
    return f" ON CONFLICT ({key}) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in columns if c != key)


def need_columns(
    need_rows: dict[str, dict[str, Any]], encode: Callable[[Any], str] = compact_json
) -> list[tuple[Any, ...]]:
    """Each need row's columns, those its reads filter and sort on, and its document last (`view_needs` has its
    tally before it, `view_need_versions` none)."""
    return [
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
            encode(r),
        )
        for r in need_rows.values()
    ]


def programme_columns(programme_rows: dict[str, dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Each programme's row: its states, organisations and flags as columns to filter on, and its
    programme-monitoring item encoded but for the fields judged on the day (`kept.monitored`)."""
    return [
        (
            r["programme_id"],
            r["status"],
            "," + ",".join(r["states"]) + ",",
            "," + ",".join(sorted(_orgs(r))) + ",",
            programme_monitoring.sort_key(r),
            int(programme_monitoring.over_disbursed(r)),
            programme_monitoring.quiet_since(r),
            r["end"],
            int(r["closed"]),
            int(programme_monitoring.net_negative(r)),
            compact_json(r),
            *programme_monitoring.encoded_parts(r),
        )
        for r in programme_rows.values()
    ]


def _orgs(programme: dict[str, Any]) -> set[str]:
    """Every organisation named on a programme: reporting, funders and implementers."""
    return {
        programme["reporting_org"]["org_id"],
        *(f["org_id"] for f in programme["funders"]),
        *(i["org_id"] for i in programme["implementers"]),
    }


def clear(tx: Tx) -> None:
    for table in VIEW_TABLES:
        tx.execute(f"DELETE FROM {table}")
