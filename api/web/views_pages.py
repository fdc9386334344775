"""Pages for meetings: each coordination view and a State's IRG report as an HTML table.

A page reads the same answer as `/v1` with the same filters, and its table is that answer's CSV
(the view's own column spec), so `Download CSV` hands over exactly what the page shows (`Download
spreadsheet`: the same rows as .xlsx). An unknown figure reads "unknown" with why; a wrong filter
value is named on the page (422) and dropped, the rest of the page still usable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse

from api.http.auth import KEYED, Principal, PrincipalDep
from api.http.deps import ServicesDep, read_day, read_position
from api.http.routes.views import open_needs, programmes
from api.root.services import Services
from api.web import filters as web_filters
from api.web import i18n
from api.web.filters import Wrong, checked, one_of
from api.web.render import page, templates
from domain import reference
from projections.views import (
    funding_gaps,
    irg_report,
    priority_areas,
    programme_monitoring,
    provider_overlap,
    unmet_needs,
)
from projections.views.common import AREAS

router = APIRouter(include_in_schema=False)
templates.env.filters.update(pair=lambda v: (v, v), unknown_words=irg_report.unknown_words)
Text = Annotated[str | None, Query(max_length=60)]
UNKNOWN = {"estimated", "coverage", "gap", "hhi", "effective_providers", "disbursement_rate"}
NUMERIC = {
    "article",
    "needs",
    "needs_unmet",
    "states",
    "rank",
    "deliveries",
    "days_without_delivery",
    "needs_high_priority",
    "needs_gap_unknown",
    "needs_without_estimate",
    "needs_estimate_unconverted",
    *UNKNOWN,
}


@dataclass(frozen=True)
class View:
    """A view's page: its title, what it shows, its own choice (group by, classification, flag)."""

    name: str
    title: str
    about: str
    module: Any
    option: tuple[str, str, tuple[str, ...]] | None = None  # (query parameter, label, allowed values)
    keyed: bool = False  # programme monitoring: for key holders, as in the API


VIEWS = {
    v.name: v
    for v in (
        View(
            "unmet-needs",
            "Unmet needs",
            "Open needs, each unmet (no active programme), partially funded or funded (coverage at least 1).",
            unmet_needs,
            ("classification", "Classification", unmet_needs.CLASSES),
        ),
        View(
            "funding-gaps",
            "Funding gaps",
            "Open needs grouped; the gap is the sum of the needs' known gaps, unknown ones counted apart.",
            funding_gaps,
            ("group_by", "Group by", AREAS),
        ),
        View(
            "provider-overlap",
            "Provider overlap",
            "Per state, article and TA type: the active programmes, their funders, concentration (HHI) "
            "and the pairs of programmes to discuss. `committed_allocated_to_cell` splits each need's "
            "allocated commitment equally over its TA types, so the cells add up without double counting.",
            provider_overlap,
        ),
        View(
            "priority-areas",
            "Priority areas",
            "Areas where open needs recur across States parties, ranked by states, unmet share and gap.",
            priority_areas,
            ("group_by", "Group by", priority_areas.BY),
        ),
        View(
            "programme-monitoring",
            "Programme monitoring",
            "Per programme: money, deliveries, and the flags over-disbursed, stalled and overdue.",
            programme_monitoring,
            ("flag", "Flag", programme_monitoring.FLAGS),
            keyed=True,
        ),
    )
}


def _answer(view: View, svc: Services, who: Principal, f: dict[str, Any], past: int | None) -> dict[str, Any]:
    """The view's whole answer, as `/v1/views/{name}?format=csv` builds it."""
    needs = {k: f[k] for k in ("state", "region", "chapter", "article", "ta_type")}
    option = f.get("option")
    if view.name == "unmet-needs":
        return unmet_needs.view(open_needs(svc, who, past, **needs), svc.currency, option)
    if view.name == "provider-overlap":
        return provider_overlap.view(open_needs(svc, who, past, **needs), svc.currency, ta_type=f["ta_type"])
    if view.name == "programme-monitoring":
        today = read_day(svc, f["as_of"], past)
        found = programmes(svc.rows(past), who, **needs)
        return programme_monitoring.view(found, svc.currency, today, option)
    by = option or ("state" if view.name == "funding-gaps" else "article")
    groups, total = svc.rows(past).grouped(by, who.scope(), **needs)
    if view.name == "funding-gaps":
        return funding_gaps.answer(groups, total, svc.currency, by)
    return priority_areas.answer(groups, svc.currency, by)


# ---- the table: the CSV's columns and cells, read as a person would ----


def why_unknown(item: dict[str, Any]) -> str:
    """Why a figure of this item is unknown, in words."""
    if "estimated" in item and item.get("estimated") is None:
        pending = sorted((item.get("unconverted") or {}).get("estimated") or {})
        return f"no exchange rate for {', '.join(pending)}" if pending else "no estimate"
    if "hhi" in item:
        return "no converted commitment"
    if "disbursement_rate" in item:
        return "nothing committed"
    return "not known"


def header(name: str) -> str:
    return name.replace("_", " ").capitalize().replace("Hhi", "HHI").replace("Ta ", "TA ")


def table(headers: list[str], rows: list[list[Any]], items: list[dict[str, Any]]) -> dict[str, Any]:
    """The CSV's rows as cells: an empty figure reads "unknown" with why, numbers align right."""
    out = []
    for row, item in zip(rows, items, strict=False):
        cells = []
        for name, value in zip(headers, row, strict=True):
            text = "" if value is None else str(value)
            cell: dict[str, Any] = {"text": text, "num": name in NUMERIC, "link": None}
            if name in UNKNOWN and text == "":
                cell["text"], cell["why"] = "unknown", why_unknown(item)
            if name == "need_id":
                cell["link"] = f"/needs/{text}"
            cells.append(cell)
        out.append(cells)
    return {"headers": [(h, header(h)) for h in headers], "rows": out}


