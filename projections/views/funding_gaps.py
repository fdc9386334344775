"""funding-gaps: open needs grouped by state, region, chapter, article or TA type, with their money.

Every amount is already allocated to the need by the programme's share (projections/rows.py), so
a group's sums are plain sums over its needs. A gap is unknown without a converted estimate:
such needs are counted apart and add nothing to Σ gap (never counted as a zero gap).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from projections.views.common import (
    AREAS,
    ZERO,
    Unconverted,
    keys_of,
    label,
    money,
    open_needs,
    order,
    text,
)

TA_TYPE_NOTE = (
    "a need with several TA types counts in the group of each of them, "
    "so the groups add up to more than the total"
)
COLUMNS = [
    "group_by",
    "key",
    "label",
    "currency",
    "needs",
    "needs_unmet",
    "estimated",
    "committed",
    "pledged",
    "disbursed",
    "gap",
    "needs_without_estimate",
    "needs_estimate_unconverted",
    "unconverted_estimated",
    "unconverted_committed",
    "unconverted_pledged",
    "unconverted_disbursed",
]


class Group:
    def __init__(self) -> None:
        self.needs = self.unmet = self.no_estimate = self.estimate_unconverted = 0
        self.sums = {b: ZERO for b in ("estimated", "committed", "pledged", "disbursed", "gap")}
        self.unconverted = Unconverted()

    def add(self, r: dict[str, Any]) -> None:
        self.needs += 1
        self.unmet += r["classification"] == "unmet"
        if r["estimated_cost"] is None:
            self.no_estimate += 1
        elif r["estimated"] is None:
            self.estimate_unconverted += 1  # an estimate we cannot convert: its gap is unknown too
        for book, value in (
            ("estimated", r["estimated"]),
            ("committed", r["allocated_commitment"]),
            ("pledged", r["allocated_pledged"]),
            ("disbursed", r["allocated_disbursed"]),
            ("gap", r["gap"]),
        ):
            if value is not None:
                self.sums[book] += Decimal(value)
        self.unconverted.add(r["unconverted"])

    def out(self) -> dict[str, Any]:
        return {
            "needs": self.needs,
            "needs_unmet": self.unmet,
            **{book: money(v) for book, v in self.sums.items()},
            "needs_without_estimate": self.no_estimate,
            "needs_estimate_unconverted": self.estimate_unconverted,
            "unconverted": self.unconverted.out(),
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
    groups: dict[Any, Group] = {}
    total = Group()
    for r in open_needs(need_rows):
        total.add(r)
        for key in keys_of(r, group_by):
            if group_by == "ta_type" and ta_type is not None and key != ta_type:
                continue
            groups.setdefault(key, Group()).add(r)
    items = [
        {"key": key, "label": label(group_by, key), **groups[key].out()}
        for key in sorted(groups, key=lambda k: order(group_by, k))
    ]
    answer = {
        "currency": currency,
        "group_by": group_by,
        "count": len(items),
        "items": items,
        "total": total.out(),
    }
    if group_by == "ta_type":
        answer["note"] = TA_TYPE_NOTE
    return answer


def csv_rows(answer: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    out = []
    for i in answer["items"]:
        u = i["unconverted"]
        out.append(
            [
                answer["group_by"],
                i["key"],
                i["label"],
                answer["currency"],
                i["needs"],
                i["needs_unmet"],
                i["estimated"],
                i["committed"],
                i["pledged"],
                i["disbursed"],
                i["gap"],
                i["needs_without_estimate"],
                i["needs_estimate_unconverted"],
                text(u["estimated"]),
                text(u["committed"]),
                text(u["pledged"]),
                text(u["disbursed"]),
            ]
        )
    return COLUMNS, out
