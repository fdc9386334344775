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

from api.http.auth import KEYED, READERS_ALL, Principal, PrincipalDep, allowed_roles
from api.http.deps import ServicesDep, read_position
from api.http.problems import ApiProblem
from api.http.visibility import EVERY_NEED, Visible, names_hidden, programme_row, readable_need, visible_needs
from api.root.services import Services
from api.web import charts, dashboard, forms, sessions, timeline
from domain import reference

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


def page(request: Request, name: str, who: Principal, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    context = {**context, "who": who, "signed_in": signed_in(request, who)}
    return templates.TemplateResponse(request, name, context, status_code=status_code, headers=PAGE_HEADERS)


FORM_LINKS = [
    ("/needs/new", "Record a need"),
    ("/programmes/new", "Register a programme"),
    ("/imports/iati", "Import IATI"),
    ("/rates", "Exchange rates"),
    ("/organisations", "Organisations"),
    ("/keys", "Keys"),
]  # the header's links to forms, shown to keys that may open them


def signed_in(request: Request, who: Principal) -> dict[str, str] | None:
    """The header's identity and its Sign out form's CSRF token, for a browser signed in with a session."""
    session_id = getattr(request.state, "session_id", None)
    if session_id is None:
        return None
    svc = request.app.state.services
    if who.organisation is not None:
        scope = svc.ledger.organisation(who.organisation).name
    elif who.state is not None:
        scope = reference.states()[who.state].name
    else:
        scope = ""
    links = [(path, label) for path, label in FORM_LINKS if who.role in allowed_roles("GET", path)]
    return {
        "role": who.role,
        "scope": scope,
        "actor": who.actor,
        "csrf": sessions.csrf_token(session_id),
        "links": links,
    }


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
    from api.web import need_forms  # the forms render with this module's page(): imported here, not at the top

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
    from api.web import programme_forms  # the forms render with this module's page(): imported here, not at the top

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
            "books": programme_forms.books(svc, who, programme_id, events),
            "actions": programme_forms.actions_for(svc, who, programme),
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
