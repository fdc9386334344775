"""Who is asking, and may they: API keys, the role table, and scope checks, all in one place.

Every route is listed in POLICY by (method, path template). A route missing from it is refused
for everyone but admin, and the test suite fails (tests/e2e/api/test_access_matrix.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, cast
from uuid import UUID

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from api.http.problems import ApiProblem
from api.http.schemas.text import reason
from api.web import sessions
from domain import context, keys
from domain.errors import NotFound
from projections.query import Scope

ADMIN, COORDINATOR, STATE, PROVIDER, AUDITOR, ANONYMOUS = (
    "admin",
    "coordinator",
    "state",
    "provider",
    "auditor",
    "anonymous",
)
EVERYONE = frozenset({ADMIN, COORDINATOR, STATE, PROVIDER, AUDITOR, ANONYMOUS})
KEYED = EVERYONE - {ANONYMOUS}
READERS_ALL = frozenset({ADMIN, COORDINATOR, AUDITOR})
READS = frozenset({"GET", "HEAD"})


@dataclass(frozen=True)
class Principal:
    role: str
    actor: str
    key_id: str | None = None
    organisation: UUID | None = None  # provider keys
    organisation_ref: str | None = None
    state: str | None = None  # state keys
    demo: bool = False  # an anonymous visitor of the embedded demo, reading as coordinator

    @property
    def actor_org(self) -> str | None:
        return self.organisation_ref or self.state

    def scope(self) -> Scope:
        """Which needs this principal may read."""
        if self.role in (ANONYMOUS, STATE):
            return Scope(published_only=True, states=(self.state,) if self.state else ())
        return Scope()

    # ---- scope checks on the resource a write touches ----

    def may_write_state(self, state: str) -> None:
        """Writes to a need of `state` (one the reader may see: an invisible need answers 404 before this, see
        api/http/visibility.py)."""
        if self.role == ADMIN or (self.role == STATE and self.state == state):
            return
        raise ApiProblem(403, "forbidden-scope", f"this key may not write needs of {state}")

    def may_write_programme(self, reporting_org: UUID, funders: list[UUID]) -> None:
        if self.role == ADMIN:
            return
        if self.role == PROVIDER and self.organisation in (reporting_org, *funders):
            return
        raise ApiProblem(403, "forbidden-scope", "this key may write only programmes its organisation funds or reports")


NEED_ACTIONS = (
    "revise",
    "prioritise",
    "estimate",
    "stakeholders",
    "assistance-provided",
    "publish",
    "mark-met",
    "withdraw",
    "reopen",
)

POLICY: dict[tuple[str, str], frozenset[str]] = {
    # organisations
    ("POST", "/v1/organisations"): frozenset({ADMIN, COORDINATOR}),
    ("GET", "/v1/organisations"): EVERYONE,
    ("GET", "/v1/organisations/{org_id}"): EVERYONE,
    ("POST", "/v1/organisations/{org_id}/rename"): frozenset({ADMIN, COORDINATOR}),
    # needs
    ("POST", "/v1/needs"): frozenset({ADMIN, STATE}),
    ("GET", "/v1/needs"): EVERYONE,
    ("GET", "/v1/needs/{need_id}"): EVERYONE,
    **{("POST", f"/v1/needs/{{need_id}}/{a}"): frozenset({ADMIN, STATE}) for a in NEED_ACTIONS},
    # programmes
    ("POST", "/v1/programmes"): frozenset({ADMIN, PROVIDER}),
    ("GET", "/v1/programmes"): KEYED,
    ("GET", "/v1/programmes/{programme_id}"): KEYED,
    **{
        ("POST", f"/v1/programmes/{{programme_id}}/{a}"): frozenset({ADMIN, PROVIDER})
        for a in (
            "link-need",
            "unlink-need",
            "pledges",
            "commitments",
            "disbursements",
            "deliveries",
            "status",
            "period",
        )
    },
    ("POST", "/v1/programmes/{programme_id}/deliveries/{delivery_id}/lessons"): frozenset({ADMIN, PROVIDER}),
    ("POST", "/v1/programmes/{programme_id}/commitments/{commitment_id}/revise"): frozenset({ADMIN, PROVIDER}),
    ("POST", "/v1/programmes/{programme_id}/commitments/{commitment_id}/cancel"): frozenset({ADMIN, PROVIDER}),
    **{  # third-party reports: the funder's key (or an admin) confirms or disputes them (api/http/money.py)
        ("POST", f"/v1/programmes/{{programme_id}}/{book}/{{{book[:-1]}_id}}/{a}"): frozenset({ADMIN, PROVIDER})
        for book in ("commitments", "disbursements")
        for a in ("confirm", "dispute")
    },
    # corrections (docs/corrections.md): as money, by the funder's key or the reporter's; confirmed by the funder's
    ("POST", "/v1/programmes/{programme_id}/commitment-decreases"): frozenset({ADMIN, PROVIDER}),
    ("POST", "/v1/programmes/{programme_id}/disbursement-corrections"): frozenset({ADMIN, PROVIDER}),
    ("POST", "/v1/programmes/{programme_id}/corrections/{correction_id}/confirm"): frozenset({ADMIN, PROVIDER}),
    ("POST", "/v1/programmes/{programme_id}/corrections/{correction_id}/dispute"): frozenset({ADMIN, PROVIDER}),
    # exchange rates
    ("POST", "/v1/exchange-rates"): frozenset({ADMIN, COORDINATOR}),
    ("GET", "/v1/exchange-rates"): EVERYONE,
    # views and reports
    # views built from needs: anonymous readers see them built from published needs only (Scope)
    **{
        ("GET", f"/v1/views/{v}"): EVERYONE
        for v in ("unmet-needs", "funding-gaps", "provider-overlap", "priority-areas")
    },
    ("GET", "/v1/views/programme-monitoring"): KEYED,  # built from programmes, not from needs
    ("GET", "/v1/reports/irg/{state}"): EVERYONE,
    # search and lessons learned (api/http/routes/search.py): each reader finds what it may see
    ("GET", "/v1/search"): EVERYONE,
    ("GET", "/v1/lessons"): EVERYONE,
    ("GET", "/search"): EVERYONE,
    ("GET", "/lessons"): EVERYONE,
    # audit
    ("GET", "/v1/audit/streams/{stream_id}"): READERS_ALL,
    ("GET", "/v1/audit/log"): READERS_ALL,
    ("GET", "/v1/audit/checkpoints"): READERS_ALL | {STATE, PROVIDER},
    ("GET", "/v1/audit/public-key"): EVERYONE,
    ("GET", "/v1/events"): EVERYONE,  # each reader's own events, by the visibility rules (routes/events.py)
    # IATI
    ("POST", "/v1/imports/iati"): frozenset({ADMIN, PROVIDER}),
    ("GET", "/v1/exports/iati"): KEYED,
    # keys
    ("POST", "/v1/keys"): frozenset({ADMIN}),
    ("GET", "/v1/keys"): frozenset({ADMIN}),
    ("POST", "/v1/keys/{key_id}/revoke"): frozenset({ADMIN}),
    # operations and pages
    ("GET", "/healthz"): EVERYONE,
    ("GET", "/readyz"): EVERYONE,
    ("GET", "/metrics"): READERS_ALL,  # counts of every event, published or not: roles that read everything
    ("GET", "/docs"): EVERYONE,
    ("GET", "/docs/assets/{name}"): EVERYONE,
    ("GET", "/"): EVERYONE,
    ("GET", "/needs/{need_id}"): EVERYONE,
    ("GET", "/programmes/{programme_id}"): KEYED,
    ("GET", "/static/{name}"): EVERYONE,
    # signing in and out of the pages (api/web/sign_in.py)
    ("GET", "/sign-in"): EVERYONE,
    ("POST", "/sign-in"): EVERYONE,
    ("POST", "/sign-out"): EVERYONE,
    # pages for meetings (api/web/views_pages.py): a view's page shows what its /v1 view shows this reader
    **{
        ("GET", f"/views/{v}"): EVERYONE
        for v in ("unmet-needs", "funding-gaps", "provider-overlap", "priority-areas", "programme-monitoring")
    },
    ("GET", "/reports/irg"): EVERYONE,
    ("GET", "/reports/irg/{state}"): EVERYONE,
    # Atom feeds (api/web/feeds.py): what an anonymous reader may see, whoever asks; a key reads nothing more
    ("GET", "/feeds/needs.atom"): EVERYONE,
    # programmes are read with a key (DESIGN §7: anonymous readers see published needs and views built from them);
    # a key reads the same bytes as any other key: what an anonymous reader could see of those programmes' events
    ("GET", "/feeds/programmes.atom"): KEYED,
}
# A form (its page and its POST) is for whoever may call the /v1 route it writes through (api/web/forms.py).
FORMS = {"/needs/new": "/v1/needs", **{f"/needs/{{need_id}}/{a}": f"/v1/needs/{{need_id}}/{a}" for a in NEED_ACTIONS}}
PROGRAMME_ACTIONS = {  # api/web/programme_actions.py: a programme page's action and the /v1 route it writes through
    "link-need": "link-need",
    "pledge": "pledges",
    "commitment": "commitments",
    "disbursement": "disbursements",
    "delivery": "deliveries",
    "revise-commitment": "commitments/{commitment_id}/revise",
    "cancel-commitment": "commitments/{commitment_id}/cancel",
    "status": "status",
    "period": "period",
    "commitment-decrease": "commitment-decreases",
    "disbursement-correction": "disbursement-corrections",
}
FORMS.update(
    {
        "/programmes/new": "/v1/programmes",
        **{
            f"/programmes/{{programme_id}}/{a}": f"/v1/programmes/{{programme_id}}/{v}"
            for a, v in PROGRAMME_ACTIONS.items()
        },
        "/imports/iati": "/v1/imports/iati",
        "/rates/new": "/v1/exchange-rates",
        "/organisations/new": "/v1/organisations",
        "/organisations/{org_id}/rename": "/v1/organisations/{org_id}/rename",
        "/keys/new": "/v1/keys",
        "/keys/{key_id}/revoke": "/v1/keys/{key_id}/revoke",
    }
)
# Lists with their forms (api/web/rate_forms.py, organisation_forms.py, key_forms.py): read as their /v1 lists are
POLICY.update(
    {
        ("GET", "/rates"): POLICY[("GET", "/v1/exchange-rates")],
        ("GET", "/organisations"): POLICY[("GET", "/v1/organisations")],
        ("GET", "/keys"): POLICY[("GET", "/v1/keys")],
    }
)
POLICY.update({(method, page): POLICY[("POST", api)] for page, api in FORMS.items() for method in ("GET", "POST")})


def allowed_roles(method: str, path: str) -> frozenset[str]:
    """The roles POLICY lets call a route; a route it does not list is for admins only."""
    return POLICY.get((method, path), frozenset({ADMIN}))


def credentials(header: str) -> tuple[UUID, str] | None:
    """The key id and secret of an Authorization header; None unless it is `Bearer <key>`.

    The scheme is case-insensitive and any whitespace may surround the key (RFC 9110 §11.1), so
    `bearer  <key>` is the same credential as `Bearer <key>`: one principal, however spelled.
    """
    parts = header.split(None, 1)
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return None
    return keys.split(parts[1].strip())


def key_principal(services: Any, header: str) -> Principal | None:
    """The principal of a key header; None if malformed, unknown or revoked.

    The key comes from the process's key cache (api/http/key_cache.py), which forgets a key as soon as its
    events say so: a key revoked anywhere is refused here within a second.
    """
    parsed = credentials(header)
    if parsed is None:
        return None
    key_id, secret = parsed
    held = known_key(services, key_id)
    if held is None or not held[0].accepts(secret):
        return None
    return held[1]


def known_key(services: Any, key_id: UUID) -> tuple[Any, Principal] | None:
    """A key (revoked or not) and the principal it stands for; None when there is no such key."""
    return cast(tuple[Any, Principal] | None, services.keys.get(key_id, lambda k: _read_key(services, k)))


def _read_key(services: Any, key_id: UUID) -> tuple[Any, Principal] | None:
    try:
        key = services.ledger.key(key_id)
    except NotFound:
        return None
    return key, principal_of(services, key_id, key)


def principal_of(services: Any, key_id: UUID, key: Any) -> Principal:
    """The principal an accepted key stands for."""
    org_ref = None
    if key.organisation is not None:
        org_ref = services.ledger.organisation(key.organisation).ref
    return Principal(
        role=key.role,
        actor=f"{key.name}#{key_id.hex[:8]}",
        key_id=str(key_id),
        organisation=key.organisation,
        organisation_ref=org_ref,
        state=key.state,
    )


def authenticate(request: Request) -> Principal:
    """The request's principal: its key's, an anonymous reader's, or (demo) a local visitor's.

    The idempotency middleware may have authenticated the request already (it claims a key only
    for an authenticated principal); that answer stands for the whole request.
    """
    known = getattr(request.state, "authenticated", None)
    if known is not None:
        return cast(Principal, known)
    header = request.headers.get("authorization")
    if not header and is_page(request):
        signed_in = session_principal(request)
        if signed_in is not None:
            return signed_in
    if not header:
        if request.app.state.settings.demo_mode:
            return Principal(role=COORDINATOR, actor="demo-visitor", demo=True)
        return Principal(role=ANONYMOUS, actor="anonymous")
    principal = key_principal(request.app.state.services, header)
    if principal is not None:
        return principal
    if credentials(header) is None:
        raise ApiProblem(
            401, "invalid-credentials", "send 'Authorization: Bearer <key>'", {"WWW-Authenticate": "Bearer"}
        )
    raise ApiProblem(401, "invalid-credentials", "the key is unknown or revoked", {"WWW-Authenticate": "Bearer"})


def is_page(request: Request) -> bool:
    """Is the request for a browser page (a route of api/web)? Only pages accept the session cookie: the API
    (/v1) answers keys alone, so no cookie ever authorises an API call a third-party site could forge."""
    route = request.scope.get("route")
    return getattr(getattr(route, "endpoint", None), "__module__", "").startswith("api.web.")


def session_principal(request: Request) -> Principal | None:
    """The principal of the request's session cookie, read from the store now; None without a live one.

    Its key is checked on every request, as for a header (the same key cache): a revoked key's sessions end at
    their next request.
    """
    session_id = request.cookies.get(sessions.COOKIE)
    if not session_id or len(session_id) > 100:
        return None
    services = request.app.state.services
    key_id = services.sessions.key_of(session_id, datetime.now(UTC))
    if key_id is None:
        return None
    held = known_key(services, key_id)
    if held is None or held[0].revoked:
        services.sessions.end_all(key_id)
        return None
    request.state.session_id = session_id  # forms carry its CSRF token; a POST is checked against it
    return held[1]


async def refuse_forged(request: Request) -> None:
    """A write made with the session cookie carries the session's CSRF token in its form, or is 403."""
    session_id = getattr(request.state, "session_id", None)
    if session_id is None or request.method in READS:
        return
    form = await request.form()  # Starlette keeps it: the page reads the same form
    token = form.get(sessions.CSRF_FIELD)
    if not sessions.csrf_valid(session_id, token if isinstance(token, str) else None):
        raise ApiProblem(403, "csrf-token-invalid", "this form is not one this session was given; open it again")


