"""The whole ledger's heatmap for the dashboard (api/web/dashboard.py `kept_panels`), from what the runner keeps,
drawn and rendered once per log prefix the views fold, language and scope rather than once per request."""

from __future__ import annotations

import threading
from typing import Any
from weakref import WeakKeyDictionary

from markupsafe import Markup

from api.web import charts, i18n
from api.web.render import templates
from domain import reference
from projections import store
from projections.audit import seals
from projections.db import Tx
from projections.kept.tallies import heat_cells


def kept_heatmap(tx: Tx, currency: str, published_only: bool) -> dict[str, Any]:
    """The whole ledger's heatmap: of the kept tallies only what it shows (kept.heat_cells)."""
    found = {
        (state, chapter): charts.Cell(state, chapter, needs, unmet, gap, unknown)
        for (state, chapter), (needs, unmet, gap, unknown) in heat_cells(tx, published_only).items()
    }
    return charts.draw_heatmap(found, charts.columns(reference.CHAPTERS, False, []), False, currency)


class Heatmaps:
    """The whole ledger's heatmap drawn and rendered once per log prefix the views fold, not once per request.

    At a million events every State has published needs: 600 cells, most of the anonymous page's time. An entry
    is kept per language and scope (published needs only, or all) of one ledger, under the position of the
    views that keep the tallies and the seal of the last event up to it (`seals.prefix_of`, what also keys
    `as_of`'s kept folds: a log emptied and written anew reaches the same position with other events), both
    read in the reading transaction before the tallies: what it holds is never older than that prefix, a batch
    the runner applies moves it, so the next page draws the heatmap anew, and the entries of an older one are
    dropped (at most one per language and scope are held). The HTML is what templates/charts.html's `heat`
    renders, byte for byte; `enabled` off draws both per request."""

    def __init__(self) -> None:
        self.enabled = True
        self._lock = threading.Lock()
        self._ledgers: WeakKeyDictionary[Any, tuple[Any, dict[tuple[bool, str], Any]]] = WeakKeyDictionary()

    def drawn(self, svc: Any, tx: Tx, published_only: bool) -> tuple[dict[str, Any], Markup | None]:
        if not self.enabled:
            return kept_heatmap(tx, svc.currency, published_only), None
        at = self.prefix(svc, tx)
        key = (published_only, i18n.current())
        with self._lock:
            held, entries = self._ledgers.get(svc.db, (None, {}))
            if held == at and key in entries:
                return entries[key]  # type: ignore[no-any-return]
        heatmap = kept_heatmap(tx, svc.currency, published_only)
        what = Markup(i18n.gettext("unmet needs by state and chapter, coloured by funding gap"))  # as the page's _()
        drawn = heatmap, templates.env.get_template("charts.html").module.heat(heatmap, what)  # type: ignore[attr-defined]
        with self._lock:
            held, entries = self._ledgers.get(svc.db, (None, {}))
            self._ledgers[svc.db] = (at, {**(entries if held == at else {}), key: drawn})
        return drawn

    @staticmethod
    def prefix(svc: Any, tx: Tx) -> tuple[int, tuple[int, str] | None]:
        """The views' position and what names the log up to it (seals.prefix_of, as `as_of`'s kept folds)."""
        views = f"SELECT MAX(notification_id) FROM {svc.db.tracking_table} WHERE application_name = ?"
        position = int(tx.scalar(views, (store.VIEWS,)) or 0)
        return position, seals.prefix_of(tx, position)

    def held(self, svc: Any) -> int:
        """How many entries are held for this ledger (at most one per language and scope)."""
        return len(self._ledgers.get(svc.db, (None, {}))[1])


HEATMAPS = Heatmaps()
