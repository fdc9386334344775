"""How every browser page is rendered: the templates, the strict headers, and the masthead's identity and form links.

Its own module so that the pages and the forms they show import it, and never each other through it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.http.auth import Principal, allowed_roles
from api.web import charts, sessions, timeline
from domain import reference

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters.update(compact=charts.compact, money=charts.full, words=timeline.words)
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
