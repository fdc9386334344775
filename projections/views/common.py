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
        return reference.ta_types_v2().get(key, key)
    return str(key)


def order(by: str, key: Any) -> Any:
    """Chapters in the Convention's order, articles by number, the rest by code."""
    if by == "chapter":
        return reference.CHAPTERS.index(key)
    return key


# ---- tallies: what a group of open needs adds up to, kept current by the runner ----

COUNTS = ("needs", "unmet", "partially_funded", "funded", "high", "no_estimate", "estimate_unconverted", "gap_unknown")
SUMS = ("estimated", "committed", "pledged", "disbursed", "gap")
DIMENSIONS = ("total", *AREAS)  # "total": every open need, under the key ""


class Tally:
    """Counts, exact sums and per-currency leftovers of some open needs, and the states they are in.

    Tallies add and subtract (`merge` with sign -1), so a group's tally can be kept current need by
    need; leftovers and states carry how many needs contribute, so a subtraction that empties one
    removes it, and the result equals a tally made afresh from the same needs.
    """

    def __init__(self) -> None:
        self.counts = dict.fromkeys(COUNTS, 0)
        self.sums = dict.fromkeys(SUMS, ZERO)
        self.unconverted: dict[str, dict[str, list]] = {b: {} for b in BOOKS}  # [amount, needs]
        self.states: dict[str, int] = {}

    @classmethod
    def of(cls, row: dict[str, Any]) -> Tally:
        """One open need's contribution: only what is not zero, so merging it is quick."""
        t = cls.__new__(cls)
        get = row.get  # a row may carry only what its view needs
        classification, cost, gap = row["classification"], get("estimated_cost"), get("gap")
        flags = (
            ("unmet", classification == "unmet"),
            ("partially_funded", classification == "partially-funded"),
            ("funded", classification == "funded"),
            ("high", row["priority"] == "high"),
            ("no_estimate", cost is None),
            ("estimate_unconverted", cost is not None and get("estimated") is None),
            ("gap_unknown", gap is None),
        )
        t.counts = {"needs": 1, **{key: 1 for key, yes in flags if yes}}
        t.sums = {
            book: Decimal(value)
            for book, value in (
                ("estimated", get("estimated")),
                ("committed", get("allocated_commitment")),
                ("pledged", get("allocated_pledged")),
                ("disbursed", get("allocated_disbursed")),
                ("gap", gap),
            )
            if value is not None
        }
        t.unconverted = {
            book: {cur: [Decimal(a), 1] for cur, a in amounts.items()}
            for book, amounts in get("unconverted", {}).items()
            if amounts
        }
        t.states = {row["state"]: 1}
        return t

    def merge(self, other: Tally, sign: int = 1) -> Tally:
        for key, n in other.counts.items():
            self.counts[key] += sign * n
        for book, value in other.sums.items():
            self.sums[book] += sign * value
        for book, amounts in other.unconverted.items():
            mine = self.unconverted.setdefault(book, {})
            for cur, (amount, n) in amounts.items():
                total, count = mine.get(cur, [ZERO, 0])
                total, count = total + sign * amount, count + sign * n
                if count or total:  # a delta may hold a change of amount with no change of needs
                    mine[cur] = [total, count]
                else:
                    mine.pop(cur, None)
        for state, n in other.states.items():
            left = self.states.get(state, 0) + sign * n
            if left:
                self.states[state] = left
            else:
                self.states.pop(state, None)
        return self

    @property
    def empty(self) -> bool:
        return self.counts["needs"] == 0

    def unconverted_out(self) -> dict[str, dict[str, str]]:
        return {b: {c: money(a) for c, (a, _) in sorted(amounts.items())} for b, amounts in self.unconverted.items()}

    def to_json(self) -> dict[str, Any]:
        return {
            "counts": self.counts,
            "sums": {b: str(v) for b, v in self.sums.items()},
            "unconverted": {
                b: {c: [str(a), n] for c, (a, n) in amounts.items()} for b, amounts in self.unconverted.items()
            },
            "states": self.states,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Tally:
        t = cls()
        t.counts.update(doc["counts"])
        t.sums.update({b: Decimal(v) for b, v in doc["sums"].items()})
        t.unconverted.update(
            {b: {c: [Decimal(a), n] for c, (a, n) in amounts.items()} for b, amounts in doc["unconverted"].items()}
        )
        t.states = dict(doc["states"])
        return t


def group_keys(row: dict[str, Any]) -> list[tuple[str, Any]]:
    """Every (dimension, key) an open need counts under: the total, and each area of each grouping."""
    return [("total", ""), *((by, key) for by in AREAS for key in keys_of(row, by))]


def tally(need_rows: Iterable[dict[str, Any]], by: str, ta_type: str | None = None) -> tuple[dict[Any, Tally], Tally]:
    """The open needs' tallies per area of `by`, and their total.

    `ta_type`, when the rows were filtered by it, keeps only that TA type's area.
    """
    groups: dict[Any, Tally] = {}
    total = Tally()
    for r in open_needs(need_rows):
        one = Tally.of(r)
        total.merge(one)
        for key in keys_of(r, by):
            if by == "ta_type" and ta_type is not None and key != ta_type:
                continue
            groups.setdefault(key, Tally()).merge(one)
    return groups, total
