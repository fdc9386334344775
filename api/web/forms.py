"""The form machinery every browser form uses: a form is a definition, a command and a place to go.

A `Form` lists labelled `Field`s; `templates/form.html` renders it (label, hint, the error next to its field
with `aria-describedby` and `aria-invalid`, what was typed kept). A POST goes through `submit()`, which

1. claims the form's hidden token (one per rendered form) in the API's idempotency table
   (api/http/idempotency.py), per key, so a form sent twice writes once: the second send gets the first
   one's redirect;
2. checks the key's role against the POLICY row of the API route the form stands for (`Form.api`);
3. runs the command, which calls the very function that API route calls (same schema, same scope checks,
   same `Ledger` command), with the actor and organisation of the key and the form's `Reason`;
4. on a refusal puts the problem's words (its `code` and `detail`) next to the field it concerns and shows
   the form again as typed, releasing the token; on success stores the position and the warnings the
   write produced under the token and answers 303 to the record's page (`?written=<token>`), which shows
   them (`written()`). CSRF is checked before any of this, for every page POST (api/http/auth.py).

How to add a form: see docs at the end of api/web/need_forms.py, the first user.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from api.http import idempotency
from api.http.auth import Principal, allowed_roles
from api.http.codes import CODES
from api.http.problems import ApiProblem
from api.http.schemas.text import BIDI, CONTROL, MAX_REASON
from api.root.services import Services
from domain import context
from domain.errors import DomainError, Refused

TOKEN_FIELD = "form_token"
TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
FORM_ERROR = "_form"  # errors that concern no one field
Values = dict[str, Any]


@dataclass(frozen=True)
class Field:
    """One labelled input. `codes` are the problem codes shown next to it; `locs` the schema locations
    (dotted, list indices left out) whose validation errors are its own."""

    name: str
    label: str
    kind: str = "text"  # text | textarea | select | multi | date | number
    choices: tuple[tuple[str, str], ...] = ()  # (value, label) for select and multi
    required: bool = False
    hint: str = ""
    codes: tuple[str, ...] = ()
    locs: tuple[str, ...] = ()

    def owns(self, code: str | None = None, loc: str | None = None) -> bool:
        return (code is not None and code in self.codes) or (loc is not None and loc in (self.name, *self.locs))


@dataclass(frozen=True)
class Form:
    """A form: its fields, its button, and the API route (method, path) whose POLICY row says who may send it."""

    name: str
    title: str
    button: str
    fields: tuple[Field, ...]
    api: tuple[str, str]
    intro: str = ""

    def may(self, who: Principal) -> bool:
        return who.role in allowed_roles(*self.api) and not who.demo

    def values(self, data: FormData) -> Values:
        """What was typed, by field: a list for a multiple choice, stripped text otherwise."""
        typed: Values = {}
        for f in self.fields:
            if f.kind == "multi":
                typed[f.name] = [v.strip() for v in data.getlist(f.name) if isinstance(v, str) and v.strip()]
            else:
                raw = data.get(f.name)
                typed[f.name] = raw.strip() if isinstance(raw, str) else ""
        return typed

    def field_of(self, code: str | None = None, loc: str | None = None) -> str:
        return next((f.name for f in self.fields if f.owns(code, loc)), FORM_ERROR)


@dataclass
class Outcome:
    """What a form shows: the values as typed and the errors by field name (FORM_ERROR for the whole form)."""

    values: Values
    errors: dict[str, list[str]] = field(default_factory=dict)
    status: int = 200

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)


def words(code: str, detail: str) -> str:
    """A problem in words: its catalogued title and its detail (the code stays for support, in brackets)."""
    known = CODES.get(code)
    title = known.title if known else "Refused"
    return f"{title}: {detail} ({code})" if detail and detail != title else f"{title} ({code})"


def refusal(form: Form, values: Values, error: Exception) -> Outcome:
    """A refused command as the form shows it: each message next to the field it concerns."""
    shown = Outcome(values)
    if isinstance(error, ValidationError):
        shown.status = 422
        for e in error.errors():
            loc = ".".join(str(p) for p in e["loc"] if not isinstance(p, int))
            message = str(e["msg"]).removeprefix("Value error, ")
            shown.add(form.field_of(loc=loc), f"{message} (invalid-request)")
    elif isinstance(error, ApiProblem):
        shown.status = error.status
        shown.add(form.field_of(code=error.code), words(error.code, error.detail))
    elif isinstance(error, DomainError):
        known = CODES.get(error.code)
        shown.status = known.status if known else 409
        shown.add(form.field_of(code=error.code), words(error.code, error.detail))
    return shown


def reason_of(values: Values) -> str | None:
    """The form's `Reason`, held to the rules of `X-Reason` (api/http/schemas/text.py); None when blank."""
    text = " ".join(str(values.get("reason") or "").splitlines()).strip()  # a textarea's lines, as one
    if len(text) > MAX_REASON:
        raise ApiProblem(422, "invalid-reason", f"the reason has {len(text)} characters; at most {MAX_REASON}")
    if CONTROL.search(text) or BIDI.search(text):
        raise ApiProblem(422, "invalid-reason", "the reason may not hold control characters or bidi overrides")
    return text or None


