"""priority-areas (resolution para 14): where needs recur across States parties, ranked.

Per article, chapter, TA type (v2) or region: the states with open needs there, the open needs,
the share of them unmet, and Σ gap. Ranking: more states first (a need many States share is a
priority for regional and global assistance), then a higher unmet share, then a larger Σ gap,
then the area's own order. Needs whose gap is unknown add nothing to Σ gap and are counted apart.
Each area also counts its needs identified with non-governmental stakeholders (para 15), and
`stakeholders` keeps only the needs identified with them (`non-governmental`) or with one kind.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from domain.stakeholders import NON_GOVERNMENTAL, STAKEHOLDER_KINDS
from projections.views.columns import Column, Table, joined, shared
from projections.views.common import fraction, label, money, order
from projections.views.encoded import spliced
from projections.views.tally import Tally, tally

BY = ("article", "chapter", "ta_type", "region")
STAKEHOLDERS = ("non-governmental", *STAKEHOLDER_KINDS)  # the `stakeholders` filter's values
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
    Column("needs_non_governmental_stakeholders"),
    shared("currency"),
    Column("gap"),
    Column("needs_gap_unknown"),
)
COLUMNS = TABLE.headers
NOTE = "a need with several TA types counts in the area of each of them"


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
        "needs_non_governmental_stakeholders": c["non_governmental"],
        "gap": money(t.sums["gap"]),
        "needs_gap_unknown": c["gap_unknown"],
    }


def with_stakeholders(need_rows: list[dict[str, Any]], stakeholders: str) -> list[dict[str, Any]]:
    """The needs identified with non-governmental stakeholders, or with stakeholders of one kind."""
    kinds = NON_GOVERNMENTAL if stakeholders == "non-governmental" else (stakeholders,)
    return [r for r in need_rows if any(s["kind"] in kinds for s in r["stakeholders"])]


def view(
    need_rows: list[dict[str, Any]],
    currency: str,
    by: str = "article",
    ta_type: str | None = None,
    stakeholders: str | None = None,
) -> dict[str, Any]:
    """`ta_type`, when the rows were filtered by it, keeps only that TA type's area; `stakeholders` keeps
    the needs identified with them (`with_stakeholders`)."""
    if by not in BY:
        raise ValueError(f"by is one of {', '.join(BY)}")
    rows = with_stakeholders(need_rows, stakeholders) if stakeholders else need_rows
    return answer(tally(rows, by, ta_type)[0], currency, by, stakeholders)


def answer(areas: dict[Any, Tally], currency: str, by: str, stakeholders: str | None = None) -> dict[str, Any]:
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
        result["note"] = NOTE
    if stakeholders:
        result["stakeholders"] = stakeholders
    return result


def encoded_answer(items: list[str], currency: str, by: str, position: int) -> bytes:
    """The unfiltered answer with its `position`, as JSON bytes, its items given ranked and encoded
    (`kept.areas`): the bytes `answer(...)` with that position would encode to."""
    head = {"currency": currency, "by": by, "ranking": RANKING, "count": len(items)}
    tail: dict[str, Any] = {}
    if by == "ta_type":
        tail["note"] = NOTE
    return spliced(head, items, {**tail, "position": position})


def csv_rows(answer: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    return TABLE.csv(answer)
