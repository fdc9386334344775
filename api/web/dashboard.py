"""The dashboard's data: the meeting's filters, and every panel read at one log position.

`read` takes the reader's rows (their scope, the filters, now or as of a past position), runs
the views over them, and hands the answers to api/charts.py for geometry; api/routes/pages.py
only parses the request and renders.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from urllib.parse import urlencode

from api.http.auth import KEYED, READERS_ALL
from api.http.deps import read_day
from api.http.visibility import programme_rows, visible_needs
from api.web import charts, timeline
from api.web import filters as web_filters
from api.web.filters import Wrong, checked
from domain import reference
from domain.errors import InvalidInput
from projections.query import matches
from projections.views import funding_gaps, priority_areas, programme_monitoring, provider_overlap
from projections.views.common import ZERO


@dataclass(frozen=True)
class Filters:
    """What the meeting narrowed the dashboard to; every value is checked against a codelist."""

    region: str | None = None
    state: str | None = None
    cycle: int | None = None
    chapter: str | None = None
    ta_type: str | None = None
    as_of: str | None = None

    @classmethod
    def checked(cls, **raw: str | None) -> tuple[Filters, list[Wrong]]:
        """The filters whose values pass the API's own validators, and the ones refused (dropped)."""
        values, wrong = checked(raw, CHECKS)
        return cls(**values), wrong

    @classmethod
    def parse(cls, **raw: str | None) -> Filters:
        """The filters, or the first refusal raised."""
        filters, wrong = cls.checked(**raw)
        if wrong:
            raise InvalidInput(wrong[0].code, wrong[0].detail)
        return filters

    @property
    def narrowed(self) -> bool:
        return any((self.region, self.state, self.cycle, self.chapter, self.ta_type))

    @property
    def by_article(self) -> bool:
        """One chapter chosen: the heatmap's columns become its articles."""
        return bool(self.chapter) and len(self.chapters()) == 1

    def chapters(self) -> tuple[str, ...]:
        """The chapters in view: the one chosen, the cycle's, or all of them."""
        if self.cycle is not None:
            cycle = reference.review_cycles()[self.cycle]
            return tuple(c for c in cycle if self.chapter in (None, c))
        return (self.chapter,) if self.chapter else reference.CHAPTERS

    def admits(self, row: dict[str, Any]) -> bool:
        wanted = {"region": self.region, "state": self.state, "ta_type": self.ta_type}
        return matches(row, wanted) and row["chapter"] in self.chapters()

    def query(self, **change: Any) -> str:
        """This selection as a query string, with some values changed (None drops one)."""
        values = {k: v for k, v in vars(replace(self, **change)).items() if v not in (None, "")}
        return urlencode(values)

    def view_query(self, **extra: Any) -> str:
        """This selection for a view's page (api/web/views_pages.py), which has no review cycle."""
        values = {k: v for k, v in vars(self).items() if k != "cycle" and v not in (None, "")}
        return urlencode({**values, **{k: v for k, v in extra.items() if v is not None}})


def _cycle(value: str) -> int:
    if not value.isdigit() or int(value) not in reference.review_cycles():
        raise InvalidInput("unknown-cycle", f"review cycle {value!r} does not exist (1 or 2)")
    return int(value)


CHECKS = {  # the dashboard's filters, in the form's order
    "region": web_filters.CHECKS["region"],
    "state": web_filters.CHECKS["state"],
    "cycle": ("Review cycle", _cycle),
    "chapter": web_filters.CHECKS["chapter"],
    "ta_type": web_filters.CHECKS["ta_type"],
    "as_of": web_filters.CHECKS["as_of"],
}


