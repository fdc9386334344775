"""funding-gaps: open needs grouped by state, region, chapter, article or TA type, with their money.

Every amount is already allocated to the need by the programme's share (projections/rows.py), so
a group's sums are plain sums over its needs. A gap is unknown without a converted estimate:
such needs are counted apart and add nothing to Σ gap (never counted as a zero gap).
"""

from __future__ import annotations

from typing import Any

from projections.views.common import AREAS, Tally, label, money, order, tally, text

TA_TYPE_NOTE = (
    "a need with several TA types counts in the group of each of them, so the groups add up to more than the total"
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
