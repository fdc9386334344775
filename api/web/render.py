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
from api.web import charts, i18n, i18n_words, sessions, timeline
from api.web.i18n import N_

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.add_extension("jinja2.ext.i18n")
templates.env.policies["ext.i18n.trimmed"] = True  # a {% trans %} block's line breaks are not part of its message
templates.env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
templates.env.filters.update(
    compact=charts.compact,
    money=charts.full,
    words=lambda name: i18n.gettext(timeline.words(name)),  # an event's name: i18n_words.event_words() lists them
    term=i18n_words.term,
    day=i18n.day,
    moment=i18n.moment,
    number=i18n.number,
    country=i18n.country,
    article_title=i18n.article_title,
    chapter_title=i18n.chapter_title,
    ta_type=i18n.ta_type,
    decimal=i18n.decimal,
    field=i18n_words.field,
    activity_status=i18n.activity_status,
    organisation_type=i18n.organisation_type,
    column=i18n_words.column,
    why=i18n_words.why,
    choice=i18n_words.choice,
    unknown_why=i18n_words.unknown_why,
    cell=i18n_words.cell,
    term_pair=lambda pair: (pair[0], i18n_words.term(pair[0])),
    country_pair=lambda pair: (pair[0], i18n.country(pair[0])),
    chapter_pair=lambda pair: (pair[0], i18n.gettext("Chapter %(c)s", c=pair[0])),
    ta_type_pair=lambda pair: (pair[0], i18n.ta_type(pair[0])),
)
templates.env.globals["N_"] = N_  # a label handed to a macro that translates it
templates.env.globals["language"] = i18n.current  # for macros imported without the context (feed links)
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
}


def page(request: Request, name: str, who: Principal, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    context = {**context, "who": who, "signed_in": signed_in(request, who), **language(request)}
    return templates.TemplateResponse(request, name, context, status_code=status_code, headers=PAGE_HEADERS)


FORM_LINKS = [
    ("/needs/new", N_("Record a need")),
    ("/programmes/new", N_("Register a programme")),
    ("/imports/iati", N_("Import IATI")),
    ("/rates", N_("Exchange rates")),
    ("/organisations", N_("Organisations")),
    ("/keys", N_("Keys")),
]  # the header's links to forms, shown to keys that may open them


def language(request: Request) -> dict[str, Any]:
    """`<html lang dir>` and the language switch: this page in each language, its query kept."""
    here = i18n.current()
    switch = [
        {
            "code": code,
            "name": i18n.language_name(code),
            "href": f"{request.url.path}?{request.url.include_query_params(lang=code).query}",
            "current": code == here,
        }
        for code in i18n.languages()
    ]
    return {"lang": here, "dir": i18n.direction(here), "languages": switch}


def signed_in(request: Request, who: Principal) -> dict[str, str] | None:
    """The header's identity and its Sign out form's CSRF token, for a browser signed in with a session."""
    session_id = getattr(request.state, "session_id", None)
    if session_id is None:
        return None
    svc = request.app.state.services
    if who.organisation is not None:
        scope = svc.ledger.organisation(who.organisation).name
    elif who.state is not None:
        scope = i18n.country(who.state)
    else:
        scope = ""
    links = [(path, i18n.gettext(label)) for path, label in FORM_LINKS if who.role in allowed_roles("GET", path)]
    return {
        "role": who.role,
        "scope": scope,
        "actor": who.actor,
        "csrf": sessions.csrf_token(session_id),
        "links": links,
    }