def headline(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The six numbers a meeting starts from, over the selected needs."""
    open_rows = [r for r in rows if r["status"] == "open"]
    programmes: set[str] = set()
    providers: set[str] = set()
    for r in open_rows:
        programmes.update(p["programme_id"] for p in r["programmes"] if p["active"])
        providers.update(p["org_id"] for p in r["providers"])
    return {
        "needs": len(rows),
        "open": len(open_rows),
        "unmet": sum(1 for r in open_rows if r["classification"] == "unmet"),
        "gap": sum((charts.dec(r["gap"]) for r in open_rows), ZERO),
        "without_estimate": sum(1 for r in open_rows if r["gap"] is None),
        "programmes": len(programmes),
        "providers": len(providers),
        "states": len({r["state"] for r in open_rows}),
    }


# ---- reading: the views over the selected rows, through the reader's scope ----


def read(svc: Any, who: Any, filters: Filters, position: int | None) -> dict[str, Any]:
    """Everything the dashboard shows, read at one log position (now, or the `as of` one)."""
    source = svc.rows(position)
    everything = source.needs(who.scope())
    rows = [r for r in everything if filters.admits(r)]
    currency = svc.currency
    at = position if position is not None else svc.runner.position()
    with svc.db.transaction(commit=False) as tx:
        events = timeline.recent(tx, 10, at, visible_streams(who, filters, rows))
        recorded = tx.scalar(
            "SELECT recorded_at FROM audit_log WHERE position <= ? ORDER BY position DESC LIMIT 1", (at,)
        )
    today = read_day(svc, filters.as_of, position)
    if filters.narrowed:  # from the selected rows
        by_chapter = funding_gaps.view(rows, currency, "chapter")
        by_region = funding_gaps.view(rows, currency, "region")
        priorities = priority_areas.view(rows, currency, "article", filters.ta_type)
        overlap = overlap_table(
            *provider_overlap.top(provider_overlap.cells(rows, currency, filters.ta_type), OVERLAP_ROWS)
        )
    else:  # the whole ledger: what the runner keeps, where it keeps it
        chapters, total = source.grouped("chapter", who.scope())
        by_chapter = funding_gaps.answer(chapters, total, currency, "chapter")
        regions, total = source.grouped("region", who.scope())
        by_region = funding_gaps.answer(regions, total, currency, "region")
        priorities = priority_areas.answer(source.grouped("article", who.scope())[0], currency, "article")
        overlap = overlap_table(*source.top_cells(who.scope(), OVERLAP_ROWS))
    return {
        "filters": filters,
        "currency": currency,
        "position": at,
        "recorded_at": recorded,
        "historic": position is not None,
        "options": options(everything),
        "headline": headline(rows),
        "heatmap": charts.heatmap(rows, filters.chapters(), filters.by_article, currency),
        "gap_by_chapter": charts.bars(chapter_labels(by_chapter["items"]), "name", "gap", unknown=charts.gap_unknown),
        "gap_by_region": charts.bars(by_region["items"], "label", "gap", unknown=charts.gap_unknown),
        "gap_total": by_chapter["total"],
        "overlap": overlap,
        "priorities": priorities["items"][:10],
        # programme monitoring is for key holders, in the API and here alike (README, Access)
        "attention": attention(monitored(source, who, filters, rows, everything), currency, today)
        if who.role in KEYED
        else None,
        "events": events if who.role in READERS_ALL else timeline.by_organisation(events, svc.ledger),
    }


def visible_streams(who: Any, filters: Filters, rows: list[dict[str, Any]]) -> Any:
    """Whose events to list: all for full readers of the whole ledger, else the selection's."""
    if not filters.narrowed and who.role in READERS_ALL:
        return None
    streams = {r["need_id"] for r in rows}
    if who.role in KEYED:
        streams |= {p["programme_id"] for r in rows for p in r["programmes"]}
    return streams.__contains__


def chapter_labels(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**i, "name": f"Chapter {i['key']} · {i['label']}"} for i in items]


def options(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Choices for the filter form: every region and TA type, the states that have needs."""
    states = sorted({(r["state_name"], r["state"]) for r in rows})
    return {
        "regions": reference.regions(),
        "states": [(code, name) for name, code in states],
        "cycles": reference.review_cycles(),
        "chapters": reference.CHAPTERS,
        "ta_types": sorted(reference.ta_types_v2().items(), key=lambda kv: kv[1]),
    }


OVERLAP_ROWS = 10


def overlap_table(cells: list[dict[str, Any]], totals: dict[str, int]) -> dict[str, Any]:
    """The first cells to discuss (provider_overlap.rank), and how many more there are."""
    return {"cells": cells, "more": max(0, totals["count"] - len(cells)), **totals}


def monitored(
    source: Any, who: Any, filters: Filters, rows: list[dict[str, Any]], visible: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The selection's programmes this reader may see, chosen as the monitoring route does.

    State and region match the programme's states; cycle, chapter and TA type keep programmes
    linked to a selected need; a state key sees programmes linked to needs it may see, or of its
    own state. Their `linked_needs` are the needs this reader may see (`visible`, its rows).
    """
    found = source.programmes(state=filters.state)
    if filters.region is not None:
        found = [p for p in found if any(reference.states()[s].region == filters.region for s in p["states"])]
    scope, by_needs = who.scope(), any((filters.cycle, filters.chapter, filters.ta_type))
    if by_needs or scope.published_only:
        ids = {r["need_id"] for r in rows}
        own = set() if by_needs else set(scope.states)
        found = [p for p in found if programme_monitoring.linked(p, ids) or own & set(p["states"])]
    return programme_rows(found, visible_needs(scope, lambda _: visible))


def attention(programmes: list[dict[str, Any]], currency: str, today: date) -> dict[str, Any]:
    """The programmes raising a flag (over-disbursed, stalled, overdue), most flags first."""
    answer = programme_monitoring.view(programmes, currency, today)
    flagged = sorted((i for i in answer["items"] if i["flags"]), key=lambda i: -len(i["flags"]))
    return {
        "flagged": flagged,
        "count": answer["count"],
        "counts": answer["counts"],
        "today": answer["today"],
        "stall_days": answer["stall_days"],
    }
