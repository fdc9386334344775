"""provider-overlap: who works on each (state, article, TA type v2) cell, and who duplicates whom.

A cell's programmes are the active programmes linked to its open needs. Concentration is the
Herfindahl-Hirschman index (0-1) of the funders' shares of the commitment allocated to the
cell's needs; 1/HHI is the effective number of funders. Commitments without an exchange rate
cannot be weighed against the others: they are listed per currency and left out of the HHI.
A need with several TA types sits in several cells: `committed` (the HHI's base) is the commitment
allocated to the cell's needs, whole in each of their cells, while `committed_allocated_to_cell`
splits each need's allocation equally over its TA types (to the cent, the odd cents to the first),
so the cells of a list add up to their needs' allocations without counting any twice.
Two programmes on a cell are a pair to discuss when their periods intersect (a missing start or
end is open) and they are not the same provider's work: their funders differ, or both name
implementers and those differ.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from itertools import combinations
from typing import Any

from domain import reference
from projections.views.columns import Column, Table, blank, names, shared, titles
from projections.views.common import ZERO, fraction, money, open_needs, ratio, text
from projections.views.encoded import spliced

TABLE = Table(
    Column("state"),
    Column("state_name"),
    Column("region"),
    Column("article"),
    Column("chapter"),
    Column("ta_type"),
    Column("needs"),
    Column("programmes", titles),
    Column("funders", names),
    Column("implementers", names),
    shared("currency"),
    Column("committed", None),  # whole in each TA type's cell: not additive, so not in the CSV
    Column("committed_allocated_to_cell"),
    Column("unconverted_committed", None),
    Column("unconverted_committed_allocated_to_cell", text),
    Column("hhi", blank),
    Column("effective_providers", blank),
    Column("overlap", lambda overlap: "yes" if overlap else "no"),
    Column("pairs", lambda pairs: ";".join(" / ".join(p["title"] for p in pair["programmes"]) for pair in pairs)),
)
COLUMNS = TABLE.headers


def split(amount: Decimal, parts: int, index: int) -> Decimal:
    """Part `index` of `amount` cut into `parts` to the cent; the parts add up to it exactly."""
    cents, extra = divmod(int((amount * 100).to_integral_value()), parts)
    return Decimal(cents + (1 if index < extra else 0)) / 100


def _ids(orgs: list[dict[str, str]]) -> frozenset[str]:
    return frozenset(o["org_id"] for o in orgs)


def period_overlap(p: dict[str, Any], q: dict[str, Any]) -> tuple[bool, str | None, str | None]:
    """Whether two periods intersect (inclusive, null = open), and the common period."""
    starts = [d for d in (p["start"], q["start"]) if d]
    ends = [d for d in (p["end"], q["end"]) if d]
    lo, hi = max(starts, default=None), min(ends, default=None)
    return (lo is None or hi is None or lo <= hi), lo, hi


def duplicates(p: dict[str, Any], q: dict[str, Any]) -> bool:
    """Different funders, or two named implementer sets that differ: two providers, not one."""
    if _ids(p["funders"]) != _ids(q["funders"]):
        return True
    ip, iq = _ids(p["implementers"]), _ids(q["implementers"])
    return bool(ip) and bool(iq) and ip != iq


class Cell:
    def __init__(self, state: str, article: int, ta_type: str) -> None:
        self.key = (state, article, ta_type)
        self.needs: list[str] = []
        self.programmes: dict[str, dict[str, Any]] = {}
        self.by_programme: dict[str, Decimal] = {}
        self.by_funder: dict[str, Decimal] = {}
        self.names: dict[str, str] = {}
        self.first: dict[str, Any] = {}
        self.unconverted: dict[str, Decimal] = {}
        self.in_cell: dict[str, Decimal] = {}  # per programme: its allocation's part in this cell
        self.unconverted_in_cell: dict[str, Decimal] = {}

    def add(self, row: dict[str, Any]) -> None:
        self.first = self.first or row
        self.needs.append(row["need_id"])
        parts, index = len(row["ta_types_v2"]), row["ta_types_v2"].index(self.key[2])
        for currency, amount in row["unconverted"]["committed"].items():
            self.unconverted[currency] = self.unconverted.get(currency, ZERO) + Decimal(amount)
            part = split(Decimal(amount), parts, index)
            self.unconverted_in_cell[currency] = self.unconverted_in_cell.get(currency, ZERO) + part
        for p in row["programmes"]:
            if not p["active"]:
                continue
            pid = p["programme_id"]
            self.programmes.setdefault(pid, p)
            for org in [*p["funders"], *p["implementers"]]:
                self.names[org["org_id"]] = org["name"]
            for funder, amount in p["committed_by_funder"].items():
                self.by_funder[funder] = self.by_funder.get(funder, ZERO) + Decimal(amount)
                self.by_programme[pid] = self.by_programme.get(pid, ZERO) + Decimal(amount)
                self.in_cell[pid] = self.in_cell.get(pid, ZERO) + split(Decimal(amount), parts, index)

    def _orgs(self, ids: set[str]) -> list[dict[str, str]]:
        return [
            {"org_id": i, "name": self.names.get(i, i)} for i in sorted(ids, key=lambda i: (self.names.get(i, i), i))
        ]

    def _pairs(self, programmes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        pairs = []
        for p, q in combinations(programmes, 2):
            intersect, lo, hi = period_overlap(p, q)
            if intersect and duplicates(p, q):
                pairs.append({"programmes": [_brief(p), _brief(q)], "from": lo, "to": hi})
        return pairs

    def out(self, currency: str) -> dict[str, Any]:
        state, article, ta_type = self.key
        programmes = sorted(self.programmes.values(), key=lambda p: p["programme_id"])
        total = sum(self.by_funder.values(), ZERO)
        weighed = [max(ZERO, v) for v in self.by_funder.values()]  # a funder decreased below zero weighs nothing
        weight = sum(weighed, ZERO)
        hhi = sum(((v / weight) ** 2 for v in weighed), ZERO) if weight > 0 else None
        pairs = self._pairs(programmes)
        funders = {f for p in programmes for f in _ids(p["funders"])}
        return {
            "state": state,
            "state_name": self.first["state_name"],
            "region": self.first["region"],
            "article": article,
            "chapter": self.first["chapter"],
            "article_title": self.first["article_title"],
            "ta_type": ta_type,
            "ta_type_label": reference.ta_types_v2().get(ta_type, ta_type),
            "needs": len(self.needs),
            "need_ids": sorted(self.needs),
            "programmes": [
                {
                    **_brief(p),
                    "status": p["status"],
                    "start": p["start"],
                    "end": p["end"],
                    "funders": p["funders"],
                    "implementers": p["implementers"],
                    "committed": money(self.by_programme.get(p["programme_id"], ZERO)),
                    "committed_allocated_to_cell": money(self.in_cell.get(p["programme_id"], ZERO)),
                }
                for p in programmes
            ],
            "funders": [
                {
                    **o,
                    "committed": money(self.by_funder.get(o["org_id"], ZERO)),
                    "share": fraction(self.by_funder.get(o["org_id"], ZERO), total),
                }
                for o in self._orgs(funders)
            ],
            "implementers": self._orgs({i for p in programmes for i in _ids(p["implementers"])}),
            "currency": currency,
            "committed": money(total),
            "unconverted_committed": {c: money(v) for c, v in sorted(self.unconverted.items())},
            "committed_allocated_to_cell": money(sum(self.in_cell.values(), ZERO)),
            "unconverted_committed_allocated_to_cell": {
                c: money(v) for c, v in sorted(self.unconverted_in_cell.items())
            },
            "hhi": ratio(hhi) if hhi is not None else None,
            "effective_providers": money(1 / hhi) if hhi else None,  # to the hundredth, as amounts are
            "overlap": bool(pairs),
            "pairs": pairs,
        }


def _brief(p: dict[str, Any]) -> dict[str, str]:
    return {"programme_id": p["programme_id"], "title": p["title"]}


def cells(need_rows: Iterable[dict[str, Any]], currency: str, ta_type: str | None = None) -> list[dict[str, Any]]:
    """The cells with at least one active programme, in (state, article, TA type) order."""
    found: dict[tuple[str, int, str], Cell] = {}
    for r in open_needs(need_rows):
        for t in r["ta_types_v2"]:
            if ta_type is None or t == ta_type:
                found.setdefault((r["state"], r["article"], t), Cell(r["state"], r["article"], t)).add(r)
    return [found[k].out(currency) for k in sorted(found) if found[k].programmes]


def cell_key(item: dict[str, Any]) -> str:
    """A cell's place in the list, as one indexable string."""
    return f"{item['state']}|{item['article']:02d}|{item['ta_type']}"


