"""What several views share: money sums, per-currency leftovers, groupings and their labels."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from domain import reference

ZERO = Decimal(0)
CENT = Decimal("0.01")
FRACTION = Decimal("0.0001")
BOOKS = ("estimated", "committed", "pledged", "disbursed")
AREAS = ("state", "region", "chapter", "article", "ta_type")
PRIORITY_ORDER = {p: n for n, p in enumerate(reference.PRIORITIES)}


def money(value: Decimal) -> str:
    """An amount as a decimal string to the cent; the one rounding every answer's amounts share."""
    return str(value.quantize(CENT))


def ratio(value: Decimal) -> str:
    """A ratio (a share, a coverage, an index) as a decimal string to four places."""
    return str(value.quantize(FRACTION))


def fraction(numerator: Decimal, denominator: Decimal) -> str | None:
    """A ratio on the 0-1 (or beyond) scale, or null when there is nothing to divide by."""
    return ratio(numerator / denominator) if denominator > 0 else None


def sort_key(row: dict[str, Any]) -> str:
    """The order needs are listed in (priority, state, article, id), as one indexable string."""
    return f"{PRIORITY_ORDER[row['priority']]}|{row['state']}|{row['article']:02d}|{row['need_id']}"


def open_needs(need_rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in need_rows if r["status"] == "open"]


class Unconverted:
    """Amounts without a rate, per book and currency: listed, never summed across currencies."""

    def __init__(self) -> None:
        self.books: dict[str, dict[str, Decimal]] = {b: defaultdict(lambda: ZERO) for b in BOOKS}

    def add(self, unconverted: dict[str, dict[str, str]]) -> None:
        for book, amounts in unconverted.items():
            for currency, amount in amounts.items():
                self.books.setdefault(book, defaultdict(lambda: ZERO))[currency] += Decimal(amount)

    def out(self) -> dict[str, dict[str, str]]:
        return {b: {c: money(v) for c, v in sorted(amounts.items())} for b, amounts in self.books.items()}


def text(unconverted: dict[str, str]) -> str:
    """`EUR 100.00;GBP 5.00`: one spreadsheet cell for one book's leftovers."""
    return ";".join(f"{c} {a}" for c, a in unconverted.items())


# ---- areas: the keys a need falls under, and how they read and sort ----


def keys_of(row: dict[str, Any], by: str) -> list[Any]:
    """A need's keys for a grouping; a need with several TA types falls under each of them."""
    if by == "ta_type":
        return list(row["ta_types_v2"])
    return [row[by]]


def label(by: str, key: Any) -> str:
    if by == "state":
        s = reference.states().get(key)
        return s.name if s else key
    if by == "chapter":
        return next(a.chapter_title for a in reference.articles().values() if a.chapter == key)
    if by == "article":
        return reference.articles()[key].title
    if by == "ta_type":
        return str(reference.ta_types_v2().get(key, key))
    return str(key)


def order(by: str, key: Any) -> Any:
    """Chapters in the Convention's order, articles by number, the rest by code."""
    if by == "chapter":
        return reference.CHAPTERS.index(key)
    return key
