"""Signing in and out of the browser pages: the key is checked as the API checks it, then forgotten.

`POST /sign-in` reads the key once (api/http/auth.py `key_principal`, the API's own check), starts a
server-side session (api/web/sessions.py) and sets its cookie; failures are limited per client address.
`POST /sign-out` ends the session (its form carries the CSRF token, checked in api/http/auth.py).
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from api.demo import keys as demo_keys
from api.http.auth import Principal, PrincipalDep, key_principal
from api.http.deps import ServicesDep
from api.http.problems import ApiProblem
from api.web import forms, sessions
from api.web.forms import Field, Form, Outcome
from api.web.render import page

router = APIRouter(include_in_schema=False)
SIGN_IN = Form(
    name="sign-in",
    title="Sign in",
    button="Sign in",
    fields=(
        Field(
            "api_key",
            "API key",
            kind="secret",
            required=True,
            hint="It starts with lk_.",
            codes=("invalid-credentials", "api-key-required"),
        ),
    ),
    api=("POST", "/sign-in"),
)
_limits_lock = threading.Lock()


async def form_data(request: Request) -> FormData:
    """The sent form, read once (the CSRF check may have read it already: Starlette keeps it)."""
    return await request.form()


FormDep = Annotated[FormData, Depends(form_data)]


def limit(request: Request) -> sessions.SignInLimit:
    """This app's limit on failed sign-ins (one per app, so tests' apps do not share one)."""
    with _limits_lock:
        state = request.app.state
        if not hasattr(state, "sign_in_limit"):
            state.sign_in_limit = sessions.SignInLimit()
        found: sessions.SignInLimit = state.sign_in_limit
        return found


def _show(request: Request, who: Principal, shown: Outcome) -> HTMLResponse:
    settings = request.app.state.settings
    context = {
        "form": SIGN_IN,
        "shown": Outcome({}, shown.errors, shown.status),  # a key typed is never sent back
        "idle": f"{settings.session_idle_minutes:g}",
        "absolute": f"{settings.session_absolute_hours:g}",
        "demo_keys": demo_keys.path(settings) if settings.demo_mode else None,
    }
    return page(request, "sign_in.html", who, context, shown.status)


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, who: PrincipalDep) -> HTMLResponse:
    return _show(request, who, Outcome({}))


def cross_site(request: Request) -> bool:
    """Whether a sign-in was sent from another site's page (a login CSRF: the visitor signed in under someone else's
    key, recording in their name). There is no session yet to bind a token to, so the browser's own word is used:
    Sec-Fetch-Site, else Origin compared with this server's origin. A client sending neither (a script) is not a
    browser tricked by another site."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site not in ("same-origin", "none")
    origin = request.headers.get("origin")
    return origin is not None and origin != f"{request.url.scheme}://{request.url.netloc}"


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in(request: Request, svc: ServicesDep, who: PrincipalDep, data: FormDep) -> Response:
    if cross_site(request):
        forged = ApiProblem(403, "csrf-token-invalid", "a sign-in sent from another site's page is refused")
        return _show(request, who, forms.refusal(SIGN_IN, {}, forged))
    client = request.client.host if request.client else "unknown"
    wait = limit(request).retry_after(client, time.monotonic())
    if wait:
        limited = ApiProblem(429, "sign-in-rate-limited", f"too many failed sign-ins; try again in {wait} seconds")
        refused = _show(request, who, forms.refusal(SIGN_IN, {}, limited))
        refused.headers["Retry-After"] = str(wait)
        return refused
    typed = data.get("api_key")
    key = typed.strip() if isinstance(typed, str) and len(typed) <= 200 else ""
    if not key:
        return _show(
            request, who, forms.refusal(SIGN_IN, {}, ApiProblem(422, "api-key-required", "paste your API key"))
        )
    principal = key_principal(svc, f"Bearer {key}")
    if principal is None or principal.key_id is None:
        limit(request).failed(client, time.monotonic())
        wrong = ApiProblem(401, "invalid-credentials", "this key is unknown or revoked; check it and retry")
        return _show(request, who, forms.refusal(SIGN_IN, {}, wrong))
    session_id = svc.sessions.start(UUID(principal.key_id), datetime.now(UTC))
    answer = RedirectResponse("/", status_code=303)
    answer.set_cookie(
        sessions.COOKIE,
        session_id,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",  # behind a proxy uvicorn trusts (FORWARDED_ALLOW_IPS), its scheme
        path="/",
    )
    return answer


@router.post("/sign-out")
def sign_out(request: Request, svc: ServicesDep, who: PrincipalDep) -> Response:
    session_id = getattr(request.state, "session_id", None)  # its CSRF token was checked before this runs
    if session_id is not None:
        svc.sessions.end(session_id)
    answer = RedirectResponse("/sign-in", status_code=303)
    answer.delete_cookie(sessions.COOKIE, path="/", httponly=True, samesite="strict")
    return answer
