"""priority-areas (resolution para 14): where needs recur across States parties, ranked.

Per article, chapter, TA type (v2) or region: the states with open needs there, the open needs,
the share of them unmet, and Σ gap. Ranking: more states first (a need many States share is a
priority for regional and global assistance), then a higher unmet share, then a larger Σ gap,
then the area's own order. Needs whose gap is unknown add nothing to Σ gap and are counted apart.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from projections.views.common import ZERO, fraction, keys_of, label, money, open_needs, order

BY = ("article", "chapter", "ta_type", "region")
RANKING = (
    "states with open needs (more first), then unmet share (higher first), then "
    "Σ gap (larger first), then the area's order"
)
COLUMNS = [
    "rank",
    "by",
    "key",
    "label",
    "states",
    "state_codes",
    "needs",
    "needs_unmet",
    "unmet_share",
    "needs_high_priority",
    "currency",
    "gap",
    "needs_gap_unknown",
]


class Area:
    def __init__(self) -> None:
        self.states: set[str] = set()
        self.needs = self.unmet = self.high = self.gap_unknown = 0
        self.gap = ZERO

    def add(self, r: dict[str, Any]) -> None:
        self.states.add(r["state"])
        self.needs += 1
        self.unmet += r["classification"] == "unmet"
        self.high += r["priority"] == "high"
        if r["gap"] is None:
            self.gap_unknown += 1
        else:
            self.gap += Decimal(r["gap"])

    def unmet_share(self) -> Decimal:
        return Decimal(self.unmet) / self.needs

    def out(self) -> dict[str, Any]:
        return {
            "states": len(self.states),
            "state_codes": sorted(self.states),
            "needs": self.needs,
            "needs_unmet": self.unmet,
            "unmet_share": fraction(Decimal(self.unmet), Decimal(self.needs)),
            "needs_high_priority": self.high,
            "gap": money(self.gap),
            "needs_gap_unknown": self.gap_unknown,
        }


def view(
    need_rows: list[dict[str, Any]], currency: str, by: str = "article", ta_type: str | None = None
) -> dict[str, Any]:
    """`ta_type`, when the rows were filtered by it, keeps only that TA type's area."""
    if by not in BY:
        raise ValueError(f"by is one of {', '.join(BY)}")
    areas: dict[Any, Area] = {}
    for r in open_needs(need_rows):
        for key in keys_of(r, by):
            if by == "ta_type" and ta_type is not None and key != ta_type:
                continue
            areas.setdefault(key, Area()).add(r)
    ranked = sorted(
        areas,
        key=lambda k: (-len(areas[k].states), -areas[k].unmet_share(), -areas[k].gap, order(by, k)),
    )
    items = [
        {"rank": n, "key": key, "label": label(by, key), **areas[key].out()}
        for n, key in enumerate(ranked, start=1)
    ]
    answer = {
        "currency": currency,
        "by": by,
        "ranking": RANKING,
        "count": len(items),
        "items": items,
    }
    if by == "ta_type":
        answer["note"] = "a need with several TA types counts in the area of each of them"
    return answer


def csv_rows(answer: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    out = [
        [
            i["rank"],
            answer["by"],
            i["key"],
            i["label"],
            i["states"],
            ";".join(i["state_codes"]),
            i["needs"],
            i["needs_unmet"],
            i["unmet_share"],
            i["needs_high_priority"],
            answer["currency"],
            i["gap"],
            i["needs_gap_unknown"],
        ]
        for i in answer["items"]
    ]
    return COLUMNS, out