def rank(item: dict[str, Any]) -> tuple[bool, int, Decimal, str]:
    """The order a meeting discusses cells in: overlapping first, then more funders, then a lower
    HHI (funding spread wider; none counts as 1), then list order."""
    return (not item["overlap"], -len(item["funders"]), Decimal(item["hhi"] or 1), cell_key(item))


def top(items: list[dict[str, Any]], limit: int) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The first `limit` cells to discuss, and the totals of all of them."""
    return sorted(items, key=rank)[:limit], totals(items)


def totals(items: Iterable[dict[str, Any]]) -> dict[str, int]:
    counted = {"count": 0, "overlapping": 0, "pairs": 0}
    for i in items:
        counted["count"] += 1
        counted["overlapping"] += i["overlap"]
        counted["pairs"] += len(i["pairs"])
    return counted


def view(need_rows: list[dict[str, Any]], currency: str, ta_type: str | None = None) -> dict[str, Any]:
    """Every cell on one page; `ta_type` keeps only that TA type's cells."""
    items = cells(need_rows, currency, ta_type)
    return answer(items, totals(items), currency)


def answer(items: list[dict[str, Any]], counted: dict[str, int], currency: str) -> dict[str, Any]:
    """A page of cells, with the count of all of them (on every page)."""
    return {"currency": currency, **counted, "items": items}


def encoded_answer(
    docs: list[str], counted: dict[str, int], currency: str, next_cursor: str | None, position: int
) -> bytes:
    """A page's answer with `next_cursor` and `position`, as JSON bytes, its cells given encoded as
    kept (`kept.cells`): the bytes `answer(...)` with those two would encode to."""
    return spliced({"currency": currency, **counted}, docs, {"next_cursor": next_cursor, "position": position})


def csv_rows(answer: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    return TABLE.csv(answer)
