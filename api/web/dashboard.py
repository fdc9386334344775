"""The dashboard's data: the meeting's filters, and every panel read at one log position.

`read` takes the reader's rows (their scope, the filters, now or as of a past position), runs
the views over them, and hands the answers to api/charts.py for geometry; api/routes/pages.py
only parses the request and renders.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from urllib.parse import urlencode

from api.http.auth import KEYED, READERS_ALL
from api.http.deps import read_day
from api.http.visibility import EVERY_NEED, programme_rows, visible_needs
from api.web import charts, timeline
from api.web import filters as web_filters
from api.web.filters import Wrong, checked
from api.web.heatmaps import HEATMAPS
from domain import reference
from domain.errors import InvalidInput
from projections import kept, store
from projections.db import Tx
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
    """Everything the dashboard shows, read at one log position (now, or the `as of` one): the whole
    ledger now, for a scope the runner keeps apart, from what it keeps (`kept_panels`); a filtered,
    past or state key's dashboard from the reader's need rows (`folded_panels`)."""
    at = position if position is not None else svc.runner.position()
    today = read_day(svc, filters.as_of, position)
    from_kept = position is None and not filters.narrowed and who.scope().kept({})
    if not from_kept:  # read before the transaction below: the rows' reads take their own
        panels, streams = folded_panels(svc, svc.rows(position), who, filters, today)
    with svc.db.transaction(commit=False) as tx:
        if from_kept:
            panels, streams = kept_panels(svc, tx, who, today), kept_streams(tx, who)
        events = timeline.recent(tx, 10, at, streams)
        recorded = tx.scalar(
            "SELECT recorded_at FROM audit_log WHERE position <= ? ORDER BY position DESC LIMIT 1", (at,)
        )
    return {
        "filters": filters,
        "currency": svc.currency,
        "position": at,
        "recorded_at": recorded,
        "historic": position is not None,
        **panels,
        "events": events if who.role in READERS_ALL else timeline.by_organisation(events, svc.ledger),
    }


def folded_panels(svc: Any, source: Any, who: Any, filters: Filters, today: date) -> tuple[dict[str, Any], Any]:
    """Every panel over the reader's need rows that the filters admit, and whose events to list."""
    everything = source.needs(who.scope())
    rows = [r for r in everything if filters.admits(r)]
    currency = svc.currency
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
    panels = {
        "options": options(sorted({(r["state_name"], r["state"]) for r in everything})),
        "headline": headline(rows),
        "heatmap": charts.heatmap(rows, filters.chapters(), filters.by_article, currency),
        **funding_panels(by_chapter, by_region),
        "overlap": overlap,
        "priorities": priorities["items"][:PRIORITY_ROWS],
        # programme monitoring is for key holders, in the API and here alike (README, Access)
        "attention": attention(monitored(source, who, filters, rows, everything), currency, today)
        if who.role in KEYED
        else None,
    }
    return panels, visible_streams(who, filters, rows)


def kept_panels(svc: Any, tx: Tx, who: Any, today: date) -> dict[str, Any]:
    """Every panel of the whole ledger from what the runner keeps: a bounded number of kept rows."""
    scope, currency = who.scope(), svc.currency
    kept_now = kept.panels(tx, scope.published_only)
    total = kept_now.total
    by_article = {int(k): t for k, t in kept_now.grouped("article").items()}
    heatmap, heat_html = HEATMAPS.drawn(svc, tx, scope.published_only)
    states = reference.states()
    return {
        "options": options(sorted((states[code].name, code) for code in kept_now.needs)),
        "headline": {
            "needs": sum(kept_now.needs.values()),
            "open": total.counts["needs"],
            "unmet": total.counts["unmet"],
            "gap": total.sums["gap"],
            "without_estimate": total.counts["gap_unknown"],
            "programmes": kept_now.active["programme"],
            "providers": kept_now.active["provider"],
            "states": len(total.states),
        },
        "heatmap": heatmap,
        "heat_html": heat_html,  # the heatmap's figures as the page shows them, or None: drawn by the page
        **funding_panels(
            funding_gaps.answer(kept_now.grouped("chapter"), total, currency, "chapter"),
            funding_gaps.answer(kept_now.grouped("region"), total, currency, "region"),
        ),
        "overlap": overlap_table(
            store.top_cells(tx, OVERLAP_ROWS, **scope.sql()), kept.cell_totals(tx, scope.published_only)
        ),
        "priorities": priority_areas.answer(by_article, currency, "article")["items"][:PRIORITY_ROWS],
        "attention": kept_attention(tx, currency, today) if who.role in KEYED else None,
    }


