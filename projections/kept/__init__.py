"""What the runner keeps so that reads stay flat at a million events, and the one rule for when a read is served from
it. Kept: per grouping area (total, state, region, chapter, article, TA type) the `Tally` of its open needs,
published needs apart (`view_tallies`, each open need's own tally on its row); provider-overlap's cells per (state,
article) place, over every open need and over the published ones (`view_cells`), and how many cells, overlapping
cells and pairs each variant has; how many programmes there are and are over-disbursed or net-negative, and per day
how many open ones end and how many in implementation fall quiet (`view_totals`); per priority grouping, area and
variant the area's answer item, encoded, with its ranking columns (`view_areas`); per programme the spans of days on
which it raises n flags (`view_flagged`); and, beside each programme's row, its programme-monitoring item encoded
but for the fields judged on the day (`item_head`, `item_tail` of `view_programmes`). It moves in the same
transaction as the rows it comes from, by deltas (new minus stored, read before the rows are rewritten), so a batch
rolled back moves none of it and a rebuild equals the sum of its moves. A read is served from it only when it has no
filter and its scope is kept apart (everything, or published needs only); a filtered read, a state key's read (its
own needs and everyone's published ones) and `as_of` fall back to the rows. The long form is docs/kept.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from projections.kept.areas import ranked_items
from projections.kept.cells import CELL_COLUMNS, CELL_TOTALS, VARIANTS, cell_totals
from projections.kept.flagged import flagged_first
from projections.kept.monitored import monitored_page
from projections.kept.needs import NeedMoves
from projections.kept.panels import Panels, panels
from projections.kept.tables import KEPT_TABLES, KEPT_VIEW_TABLES
from projections.kept.tallies import tallies
from projections.kept.totals import count_programmes, flagged_count, programme_counts
from projections.views import programme_monitoring
from projections.views.common import BOOKS
from projections.views.tally import COUNTS, DIMENSIONS, SUMS, Tally, group_keys, tally

__all__ = [
    "COUNTS",
    "KEPT_TABLES",
    "KEPT_VIEW_TABLES",
    "DIMENSIONS",
    "SHAPE",
    "SUMS",
    "VARIANTS",
    "NeedMoves",
    "Panels",
    "Tally",
    "cell_totals",
    "count_programmes",
    "flagged_count",
    "flagged_first",
    "group_keys",
    "monitored_page",
    "panels",
    "programme_counts",
    "ranked_items",
    "serves",
    "tallies",
    "tally",
]

# The shape of what is stored: a change of it needs the views rebuilt (see store.schema.SCHEMA_VERSION).
SHAPE: dict[str, tuple[str, ...]] = {
    "tally counts": COUNTS,
    "tally sums": SUMS,
    "tally leftover books": BOOKS,
    "tally dimensions": DIMENSIONS,
    "cell variants": VARIANTS,
    "cell totals": CELL_TOTALS,
    "cell columns": CELL_COLUMNS,
    # a programme row's money: counted (funders' own and confirmed), unconfirmed apart, third-party reports listed
    "programme money": ("counted", "unconfirmed", "reports", "corrections", "net"),
    # the dashboard's panels (kept/panels.py): heatmap tallies, references and totals per need and programme
    "dashboard tallies": ("state_chapter",),
    "references": ("programme", "provider", "all", "published"),
    "dashboard totals": ("needs:<published>:<state>", "active:<kind>:<variant>", "flagged:<day>"),
    # per-day counts kept by day, month and year too (kept/totals.py, day_names)
    "per-day totals": ("<prefix>:<date>", "<prefix>@m:<month>", "<prefix>@y:<year>"),
    # programme-monitoring's items served as kept (kept/monitored.py): a field added to its items needs a rebuild
    "monitored items": ("head", "tail", *programme_monitoring.ON_THE_DAY),
    "need tally": ("refs",),
    # a kept overlap cell's doc is served as stored: a field added to provider_overlap's items needs a rebuild
    "cell doc money": ("committed", "unconverted_committed", "committed_allocated_to_cell"),
    # kept docs served spliced into answers: encoded as answers are (UTF-8, not escaped to ASCII)
    "served docs": ("view_cells.doc", "view_areas.item", "utf-8"),
}


def serves(filters: Mapping[str, Any], states: tuple[str, ...] = ()) -> bool:
    """Whether kept data answers a read: no filter is given, and the reader's scope is one kept
    apart (everything, or published needs only), not some `states`' own needs plus everyone's
    published ones."""
    return not states and all(v is None for v in filters.values())
