"""The browser pages: the coordination dashboard, and a need's or a programme's history.

Server-rendered HTML with inline SVG, no script and no request to any other host. Pages read
the same views and rows as the API, through the same principal and scope.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse

from api.http.auth import KEYED, READERS_ALL, Principal, PrincipalDep
from api.http.deps import ServicesDep, read_position
from api.http.problems import ApiProblem
from api.http.visibility import EVERY_NEED, Visible, names_hidden, programme_row, readable_need, visible_needs
from api.root.services import Services
from api.web import dashboard, forms, need_forms, programme_actions, timeline
from api.web.render import STATIC, page

router = APIRouter(include_in_schema=False)
Text = Annotated[str | None, Query(max_length=60)]


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
    filters, wrong = dashboard.Filters.checked(
        region=region, state=state, cycle=cycle, chapter=chapter, ta_type=ta_type, as_of=as_of
    )
    position = read_position(svc, filters.as_of, None)  # a date alone: the end of that day, UTC
    context = {**dashboard.read(svc, who, filters, position), "wrong": wrong}  # a wrong value: named, dropped
    return page(request, "dashboard.html", who, context, 422 if wrong else 200)


@router.get("/needs/{need_id}", response_class=HTMLResponse)
def need_page(request: Request, need_id: UUID, svc: ServicesDep, who: PrincipalDep) -> HTMLResponse:
    need = svc.ledger.need(need_id)
    readable_need(who.scope(), need)  # a hidden need is a 404 like an id naming nothing
    written = forms.written(svc, who, request.query_params.get("written"))  # what a form here just wrote
    if written and written.get("position"):
        svc.runner.wait_for(written["position"], svc.settings.read_wait_seconds)  # its own write, in the views
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
            "events": _history(svc, who, need_id),
            "programmes_visible": who.role in KEYED,
            "written": written,
            "actions": need_forms.actions_for(request, who, need),
        },
    )


@router.get("/programmes/{programme_id}", response_class=HTMLResponse)
def programme_page(request: Request, programme_id: UUID, svc: ServicesDep, who: PrincipalDep) -> HTMLResponse:
    """A programme, its linked needs, its books and its history; a need the reader may not see is a count only
    (api/http/visibility.py), and events naming it show that they happened, not what they recorded."""
    programme = svc.ledger.programme(programme_id)  # 404 when there is none
    states = programme.states
    written = forms.written(svc, who, request.query_params.get("written"))  # what a form here just wrote
    if written and written.get("position"):
        svc.runner.wait_for(written["position"], svc.settings.read_wait_seconds)  # its own write, in the views
    found = [p for p in svc.durable.programmes(state=states[0]) if p["programme_id"] == str(programme_id)]
    readable = {r["need_id"]: r for s in states for r in svc.durable.needs(who.scope(), state=s)}
    visible = visible_needs(who.scope(), lambda _: readable.values())  # a linked need is of the programme's states
    row = programme_row(found[0], visible) if found else None
    linked = [readable[n["need_id"]] for n in (row or {}).get("linked_needs", [])]
    events = _history(svc, who, programme_id, {n: need_label(r) for n, r in readable.items()}, visible)
    return page(
        request,
        "programme.html",
        who,
        {
            "programme": row,
            "programme_id": programme_id,
            "currency": svc.currency,
            "needs": linked,
            "hidden_needs": (row or {}).get("unpublished_needs", 0),
            "events": events,
            "written": written,
            "books": programme_actions.books(svc, who, programme_id, events),
            "actions": programme_actions.actions_for(svc, who, programme),
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


def _history(
    svc: Services,
    who: Principal,
    stream_id: UUID,
    names: dict[str, str] | None = None,
    visible: Visible = EVERY_NEED,
) -> list[dict[str, Any]]:
    """A record's events as this reader may read them: key names for those who may read the audit
    log, the organisation or State otherwise; an event naming a hidden need shows none of its values."""
    with svc.db.transaction(commit=False) as tx:
        at = timeline.positions(tx, stream_id)
    stored = svc.ledger.recorder.select_events(stream_id)
    events = [svc.ledger.mapper.to_domain_event(e) for e in stored]
    orgs = {o["org_id"]: o["name"] for o in svc.durable.organisations()}
    told = timeline.history(events, at, timeline.describer({**orgs, **(names or {})}))
    told = [timeline.withheld(t) if names_hidden(vars(e), visible) else t for e, t in zip(events, told, strict=True)]
    return told if who.role in READERS_ALL else [timeline.public_attribution(t) for t in told]
