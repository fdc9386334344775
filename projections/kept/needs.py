"""What rewriting some need rows moves in kept data: the tallies they count under and their places' cells."""

from __future__ import annotations

from typing import Any

from projections.db import Tx
from projections.kept.cells import Place, places_with_cells, rewrite_cells
from projections.kept.tallies import TallyKey, move_tallies, stored_tallies
from projections.views.tally import Tally, group_keys


class NeedMoves:
    """Read before the rows are rewritten, applied after, in the same transaction: each open need's
    own tally (stored on its row), the delta of every tally a need counts under (new minus stored),
    and the (state, article) places whose cells may change. `fresh`: the tables were just cleared
    and the rows are all the rows, so nothing is stored to subtract or read back."""

    def __init__(self, need_rows: dict[str, dict[str, Any]], fresh: bool) -> None:
        self.need_rows = need_rows
        self.fresh = fresh
        self.tallies = {k: Tally.of(r) for k, r in need_rows.items() if r["status"] == "open"}
        self.deltas: dict[TallyKey, Tally] = {}
        self.places: set[Place] = set()

    @classmethod
    def read(cls, tx: Tx, need_rows: dict[str, dict[str, Any]], fresh: bool = False) -> NeedMoves:
        moves = cls(need_rows, fresh)
        if not fresh:
            for old in stored_tallies(tx, list(need_rows)):
                moves._add(old, old["tally"], -1)
        for k, t in moves.tallies.items():
            moves._add(need_rows[k], t, 1)
        return moves

    def _add(self, row: dict[str, Any], tally: Tally, sign: int) -> None:
        self.places.add((row["state"], int(row["article"])))
        for dim, key in group_keys(row):
            self.deltas.setdefault((dim, str(key), int(row["published"])), Tally()).merge(tally, sign)

    def apply(self, tx: Tx, currency: str) -> None:
        """Move the tallies and rewrite the cells, once the need rows are written."""
        move_tallies(tx, self.deltas)
        places = self.places if self.fresh else places_with_cells(tx, self.places, self.need_rows)
        rewrite_cells(tx, places, currency, self.need_rows if self.fresh else None)
