"""Where views read their rows: the durable tables now, or a fold of the log as of a past moment."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from projections import fast_decode, kept, model, rows, store
from projections.db import Database, Tx
from projections.views import programme_monitoring, provider_overlap
from projections.views.common import sort_key
from projections.views.tally import Tally, tally
from projections.views.unmet_needs import CLASSES

NEED_FILTERS = ("state", "region", "chapter", "article", "status", "horizon", "classification")


@dataclass
class Scope:
    """Which needs a reader may see: all, only published ones, or those of some states too."""

    published_only: bool = False
    states: tuple[str, ...] = ()  # with published_only: these states' unpublished needs as well

    def admits(self, row: dict[str, Any]) -> bool:
        return not self.published_only or row["published"] or row["state"] in self.states

    def sql(self) -> dict[str, Any]:
        return {"published_only": self.published_only, "states": self.states}

    def kept(self, filters: dict[str, Any]) -> bool:
        """Whether what the runner keeps answers this read with these filters (the rule: `kept.serves`)."""
        return kept.serves(filters, self.states)


Grouped = tuple[dict[Any, Tally], Tally]
Page = tuple[list[dict[str, Any]], dict[str, int], bool]  # rows, counts of them all, more?


def matches(row: dict[str, Any], filters: dict[str, Any]) -> bool:
    for key in NEED_FILTERS:
        value = filters.get(key)
        if value is not None and row[key] != value:
            return False
    ta_type = filters.get("ta_type")
    return ta_type is None or ta_type in row["ta_types_v2"]


class DurableRows:
    def __init__(self, db: Database) -> None:
        self.db = db

    def needs(self, scope: Scope | None = None, **filters: Any) -> list[dict[str, Any]]:
        with self.db.transaction(commit=False) as tx:
            return store.need_rows(tx, **(scope or Scope()).sql(), **filters)

    def grouped(self, by: str, scope: Scope, **filters: Any) -> Grouped:
        """Open needs' tallies per area of `by`, and in total: kept by the runner when unfiltered."""
        if not scope.kept(filters):
            return tally(self.needs(scope, status="open", **filters), by, filters.get("ta_type"))
        with self.db.transaction(commit=False) as tx:
            return grouped_tallies(kept.tallies(tx, ("total", by), scope.published_only), by)

    def programme_page(
        self, today: date, flag: str | None, after: str | None, limit: int, state: str | None = None
    ) -> Page:
        """A page of programmes in list order after the sort key `after`, and the counts of them all."""
        with self.db.transaction(commit=False) as tx:
            counted = _programme_counts(tx, today, state)
            found = store.programme_page(tx, today, flag, after, limit + 1, state)
        if flag is not None:
            counted["count"] = counted[flag]
        return found[:limit], counted, len(found) > limit

    def programme_page_json(
        self, today: date, flag: str | None, after: str | None, limit: int, state: str | None = None
    ) -> tuple[list[str], str | None, dict[str, int], bool]:
        """`programme_page` with each item as kept, encoded as the answer holds it (`kept.monitored`): the items,
        the last one's programme id, the counts of them all, and whether more follow."""
        with self.db.transaction(commit=False) as tx:
            counted = _programme_counts(tx, today, state)
            found = kept.monitored_page(tx, today, flag, after, limit + 1, state)
        if flag is not None:
            counted["count"] = counted[flag]
        page = found[:limit]
        return [item for _, item in page], page[-1][0] if page else None, counted, len(found) > limit

    def programme_key(self, programme_id: str) -> str | None:
        """Where a programme stands in programme-monitoring's list order (a page cursor names it)."""
        with self.db.transaction(commit=False) as tx:
            return store.programme_sort_key(tx, programme_id)

    def cell_page(self, scope: Scope, after: str | None, limit: int, **filters: Any) -> Page:
        """A page of provider-overlap cells in list order after the cell key `after`, and the totals."""
        with self.db.transaction(commit=False) as tx:
            found = store.cell_page(tx, after, limit + 1, **scope.sql(), **filters)
            counted = _cell_totals(tx, scope, filters)
        return found[:limit], counted, len(found) > limit

    def cell_page_json(
        self, scope: Scope, after: str | None, limit: int, **filters: Any
    ) -> tuple[list[str], str | None, dict[str, int], bool]:
        """`cell_page` with each cell as kept, encoded as the answer holds it (nothing decoded):
        the cells, the last one's key, the totals, and whether more follow."""
        with self.db.transaction(commit=False) as tx:
            found = store.cell_page_docs(tx, after, limit + 1, **scope.sql(), **filters)
            counted = _cell_totals(tx, scope, filters)
        page = found[:limit]
        return [doc for _, doc in page], page[-1][0] if page else None, counted, len(found) > limit

    def ranked_areas(self, by: str, scope: Scope, **filters: Any) -> list[str] | None:
        """priority-areas' items ranked and encoded as kept (`kept.areas`), when kept data serves
        this read (no filter, a scope kept apart); None otherwise."""
        if not scope.kept(filters):
            return None
        with self.db.transaction(commit=False) as tx:
            return kept.ranked_items(tx, by, scope.published_only)

    def top_cells(self, scope: Scope, limit: int) -> tuple[list[dict[str, Any]], dict[str, int]]:
        """The first cells to discuss (provider_overlap.rank), and the totals of all of them."""
        with self.db.transaction(commit=False) as tx:
            return store.top_cells(tx, limit, **scope.sql()), _cell_totals(tx, scope, {})

    def open_page(
        self, scope: Scope, after: str | None, limit: int, classification: str | None = None, **filters: Any
    ) -> Page:
        """A page of open needs in list order after the sort key `after`, and the counts of them all."""
        with self.db.transaction(commit=False) as tx:
            found = store.open_need_page(tx, after, limit + 1, classification=classification, **scope.sql(), **filters)
            if not scope.kept(filters):
                found_counts = store.open_need_counts(tx, **scope.sql(), **filters)
                counts = {c: found_counts.get(c, 0) for c in CLASSES}
            else:
                counts = class_counts(kept.tallies(tx, ("total",), scope.published_only).get(("total", ""), Tally()))
        return found[:limit], counts, len(found) > limit

    def programmes(self, state: str | None = None, org: str | None = None) -> list[dict[str, Any]]:
        with self.db.transaction(commit=False) as tx:
            return store.programme_rows(tx, state=state, org=org)

    def organisations(self) -> list[dict[str, Any]]:
        with self.db.transaction(commit=False) as tx:
            return store.entities(tx, model.ORG)

    def rates(self) -> list[dict[str, Any]]:
        with self.db.transaction(commit=False) as tx:
            return store.entities(tx, model.RATES)


