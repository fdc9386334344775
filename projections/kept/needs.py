"""What rewriting some need rows moves in kept data: the tallies they count under, the programmes and
providers they refer to, how many needs each state has, and their places' cells."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from projections.db import Tx
from projections.kept.cells import Place, places_with_cells, rewrite_cells
from projections.kept.refs import RefKey, move_refs, refer, refs_of
from projections.kept.tallies import TallyKey, move_tallies, stored_needs
from projections.kept.totals import add_totals
from projections.views.tally import Tally, group_keys


class NeedTally(Tally):
    """An open need's own tally as stored on its row, with what it refers to (`kept.refs`), so that
    rewriting the row can take its old references back without reading its document."""

    refs: dict[str, list[str]]

    @classmethod
    def of(cls, row: dict[str, Any]) -> NeedTally:
        t = cast(NeedTally, super().of(row))
        t.refs = refs_of(row)
        return t

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "refs": self.refs}


def heat_key(row: dict[str, Any]) -> str:
    """The dashboard heatmap's cell of a need: its state and chapter."""
    return f"{row['state']}|{row['chapter']}"


def needs_total(published: Any, state: str) -> str:
    """The kept total of how many needs (of any status) a state has, published or not."""
    return f"needs:{int(published)}:{state}"


class NeedMoves:
    """Read before the rows are rewritten, applied after, in the same transaction: each open need's
    own tally (stored on its row), the delta of every tally a need counts under (new minus stored),
    of every reference an open need makes and of every state's count of needs, and the (state,
    article) places whose cells may change. `fresh`: the tables were just cleared and the rows are
    all the rows, so nothing is stored to subtract or read back."""

    def __init__(self, need_rows: dict[str, dict[str, Any]], fresh: bool) -> None:
        self.need_rows = need_rows
        self.fresh = fresh
        own = {k: NeedTally.of(r) for k, r in need_rows.items() if r["status"] == "open"}
        self.tallies: dict[str, Tally] = dict(own)  # stored on the rows, with their references
        self.own_refs = {k: t.refs for k, t in own.items()}
        self.deltas: dict[TallyKey, Tally] = {}
        self.refs: dict[RefKey, int] = {}
        self.totals: dict[str, int] = {}
        self.places: set[Place] = set()

    @classmethod
    def read(cls, tx: Tx, need_rows: dict[str, dict[str, Any]], fresh: bool = False) -> NeedMoves:
        moves = cls(need_rows, fresh)
        if not fresh:
            for old in stored_needs(tx, list(need_rows)):
                moves._count(old, -1)
                if old["tally"] is not None:
                    moves._add(old, old["tally"], -1)
                    refer(moves.refs, old["refs"], bool(old["published"]), -1)
        for k, r in need_rows.items():
            moves._count(r, 1)
            if k in moves.tallies:
                moves._add(r, moves.tallies[k], 1)
                refer(moves.refs, moves.own_refs[k], bool(r["published"]), 1)
        return moves

    def _count(self, row: dict[str, Any], sign: int) -> None:
        name = needs_total(row["published"], row["state"])
        self.totals[name] = self.totals.get(name, 0) + sign

    def _add(self, row: dict[str, Any], tally: Tally, sign: int) -> None:
        self.places.add((row["state"], int(row["article"])))
        add_tally(self.deltas, row, tally, sign)

    def apply(self, tx: Tx, currency: str) -> list[tuple[str, str, int, str | None]]:
        """Move the tallies, references and counts, and rewrite the cells, once the need rows are written;
        answers the tallies moved, as `move_tallies` does."""
        moved_tallies = move_tallies(tx, self.deltas)
        moved = move_refs(tx, self.refs)
        add_totals(tx, {k: self.totals.get(k, 0) + moved.get(k, 0) for k in {*self.totals, *moved}})
        places = self.places if self.fresh else places_with_cells(tx, self.places, self.need_rows)
        rewrite_cells(tx, places, currency, self.need_rows if self.fresh else None)
        return moved_tallies


def tally_keys(row: dict[str, Any]) -> list[TallyKey]:
    """Every kept tally an open need counts under: one per grouping area, and its heatmap cell."""
    published = int(row["published"])
    return [(dim, str(key), published) for dim, key in [*group_keys(row), ("state_chapter", heat_key(row))]]


def add_tally(tallies: dict[TallyKey, Tally], row: dict[str, Any], tally: Tally, sign: int) -> list[TallyKey]:
    """Add an open need's own tally (`sign` -1: take it back) to every tally it counts under; answers those."""
    keys = tally_keys(row)
    for key in keys:
        tallies.setdefault(key, Tally()).merge(tally, sign)
    return keys


class TallyFold:
    """The kept tallies of a fold in memory (a rebuild), moved as the need rows it derives point by point change:
    after each `move`, what `move_tallies` would store, answered as it answers (for the versions of the point)."""

    def __init__(self) -> None:
        self.own: dict[str, tuple[dict[str, Any], Tally]] = {}  # each open need: what it counts under, its tally
        self.tallies: dict[TallyKey, Tally] = {}

    def move(
        self, need_rows: dict[str, dict[str, Any]], encode: Callable[[Any], str]
    ) -> list[tuple[str, str, int, str | None]]:
        moved: set[TallyKey] = set()
        for k, row in need_rows.items():
            old = self.own.pop(k, None)
            keys = {f: row[f] for f in ("state", "region", "chapter", "article", "ta_types_v2", "published")}
            now = Tally.of(row) if row["status"] == "open" else None
            if old is not None and now is not None and old[0] == keys:  # the same tallies: move them by the difference
                moved.update(add_tally(self.tallies, keys, Tally().merge(now).merge(old[1], -1), 1))
            else:
                if old is not None:
                    moved.update(add_tally(self.tallies, old[0], old[1], -1))
                if now is not None:
                    moved.update(add_tally(self.tallies, keys, now, 1))
            if now is not None:
                self.own[k] = (keys, now)
        out: list[tuple[str, str, int, str | None]] = []
        for key in sorted(moved):
            t = self.tallies[key]
            if t.empty:
                del self.tallies[key]
                out.append((*key, None))
            else:
                out.append((*key, encode(t.to_json())))
        return out