def funding_panels(by_chapter: dict[str, Any], by_region: dict[str, Any]) -> dict[str, Any]:
    return {
        "gap_by_chapter": charts.bars(chapter_labels(by_chapter["items"]), "name", "gap", unknown=charts.gap_unknown),
        "gap_by_region": charts.bars(by_region["items"], "label", "gap", unknown=charts.gap_unknown),
        "gap_total": by_chapter["total"],
    }


def kept_streams(tx: Tx, who: Any) -> Callable[[str], bool] | None:
    """Whose events to list on the whole ledger's dashboard, looked up stream by stream in the rows
    (as `visible_streams` would find them among every need row the reader may see)."""
    if who.role in READERS_ALL:
        return None
    published = " AND published = 1" if who.scope().published_only else ""
    seen: dict[str, bool] = {}

    def visible(stream_id: str) -> bool:
        key = str(stream_id)
        if key not in seen:
            need = tx.execute(f"SELECT 1 FROM view_needs WHERE need_id = ?{published}", (key,)).fetchone()
            seen[key] = need is not None or (who.role in KEYED and _linked_programme(tx, key))
        return seen[key]

    return visible


def _linked_programme(tx: Tx, programme_id: str) -> bool:
    """Whether a programme is linked to a need (a keyed reader of every need sees its events)."""
    row = tx.execute("SELECT doc FROM view_programmes WHERE programme_id = ?", (programme_id,)).fetchone()
    return row is not None and bool(json.loads(row["doc"])["linked_needs"])


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


def options(states: list[tuple[str, str]]) -> dict[str, Any]:
    """Choices for the filter form: every region and TA type, the states that have needs ((name, code), sorted)."""
    return {
        "regions": reference.regions(),
        "states": [(code, name) for name, code in states],
        "cycles": reference.review_cycles(),
        "chapters": reference.CHAPTERS,
        "ta_types": sorted(reference.ta_types_v2().items(), key=lambda kv: kv[1]),
    }


OVERLAP_ROWS = 10
PRIORITY_ROWS = 10
ATTENTION_ROWS = 8  # the flagged programmes shown; the rest are counted


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
    """The programmes raising a flag (over-disbursed, stalled, overdue), most flags first: the first
    ATTENTION_ROWS of them, and how many there are."""
    answer = programme_monitoring.view(programmes, currency, today)
    flagged = sorted((i for i in answer["items"] if i["flags"]), key=lambda i: -len(i["flags"]))
    return attention_panel(answer, flagged[:ATTENTION_ROWS], len(flagged))


def kept_attention(tx: Tx, currency: str, today: date) -> dict[str, Any]:
    """`attention` over every programme, from the kept counts and the first flagged rows alone."""
    first = programme_rows(kept.flagged_first(tx, today, ATTENTION_ROWS), EVERY_NEED)
    answer = programme_monitoring.answer(first, kept.programme_counts(tx, today), currency, today)
    return attention_panel(answer, answer["items"], kept.flagged_count(tx, today))


def attention_panel(answer: dict[str, Any], flagged: list[dict[str, Any]], count: int) -> dict[str, Any]:
    return {
        "flagged": flagged,
        "flagged_count": count,
        "count": answer["count"],
        "counts": answer["counts"],
        "today": answer["today"],
        "stall_days": answer["stall_days"],
    }