def grouped_tallies(stored: dict[tuple[str, str], Tally], by: str) -> Grouped:
    """Kept tallies of ("total", `by`) as `grouped` answers them: per area of `by`, and the total."""
    groups = {int(k) if by == "article" else k: t for (dim, k), t in stored.items() if dim == by}
    return groups, stored.get(("total", ""), Tally())


def class_counts(total: Tally) -> dict[str, int]:
    """How many open needs there are per classification, from their kept total."""
    return {c: total.counts[c.replace("-", "_")] for c in CLASSES}


def _cell_totals(tx: Tx, scope: Scope, filters: dict[str, Any]) -> dict[str, int]:
    if scope.kept(filters):
        return kept.cell_totals(tx, scope.published_only)
    return store.cell_totals(tx, **scope.sql(), **filters)


def _programme_counts(tx: Tx, today: date, state: str | None) -> dict[str, int]:
    if kept.serves({"state": state}):
        return kept.programme_counts(tx, today)
    return store.programme_counts(tx, today, state)


class FoldedRows:
    """The reference: the log's first events folded in memory, rows derived from scratch."""

    def __init__(self, state: model.State, reporting_currency: str) -> None:
        self.state = state
        self.currency = reporting_currency
        self._needs, self._programmes = rows.derive(state, {model.EVERYTHING}, reporting_currency)

    @classmethod
    def of(
        cls, ledger: Any, position: int, reporting_currency: str, batch: int = 5000, db: Database | None = None
    ) -> FoldedRows:
        """Fold up to `position`; from the nearest snapshot at or before it when `db` has one."""
        with fast_decode.collector_paused():
            return cls._of(ledger, position, reporting_currency, batch, db)

    @classmethod
    def _of(cls, ledger: Any, position: int, reporting_currency: str, batch: int, db: Database | None) -> FoldedRows:
        state = model.MemoryState()
        start = 0
        if db is not None:
            with db.transaction(commit=False) as tx:
                snapshot = store.nearest_snapshot(tx, position)
            if snapshot is not None:
                start, docs = snapshot
                for kind, key, doc in docs:
                    state.put(kind, key, doc)
        model.fold(events_between(ledger, start, position, batch), state)
        return cls(state, reporting_currency)

    def needs(self, scope: Scope | None = None, **filters: Any) -> list[dict[str, Any]]:
        scope = scope or Scope()
        found = [r for r in self._needs.values() if matches(r, filters) and scope.admits(r)]
        return sorted(found, key=lambda r: (r["state"], r["article"], r["need_id"]))

    def grouped(self, by: str, scope: Scope, **filters: Any) -> Grouped:
        return tally(self.needs(scope, status="open", **filters), by, filters.get("ta_type"))

    def programme_page(
        self, today: date, flag: str | None, after: str | None, limit: int, state: str | None = None
    ) -> Page:
        (found, more), counted = programme_monitoring.page(self.programmes(state=state), today, flag, after, limit)
        return found, counted, more

    def programme_key(self, programme_id: str) -> str | None:
        row = self._programmes.get(programme_id)
        return None if row is None else programme_monitoring.sort_key(row)

    def top_cells(self, scope: Scope, limit: int) -> tuple[list[dict[str, Any]], dict[str, int]]:
        return provider_overlap.top(provider_overlap.cells(self.needs(scope, status="open"), self.currency), limit)

    def cell_page(self, scope: Scope, after: str | None, limit: int, **filters: Any) -> Page:
        items = provider_overlap.cells(
            self.needs(scope, status="open", **filters), self.currency, filters.get("ta_type")
        )
        later = [i for i in items if after is None or provider_overlap.cell_key(i) > after]
        return later[:limit], provider_overlap.totals(items), len(later) > limit

    def open_page(
        self, scope: Scope, after: str | None, limit: int, classification: str | None = None, **filters: Any
    ) -> Page:
        found = sorted(self.needs(scope, status="open", **filters), key=sort_key)
        counts = dict.fromkeys(CLASSES, 0)
        for r in found:
            counts[r["classification"]] += 1
        page = [
            r
            for r in found
            if (classification is None or r["classification"] == classification)
            and (after is None or sort_key(r) > after)
        ]
        return page[:limit], counts, len(page) > limit

    def programmes(self, state: str | None = None, org: str | None = None) -> list[dict[str, Any]]:
        def keep(r: dict[str, Any]) -> bool:
            orgs = {
                r["reporting_org"]["org_id"],
                *(f["org_id"] for f in r["funders"]),
                *(i["org_id"] for i in r["implementers"]),
            }
            return (state is None or state in r["states"]) and (org is None or org in orgs)

        return sorted((r for r in self._programmes.values() if keep(r)), key=lambda r: r["programme_id"])

    def organisations(self) -> list[dict[str, Any]]:
        return sorted(self.state.all(model.ORG), key=lambda d: d["org_id"])

    def rates(self) -> list[dict[str, Any]]:
        return sorted(self.state.all(model.RATES), key=lambda d: d["currency"])


def events_between(ledger: Any, start: int, position: int, batch: int) -> Iterator[tuple[int, Any]]:
    """(position, event) of the stored events after `start` up to `position`, decoded as the library's mapper does:
    with the rebuild's orjson decoder (`fast_decode`, held equal to the mapper) where it applies."""
    try:
        decoder = fast_decode.FastDecoder(ledger.mapper)
    except ValueError:  # a cipher or compression: the library's mapper
        while start < position:
            notifications = ledger.recorder.select_notifications(
                start=start, limit=batch, stop=position, inclusive_of_start=False
            )
            if not notifications:
                return
            yield from ((n.id, ledger.mapper.to_domain_event(n)) for n in notifications)
            start = notifications[-1].id
        return
    while start < position:
        found = [
            row
            for row in fast_decode.read_log(ledger.recorder, start, min(batch, position - start))
            if row[0] <= position
        ]
        if not found:
            return
        yield from decoder.rows(found)
        start = found[-1][0]
