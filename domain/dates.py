"""Dates and moments as the ledger accepts them: plausible ones only, and `as_of` read one way.

A delivery dated 2030 made a stalled programme look active (`days_without_delivery: -1122`);
value dates of year 1 or 2999 skew every "as of" total. So:

- a delivery happened: it is not after today (UTC), with one day's tolerance for time zones;
- a value date, a rate's date, a need source's date and a programme's period lie within
  `EARLIEST` (1990-01-01) … today + `HORIZON_YEARS` (15) years;
- `as_of` is a log position (ASCII digits, a 64-bit integer) or an ISO 8601 date-time (no zone:
  UTC); a date alone means the END of that day, UTC, for every reader (API, dashboard, CLI).

Only commands check these; events already recorded are replayed as they are.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from domain.errors import InvalidInput

EARLIEST = date(1990, 1, 1)
HORIZON_YEARS = 15
TOLERANCE = timedelta(days=1)  # a delivery recorded "today" where the day has already begun
MAX_POSITION = 2**63 - 1  # the stores' BIGINT
_DATE_ONLY = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})Z?")


def today() -> date:
    """Today in UTC: the ledger's day, whatever the server's zone."""
    return datetime.now(UTC).date()


def latest(on: date) -> date:
    """The last plausible date for a plan made `on`: `HORIZON_YEARS` later (29 Feb → 28 Feb)."""
    try:
        return on.replace(year=on.year + HORIZON_YEARS)
    except ValueError:
        return on.replace(year=on.year + HORIZON_YEARS, day=28)


def within(on: date, what: str) -> date:
    """A value date, rate date, source date or period bound: 1990-01-01 … today + 15 years."""
    last = latest(today())
    if not EARLIEST <= on <= last:
        raise InvalidInput(
            "date-out-of-range",
            f"{what} {on.isoformat()} is outside {EARLIEST.isoformat()} … {last.isoformat()} "
            f"(today + {HORIZON_YEARS} years)",
        )
    return on


def delivered(on: date) -> date:
    """A delivery's date: it has happened (one day's tolerance), and not before 1990."""
    if on > today() + TOLERANCE:
        raise InvalidInput(
            "delivery-in-future",
            f"a delivery is recorded once it has happened; {on.isoformat()} is after today ({today().isoformat()})",
        )
    if on < EARLIEST:
        raise InvalidInput("date-out-of-range", f"the delivery date {on.isoformat()} is before {EARLIEST.isoformat()}")
    return on


def period(start: date | None, end: date | None) -> tuple[date | None, date | None]:
    """A programme's period: each bound plausible, and the end not before the start."""
    if start is not None:
        within(start, "the start")
    if end is not None:
        within(end, "the end")
    if start and end and end < start:
        raise InvalidInput("end-before-start", f"the end {end} is before the start {start}")
    return start, end


def as_of(text: str) -> int | datetime:
    """A log position, or the moment (aware, UTC) the ledger is read as of."""
    value = text.strip()
    if value.isascii() and value.isdigit():
        position = int(value)
        if position > MAX_POSITION:
            raise InvalidInput("invalid-as-of", f"as_of position {value[:30]!r} is beyond any log position")
        return position
    if day := _DATE_ONLY.fullmatch(value):
        try:
            return datetime.combine(date.fromisoformat(day.group(1)), time.max, tzinfo=UTC)
        except ValueError:
            raise InvalidInput("invalid-as-of", f"as_of {value!r} is not a real date") from None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise InvalidInput(
            "invalid-as-of",
            "as_of is a log position or an ISO 8601 date-time (e.g. 2026-03-31T12:00:00Z); "
            "a date alone means the end of that day, UTC",
        ) from None


def as_of_day(moment: datetime) -> date:
    """The day (UTC) a past view's flags are computed for."""
    return moment.astimezone(UTC).date()
