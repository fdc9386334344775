"""Kept priority areas (`view_areas`): per grouping of priority-areas, area and variant, one row with
the ranking's columns and the area's item encoded as the answer holds it (without its rank), so the
unfiltered view is a read of one row per area, an exact sort of their ranking columns and a
concatenation of bytes: nothing decoded or encoded per request."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from projections.db import Tx
from projections.views import priority_areas
from projections.views.common import label, order
from projections.views.encoded import encode
from projections.views.tally import Tally

AREA_COLUMNS = ("dim", "key", "variant", "states", "unmet", "needs", "gap", "item")
TallyKey = tuple[str, str, int]  # (dimension, key, published), as view_tallies keys them


def area_key(by: str, key: str) -> Any:
    """The area's key as answers hold it: an article's number, every other area's code."""
    return int(key) if by == "article" else key


def siblings(keys: Iterable[TallyKey]) -> set[TallyKey]:
    """The kept tallies a move of these must read to rewrite their areas: both published flags of each area."""
    return {(dim, key, p) for dim, key, _ in keys if dim in priority_areas.BY for p in (0, 1)}


def rewrite_areas(tx: Tx, tallies: dict[TallyKey, Tally | None]) -> None:
    """Rewrite the area rows of the priority groupings whose tallies these are: `tallies` holds, for
    every area moved, both published flags' tallies as they now stand (None: no open need)."""
    areas = sorted({(dim, key) for dim, key, _ in tallies if dim in priority_areas.BY})
    if not areas:
        return
    rows, gone = [], []
    for dim, key in areas:
        unpublished, published = tallies.get((dim, key, 0)), tallies.get((dim, key, 1))
        every = Tally()
        for t in (unpublished, published):
            if t is not None:
                every.merge(t)
        for variant, t in (("all", every), ("published", published)):
            if t is not None and not t.empty:
                rows.append(_area_row(dim, key, variant, t))
            else:
                gone.append((dim, key, variant))
    # Updated in place, not deleted and inserted: no indexed column changes, so PostgreSQL keeps each
    # new version beside the old one (a HOT update) and the table stays as small as its rows.
    tx.executemany("DELETE FROM view_areas WHERE dim = ? AND key = ? AND variant = ?", gone)
    tx.executemany(
        f"INSERT INTO view_areas ({', '.join(AREA_COLUMNS)}) VALUES ({','.join('?' * len(AREA_COLUMNS))})"
        " ON CONFLICT (dim, key, variant) DO UPDATE SET states = excluded.states, unmet = excluded.unmet,"
        " needs = excluded.needs, gap = excluded.gap, item = excluded.item",
        rows,
    )


def _area_row(by: str, key: str, variant: str, t: Tally) -> tuple[Any, ...]:
    k = area_key(by, key)
    item = encode({"key": k, "label": label(by, k), **priority_areas.out(t)})
    return (by, key, variant, len(t.states), t.counts["unmet"], t.counts["needs"], str(t.sums["gap"]), item)


def ranked_items(tx: Tx, by: str, published_only: bool) -> list[str]:
    """The areas' items of one grouping, ranked as `priority_areas.answer` ranks them, each encoded
    with its rank as the answer holds it."""
    rows = tx.execute(
        "SELECT key, states, unmet, needs, gap, item FROM view_areas WHERE dim = ? AND variant = ?",
        (by, "published" if published_only else "all"),
    ).fetchall()
    ranked = sorted(
        rows,
        key=lambda r: (
            -int(r["states"]),
            -(Decimal(int(r["unmet"])) / int(r["needs"])),
            -Decimal(r["gap"]),
            order(by, area_key(by, r["key"])),
        ),
    )
    return [f'{{"rank":{n},{r["item"][1:]}' for n, r in enumerate(ranked, start=1)]
