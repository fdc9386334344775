"""A past position's rows read from versioned rows (`store.versions`), with the events since the point before it
folded over the documents as they stood there: `VersionedRows`, which answers every read `FoldedRows` answers."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from functools import cached_property
from typing import Any

from projections import model, rows, store
from projections.db import Database, Tx
from projections.kept.needs import add_tally
from projections.kept.tallies import TallyKey
from projections.query import (
    FoldedRows,
    Grouped,
    Page,
    Scope,
    class_counts,
    events_between,
    grouped_tallies,
    matches,
)
from projections.store import versions
from projections.views.common import sort_key
from projections.views.tally import Tally
from projections.views.unmet_needs import CLASSES


class PointState:
    """The model's `State` as it stood at a versioned point (`store.versions`), read through inside `tx`; what a
    fold puts stays here (`put`), never written."""

    def __init__(self, tx: Tx, point: int) -> None:
        self.tx = tx
        self.point = point
        self.docs: dict[tuple[str, str], dict[str, Any] | None] = {}

    def load(self, kinds: Iterable[str] = (), keys: Iterable[str] = ()) -> None:
        """Read at once every document of `kinds`, and those of any kind named `keys` (a fold's originators)."""
        for kind in kinds:
            for key, doc in versions.entities(self.tx, self.point, kind).items():
                self.docs.setdefault((kind, key), doc)
        wanted = sorted({k for k in keys} - {k for _, k in self.docs})
        for i in range(0, len(wanted), 500):
            for kind, key, doc in versions.any_kind(self.tx, self.point, wanted[i : i + 500]):
                self.docs.setdefault((kind, key), doc)

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        if (kind, key) not in self.docs:
            self.docs[(kind, key)] = versions.entity(self.tx, self.point, kind, key)
        return self.docs[(kind, key)]

    def put(self, kind: str, key: str, doc: dict[str, Any]) -> None:
        self.docs[(kind, key)] = doc

    def all(self, kind: str) -> Iterator[dict[str, Any]]:
        self.load([kind])
        return (doc for (k, _), doc in list(self.docs.items()) if k == kind and doc is not None)


class VersionedRows(FoldedRows):
    """A past position's rows read from the versions at the point at or before it (`store.versions`): the rows the
    events between the point and the position touch are derived from the documents as they stood at the point with
    those events folded over them (as the runner derives a batch's), every other row is read as versioned. So a past
    view costs what the same view costs now plus at most `every` events, whatever the history's length.

    The reference is `FoldedRows` (the whole prefix folded): `VersionedRows` answers every read of it alike, and the
    property tests hold the two equal at every position of random histories."""

    MOST_EVENTS = 5000  # past the point: more than this (the runner far behind), the whole prefix is folded instead

    def __init__(
        self,
        db: Database,
        point: int,
        state: PointState,
        changed: tuple[rows.Rows, rows.Rows],
        reporting_currency: str,
    ) -> None:
        self.db = db
        self.point = point
        self.point_state = state  # the documents the events since the point put (the rest: read at the point)
        self.currency = reporting_currency
        self.changed_needs, self.changed_programmes = changed

    @classmethod
    def at(
        cls, ledger: Any, db: Database, position: int, applied: int, reporting_currency: str, every: int
    ) -> VersionedRows | None:
        """The rows as of `position`, from the last point at or before it that the runner (at `applied`) has passed;
        None when the events past that point are too many, or one of them changes every row (a rate, a renamed
        organisation): the whole prefix is folded then (`FoldedRows.of`)."""
        point = min(position, applied) // every * every
        if position - point > cls.MOST_EVENTS:
            return None
        events = list(events_between(ledger, point, position, 5000))
        with db.transaction(commit=False) as tx:
            state = PointState(tx, point)
            state.load((model.ORG, model.RATES), (str(e.originator_id) for _, e in events))
            touched: set[tuple[str, str]] = set()
            for at, event in events:
                touched |= model.apply(state, event, at)
            if model.EVERYTHING in touched:
                return None
            linked = (state.get(kind, key) for kind, key in touched if kind == model.NEED)
            state.load(keys=(pid for need in linked if need is not None for pid in need["programmes"]))
            changed = rows.derive(state, touched, reporting_currency)
        state.tx = None  # type: ignore[assignment]  # closed: what is read later opens its own
        return cls(db, point, state, changed, reporting_currency)

    def needs(self, scope: Scope | None = None, **filters: Any) -> list[dict[str, Any]]:
        scope = scope or Scope()
        where, params = store.need_where(**scope.sql(), **filters)
        with self.db.transaction(commit=False) as tx:
            found = tx.execute(
                f"SELECT need_id, doc FROM view_need_versions WHERE {' AND '.join(where)} AND {versions.VALID}",
                [*params, self.point, self.point],
            ).fetchall()
        out = [json.loads(r["doc"]) for r in found if r["need_id"] not in self.changed_needs]
        out += [r for r in self.changed_needs.values() if matches(r, filters) and scope.admits(r)]
        return sorted(out, key=lambda r: (r["state"], r["article"], r["need_id"]))

    def grouped(self, by: str, scope: Scope, **filters: Any) -> Grouped:
        """Open needs' tallies per area of `by`, and in total: the kept tallies as versioned at the point, moved by
        the needs changed since (as the runner moves them), when unfiltered; tallied from the rows otherwise."""
        if not scope.kept(filters):
            return super().grouped(by, scope, **filters)
        return grouped_tallies(self._tallies(("total", by), scope.published_only), by)

    def _tallies(self, dims: tuple[str, ...], published_only: bool) -> dict[tuple[str, str], Tally]:
        """`kept.tallies` as they stood at the position."""
        with self.db.transaction(commit=False) as tx:
            found = tx.execute(
                f"SELECT dim, key, published, doc FROM view_tally_versions WHERE dim IN ({','.join('?' * len(dims))})"
                f" AND {versions.VALID} AND doc IS NOT NULL" + (" AND published = 1" if published_only else ""),
                [*dims, self.point, self.point],
            ).fetchall()
        stored = {(r["dim"], r["key"], int(r["published"])): Tally.from_json(json.loads(r["doc"])) for r in found}
        for key, delta in self._moved.items():
            if key[0] in dims and (key[2] or not published_only):
                stored.setdefault(key, Tally()).merge(delta)
        out: dict[tuple[str, str], Tally] = {}
        for (dim, key, _), t in stored.items():
            if not t.empty:
                out[(dim, key)] = out[(dim, key)].merge(t) if (dim, key) in out else t
        return out

    @cached_property
    def _moved(self) -> dict[TallyKey, Tally]:
        """What the needs changed since the point move in the kept tallies: their own tallies at the point taken
        back, and those they have at the position added."""
        moved: dict[TallyKey, Tally] = {}
        ids = sorted(self.changed_needs)
        with self.db.transaction(commit=False) as tx:
            for i in range(0, len(ids), 500):
                chunk = ids[i : i + 500]
                for r in tx.execute(  # by key, each need's versions (not by status: an index on every open need)
                    f"SELECT status, doc FROM view_need_versions WHERE need_id IN ({','.join('?' * len(chunk))})"
                    f" AND {versions.VALID}",
                    [*chunk, self.point, self.point],
                ).fetchall():
                    if r["status"] == "open":
                        old = json.loads(r["doc"])
                        add_tally(moved, old, Tally.of(old), -1)
        for row in self.changed_needs.values():
            if row["status"] == "open":
                add_tally(moved, row, Tally.of(row), 1)
        return moved

    def open_page(
        self, scope: Scope, after: str | None, limit: int, classification: str | None = None, **filters: Any
    ) -> Page:
        """A page of open needs in list order after `after`, and the counts of them all: an index range of the
        versions valid at the point, less the needs changed since, plus those needs as they are now; the counts
        from the kept total as it stood (`_tallies`) when unfiltered, else counted as the page is read."""
        changed = self.changed_needs
        others = sorted(changed)
        where, params = store.need_where(status="open", **scope.sql(), **filters)
        where.append(versions.VALID)
        params += [self.point, self.point]
        paged, paged_params = [*where], [*params]
        if classification is not None:
            paged.append("classification = ?")
            paged_params.append(classification)
        if after is not None:
            paged.append("sort_key > ?")
            paged_params.append(after)
        if others:
            where.append(f"need_id NOT IN ({','.join('?' * len(others))})")
            params += others
        with self.db.transaction(commit=False) as tx:
            found = tx.execute(
                f"SELECT need_id, doc FROM view_need_versions WHERE {' AND '.join(paged)}"
                " ORDER BY status, sort_key LIMIT ?",
                [*paged_params, limit + 1 + len(others)],
            ).fetchall()
            counted = (
                []
                if scope.kept(filters)
                else tx.execute(
                    f"SELECT classification, COUNT(*) AS n FROM view_need_versions WHERE {' AND '.join(where)}"
                    " GROUP BY classification",
                    params,
                ).fetchall()
            )
        now = [r for r in changed.values() if r["status"] == "open" and matches(r, filters) and scope.admits(r)]
        if scope.kept(filters):
            counts = class_counts(self._tallies(("total",), scope.published_only).get(("total", ""), Tally()))
        else:
            counts = dict.fromkeys(CLASSES, 0)
            for r in [*counted, *({"classification": r["classification"], "n": 1} for r in now)]:
                counts[r["classification"]] += int(r["n"])
        page = [json.loads(r["doc"]) for r in found if r["need_id"] not in changed]
        page += [
            r
            for r in now
            if (classification is None or r["classification"] == classification)
            and (after is None or sort_key(r) > after)
        ]
        page.sort(key=sort_key)
        return page[:limit], counts, len(page) > limit

    @cached_property
    def _programmes(self) -> dict[str, dict[str, Any]]:  # type: ignore[override]
        """Every programme's row at the position (programme-monitoring's pages read them all, as `FoldedRows`)."""
        with self.db.transaction(commit=False) as tx:
            found = tx.execute(
                f"SELECT programme_id, doc FROM view_programme_versions WHERE {versions.VALID}",
                (self.point, self.point),
            ).fetchall()
        out = {r["programme_id"]: json.loads(r["doc"]) for r in found}
        out.update(self.changed_programmes)
        return out

    def organisations(self) -> list[dict[str, Any]]:
        return sorted(self._documents(model.ORG), key=lambda d: d["org_id"])

    def rates(self) -> list[dict[str, Any]]:
        return sorted(self._documents(model.RATES), key=lambda d: d["currency"])

    def _documents(self, kind: str) -> list[dict[str, Any]]:
        """The organisations or the rates at the position: `at` read them all at the point, and the fold put its own."""
        return [doc for (k, _), doc in self.point_state.docs.items() if k == kind and doc is not None]
