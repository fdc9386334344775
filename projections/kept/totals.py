"""Kept totals (`view_totals`, name → n): the overlap cells' counts and the programmes' per-day counts."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from projections.db import Tx
from projections.kept.flagged import rewrite_flagged
from projections.views import programme_monitoring


def add_totals(tx: Tx, changes: dict[str, int]) -> None:
    """Add each change to its total; a total left at zero is deleted, as if never kept."""
    moved = [(name, n) for name, n in sorted(changes.items()) if n]
    tx.executemany(
        "INSERT INTO view_totals (name, n) VALUES (?, ?)"
        " ON CONFLICT (name) DO UPDATE SET n = view_totals.n + excluded.n",
        moved,
    )
    tx.executemany("DELETE FROM view_totals WHERE name = ? AND n = 0", [(name,) for name, _ in moved])


def kept_totals(tx: Tx, names: list[str]) -> dict[str, int]:
    """These totals, zero for those not kept."""
    rows = tx.execute(f"SELECT name, n FROM view_totals WHERE name IN ({','.join('?' * len(names))})", names).fetchall()
    kept = {r["name"]: int(r["n"]) for r in rows}
    return {name: kept.get(name, 0) for name in names}


def days_before(tx: Tx, prefix: str, day: str) -> int:
    """Σ of the per-day counts `prefix:<date>` for the days before `day`."""
    return int(
        tx.scalar("SELECT SUM(n) FROM view_totals WHERE name >= ? AND name < ?", (f"{prefix}:", f"{prefix}:{day}")) or 0
    )


def flagged_from(over: bool, negative: bool, quiet: str | None, end: str | None, closed: bool) -> str | None:
    """The first day on which a programme raises a flag ("" for always: over-disbursed or net-negative),
    None for never: stalled from the 181st day quiet, overdue from the day after its end if not closed.
    A programme is flagged on `today` exactly when this day is before it, so the flagged count is a
    range over the per-day counts `flagged:<day>`, as stalled and overdue are."""
    if over or negative:
        return ""
    days = [
        *([(date.fromisoformat(quiet) + timedelta(days=programme_monitoring.STALL_DAYS)).isoformat()] if quiet else []),
        *([end] if end and not closed else []),
    ]
    return min(days, default=None)


def count_programmes(tx: Tx, programme_rows: dict[str, dict[str, Any]], fresh: bool) -> None:
    """Keep how many programmes there are and how many are over-disbursed or net-negative, and, per day, how many
    open programmes end then and how many in implementation have been quiet since then: a day's
    overdue and stalled programmes are then a sum over days before it (a bounded range), not a
    count over every programme. Read before the programme rows are rewritten; `fresh`: none stored."""
    changes: dict[str, int] = {}

    def count(over: bool, quiet: str | None, end: str | None, closed: bool, negative: bool, sign: int) -> None:
        flagged = flagged_from(over, negative, quiet, end, closed)
        for name, yes in (
            (f"flagged:{flagged}", flagged is not None),
            ("programmes", True),
            ("over-disbursed", over),
            ("net-negative", negative),
            (f"quiet:{quiet}", quiet),
            (f"end:{end}", end and not closed),
        ):
            if yes:
                changes[name] = changes.get(name, 0) + sign

    ids = list(programme_rows) if not fresh else []
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        for r in tx.execute(
            "SELECT over_disbursed, quiet_since, end_date, closed, net_negative FROM view_programmes"
            f" WHERE programme_id IN ({','.join('?' * len(chunk))})",
            chunk,
        ).fetchall():
            count(
                bool(r["over_disbursed"]),
                r["quiet_since"],
                r["end_date"],
                bool(r["closed"]),
                bool(r["net_negative"]),
                -1,
            )
    for r in programme_rows.values():
        over, negative = programme_monitoring.over_disbursed(r), programme_monitoring.net_negative(r)
        count(over, programme_monitoring.quiet_since(r), r["end"], r["closed"], negative, 1)
    add_totals(tx, changes)
    rewrite_flagged(tx, programme_rows, fresh)


def flagged_count(tx: Tx, today: date) -> int:
    """How many programmes raise at least one flag on `today`, from the kept per-day counts."""
    return days_before(tx, "flagged", today.isoformat())


def programme_counts(tx: Tx, today: date) -> dict[str, int]:
    """How many programmes there are and raise each flag on `today`, from the kept counts."""
    kept = kept_totals(tx, ["programmes", "over-disbursed", "net-negative"])
    return {
        "count": kept["programmes"],
        "over-disbursed": kept["over-disbursed"],
        "stalled": days_before(tx, "quiet", programme_monitoring.stalled_before(today)),
        "overdue": days_before(tx, "end", today.isoformat()),
        "net-negative": kept["net-negative"],
    }
