"""The dashboard's panels as kept: a bounded number of kept rows, whatever the history."""

from __future__ import annotations

from dataclasses import dataclass

from projections.db import Tx
from projections.kept.refs import KINDS
from projections.kept.tallies import tallies
from projections.kept.totals import kept_totals
from projections.views.tally import Tally

# What the dashboard groups by: the headline's total, the bars and priorities; the heatmap's (state, chapter)
# cells are read apart, only what they show (tallies.heat_cells).
GROUPINGS = ("total", "chapter", "region", "article")


@dataclass
class Panels:
    """The kept tallies of the dashboard's groupings (keyed (dimension, key)), how many needs of any
    status each state has, and how many programmes and providers are active on open needs."""

    tallies: dict[tuple[str, str], Tally]
    needs: dict[str, int]
    active: dict[str, int]

    def grouped(self, by: str) -> dict[str, Tally]:
        return {key: t for (dim, key), t in self.tallies.items() if dim == by}

    @property
    def total(self) -> Tally:
        return self.tallies.get(("total", ""), Tally())


def panels(tx: Tx, published_only: bool) -> Panels:
    """Read for every need, or for the published ones only (the two scopes kept apart)."""
    needs: dict[str, int] = {}
    for r in tx.execute("SELECT name, n FROM view_totals WHERE name >= 'needs:' AND name < 'needs;'").fetchall():
        _, published, state = str(r["name"]).split(":", 2)
        if published == "1" or not published_only:
            needs[state] = needs.get(state, 0) + int(r["n"])
    variant = "published" if published_only else "all"
    active = kept_totals(tx, [f"active:{kind}:{variant}" for kind in KINDS])
    return Panels(
        tallies(tx, GROUPINGS, published_only),
        needs,
        {kind: active[f"active:{kind}:{variant}"] for kind in KINDS},
    )
