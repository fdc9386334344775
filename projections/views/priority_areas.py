"""priority-areas (resolution para 14): where needs recur across States parties, ranked.

Per article, chapter, TA type (v2) or region: the states with open needs there, the open needs,
the share of them unmet, and Σ gap. Ranking: more states first (a need many States share is a
priority for regional and global assistance), then a higher unmet share, then a larger Σ gap,
then the area's own order. Needs whose gap is unknown add nothing to Σ gap and are counted apart.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from projections.views.columns import Column, Table, joined, shared
from projections.views.common import fraction, label, money, order
from projections.views.tally import Tally, tally

BY = ("article", "chapter", "ta_type", "region")
RANKING = (
    "states with open needs (more first), then unmet share (higher first), then "
    "Σ gap (larger first), then the area's order"
)
TABLE = Table(
    Column("rank"),
    shared("by"),
    Column("key"),
    Column("label"),
    Column("states"),
    Column("state_codes", joined),
    Column("needs"),
    Column("needs_unmet"),
    Column("unmet_share"),
    Column("needs_high_priority"),
    shared("currency"),
    Column("gap"),
    Column("needs_gap_unknown"),
)
COLUMNS = TABLE.headers


def unmet_share(t: Tally) -> Decimal:
    return Decimal(t.counts["unmet"]) / t.counts["needs"]


def out(t: Tally) -> dict[str, Any]:
    c = t.counts
    return {
        "states": len(t.states),
        "state_codes": sorted(t.states),
        "needs": c["needs"],
        "needs_unmet": c["unmet"],
        "unmet_share": fraction(Decimal(c["unmet"]), Decimal(c["needs"])),
        "needs_high_priority": c["high"],
        "gap": money(t.sums["gap"]),
        "needs_gap_unknown": c["gap_unknown"],
    }


def view(
    need_rows: list[dict[str, Any]], currency: str, by: str = "article", ta_type: str | None = None
) -> dict[str, Any]:
    """`ta_type`, when the rows were filtered by it, keeps only that TA type's area."""
    if by not in BY:
        raise ValueError(f"by is one of {', '.join(BY)}")
    return answer(tally(need_rows, by, ta_type)[0], currency, by)


def answer(areas: dict[Any, Tally], currency: str, by: str) -> dict[str, Any]:
    """The ranked view from its areas' tallies (folded from rows, or kept current by the runner)."""
    ranked = sorted(
        areas,
        key=lambda k: (-len(areas[k].states), -unmet_share(areas[k]), -areas[k].sums["gap"], order(by, k)),
    )
    items = [
        {"rank": n, "key": key, "label": label(by, key), **out(areas[key])} for n, key in enumerate(ranked, start=1)
    ]
    result = {
        "currency": currency,
        "by": by,
        "ranking": RANKING,
        "count": len(items),
        "items": items,
    }
    if by == "ta_type":
        result["note"] = "a need with several TA types counts in the area of each of them"
    return result


def csv_rows(answer: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    return TABLE.csv(answer)
