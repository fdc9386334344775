"""funding-gaps: open needs grouped by state, region, chapter, article or TA type, with their money.

Every amount is already allocated to the need by the programme's share (projections/rows.py), so
a group's sums are plain sums over its needs. A gap is unknown without a converted estimate:
such needs are counted apart and add nothing to Σ gap (never counted as a zero gap).
"""

from __future__ import annotations

from typing import Any

from projections.views.columns import Column, Table, leftovers, shared
from projections.views.common import AREAS, BOOKS, label, money, order
from projections.views.tally import Tally, tally

TA_TYPE_NOTE = (
    "a need with several TA types counts in the group of each of them, so the groups add up to more than the total"
)
TABLE = Table(
    shared("group_by"),
    Column("key"),
    Column("label"),
    shared("currency"),
    Column("needs"),
    Column("needs_unmet"),
    Column("estimated"),
    Column("committed"),
    Column("pledged"),
    Column("disbursed"),
    Column("gap"),
    Column("needs_without_estimate"),
    Column("needs_estimate_unconverted"),
    *(leftovers(book) for book in BOOKS),
)
COLUMNS = TABLE.headers


def out(t: Tally) -> dict[str, Any]:
    c = t.counts
    return {
        "needs": c["needs"],
        "needs_unmet": c["unmet"],
        **{book: money(v) for book, v in t.sums.items()},
        "needs_without_estimate": c["no_estimate"],
        "needs_estimate_unconverted": c["estimate_unconverted"],  # a gap unknown too
        "unconverted": t.unconverted_out(),
    }


def view(
    need_rows: list[dict[str, Any]],
    currency: str,
    group_by: str = "state",
    ta_type: str | None = None,
) -> dict[str, Any]:
    """`ta_type`, when the rows were filtered by it, keeps only that TA type's group."""
    if group_by not in AREAS:
        raise ValueError(f"group_by is one of {', '.join(AREAS)}")
    return answer(*tally(need_rows, group_by, ta_type), currency, group_by)


def answer(groups: dict[Any, Tally], total: Tally, currency: str, group_by: str) -> dict[str, Any]:
    """The view from its groups' tallies (folded from rows, or kept current by the runner)."""
    items = [
        {"key": key, "label": label(group_by, key), **out(groups[key])}
        for key in sorted(groups, key=lambda k: order(group_by, k))
    ]
    result = {
        "currency": currency,
        "group_by": group_by,
        "count": len(items),
        "items": items,
        "total": out(total),
    }
    if group_by == "ta_type":
        result["note"] = TA_TYPE_NOTE
    return result


def csv_rows(answer: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    return TABLE.csv(answer)
