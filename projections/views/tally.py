"""A tally: what a group of open needs adds up to, in a form that adds and subtracts need by need."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Context, Decimal
from typing import Any

from projections.views.common import AREAS, BOOKS, ZERO, keys_of, money, open_needs

COUNTS = (
    "needs",
    "unmet",
    "partially_funded",
    "funded",
    "high",
    "no_estimate",
    "estimate_unconverted",
    "gap_unknown",
    "non_governmental",  # identified with civil society, the private sector or academia (domain/stakeholders.py)
)
SUMS = ("estimated", "committed", "pledged", "disbursed", "gap")
DIMENSIONS = ("total", *AREAS)  # "total": every open need, under the key ""

Leftovers = dict[str, dict[str, list[Any]]]  # book → currency → [amount, needs contributing]


class Tally:
    """Counts, exact sums and per-currency leftovers of some open needs, and the states they are in:
    tallies add and subtract (`merge` with sign -1), so a group's tally can be kept current need by
    need; leftovers and states carry how many needs contribute, so a subtraction that empties one
    removes it, and the result equals a tally made afresh from the same needs."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = dict.fromkeys(COUNTS, 0)
        self.sums: dict[str, Decimal] = dict.fromkeys(SUMS, ZERO)
        self.unconverted: Leftovers = {b: {} for b in BOOKS}
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
            ("non_governmental", bool(get("non_governmental_stakeholders"))),
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
        """The tally as stored: each amount in its one canonical text (`exact`), so a tally reached by adding and
        taking back reads the same as one made afresh (a runner's batch by batch, a rebuild's point by point)."""
        return {
            "counts": self.counts,
            "sums": {b: exact(v) for b, v in self.sums.items()},
            "unconverted": {
                b: {c: [exact(a), n] for c, (a, n) in amounts.items()} for b, amounts in self.unconverted.items()
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


def exact(value: Decimal) -> str:
    """A decimal's canonical text: its value, not how it was reached (0.00, 0 and -0 are "0"; 1000.50 and
    1000.500000 are "1000.5"), never an exponent. Sums of the same amounts in another order otherwise differ in
    their trailing zeros: 25.25 - 25.25 is "0.00", a sum of none is "0"."""
    if not value:
        return "0"
    _, digits, exponent = value.as_tuple()
    if digits[-1] or not isinstance(exponent, int) or exponent >= 0:  # no trailing zero after the point
        return format(value, "f")
    return format(value.normalize(Context(prec=len(digits))), "f")  # as many digits as it has: never rounded


def group_keys(row: dict[str, Any]) -> list[tuple[str, Any]]:
    """Every (dimension, key) an open need counts under: the total, and each area of each grouping."""
    return [("total", ""), *((by, key) for by in AREAS for key in keys_of(row, by))]


def tally(need_rows: Iterable[dict[str, Any]], by: str, ta_type: str | None = None) -> tuple[dict[Any, Tally], Tally]:
    """The open needs' tallies per area of `by`, and their total; `ta_type`, when the rows were
    filtered by it, keeps only that TA type's area."""
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
