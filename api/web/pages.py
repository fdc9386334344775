"""The browser pages: the coordination dashboard, and a need's or a programme's history.

Server-rendered HTML with inline SVG, no script and no request to any other host. Pages read
the same views and rows as the API, through the same principal and scope.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

from api.http.auth import KEYED, Principal, PrincipalDep
from api.http.deps import ServicesDep, read_position
from api.http.problems import ApiProblem
from api.root.services import Services
from api.web import charts, dashboard, timeline

router = APIRouter(include_in_schema=False)
HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters.update(compact=charts.compact, money=charts.full, words=timeline.words)
Text = Annotated[str | None, Query(max_length=60)]
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
}


def page(request: Request, name: str, who: Principal, context: dict[str, Any]) -> HTMLResponse:
    context = {**context, "who": who}
    return templates.TemplateResponse(request, name, context, headers=PAGE_HEADERS)


@router.get("/", response_class=HTMLResponse)
def coordination(
    request: Request,
    svc: ServicesDep,
    who: PrincipalDep,
    region: Text = None,
    state: Text = None,
    cycle: Text = None,
    chapter: Text = None,
    ta_type: Text = None,
    as_of: Text = None,
) -> HTMLResponse:
    filters = dashboard.Filters.parse(
        region=region, state=state, cycle=cycle, chapter=chapter, ta_type=ta_type, as_of=as_of
    )
    position = read_position(svc, filters.as_of, None)  # a date alone: the end of that day, UTC
    return page(request, "dashboard.html", who, dashboard.read(svc, who, filters, position))


@router.get("/needs/{need_id}", response_class=HTMLResponse)
def need_page(request: Request, need_id: UUID, svc: ServicesDep, who: PrincipalDep) -> HTMLResponse:
    need = svc.ledger.need(need_id)
    who.may_read_need(need.state, need.published)
    rows = svc.durable.needs(who.scope(), state=need.state, article=need.article)
    row = next((r for r in rows if r["need_id"] == str(need_id)), None)
    return page(
        request,
        "need.html",
        who,
        {
            "need": need,
            "row": row,
            "currency": svc.currency,
            "events": _history(svc, need_id),
            "programmes_visible": who.role in KEYED,
        },
    )


@router.get("/programmes/{programme_id}", response_class=HTMLResponse)
def programme_page(request: Request, programme_id: UUID, svc: ServicesDep, who: PrincipalDep) -> HTMLResponse:
    states = svc.ledger.programme(programme_id).states  # 404 when there is none
    found = [p for p in svc.durable.programmes(state=states[0]) if p["programme_id"] == str(programme_id)]
    visible = {r["need_id"]: r for s in states for r in svc.durable.needs(who.scope(), state=s)}
    row = found[0] if found else None
    links = (row or {}).get("linked_needs", [])
    linked = [visible[n["need_id"]] for n in links if n["need_id"] in visible]
    return page(
        request,
        "programme.html",
        who,
        {
            "programme": row,
            "programme_id": programme_id,
            "currency": svc.currency,
            "needs": linked,
            "hidden_needs": len(links) - len(linked),
            "events": _history(svc, programme_id, {n: need_label(r) for n, r in visible.items()}),
        },
    )


@router.get("/static/{name}")
def static(name: str) -> FileResponse:
    path = STATIC / name
    if "/" in name or name.startswith(".") or not path.is_file():
        raise ApiProblem(404, "not-found", "no such file")
    return FileResponse(path, headers={"Cache-Control": "public, max-age=3600"})


def need_label(row: dict[str, Any]) -> str:
    return f"{row['state_name']}, article {row['article']}"


def _history(svc: Services, stream_id: UUID, names: dict[str, str] | None = None) -> list[dict[str, Any]]:
    with svc.db.transaction(commit=False) as tx:
        at = timeline.positions(tx, stream_id)
    stored = svc.ledger.recorder.select_events(stream_id)
    events = [svc.ledger.mapper.to_domain_event(e) for e in stored]
    orgs = {o["org_id"]: o["name"] for o in svc.durable.organisations()}
    return timeline.history(events, at, timeline.describer({**orgs, **(names or {})}))
