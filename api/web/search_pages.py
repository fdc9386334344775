"""Pages for search and lessons learned: `/search?q=` (the dashboard's search box leads there) and `/lessons`
(a search box and filters, the lessons grouped by article). Each reads what its /v1 route answers this reader
(api/http/routes/search.py); a wrong filter is named on the page (422) and dropped, the rest still usable."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from api.http.auth import PrincipalDep
from api.http.deps import ServicesDep
from api.http.problems import ApiProblem
from api.http.routes.search import found, kinds_for
from api.http.schemas.search import SEARCH_LIMIT
from api.web import filters as web_filters
from api.web.filters import checked, one_of
from api.web.render import page
from domain import reference
from projections.search.fold import KINDS

router = APIRouter(include_in_schema=False)
Text = Annotated[str | None, Query(max_length=200)]
PAGE_SIZE = 20


def _results(svc: Any, who: Any, words: str, kinds: tuple[str, ...], cursor: str | None, **filters: Any) -> Any:
    """The /v1 answer for this page, or, for a cursor the API never gave, the first page and the refusal."""
    try:
        return found(svc, who, words, kinds, PAGE_SIZE, cursor, **filters), None
    except ApiProblem as e:
        return found(svc, who, words, kinds, PAGE_SIZE, None, **filters), web_filters.Wrong(
            "cursor", "Page", (cursor or "")[:60], e.detail, e.code
        )


def _status(wrongs: list[Any]) -> int:
    return 422 if wrongs else 200


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request, svc: ServicesDep, who: PrincipalDep, q: Text = None, kind: Text = None, cursor: Text = None
) -> HTMLResponse:
    values, wrongs = checked({"kind": kind}, {"kind": ("Kind", one_of("kind", KINDS))})
    words = (q or "").strip()
    answer, refused = _results(svc, who, words, kinds_for(who, values["kind"]), cursor) if words else ({}, None)
    wrongs += [refused] if refused else []
    more = answer.get("next_cursor")
    context = {
        "q": words,
        "values": values,
        "kinds": KINDS,
        "answer": answer,
        "wrongs": wrongs,
        "next": f"/search?{urlencode({'q': words, 'kind': values['kind'] or '', 'cursor': more})}" if more else None,
    }
    return page(request, "search.html", who, context, status_code=_status(wrongs))


@router.get("/lessons", response_class=HTMLResponse)
def lessons_page(
    request: Request,
    svc: ServicesDep,
    who: PrincipalDep,
    q: Text = None,
    article: Text = None,
    chapter: Text = None,
    state: Text = None,
    cursor: Text = None,
) -> HTMLResponse:
    checks = {k: web_filters.CHECKS[k] for k in ("state", "chapter", "article")}
    values, wrongs = checked({"state": state, "chapter": chapter, "article": article}, checks)
    words = (q or "").strip()
    answer, refused = _results(svc, who, words, ("lesson",), cursor, **values)
    wrongs += [refused] if refused else []
    more = answer.get("next_cursor")
    shown = {k: v for k, v in {**values, "q": words}.items() if v}
    context = {
        "q": words,
        "values": values,
        "answer": answer,
        "by_article": by_article(answer["items"], values["article"]),
        "wrongs": wrongs,
        "wrong": {w.field: w for w in wrongs},
        "options": {
            "states": sorted(((s.iso3, s.name) for s in reference.states().values() if s.party), key=lambda s: s[1]),
            "chapters": [(c, c) for c in reference.CHAPTERS],
        },
        "api": f"/v1/lessons?{urlencode(shown)}",
        "next": f"/lessons?{urlencode({**shown, 'cursor': more})}" if more else None,
        "limit": SEARCH_LIMIT,
    }
    return page(request, "lessons.html", who, context, status_code=_status(wrongs))


def by_article(items: list[dict[str, Any]], only: int | None) -> list[tuple[int | None, list[dict[str, Any]]]]:
    """The lessons under each article their deliveries served (a lesson serving two appears under both; with an
    article filter, under that one only), articles in order; lessons naming no need last, under None."""
    groups: dict[int | None, list[dict[str, Any]]] = {}
    for item in items:
        for article in [a for a in item["articles"] if only in (None, a)] or [None]:
            groups.setdefault(article, []).append(item)
    return sorted(groups.items(), key=lambda g: (g[0] is None, g[0] or 0))
