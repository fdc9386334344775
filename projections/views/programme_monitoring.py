"""programme-monitoring: delivery against commitment, per programme, with the flags to act on.

Flags, judged on `today` (the as_of date for a past view):
- `over-disbursed`: disbursed exceeds committed in the reporting currency (amounts without a
  rate are listed apart and not compared);
- `stalled`: in implementation and no delivery in the 180 days before today; with no delivery
  ever, counted from the start date (or the registration date without one);
- `overdue`: the end date is past and the programme is neither closed nor cancelled;
- `net-negative`: corrections took more off a currency's commitments or disbursements than was
  recorded in it (the net is below zero: docs/corrections.md).

`linked_needs` counts the needs a row links: readers who may not see every need are handed rows
holding only those they may see (api/http/visibility.py), so it counts the visible ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from domain.programmes import IMPLEMENTATION
from projections.views.columns import Column, Table, blank, derived, joined, leftovers, names, shared
from projections.views.common import fraction, text
from projections.views.encoded import encode, spliced

STALL_DAYS = 180
FLAGS = ("over-disbursed", "stalled", "overdue", "net-negative")
MONEY = ("pledged", "committed", "disbursed")


def unconfirmed(book: str) -> Callable[[dict[str, Any]], str]:
    """A book's third-party reports not confirmed by their funders, summed apart from its total."""
    return lambda i: str(i["unconfirmed"][book])


def net(book: str) -> Callable[[dict[str, Any]], str]:
    """A book's net per currency in one cell: `EUR -12.00;USD 36385.31`."""
    return lambda i: text(i["net"][book])


def report_line(r: dict[str, Any]) -> str:
    """One third-party report in one cell: `commitment USD 1000.00 reported by X, not confirmed by Y`."""
    return f"{r['kind']} {r['currency']} {r['amount']} {r['note']}"


TABLE = Table(
    Column("programme_id"),
    Column("title"),
    Column("status"),
    Column("status_name"),
    Column("start", blank),
    Column("end", blank),
    Column("funders", names),
    Column("implementers", names),
    Column("states", joined),
    Column("active", None),
    shared("currency"),
    Column("pledged"),
    Column("committed"),
    Column("disbursed"),
    Column("unconverted", None),
    Column("disbursement_rate", blank),
    Column("deliveries"),
    Column("last_delivery", blank),
    Column("linked_needs", None),
    Column("days_without_delivery", blank),
    Column("flags", joined),
    *(leftovers(book) for book in MONEY),
    # third-party reports (README, views definitions): summed apart from every total, and listed
    Column("unconfirmed", None),
    Column("reports", None),
    *(derived(f"unconfirmed_{book}", unconfirmed(book)) for book in MONEY),
    derived("third_party_reports", lambda i: ";".join(report_line(r) for r in i["reports"] if not r["cancelled"])),
    # corrections (docs/corrections.md): counted ones, what they took off per currency, and the net per currency
    Column("corrections"),
    Column("decreased", text),
    Column("corrected", text),
    Column("net", None),
    *(derived(f"net_{book}", net(book)) for book in ("committed", "disbursed")),
)
COLUMNS = TABLE.headers


def quiet_since(p: dict[str, Any]) -> str | None:
    """The day from which a programme in implementation counts as quiet: its last delivery, else
    its start, else its registration; None when not in implementation."""
    if p["status"] != IMPLEMENTATION:
        return None
    return str(p["last_delivery"] or p["start"] or p["registered_at"][:10])


def over_disbursed(p: dict[str, Any]) -> bool:
    return Decimal(p["disbursed"]) > Decimal(p["committed"])


def net_negative(p: dict[str, Any]) -> bool:
    """Corrections took more off a currency's commitments or disbursements than was recorded in it."""
    return any(Decimal(v) < 0 for book in ("committed", "disbursed") for v in p["net"][book].values())


def stalled_before(today: date) -> str:
    """A programme is stalled on `today` when it has been quiet since before this day."""
    return (today - timedelta(days=STALL_DAYS)).isoformat()


