"""programme-monitoring: delivery against commitment, per programme, with the flags to act on.

Flags, judged on `today` (the as_of date for a past view):
- `over-disbursed`: disbursed exceeds committed in the reporting currency (amounts without a
  rate are listed apart and not compared);
- `stalled`: in implementation and no delivery in the 180 days before today; with no delivery
  ever, counted from the start date (or the registration date without one);
- `overdue`: the end date is past and the programme is neither closed nor cancelled.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from domain.programmes import IMPLEMENTATION
from projections.views.common import fraction, text

STALL_DAYS = 180
FLAGS = ("over-disbursed", "stalled", "overdue")
COLUMNS = [
    "programme_id",
    "title",
    "status",
    "status_name",
    "start",
    "end",
    "funders",
    "implementers",
    "states",
    "currency",
    "pledged",
    "committed",
    "disbursed",
    "disbursement_rate",
    "deliveries",
    "last_delivery",
    "days_without_delivery",
    "flags",
    "unconverted_pledged",
    "unconverted_committed",
    "unconverted_disbursed",
]


def quiet_since(p: dict[str, Any]) -> str | None:
    """The day from which a programme in implementation counts as quiet: its last delivery, else
    its start, else its registration; None when not in implementation."""
    if p["status"] != IMPLEMENTATION:
        return None
    return p["last_delivery"] or p["start"] or p["registered_at"][:10]


def over_disbursed(p: dict[str, Any]) -> bool:
    return Decimal(p["disbursed"]) > Decimal(p["committed"])


def stalled_before(today: date) -> str:
    """A programme is stalled on `today` when it has been quiet since before this day."""
    return (today - timedelta(days=STALL_DAYS)).isoformat()


def sort_key(p: dict[str, Any]) -> str:
    """List order (title regardless of case, then id) as one string; \x01 sorts before any title text."""
    return f"{p['title'].casefold()}\x01{p['programme_id']}"


def days_without_delivery(p: dict[str, Any], today: date) -> int | None:
    """Days since the last delivery (else the start, else registration), in implementation only."""
    since = quiet_since(p)
    return None if since is None else (today - date.fromisoformat(since)).days


def flags(p: dict[str, Any], today: date) -> list[str]:
    found = []
    if over_disbursed(p):
        found.append("over-disbursed")
    quiet = days_without_delivery(p, today)
    if quiet is not None and quiet > STALL_DAYS:
        found.append("stalled")
    if p["end"] and date.fromisoformat(p["end"]) < today and not p["closed"]:
        found.append("overdue")
    return found


def monitor(p: dict[str, Any], today: date) -> dict[str, Any]:
    return {
        **{
            k: p[k]
            for k in (
                "programme_id",
                "title",
                "status",
                "status_name",
                "start",
                "end",
                "states",
                "funders",
                "implementers",
                "active",
                "pledged",
                "committed",
                "disbursed",
                "unconverted",
                "deliveries",
                "last_delivery",
            )
        },
        "linked_needs": len(p["linked_needs"]),
        "disbursement_rate": fraction(Decimal(p["disbursed"]), Decimal(p["committed"])),
        "days_without_delivery": days_without_delivery(p, today),
        "flags": flags(p, today),
    }


def view(
    programme_rows: Iterable[dict[str, Any]], currency: str, today: date, flag: str | None = None
) -> dict[str, Any]:
    """Every programme on one page; `flag` keeps only the programmes raising it."""
    found, counted = page(programme_rows, today, flag, None, None)
    return answer(found[0], counted, currency, today)


def page(
    programme_rows: Iterable[dict[str, Any]],
    today: date,
    flag: str | None,
    after: str | None,
    limit: int | None,
) -> tuple[tuple[list[dict[str, Any]], bool], dict[str, int]]:
    """(rows of the page after the sort key `after`, more?) and the counts of all, in memory."""
    rows = sorted(programme_rows, key=sort_key)
    counted = {"count": 0, **dict.fromkeys(FLAGS, 0)}
    kept = []
    for p in rows:
        raised = flags(p, today)
        for f in raised:
            counted[f] += 1
        if flag is None or flag in raised:
            counted["count"] += 1
            if after is None or sort_key(p) > after:
                kept.append(p)
    if limit is None:
        return (kept, False), counted
    return (kept[:limit], len(kept) > limit), counted


def answer(programme_rows: list[dict[str, Any]], counted: dict[str, int], currency: str, today: date) -> dict[str, Any]:
    """A page of programmes, with how many there are and how many raise each flag (of them all)."""
    return {
        "currency": currency,
        "today": today.isoformat(),
        "stall_days": STALL_DAYS,
        "count": counted["count"],
        "counts": {f: counted[f] for f in FLAGS},
        "items": [monitor(p, today) for p in programme_rows],
    }


def linked(p: dict[str, Any], need_ids: set[str]) -> bool:
    """Whether the programme is linked to any of these needs (article, chapter, TA type filters)."""
    return any(n["need_id"] in need_ids for n in p["linked_needs"])


def csv_rows(answer: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    def names(orgs: list[dict[str, Any]]) -> str:
        return ";".join(o["name"] for o in orgs)

    out = []
    for i in answer["items"]:
        u = i["unconverted"]
        out.append(
            [
                i["programme_id"],
                i["title"],
                i["status"],
                i["status_name"],
                i["start"] or "",
                i["end"] or "",
                names(i["funders"]),
                names(i["implementers"]),
                ";".join(i["states"]),
                answer["currency"],
                i["pledged"],
                i["committed"],
                i["disbursed"],
                i["disbursement_rate"] or "",
                i["deliveries"],
                i["last_delivery"] or "",
                "" if i["days_without_delivery"] is None else i["days_without_delivery"],
                ";".join(i["flags"]),
                text(u["pledged"]),
                text(u["committed"]),
                text(u["disbursed"]),
            ]
        )
    return COLUMNS, out
