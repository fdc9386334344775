"""What the domain accepts, stated in the OpenAPI document: date ranges, decimals, non-blank text.

`Stated` adds JSON-schema keywords without validating them, so the domain's own codes
(`date-out-of-range`, `invalid-amount`, `description-required`, ...) stay the answers; the
document says in advance what they will accept. Every pattern is built from the rule it states
(`domain/dates.py`, `domain/amounts.py`) and is held equal to it by tests/unit/http/test_bounds.py.
"""

from __future__ import annotations

from calendar import isleap, monthrange
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import GetJsonSchemaHandler
from pydantic.config import JsonValue
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from domain import amounts, dates


@dataclass(frozen=True)
class Stated:
    """JSON-schema keywords stated for a type, not validated by it (the domain refuses with its code)."""

    keywords: tuple[tuple[str, Any], ...]

    def __get_pydantic_json_schema__(self, core: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = handler(core)
        schema.update(dict(self.keywords))
        return schema


def stated(**keywords: Any) -> Stated:
    return Stated(tuple(keywords.items()))


# ---- dates ----

_DAYS = {31: "0[1-9]|[12][0-9]|3[01]", 30: "0[1-9]|[12][0-9]|30", 29: "0[1-9]|[12][0-9]", 28: "0[1-9]|1[0-9]|2[0-8]"}


def _year(year: int, first: date, last: date) -> str:
    """`MM-DD` of the days of `year` within first … last."""
    months = []
    for month in range(first.month if first.year == year else 1, (last.month if last.year == year else 12) + 1):
        length = monthrange(year, month)[1]
        low = first.day if (first.year, first.month) == (year, month) else 1
        high = last.day if (last.year, last.month) == (year, month) else length
        days = _DAYS[length] if (low, high) == (1, length) else "|".join(f"{d:02d}" for d in range(low, high + 1))
        months.append(f"{month:02d}-(?:{days})")
    return "|".join(months)


def date_pattern(first: date, last: date) -> str:
    """A regular expression (unanchored) matching exactly the ISO dates first … last."""
    whole = [y for y in range(first.year, last.year + 1) if date(y, 1, 1) >= first and date(y, 12, 31) <= last]
    parts = []
    for leap in (False, True):
        years = [y for y in whole if isleap(y) == leap]
        if years:
            year = _year(years[0], date(years[0], 1, 1), date(years[0], 12, 31))  # a whole year: any of them alike
            parts.append(f"(?:{'|'.join(map(str, years))})-(?:{year})")
    for y in sorted({first.year, last.year} - set(whole)):
        parts.append(f"{y}-(?:{_year(y, first, last)})")
    return "(?:" + "|".join(parts) + ")"


def plausible_dates(today: date) -> tuple[date, date]:
    """Value dates, rate dates, a source's date and a programme's period: 1990-01-01 … today + 15 years."""
    return dates.EARLIEST, dates.latest(today)


def delivered_dates(today: date) -> tuple[date, date]:
    """A delivery's date: 1990-01-01 … today (the domain's day of tolerance for time zones is not promised)."""
    return dates.EARLIEST, today


TODAY = dates.today()  # the document is built once; a day later its ranges are still within the domain's
PLAUSIBLE = date_pattern(*plausible_dates(TODAY))
PlausibleDate = stated(
    pattern=f"^{PLAUSIBLE}$",
    description=f"{dates.EARLIEST.isoformat()} … today + {dates.HORIZON_YEARS} years",
)
DeliveredDate = stated(
    pattern=f"^{date_pattern(*delivered_dates(TODAY))}$",
    description=f"{dates.EARLIEST.isoformat()} … today: a delivery has happened",
)
# as_of: a log position, a date (its end, UTC) or a date-time (UTC without a zone). Before 1990 nothing was
# recorded; beyond today + 15 years nothing will be: the pattern keeps to those dates.
_TIME = r"T(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,6})?)?(?:Z|[+-](?:0[0-9]|1[0-3]):[0-5][0-9])?"
AS_OF = f"^(?:[0-9]{{1,18}}|{PLAUSIBLE}(?:{_TIME})?)$"


# ---- decimals ----


def decimal_pattern(places: int) -> str:
    """A positive decimal in plain notation, below 10^15, with at most `places` decimal places."""
    if places == 0:
        return f"^[1-9][0-9]{{0,{amounts.MAX_AMOUNT_DIGITS - 1}}}$"
    integer = f"[1-9][0-9]{{0,{amounts.MAX_AMOUNT_DIGITS - 1}}}(?:\\.[0-9]{{1,{places}}})?"
    fraction = f"0\\.[0-9]{{0,{places - 1}}}[1-9]"
    return f"^(?:{integer}|{fraction})$"


POSITIVE = decimal_pattern(amounts.MAX_DECIMAL_PLACES)
SHARE = f"^(?:0\\.[0-9]{{0,{amounts.MAX_DECIMAL_PLACES - 1}}}[1-9]|1(?:\\.0{{1,{amounts.MAX_DECIMAL_PLACES}}})?)$"


def amount_branches(currencies: Iterable[str]) -> list[JsonValue]:
    """One `anyOf` branch per number of ISO 4217 minor units: the currencies that have it, and the amount's pattern."""
    by_units: dict[int, list[JsonValue]] = {}
    for code in sorted(currencies):
        units = amounts.minor_units(code)
        by_units.setdefault(amounts.MAX_DECIMAL_PLACES if units is None else units, []).append(code)
    return [
        {"properties": {"currency": {"enum": codes}, "amount": {"type": "string", "pattern": decimal_pattern(units)}}}
        for units, codes in sorted(by_units.items())
    ]


# ---- text ----

NON_BLANK = r"\S"  # the domain strips text and refuses it empty
NonBlank = stated(pattern=NON_BLANK)