def sort_key(p: dict[str, Any]) -> str:
    """List order (title regardless of case, then id) as one string; \x01 sorts before any title text."""
    return f"{p['title'].casefold()}\x01{p['programme_id']}"


def days_without_delivery(p: dict[str, Any], today: date) -> int | None:
    """Days since the last delivery (else the start, else registration), in implementation only; never below 0 (a
    delivery may be dated up to one day ahead, for time zones: DESIGN, deliveries)."""
    return quiet_days(quiet_since(p), today)


def quiet_days(since: str | None, today: date) -> int | None:
    """`days_without_delivery` from the day the programme has been quiet since (`quiet_since`)."""
    return None if since is None else max(0, (today - date.fromisoformat(since)).days)


def flags(p: dict[str, Any], today: date) -> list[str]:
    return judged_flags(over_disbursed(p), net_negative(p), quiet_since(p), p["end"], p["closed"], today)


def judged_flags(
    over: bool, negative: bool, since: str | None, end: str | None, closed: bool, today: date
) -> list[str]:
    """The flags raised on `today`, from what they are judged on (the columns a kept row holds: kept.monitored)."""
    found = []
    if over:
        found.append("over-disbursed")
    quiet = quiet_days(since, today)
    if quiet is not None and quiet > STALL_DAYS:
        found.append("stalled")
    if end and date.fromisoformat(end) < today and not closed:
        found.append("overdue")
    if negative:
        found.append("net-negative")
    return found


def monitor(p: dict[str, Any], today: date) -> dict[str, Any]:
    """A programme's JSON item: its row's columns, with what is judged on `today`."""
    return TABLE.item(judged(p, days_without_delivery(p, today), flags(p, today)))


def judged(p: dict[str, Any], days: int | None, raised: list[str] | None) -> dict[str, Any]:
    """A programme's row with the fields of its item that are not its row's: counted, computed, judged on a day."""
    return {
        **p,
        "linked_needs": len(p["linked_needs"]),
        "disbursement_rate": fraction(Decimal(p["disbursed"]), Decimal(p["committed"])),
        "days_without_delivery": days,
        "flags": raised,
    }


# An item's fields judged on the day asked, adjacent in TABLE's order: a kept item is stored as the encoded fields
# before them and after them (`encoded_parts`), and served with these two spliced in (`encoded_item`).
ON_THE_DAY = ("days_without_delivery", "flags")


def encoded_parts(p: dict[str, Any]) -> tuple[str, str]:
    """A programme's item encoded as answers are, without its fields judged on the day: the text before them (the
    opening `{` and the fields, no comma after) and after them (the fields and the closing `}`); see ON_THE_DAY."""
    item = TABLE.item(judged(p, None, None))
    keys = list(item)
    at = keys.index(ON_THE_DAY[0])
    before = {k: item[k] for k in keys[:at]}
    after = {k: item[k] for k in keys[at + len(ON_THE_DAY) :]}
    return encode(before)[:-1], encode(after)[1:]


def encoded_item(head: str, tail: str, days: int | None, raised: list[str]) -> str:
    """A kept item (`encoded_parts`) with its fields judged on the day: the bytes `monitor` would encode to."""
    return f'{head},"days_without_delivery":{encode(days)},"flags":{encode(raised)},{tail}'


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


def encoded_answer(
    items: list[str], counted: dict[str, int], currency: str, today: date, next_cursor: str | None, position: int
) -> bytes:
    """A page's answer with `next_cursor` and `position`, as JSON bytes, its items given encoded (`encoded_item`):
    the bytes `answer(...)` with those two would encode to."""
    head = {
        "currency": currency,
        "today": today.isoformat(),
        "stall_days": STALL_DAYS,
        "count": counted["count"],
        "counts": {f: counted[f] for f in FLAGS},
    }
    return spliced(head, items, {"next_cursor": next_cursor, "position": position})


def linked(p: dict[str, Any], need_ids: set[str]) -> bool:
    """Whether the programme is linked to any of these needs (article, chapter, TA type filters)."""
    return any(n["need_id"] in need_ids for n in p["linked_needs"])


def csv_rows(answer: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    return TABLE.csv(answer)
