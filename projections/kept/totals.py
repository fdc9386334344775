"""Kept totals (`view_totals`, name → n): the overlap cells' counts and the programmes' per-day counts."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from projections.db import Tx
from projections.kept.flagged import rewrite_flagged
from projections.views import programme_monitoring

# The per-day counts (`<prefix>:<date>`), kept by day, month and year too (`day_names`)
PER_DAY = ("flagged", "quiet", "end")


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


def day_names(prefix: str, day: str) -> list[str]:
    """The totals a per-day count of `day` is kept in: the day's `prefix:<date>`, and its month's `prefix@m:<yyyy-mm>`
    and year's `prefix@y:<yyyy>` (`""`, always: the day's alone), so that a sum over the days before a day reads at
    most a row per year, per month of its year and per day of its month, however many days hold a count."""
    if not day:
        return [f"{prefix}:"]
    return [f"{prefix}:{day}", f"{prefix}@m:{day[:7]}", f"{prefix}@y:{day[:4]}"]


def days_before(tx: Tx, prefix: str, day: str) -> int:
    """Σ of the per-day counts `prefix:<date>` for the days before `day` (a date): those of "" (always), of the years
    before its year, of the months of its year before its month, and of the days of its month before it."""
    return _days_before(tx, {prefix: day})[prefix]


def _days_before(tx: Tx, days: dict[str, str], names: tuple[str, ...] = ()) -> dict[str, int]:
    """`days_before` of each prefix and its day, and the totals `names` too, in one statement."""
    where, params = [], []
    for p, day in days.items():
        year, month = day[:4], day[:7]
        where.append("name = ? OR (name >= ? AND name < ?) OR (name >= ? AND name < ?) OR (name >= ? AND name < ?)")
        params += [
            f"{p}:",
            f"{p}@y:",
            f"{p}@y:{year}",
            f"{p}@m:{year}-",
            f"{p}@m:{month}",
            f"{p}:{month}-",
            f"{p}:{day}",
        ]
    if names:
        where.append(f"name IN ({','.join('?' * len(names))})")
        params += names
    found = dict.fromkeys([*days, *names], 0)
    for r in tx.execute(f"SELECT name, n FROM view_totals WHERE {' OR '.join(where)}", params).fetchall():
        name = str(r["name"])
        key = name if name in names else next(p for p in days if name.startswith((f"{p}:", f"{p}@")))
        found[key] += int(r["n"])
    return found


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
                prefix, _, day = name.partition(":")
                for kept_name in day_names(prefix, day) if prefix in PER_DAY else [name]:
                    changes[kept_name] = changes.get(kept_name, 0) + sign

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
    days = {"quiet": programme_monitoring.stalled_before(today), "end": today.isoformat()}
    kept = _days_before(tx, days, ("programmes", "over-disbursed", "net-negative"))
    return {
        "count": kept["programmes"],
        "over-disbursed": kept["over-disbursed"],
        "stalled": kept["quiet"],
        "overdue": kept["end"],
        "net-negative": kept["net-negative"],
    }