def new_token() -> str:
    return secrets.token_urlsafe(24)


# ---- submitting: the API's idempotency table, claimed per key under a form token ----


def _owner(who: Principal) -> str:
    return str(who.key_id)  # the same principal the API's Idempotency-Key belongs to


def _fingerprint(request: Request, values: Values) -> str:
    body = json.dumps(values, sort_keys=True, default=str)
    return hashlib.sha256(f"{request.method}\0{request.url.path}\0{body}".encode()).hexdigest()


def _finished(svc: Services, owner: str, key: str, fingerprint: str) -> Any:
    """Claim the token; or wait (bounded) for the first send under it to finish and return its row."""
    deadline = time.monotonic() + svc.settings.read_wait_seconds
    while True:
        found = idempotency._claim(svc.db, owner, key, fingerprint, idempotency.utc_now())
        if isinstance(found, idempotency.Claimed) or found["status"] is not None or time.monotonic() > deadline:
            return found
        time.sleep(0.05)  # the first send of a double-click is still writing


def submit(
    request: Request,
    svc: Services,
    who: Principal,
    form: Form,
    data: FormData,
    command: Callable[[Values], Mapping[str, Any]],
    done: Callable[[Mapping[str, Any]], str],
    show: Callable[[Outcome], HTMLResponse],
) -> Response:
    """Run one sent form: `command` writes (through the API's route function) and answers the API's body;
    `done` names the page to go to; `show` renders the form again with the outcome."""
    values = form.values(data)
    token = data.get(TOKEN_FIELD)
    if not isinstance(token, str) or not TOKEN.match(token):
        return show(refusal(form, values, ApiProblem(422, "form-expired", "open the form again and send it once more")))
    if not form.may(who):
        raise ApiProblem(403, "forbidden", f"a {who.role} key may not {form.title.lower()}")
    owner, key = _owner(who), f"form:{token}"
    found = _finished(svc, owner, key, _fingerprint(request, values))
    if not isinstance(found, idempotency.Claimed):
        return _again(found, values, show)
    try:
        context.attribute(
            actor=who.actor,
            actor_org=who.actor_org,
            reason=reason_of(values),
            request_id=getattr(request.state, "request_id", None),
        )
        answer = command(values)
    except (ValidationError, Refused) as error:
        idempotency._release(svc.db, owner, key)
        return show(refusal(form, values, error))
    except BaseException:
        idempotency._release(svc.db, owner, key)
        raise
    location = f"{done(answer)}?written={token}"
    kept = {"position": answer.get("position"), "warnings": answer.get("warnings", []), "title": form.title}
    idempotency._store(svc.db, owner, key, 303, [["location", location]], json.dumps(kept).encode())
    return RedirectResponse(location, status_code=303)


def _again(found: Mapping[str, Any], values: Values, show: Callable[[Outcome], HTMLResponse]) -> Response:
    """The same form sent again: the first send's redirect, or why not."""
    if found["status"] == 303 and found["headers"]:
        location = dict(json.loads(found["headers"])).get("location", "/")
        return RedirectResponse(location, status_code=303)
    shown = Outcome(values, status=409)
    if found["status"] is None:
        shown.add(FORM_ERROR, words("idempotency-in-progress", "this form is still being recorded; reload shortly"))
    else:
        shown.add(FORM_ERROR, words("idempotency-key-reused", "this form was sent already; open it again"))
    return show(shown)


def written(svc: Services, who: Principal, token: str | None) -> dict[str, Any] | None:
    """What a form sent by this key under `token` wrote: its position and warnings, for the page it led to."""
    if not token or not TOKEN.match(token) or who.key_id is None:
        return None
    with svc.db.transaction(commit=False) as tx:
        row = tx.execute(
            "SELECT status, body FROM idempotency_keys WHERE principal = ? AND key = ?",
            (_owner(who), f"form:{token}"),
        ).fetchone()
    if row is None or row["status"] != 303 or not row["body"]:
        return None
    kept: dict[str, Any] = json.loads(base64.b64decode(row["body"]))
    return kept
