"""unmet-needs: open needs, each unmet, partially funded or funded, with who works on it."""

from __future__ import annotations

from typing import Any

from projections.views.columns import Column, Table, blank, joined, leftovers, names, shared
from projections.views.common import BOOKS, open_needs, sort_key

TABLE = Table(
    Column("need_id"),
    Column("state"),
    Column("state_name"),
    Column("region"),
    Column("article"),
    Column("paragraph", blank),
    Column("chapter"),
    Column("ta_types", joined),
    Column("ta_types_v2", None),
    Column("priority"),
    Column("horizon"),
    Column("published", None),
    shared("currency"),
    Column("estimated_cost", None),
    Column("estimated", blank),
    Column("allocated_commitment"),
    Column("coverage", blank),
    Column("gap", blank),
    Column("classification"),
    Column("unconverted", None),
    *(leftovers(book) for book in BOOKS),
    Column("providers", names),
    Column("description"),
)
COLUMNS = TABLE.headers
CLASSES = ("unmet", "partially-funded", "funded")


def item(r: dict[str, Any]) -> dict[str, Any]:
    return TABLE.item(r)


def view(need_rows: list[dict[str, Any]], currency: str, classification: str | None = None) -> dict[str, Any]:
    """The whole view, every open need on one page."""
    found = sorted(open_needs(need_rows), key=sort_key)
    counts = {c: sum(1 for r in found if r["classification"] == c) for c in CLASSES}
    return answer([r for r in found if classification in (None, r["classification"])], counts, currency, classification)


def answer(
    page: list[dict[str, Any]], counts: dict[str, int], currency: str, classification: str | None = None
) -> dict[str, Any]:
    """One page of the view: its needs, and the count of all of them (on every page).

    `counts` holds every open need matching the filters per classification; a `classification`
    filter narrows them to its own.
    """
    counts = {c: counts.get(c, 0) if classification in (None, c) else 0 for c in CLASSES}
    return {"currency": currency, "count": sum(counts.values()), "counts": counts, "items": [item(r) for r in page]}


def csv_rows(answer: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    return TABLE.csv(answer)
