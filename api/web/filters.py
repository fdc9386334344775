"""A page's filters, checked one by one: a wrong value is named on the page, never a JSON error.

Each filter goes through the API's own validator (domain/reference.py, domain/dates.py), so a
page and /v1 accept the same values; a page drops a wrong one, says which and what is allowed,
and answers 422 with the rest of the page still there to use.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from domain import dates, reference
from domain.errors import InvalidInput, Refused

Check = Callable[[str], Any]


@dataclass(frozen=True)
class Wrong:
    """A filter value refused: the query parameter, its label on the form, what was given, and why."""

    field: str
    label: str
    value: str
    detail: str
    code: str


def as_of(value: str) -> str:
    dates.as_of(value)  # a log position or an ISO date-time; refused otherwise
    return value


def article(value: str) -> int:
    if not value.isascii() or not value.isdigit():
        reference.article(-1)  # refused with the catalogue's words: 5 to 62
    return reference.article(int(value)).number


def one_of(name: str, allowed: tuple[str, ...]) -> Check:
    """A choice among a view's own words (group by, classification, flag)."""

    def check(value: str) -> str:
        if value not in allowed:
            raise InvalidInput("invalid-request", f"{name}: {value!r} is not one of {', '.join(allowed)}")
        return value

    return check


CHECKS: dict[str, tuple[str, Check]] = {
    "region": ("Region", reference.region),
    "state": ("State", reference.country),
    "chapter": ("Chapter", reference.chapter),
    "article": ("Article", article),
    "ta_type": ("TA type", reference.ta_type_v2),
    "as_of": ("As of", as_of),
}


def checked(
    raw: Mapping[str, str | None], checks: Mapping[str, tuple[str, Check]]
) -> tuple[dict[str, Any], list[Wrong]]:
    """Each given value through its check: the values that pass, and the ones refused."""
    values: dict[str, Any] = {}
    wrong: list[Wrong] = []
    for field, (label, check) in checks.items():
        value = (raw.get(field) or "").strip()
        if not value:
            values[field] = None
            continue
        try:
            values[field] = check(value)
        except Refused as e:
            values[field] = None
            wrong.append(Wrong(field, label, value[:60], str(e), getattr(e, "code", "invalid-request")))
    return values, wrong
