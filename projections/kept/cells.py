"""Kept overlap cells (`view_cells`): provider-overlap's cells, recomputed per (state, article) place."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from projections.db import Tx
from projections.kept.totals import add_totals, kept_totals
from projections.views import provider_overlap
from projections.views.encoded import encode

Place = tuple[str, int]  # (state, article): the cells of a place depend on its open needs only
VARIANTS = ("all", "published")  # over every open need, and over the published ones
CELL_TOTALS = ("cells", "overlapping", "pairs")  # kept per variant in view_totals, as "<total>:<variant>"
CELL_COLUMNS = (
    "variant",
    "state",
    "article",
    "ta_type",
    "region",
    "chapter",
    "sort_key",
    "overlap",
    "pairs",
    "funders",
    "concentration",
    "doc",
)


def places_with_cells(tx: Tx, places: set[Place], need_rows: dict[str, dict[str, Any]]) -> set[Place]:
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


def rewrite_cells(tx: Tx, places: set[Place], currency: str, every: dict[str, dict[str, Any]] | None) -> None:
    """Recompute the cells of these places from their open needs, and move the cell totals by what
    changed; `every`: all need rows (a rebuild), so nothing need be read back or subtracted."""
    if every is None:
        by_place, old = _take_places(tx, places)
    else:
        by_place, old = _open_by_place(every.values(), places), _no_totals()
    rows, new = _cells(by_place, currency)
    tx.executemany(
        f"INSERT INTO view_cells ({', '.join(CELL_COLUMNS)}) VALUES ({','.join('?' * len(CELL_COLUMNS))})", rows
    )
    add_totals(tx, {name: new[name] - old[name] for name in new})


def cell_totals(tx: Tx, published_only: bool) -> dict[str, int]:
    """How many cells, overlapping cells and pairs there are, as kept for one variant."""
    variant = "published" if published_only else "all"
    kept = kept_totals(tx, [f"{w}:{variant}" for w in CELL_TOTALS])
    return {
        "count": kept[f"cells:{variant}"],
        "overlapping": kept[f"overlapping:{variant}"],
        "pairs": kept[f"pairs:{variant}"],
    }


def _no_totals() -> dict[str, int]:
    return {f"{w}:{v}": 0 for w in CELL_TOTALS for v in VARIANTS}


def _open_by_place(need_rows: Iterable[dict[str, Any]], places: set[Place]) -> dict[Place, list[dict[str, Any]]]:
    by_place: dict[Place, list[dict[str, Any]]] = {p: [] for p in places}
    for r in need_rows:
        if r["status"] == "open":
            by_place[(r["state"], r["article"])].append(r)
    return by_place


def _take_places(tx: Tx, places: set[Place]) -> tuple[dict[Place, list[dict[str, Any]]], dict[str, int]]:
    """The stored open needs of these places, and the totals of their stored cells, now deleted."""
    by_place: dict[Place, list[dict[str, Any]]] = {p: [] for p in places}
    old, ordered = _no_totals(), sorted(places)
    for i in range(0, len(ordered), 300):
        chunk = ordered[i : i + 300]
        where = " OR ".join(["(state = ? AND article = ?)"] * len(chunk))
        params = [v for p in chunk for v in p]
        for r in tx.execute(f"SELECT doc FROM view_needs WHERE status = 'open' AND ({where})", params).fetchall():
            doc = json.loads(r["doc"])
            by_place[(doc["state"], doc["article"])].append(doc)
        for r in tx.execute(f"SELECT variant, overlap, pairs FROM view_cells WHERE {where}", params).fetchall():
            v = r["variant"]
            old[f"cells:{v}"] += 1
            old[f"overlapping:{v}"] += int(r["overlap"])
            old[f"pairs:{v}"] += int(r["pairs"])
        tx.execute(f"DELETE FROM view_cells WHERE {where}", params)
    return by_place, old


def _cells(by_place: dict[Place, list[dict[str, Any]]], currency: str) -> tuple[list[tuple[Any, ...]], dict[str, int]]:
    """The cell rows of these places' needs, place by place in order, and their totals."""
    rows, new = [], _no_totals()
    for place in sorted(by_place):
        needs = by_place[place]
        for variant, subset in (("all", needs), ("published", [r for r in needs if r["published"]])):
            for item in provider_overlap.cells(subset, currency):
                rows.append(_cell_row(variant, item))
                new[f"cells:{variant}"] += 1
                new[f"overlapping:{variant}"] += int(item["overlap"])
                new[f"pairs:{variant}"] += len(item["pairs"])
    return rows, new


def _cell_row(variant: str, item: dict[str, Any]) -> tuple[Any, ...]:
    """One cell as stored, in the order of CELL_COLUMNS."""
    return (
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
        encode(item),  # as the answer holds it: a page of cells is served by splicing these (query.cell_page_json)
    )