def _items(answer: dict[str, Any]) -> list[dict[str, Any]]:
    if "items" in answer:
        return list(answer["items"])
    return [i for h in reference.HORIZONS for i in answer[h]["items"]]  # the IRG report: current first


def query(values: dict[str, Any], **extra: Any) -> str:
    return urlencode({k: v for k, v in {**values, **extra}.items() if v not in (None, "")})


# ---- routes ----


def _view_page(request: Request, svc: Services, who: Principal, view: View, raw: dict[str, str | None]) -> HTMLResponse:
    checks = dict(web_filters.CHECKS)
    if view.option is not None:
        checks[view.option[0]] = (view.option[1], one_of(view.option[0], view.option[2]))
    values, wrong = checked(raw, checks)
    past = read_position(svc, values["as_of"], None)
    f = {**values, "option": values.get(view.option[0]) if view.option else None}
    context = _context(svc, who, values, wrong, past)
    if view.keyed and who.role not in KEYED:  # as the API: programme monitoring is for key holders
        answer: dict[str, Any] = {"items": []}
        headers, rows = [], []
    else:
        answer = _answer(view, svc, who, f, past)
        headers, rows = view.module.csv_rows(answer)
    context.update(
        view=view,
        answer=answer,
        table=table(headers, rows, _items(answer)),
        csv=f"/v1/views/{view.name}?{query(values, format='csv')}",
        xlsx=f"/v1/views/{view.name}?{query(values, format='xlsx')}",
        action=f"/views/{view.name}",
    )
    return page(request, "view.html", who, context, 422 if wrong else 200)


def _context(
    svc: Services, who: Principal, values: dict[str, Any], wrong: list[Wrong], past: int | None
) -> dict[str, Any]:
    return {
        "values": values,
        "wrong": {w.field: w for w in wrong},
        "wrongs": wrong,
        "position": past if past is not None else svc.runner.position(),
        "historic": past is not None,
        "currency": svc.currency,
        "options": {
            "regions": [(r, r) for r in reference.regions()],
            "states": sorted(((s.iso3, s.name) for s in reference.states().values() if s.party), key=lambda s: s[1]),
            "chapters": [(c, f"Chapter {c}") for c in reference.CHAPTERS],
            "ta_types": sorted(reference.ta_types_v2().items(), key=lambda kv: kv[1]),
        },
        "views": VIEWS,
        "keyed": who.role in KEYED,
    }


def _route(view: View) -> Callable[..., HTMLResponse]:
    def show(
        request: Request,
        svc: ServicesDep,
        who: PrincipalDep,
        state: Text = None,
        region: Text = None,
        chapter: Text = None,
        article: Text = None,
        ta_type: Text = None,
        as_of: Text = None,
        group_by: Text = None,
        classification: Text = None,
        flag: Text = None,
    ) -> HTMLResponse:
        raw = {
            "state": state,
            "region": region,
            "chapter": chapter,
            "article": article,
            "ta_type": ta_type,
            "as_of": as_of,
            "group_by": group_by,
            "classification": classification,
            "flag": flag,
        }
        return _view_page(request, svc, who, view, raw)

    show.__name__ = f"{view.name.replace('-', '_')}_page"
    return show


for _view in VIEWS.values():
    router.add_api_route(f"/views/{_view.name}", _route(_view), methods=["GET"], response_class=HTMLResponse)


@router.get("/reports/irg", response_class=HTMLResponse)
def irg_choice(
    request: Request, svc: ServicesDep, who: PrincipalDep, state: Text = None, as_of: Text = None
) -> HTMLResponse:
    """The IRG report's form: a State party to choose (and the report, once one is chosen)."""
    return irg_page(request, svc, who, state or "", as_of)


@router.get("/reports/irg/{state}", response_class=HTMLResponse)
def irg_page(
    request: Request,
    svc: ServicesDep,
    who: PrincipalDep,
    state: Annotated[str, Path(max_length=60)],
    as_of: Text = None,
) -> HTMLResponse:
    """A State party's IRG report: current and anticipated needs, addressed or unmet."""
    checks = {"state": ("State", lambda v: reference.party(v).iso3), "as_of": web_filters.CHECKS["as_of"]}
    values, wrong = checked({"state": state, "as_of": as_of}, checks)
    past = read_position(svc, values["as_of"], None)
    context = _context(svc, who, values, wrong, past)
    iso3 = values["state"]
    if iso3 is not None:
        answer = irg_report.view(open_needs(svc, who, past, state=iso3), iso3, svc.currency)
        headers, rows = irg_report.csv_rows(answer)
        said = {"as_of": values["as_of"], "lang": None if i18n.current() == i18n.DEFAULT else i18n.current()}
        context.update(
            answer=answer,
            table=table(headers, rows, _items(answer)),
            # the page's downloads in its language: a CSV is headed in one only when its link names it
            csv=f"/v1/reports/irg/{iso3}?{query(said, format='csv')}",
            xlsx=f"/v1/reports/irg/{iso3}?{query(said, format='xlsx')}",
            markdown=f"/v1/reports/irg/{iso3}?{query(said, format='md')}",
        )
    return page(request, "irg.html", who, context, 422 if wrong else 200)
