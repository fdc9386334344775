"""Atom feeds (RFC 4287) for readers who follow the ledger without visiting it: published needs, filtered
by state, regional group, chapter, article or TA type, and a State's programme events (api/web/programme_feed.py).

A feed holds published data only, whoever asks: a key reads no more than anyone (scope `PUBLIC`). Entries
are newest first, at most `limit`; a need's entry keeps its id (`urn:uuid:<need id>`) and its `updated`
is the need's last change (revised, prioritised, estimated, met, withdrawn, reopened). Links are absolute,
from the request's base URL (behind a proxy: README, "Feeds"). The ETag is strong, the hash of the bytes
served; Last-Modified is the newest entry's change once its second has passed (a later change in that same
second could not be told from it by If-Modified-Since); a conditional GET that matches answers 304.

A feed reads in the reader's language as pages do (`?lang=`, its cookie, Accept-Language; a feed reader sends
rarely more than the URL, so the pages link feeds with `lang=` in theirs): titles, categories and content, with
`xml:lang` saying which; the data people typed stays as typed. The bytes differ by language, so does the ETag,
and the answer says `Vary: Accept-Language, Cookie` (api/web/i18n.py).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import NAMESPACE_URL, uuid5

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.datastructures import Headers

from api.http.deps import ServicesDep
from api.http.problems import responses
from api.http.schemas.queries import ArticleQ, ChapterQ, RegionQ, StateFilter, StateQ, TaTypeQ
from api.web import atom, i18n, i18n_words, programme_feed
from api.web.i18n import gettext
from api.web.render import templates
from projections.query import Scope

router = APIRouter(prefix="/feeds", tags=["feeds"])
PUBLIC = Scope(published_only=True)  # what an anonymous reader may see: every reader's feed
FEED_NAMESPACE = uuid5(NAMESPACE_URL, "urn:uncac-ledger:feeds")  # feed ids: the same on every host
HEADERS = {
    "Cache-Control": "public, no-cache",  # kept, and asked again with If-None-Match: a 304 costs little
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}
FeedLimitQ = Annotated[int, Query(ge=1, le=500, description="the newest entries, at most this many (up to 500)")]
ATOM_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/atom+xml": {}}, "description": "an Atom 1.0 feed"},
    304: {"description": "not modified since the ETag or date given"},
}


@router.get("/needs.atom", response_class=Response, responses={**ATOM_ANSWER, **responses(422)})
def needs_feed(
    request: Request,
    svc: ServicesDep,
    state: StateQ = None,
    region: RegionQ = None,
    chapter: ChapterQ = None,
    article: ArticleQ = None,
    ta_type: TaTypeQ = None,
    limit: FeedLimitQ = 100,
) -> Response:
    """Published needs, newest change first: one entry per need, linking to its page."""
    filters: dict[str, Any] = {"state": state.upper() if state else None, "region": region, "chapter": chapter}
    filters.update(article=article, ta_type=ta_type)
    base = base_url(request)
    rows = svc.durable.needs(PUBLIC, **filters)
    rows.sort(key=lambda r: int(r["position"]), reverse=True)  # the need's last event: its last change
    named = {k: v for k, v in filters.items() if v is not None}
    query = urlencode(named)
    said = {**named, **({"limit": limit} if limit != 100 else {}), **spoken(request)}
    feed = atom.Feed(
        id=feed_id("needs", named),
        title=described(named),
        subtitle=gettext(
            "Needs States parties published on the UNCAC technical-assistance ledger, newest change first."
        ),
        self_link=f"{base}/feeds/needs.atom" + (f"?{urlencode(said)}" if said else ""),
        alternate_link=f"{base}/views/unmet-needs" + (f"?{query}" if query else ""),
        author=gettext(AUTHOR),
        generator=gettext(AUTHOR),
        entries=[need_entry(r, base) for r in rows[:limit]],
        lang=i18n.current(),
    )
    return conditional(request, feed)


@router.get("/programmes.atom", response_class=Response, responses={**ATOM_ANSWER, **responses(422)})
def programmes_feed(
    request: Request,
    svc: ServicesDep,
    state: Annotated[StateFilter, Query(description="ISO alpha-3: the State whose programmes' events to follow")],
    limit: FeedLimitQ = 100,
) -> Response:
    """A State's programme events, newest first: registrations, links to its published needs, money, corrections,
    deliveries, status and period; an event naming a need that is not published is left out."""
    iso3 = state.upper()
    base = base_url(request)
    name = i18n.country(iso3)
    feed = atom.Feed(
        id=feed_id("programmes", {"state": iso3}),
        title=gettext("Technical-assistance programmes in %(state)s", state=name),
        subtitle=gettext("What providers record on their programmes in %(state)s, newest first.", state=name),
        self_link=f"{base}/feeds/programmes.atom?{urlencode({'state': iso3, 'limit': limit, **spoken(request)})}",
        alternate_link=f"{base}/views/programme-monitoring?{urlencode({'state': iso3})}",
        author=gettext(AUTHOR),
        generator=gettext(AUTHOR),
        entries=programme_feed.entries(svc, iso3, base, limit),
        lang=i18n.current(),
    )
    return conditional(request, feed)


AUTHOR = i18n.N_("UNCAC technical-assistance ledger")


def spoken(request: Request) -> dict[str, str]:
    """The `lang` a feed's URL named, kept in its self link (a feed reader asks that URL again)."""
    lang = request.query_params.get("lang", "").lower()
    return {"lang": lang} if lang in i18n.languages() else {}


