"""Kept flagged programmes (`view_flagged`): per programme, the spans of days over which it raises the
same number of flags, so the dashboard's first flagged programmes (most flags first, then in list
order) are index ranges per number of flags, not a judgement of every programme row.

A programme's flags on `today` are over-disbursed and net-negative (always, while its row says so),
stalled (from the day after it has been quiet `STALL_DAYS`) and overdue (from the day after its end,
unless closed): each one is raised on `today` exactly when its day (`flag_days`) is before `today`.
So, until its row changes, the number a programme raises only steps up, at most twice: a span
(n, after, until) holds the days `today` with `after < today <= until` (`after` "" for always,
`until` None for ever) on which it raises n flags. Rewritten whenever the programme's row is.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from projections.db import Tx
from projections.views import programme_monitoring

FLAGGED_COLUMNS = ("programme_id", "n", "after_day", "until_day", "sort_key")


def flag_days(over: bool, negative: bool, quiet: str | None, end: str | None, closed: bool) -> list[str]:
    """The day of each flag the programme raises on the days after it: "" for one raised always."""
    days = [""] * (int(over) + int(negative))
    if quiet:
        days.append((date.fromisoformat(quiet) + timedelta(days=programme_monitoring.STALL_DAYS)).isoformat())
    if end and not closed:
        days.append(end)
    return sorted(days)


def spans(days: list[str]) -> list[tuple[int, str, str | None]]:
    """The (n, after, until) spans of a programme whose flags come on these days, n > 0 only; a
    span of no day (two flags on the same day) is left out."""
    out = []
    for n in range(1, len(days) + 1):
        after, until = days[n - 1], days[n] if n < len(days) else None
        if until is None or after < until:
            out.append((n, after, until))
    return out


def rewrite_flagged(tx: Tx, programme_rows: dict[str, dict[str, Any]], fresh: bool) -> None:
    """Write these programmes' spans afresh (`fresh`: none stored)."""
    if not fresh:
        ids = list(programme_rows)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            tx.execute(f"DELETE FROM view_flagged WHERE programme_id IN ({','.join('?' * len(chunk))})", chunk)
    rows: list[tuple[Any, ...]] = []
    for pid, r in programme_rows.items():
        days = flag_days(
            programme_monitoring.over_disbursed(r),
            programme_monitoring.net_negative(r),
            programme_monitoring.quiet_since(r),
            r["end"],
            r["closed"],
        )
        key = programme_monitoring.sort_key(r)
        rows.extend((pid, n, after, until, key) for n, after, until in spans(days))
    tx.executemany(
        f"INSERT INTO view_flagged ({', '.join(FLAGGED_COLUMNS)}) VALUES ({','.join('?' * len(FLAGGED_COLUMNS))})",
        rows,
    )


def flagged_first(tx: Tx, today: date, limit: int) -> list[dict[str, Any]]:
    """The first `limit` programmes raising a flag on `today`, most flags first, then in list order:
    per number of flags, from the most (4) down, the spans holding `today` in list order, through
    the index on (n, sort_key); only the documents shown are read."""
    day = today.isoformat()
    found: list[str] = []
    for n in range(4, 0, -1):
        if len(found) >= limit:
            break
        rows = tx.execute(
            "SELECT programme_id FROM view_flagged WHERE n = ? AND after_day < ?"
            " AND (until_day IS NULL OR until_day >= ?) ORDER BY sort_key LIMIT ?",
            (n, day, day, limit - len(found)),
        ).fetchall()
        found.extend(r["programme_id"] for r in rows)
    return _docs(tx, found)


def _docs(tx: Tx, ids: Iterable[str]) -> list[dict[str, Any]]:
    ordered = list(ids)
    if not ordered:
        return []
    rows = tx.execute(
        f"SELECT programme_id, doc FROM view_programmes WHERE programme_id IN ({','.join('?' * len(ordered))})",
        ordered,
    ).fetchall()
    docs = {r["programme_id"]: json.loads(r["doc"]) for r in rows}
    return [docs[i] for i in ordered]