async def authorize(request: Request) -> Principal:
    """The app-wide dependency: authenticate, look the route up in POLICY, attribute the events.

    Async on purpose: the recording context set here is the request task's own, and the sync
    route body (run in a worker thread with a copy of that context) sees it.
    """
    principal = await run_in_threadpool(authenticate, request)
    request.state.principal = principal  # the request's log line names who was refused, too
    route = request.scope.get("route")
    path = getattr(route, "path", request.url.path)
    await refuse_forged(request)
    # A route anyone may call (signing in) is open to the demo's visitor too; other writes need a key.
    if principal.demo and request.method not in READS and ANONYMOUS not in allowed_roles(request.method, path):
        raise ApiProblem(
            401,
            "unauthenticated",
            "the demo lets visitors read; writing needs an API key",
            {"WWW-Authenticate": "Bearer"},
        )
    if principal.role not in allowed_roles(request.method, path):
        if principal.role == ANONYMOUS:
            raise ApiProblem(401, "unauthenticated", "this needs an API key", {"WWW-Authenticate": "Bearer"})
        raise ApiProblem(403, "forbidden", f"a {principal.role} key may not {request.method} {path}")
    context.attribute(
        actor=principal.actor,
        actor_org=principal.actor_org,
        reason=reason(request.headers.get("x-reason")),  # decoded and checked: schemas/text.py
        request_id=getattr(request.state, "request_id", None),
    )
    return principal


PrincipalDep = Annotated[Principal, Depends(authorize)]
