"""Reads: the page and count queries every durable view is answered from, and the stored documents."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import orjson

from projections.db import Tx
from projections.kept.monitored import flag_sql, page_where, programme_where


def need_where(
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
    where: list[str] = ["1 = 1"]
    params: list[Any] = []
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
    where, params = need_where(**filters)
    rows = tx.execute(
        f"SELECT doc FROM view_needs WHERE {' AND '.join(where)} ORDER BY state, article, need_id",
        params,
    ).fetchall()
    return [json.loads(r["doc"]) for r in rows]


def open_need_page(tx: Tx, after: str | None, limit: int, **filters: Any) -> list[dict[str, Any]]:
    """Up to `limit` open needs in list order after the sort key `after`: an index range, not a scan."""
    where, params = need_where(status="open", **filters)
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
    where, params = need_where(status="open", **filters)
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
    where: list[str] = []
    params: list[Any] = []
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
    return [json.loads(doc) for _, doc in cell_page_docs(tx, after, limit, **filters)]


def cell_page_docs(tx: Tx, after: str | None, limit: int, **filters: Any) -> list[tuple[str, str]]:
    """Up to `limit` overlap cells in list order after the cell key `after`: each one's key and its
    document as stored (encoded as the answer holds it, see kept.cells)."""
    where, params = _cell_where(**filters)
    if after is not None:
        where.append("sort_key > ?")
        params.append(after)
    rows = tx.execute(
        f"SELECT sort_key, doc FROM view_cells WHERE {' AND '.join(where)} ORDER BY sort_key LIMIT ?",
        [*params, limit],
    ).fetchall()
    return [(r["sort_key"], r["doc"]) for r in rows]


def top_cells(tx: Tx, limit: int, **filters: Any) -> list[dict[str, Any]]:
    """The cells to discuss first (provider_overlap.rank): overlapping, most funders, most concentrated."""
    where, params = _cell_where(**filters)
    rows = tx.execute(
        f"SELECT doc FROM view_cells WHERE {' AND '.join(where)}"
        " ORDER BY overlap DESC, funders DESC, concentration, sort_key LIMIT ?",
        [*params, limit],
    ).fetchall()
    return [orjson.loads(r["doc"]) for r in rows]  # a cell lists all its programmes and pairs: 30-80 kB at 1M events


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


def programme_page(
    tx: Tx, today: date, flag: str | None, after: str | None, limit: int, state: str | None = None
) -> list[dict[str, Any]]:
    """Up to `limit` programmes in list order after the sort key `after`, raising `flag` if given."""
    where, params = page_where(today, state, flag, after)
    rows = tx.execute(
        f"SELECT doc FROM view_programmes WHERE {' AND '.join(where)} ORDER BY sort_key LIMIT ?", [*params, limit]
    ).fetchall()
    return [json.loads(r["doc"]) for r in rows]


def programme_sort_key(tx: Tx, programme_id: str) -> str | None:
    """A programme's place in programme-monitoring's list order (None: no such programme)."""
    row = tx.execute("SELECT sort_key FROM view_programmes WHERE programme_id = ?", (programme_id,)).fetchone()
    return str(row["sort_key"]) if row else None


def programme_counts(tx: Tx, today: date, state: str | None = None) -> dict[str, int]:
    """How many programmes there are (in `state`, if given) and raise each flag on `today`, counted."""
    flags = flag_sql(today)
    where, params = programme_where(state)
    sums = ", ".join(f"SUM(CASE WHEN {c} THEN 1 ELSE 0 END) AS f{i}" for i, (c, _) in enumerate(flags.values()))
    row = (
        tx.execute(
            f"SELECT COUNT(*) AS n, {sums} FROM view_programmes WHERE {' AND '.join(where)}",
            [*(v for _, ps in flags.values() for v in ps), *params],
        ).fetchone()
        or {}
    )
    return {"count": int(row.get("n") or 0), **{f: int(row.get(f"f{i}") or 0) for i, f in enumerate(flags)}}


def programme_rows(tx: Tx, state: str | None = None, org: str | None = None) -> list[dict[str, Any]]:
    where, params = programme_where(state, org)
    rows = tx.execute(
        f"SELECT doc FROM view_programmes WHERE {' AND '.join(where)} ORDER BY programme_id", params
    ).fetchall()
    return [json.loads(r["doc"]) for r in rows]


def entities(tx: Tx, kind: str) -> list[dict[str, Any]]:
    rows = tx.execute("SELECT doc FROM ledger_entities WHERE kind = ? ORDER BY id", (kind,)).fetchall()
    return [json.loads(r["doc"]) for r in rows]


def entity_count(tx: Tx) -> int:
    return int(tx.scalar("SELECT COUNT(*) FROM ledger_entities") or 0)
