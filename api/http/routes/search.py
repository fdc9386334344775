"""Search and lessons learned over HTTP: one full-text search over needs, programmes, organisations and lessons, the
lessons listed by article, and lessons recorded on a delivery after the fact (docs/search.md, docs/lessons.md)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Response

from api.http.auth import ANONYMOUS, Principal, PrincipalDep
from api.http.deps import CursorQ, IfMatchDep, MinPositionQ, ServicesDep, after_key, key_cursor, read_position
from api.http.problems import WRITE_ERRORS, ApiProblem, responses
from api.http.routes.programmes import _act
from api.http.schemas.programmes import ProgrammeWritten
from api.http.schemas.queries import ArticleQ, ChapterQ, StateQ
from api.http.schemas.search import KindQ, LessonsRecord, OptionalSearchQ, SearchLimitQ, SearchPage, SearchQ
from api.root.services import Services
from projections import search
from projections.search.fold import KINDS

router = APIRouter(prefix="/v1", tags=["search"])
MAX_OFFSET = 10_000  # deeper than anyone reads a ranked list: narrow the words instead
DeliveryId = Annotated[str, Path(min_length=1, max_length=500)]


def offset_of(cursor: str | None) -> int:
    """The offset a search cursor names (0 without one), or 422."""
    after = after_key(cursor)
    if after is None:
        return 0
    if not (after.isascii() and after.isdigit() and int(after) <= MAX_OFFSET):
        raise ApiProblem(422, "invalid-cursor", "the cursor is not one this API gave")
    return int(after)


def kinds_for(who: Principal, kind: str | None) -> tuple[str, ...]:
    """The kinds a reader searches: programmes are for keyed readers, as GET /v1/programmes is."""
    wanted = (kind,) if kind else KINDS
    return tuple(k for k in wanted if not (k == "programme" and who.role == ANONYMOUS))


def found(
    svc: Services,
    who: Principal,
    words: str,
    kinds: tuple[str, ...],
    limit: int,
    cursor: str | None,
    **filters: Any,
) -> dict[str, Any]:
    """A page of search results as this reader may see them, each with its snippet, and the cursor of the next."""
    offset, terms, scope = offset_of(cursor), search.text.terms(words), who.scope()
    position = svc.runner.position()
    items: list[dict[str, Any]] = []
    more = False
    if kinds and (terms or not words.strip()):
        query = search.Query(terms, kinds, scope.published_only, scope.states, filters, limit, offset)
        with svc.db.transaction(commit=False) as tx:
            items, more = search.find(tx, query)
    for item in items:
        parts = search.text.snippet(item["text"], terms)
        item.update(snippet=search.text.plain(parts), snippet_parts=[vars(p) for p in parts])
    next_cursor = key_cursor(str(offset + limit)) if more and offset + limit <= MAX_OFFSET else None
    return {"items": items, "terms": terms, "next_cursor": next_cursor, "position": position}


@router.get("/search", response_model=SearchPage, responses=responses(422, 503))
def search_(
    svc: ServicesDep,
    who: PrincipalDep,
    q: SearchQ,
    kind: KindQ = None,
    min_position: MinPositionQ = None,
    limit: SearchLimitQ = 20,
    cursor: CursorQ = None,
) -> dict[str, Any]:
    """Needs, programmes, organisations and lessons holding every word of `q`, most relevant first, as this reader
    may see them (unpublished needs and their lessons: their own State's key and readers of everything only;
    programmes: keyed readers). A query with no words finds nothing."""
    read_position(svc, None, min_position)
    if not search.text.terms(q):
        return {"items": [], "terms": [], "next_cursor": None, "position": svc.runner.position()}
    return found(svc, who, q, kinds_for(who, kind), limit, cursor)


@router.get("/lessons", response_model=SearchPage, responses=responses(422, 503))
def lessons(
    svc: ServicesDep,
    who: PrincipalDep,
    article: ArticleQ = None,
    chapter: ChapterQ = None,
    state: StateQ = None,
    q: OptionalSearchQ = None,
    min_position: MinPositionQ = None,
    limit: SearchLimitQ = 20,
    cursor: CursorQ = None,
) -> dict[str, Any]:
    """Lessons learned from deliveries, by article (the lowest article a delivery served first, then the newest), or
    most relevant first with `q`; each with its programme, provider, date and the articles of the needs served.
    A lesson of a delivery naming a need the reader may not see is not listed (as on the programme's page)."""
    read_position(svc, None, min_position)
    filters = {"article": article, "chapter": chapter, "state": state.upper() if state else None}
    return found(svc, who, q or "", ("lesson",), limit, cursor, **filters)


@router.post(
    "/programmes/{programme_id}/deliveries/{delivery_id}/lessons",
    response_model=ProgrammeWritten,
    responses=WRITE_ERRORS,
)
def record_lessons(
    programme_id: UUID,
    delivery_id: DeliveryId,
    body: LessonsRecord,
    svc: ServicesDep,
    who: PrincipalDep,
    version: IfMatchDep,
    response: Response,
) -> dict:
    """Record (or replace) the lessons learned from a delivery, after the fact: whatever the programme's status."""
    command = lambda p: p.record_lessons(delivery_id, body.lessons)  # noqa: E731
    return _act(svc, who, programme_id, version, response, command, recorded_id=delivery_id)
