"""Where views read their rows: the durable tables now, or a fold of the log as of a past moment."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from projections import model, rows, store
from projections.db import Database

NEED_FILTERS = ("state", "region", "chapter", "article", "status", "horizon")


@dataclass
class Scope:
    """Which needs a reader may see: all, only published ones, or those of some states too."""

    published_only: bool = False
    states: tuple[str, ...] = ()  # with published_only: these states' unpublished needs as well

    def admits(self, row: dict[str, Any]) -> bool:
        return not self.published_only or row["published"] or row["state"] in self.states


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
        scope = scope or Scope()
        with self.db.transaction(commit=False) as tx:
            found = store.need_rows(tx, **{k: v for k, v in filters.items() if v is not None})
        return [r for r in found if scope.admits(r)]

    def programmes(self, state: str | None = None, org: str | None = None) -> list[dict[str, Any]]:
        with self.db.transaction(commit=False) as tx:
            return store.programme_rows(tx, state=state, org=org)

    def organisations(self) -> list[dict[str, Any]]:
        with self.db.transaction(commit=False) as tx:
            return store.entities(tx, model.ORG)

    def rates(self) -> list[dict[str, Any]]:
        with self.db.transaction(commit=False) as tx:
            return store.entities(tx, model.RATES)


class FoldedRows:
    """The reference: the log's first events folded in memory, rows derived from scratch."""

    def __init__(self, state: model.State, reporting_currency: str) -> None:
        self.state = state
        self._needs, self._programmes = rows.derive(state, {model.EVERYTHING}, reporting_currency)

    @classmethod
    def of(cls, ledger: Any, position: int, reporting_currency: str, batch: int = 1000,
           db: Database | None = None) -> FoldedRows:
        """Fold up to `position`; from the nearest snapshot at or before it when `db` has one."""
        state = model.MemoryState()
        start = 0
        if db is not None:
            with db.transaction(commit=False) as tx:
                snapshot = store.nearest_snapshot(tx, position)
            if snapshot is not None:
                start, docs = snapshot
                for kind, key, doc in docs:
                    state.put(kind, key, json.loads(doc))
        while start < position:
            notifications = ledger.recorder.select_notifications(
                start=start, limit=batch, stop=position, inclusive_of_start=False
            )
            if not notifications:
                break
            model.fold(((n.id, ledger.mapper.to_domain_event(n)) for n in notifications), state)
            start = notifications[-1].id
        return cls(state, reporting_currency)

    def needs(self, scope: Scope | None = None, **filters: Any) -> list[dict[str, Any]]:
        scope = scope or Scope()
        found = [r for r in self._needs.values() if matches(r, filters) and scope.admits(r)]
        return sorted(found, key=lambda r: (r["state"], r["article"], r["need_id"]))

    def programmes(self, state: str | None = None, org: str | None = None) -> list[dict[str, Any]]:
        def keep(r: dict[str, Any]) -> bool:
            orgs = {
                r["reporting_org"]["org_id"],
                *(f["org_id"] for f in r["funders"]),
                *(i["org_id"] for i in r["implementers"]),
            }
            return (state is None or state in r["states"]) and (org is None or org in orgs)

        return sorted(
            (r for r in self._programmes.values() if keep(r)), key=lambda r: r["programme_id"]
        )

    def organisations(self) -> list[dict[str, Any]]:
        return sorted(self.state.all(model.ORG), key=lambda d: d["org_id"])

    def rates(self) -> list[dict[str, Any]]:
        return sorted(self.state.all(model.RATES), key=lambda d: d["currency"])
