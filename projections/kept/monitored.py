"""Kept programme-monitoring items: each programme's row (`view_programmes`, written by `store.writes`) holds its item
encoded as the answer holds it but for the two fields judged on the day asked (`programme_monitoring.ON_THE_DAY`):
the text before them (`item_head`) and after them (`item_tail`). A page of programme-monitoring is an index-ordered
read of a bounded number of rows whose items are spliced into the answer's bytes (`views/encoded.py`), with those two
judged from the row's columns: nothing decoded or encoded again."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from projections.db import Tx
from projections.views import programme_monitoring

# what a page reads of view_programmes besides the item's parts: the id and what the flags are judged on
MONITORED_COLUMNS = ("programme_id", "over_disbursed", "net_negative", "quiet_since", "end_date", "closed")


def flag_sql(today: date) -> dict[str, tuple[str, list[Any]]]:
    """programme-monitoring's flags on `today`, as SQL conditions over view_programmes' columns (see
    programme_monitoring.judged_flags)."""
    return {
        "over-disbursed": ("over_disbursed = 1", []),
        "stalled": ("quiet_since < ?", [programme_monitoring.stalled_before(today)]),
        "overdue": ("(end_date < ? AND closed = 0)", [today.isoformat()]),
        "net-negative": ("net_negative = 1", []),
    }


def programme_where(state: str | None = None, org: str | None = None) -> tuple[list[str], list[Any]]:
    """The programmes of `state` and of `org` (its funder, implementer or reporter), if given, in view_programmes."""
    where: list[str] = ["1 = 1"]
    params: list[Any] = []
    if state is not None:
        where.append("states LIKE ?")
        params.append(f"%,{state},%")
    if org is not None:
        where.append("orgs LIKE ?")
        params.append(f"%,{org},%")
    return where, params


def page_where(today: date, state: str | None, flag: str | None, after: str | None) -> tuple[list[str], list[Any]]:
    """A programme list page's conditions (`state`'s programmes raising `flag` on `today`, after the sort key
    `after`), in view_programmes."""
    where, params = programme_where(state)
    if flag is not None:
        condition, values = flag_sql(today)[flag]
        where.append(condition)
        params += values
    if after is not None:
        where.append("sort_key > ?")
        params.append(after)
    return where, params


def monitored_page(
    tx: Tx, today: date, flag: str | None, after: str | None, limit: int, state: str | None = None
) -> list[tuple[str, str]]:
    """Up to `limit` programmes in list order after the sort key `after` (of `state`, raising `flag`, if given):
    each one's id and its item encoded as the answer holds it on `today`."""
    where, params = page_where(today, state, flag, after)
    rows = tx.execute(
        f"SELECT {', '.join(MONITORED_COLUMNS)}, item_head, item_tail FROM view_programmes WHERE {' AND '.join(where)}"
        " ORDER BY sort_key LIMIT ?",
        [*params, limit],
    ).fetchall()
    return list(_items(rows, today))


def _items(rows: Iterable[dict[str, Any]], today: date) -> Iterable[tuple[str, str]]:
    for r in rows:
        since, end, closed = r["quiet_since"], r["end_date"], bool(r["closed"])
        raised = programme_monitoring.judged_flags(
            bool(r["over_disbursed"]), bool(r["net_negative"]), since, end, closed, today
        )
        days = programme_monitoring.quiet_days(since, today)
        yield r["programme_id"], programme_monitoring.encoded_item(r["item_head"], r["item_tail"], days, raised)