def base_url(request: Request) -> str:
    """The server's own address as the client reached it, without a trailing slash."""
    return str(request.base_url).rstrip("/")


def feed_id(name: str, filters: dict[str, Any]) -> str:
    """A feed's permanent id: its kind and filters, whatever the host or the limit."""
    return f"urn:uuid:{uuid5(FEED_NAMESPACE, f'{name}?{urlencode(sorted(filters.items()))}')}"


def described(filters: dict[str, Any]) -> str:
    """The feed's title, its filters in words: `Published technical-assistance needs: Kenya, article 9`."""
    words = {
        "state": i18n.country,
        # a region's name in French and Spanish says "group" already: "%(region)s group" translates as the name
        "region": lambda v: gettext("%(region)s group", region=i18n_words.term(v)) if v != "Other" else other(),
        "chapter": lambda v: gettext("chapter %(c)s", c=v),
        "article": lambda v: gettext("article %(n)s", n=v),
        "ta_type": i18n.ta_type,
    }
    parts = ", ".join(words[k](v) for k, v in filters.items())
    if not parts:
        return gettext("Published technical-assistance needs")
    return gettext("Published technical-assistance needs: %(filters)s", filters=parts)


def other() -> str:
    return gettext("other parties")


def need_entry(row: dict[str, Any], base: str) -> atom.Entry:
    """A published need as a feed entry: what the need page says of it, in the entry's content."""
    article = row["article"]
    description = " ".join(str(row["description"]).split())
    titled = description if len(description) <= 100 else description[:99].rstrip() + "…"
    scheme = f"{base}/feeds/needs.atom?"  # a category's scheme and term together: that category's feed
    ta_names = [i18n.ta_type(t) for t in row["ta_types_v2"]]
    state = i18n.country(row["state"])
    return atom.Entry(
        id=f"urn:uuid:{row['need_id']}",
        title=gettext("%(state)s, article %(article)s: %(need)s", state=state, article=article, need=titled),
        updated=_moment(row["updated_at"]),
        published=_moment(row["identified_at"]),
        link=f"{base}/needs/{row['need_id']}",
        author=state,
        summary=description,
        content_html=templates.get_template("feed_need.html").render(row=row, ta_types=ta_names, state=state),
        categories=[
            atom.Category(row["state"], state, scheme + "state="),
            atom.Category(row["region"], i18n_words.term(row["region"]), scheme + "region="),
            atom.Category(row["chapter"], gettext("Chapter %(c)s", c=row["chapter"]), scheme + "chapter="),
            atom.Category(
                str(article),
                gettext("Article %(n)s: %(title)s", n=article, title=i18n.article_title(article)),
                scheme + "article=",
            ),
            *(atom.Category(t, n, scheme + "ta_type=") for t, n in zip(row["ta_types_v2"], ta_names, strict=True)),
        ],
    )


def _moment(iso: str) -> datetime:
    moment = datetime.fromisoformat(iso)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# ---- conditional GET (RFC 9110 §13) ----


def conditional(request: Request, feed: atom.Feed) -> Response:
    """The feed, or 304 when the client's copy is this one (If-None-Match) or no older (If-Modified-Since)."""
    body = atom.document(feed)
    headers = {**HEADERS, "ETag": f'"{hashlib.sha256(body).hexdigest()[:40]}"'}
    modified = settled(feed.updated, datetime.now(UTC)) if feed.entries else None
    if modified is not None:
        headers["Last-Modified"] = format_datetime(modified, usegmt=True)
    if not_modified(request.headers, headers["ETag"], modified):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=atom.MEDIA_TYPE, headers=headers)


def settled(updated: datetime, now: datetime) -> datetime | None:
    """Last-Modified (whole seconds): only once its second has passed, so that no later change shares it."""
    second = updated.astimezone(UTC).replace(microsecond=0)
    return second if second < now.astimezone(UTC).replace(microsecond=0) else None


def not_modified(request: Headers, etag: str, modified: datetime | None) -> bool:
    """If-None-Match decides when given (weak comparison, `*` matches); else If-Modified-Since against Last-Modified."""
    if_none_match = request.get("if-none-match")
    if if_none_match is not None:
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        return "*" in tags or etag in tags
    since = request.get("if-modified-since")
    if since is None or modified is None:
        return False
    try:
        when = parsedate_to_datetime(since)
    except (TypeError, ValueError):  # not an HTTP-date: ignored, as RFC 9110 says
        return False
    return when.tzinfo is not None and modified <= when
