"""API keys in the browser, for admins: `/keys` (the list, and a form to issue one), `/keys/new` (the key is
shown once, on the answer to the form, never stored nor shown again) and `/keys/{id}/revoke` (with a reason),
through the functions their /v1 routes call (api/http/routes/keys.py). A revoked key's sessions end at their
next request (api/http/auth.py)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from api.http.auth import Principal, PrincipalDep
from api.http.deps import ServicesDep
from api.http.problems import ApiProblem
from api.http.routes import keys as api
from api.http.schemas.keys import KeyCreate
from api.root.services import Services
from api.web import forms, i18n
from api.web.forms import Field, Form, Outcome, Values
from api.web.need_forms import REASON, REASON_REQUIRED, STATES
from api.web.programme_actions import org_choices, with_choices
from api.web.render import page
from api.web.sign_in import FormDep
from domain import reference

router = APIRouter(include_in_schema=False)
CRUMBS = [("/", "Dashboard"), ("/keys", "Keys")]
NO_STORE = {"Cache-Control": "no-store"}

NEW = Form(
    name="key",
    title="Issue a key",
    button="Issue key",
    api=("POST", "/v1/keys"),
    fields=(
        Field("name", "Holder", required=True, hint="Who holds it, e.g. Kenya focal point.", codes=("invalid-name",)),
        Field(
            "role",
            "Role",
            kind="select",
            choices=tuple((r, r.capitalize()) for r in reference.ROLES),
            required=True,
            codes=("invalid-role", "scope-required", "scope-not-allowed"),
        ),
        Field(
            "organisation",
            "Organisation",
            kind="select",
            hint="Provider keys only: the organisation it records for.",
            codes=("organisation-not-found", "unknown-organisation"),
        ),
        Field(
            "state",
            "State",
            kind="select",
            choices=STATES,
            hint="State keys only: the State party it records needs of.",
            codes=("not-a-party", "unknown-state"),
        ),
        REASON,
    ),
)
REVOKE = Form(
    name="revoke",
    title="Revoke the key",
    button="Revoke key",
    api=("POST", "/v1/keys/{key_id}/revoke"),
    fields=(REASON_REQUIRED,),
    intro="A revoked key is refused at once, everywhere; the browser sessions signed in with it end.",
)


def _new(svc: Services, shown: Outcome) -> dict[str, Any]:
    return {
        "form": with_choices(NEW, {"organisation": org_choices(svc)}),
        "shown": shown,
        "action": "/keys/new",
        "token": forms.new_token(),
        "fixed": {},
        "hidden": {},
        "crumbs": CRUMBS,
    }


def issue(svc: Services, who: Principal, v: Values) -> dict[str, Any]:
    body = KeyCreate.model_validate(
        {"name": v["name"], "role": v["role"], "organisation": v["organisation"] or None, "state": v["state"] or None}
    )
    return api.issue(body, svc, who, Response())


@router.get("/keys", response_class=HTMLResponse)
def keys(request: Request, svc: ServicesDep, who: PrincipalDep) -> HTMLResponse:
    written = forms.written(svc, who, request.query_params.get("written"))
    if written and written.get("position"):
        svc.runner.wait_for(written["position"], svc.settings.read_wait_seconds)  # its own write, in the list
    listed = sorted(api.listed(svc), key=lambda k: (k["revoked"], k["issued_at"] or ""))
    context = {"keys": listed, "written": written, "add": _new(svc, Outcome({}))}
    return page(request, "keys.html", who, context)


@router.get("/keys/new", response_class=HTMLResponse)
def new_key(request: Request, svc: ServicesDep, who: PrincipalDep) -> HTMLResponse:
    return page(request, "form_page.html", who, _new(svc, Outcome({})))


@router.post("/keys/new", response_class=HTMLResponse)
def issue_key(request: Request, svc: ServicesDep, who: PrincipalDep, data: FormDep) -> Response:
    issued: dict[str, Any] = {}

    def command(v: Values) -> dict[str, Any]:
        issued.update(issue(svc, who, v))
        return issued

    def show(shown: Outcome) -> HTMLResponse:
        return page(request, "form_page.html", who, _new(svc, shown), shown.status)

    answer = forms.submit(request, svc, who, NEW, data, command, lambda w: "/keys", show)
    if not issued:  # refused, or sent again: the key was shown once already, on the first answer
        return answer
    context = {"issued": issued, "crumbs": CRUMBS, "position": issued["position"]}
    shown = page(request, "key_issued.html", who, context, 201)
    shown.headers.update(NO_STORE)  # the key is in this page: no cache keeps it
    return shown


def _revoke(svc: Services, key_id: UUID, shown: Outcome) -> dict[str, Any]:
    key = svc.ledger.key(key_id)  # 404 when there is none
    return {
        "form": replace(REVOKE, title=i18n.gettext("Revoke the key of %(name)s", name=key.name)),
        "shown": shown,
        "action": f"/keys/{key_id}/revoke",
        "token": forms.new_token(),
        "fixed": {},
        "hidden": {},
        "crumbs": CRUMBS,
    }


@router.get("/keys/{key_id}/revoke", response_class=HTMLResponse)
def revoke_page(request: Request, key_id: UUID, svc: ServicesDep, who: PrincipalDep) -> HTMLResponse:
    return page(request, "form_page.html", who, _revoke(svc, key_id, Outcome({})))


@router.post("/keys/{key_id}/revoke", response_class=HTMLResponse)
def revoke(request: Request, key_id: UUID, svc: ServicesDep, who: PrincipalDep, data: FormDep) -> Response:
    context = _revoke(svc, key_id, Outcome({}))

    def command(v: Values) -> dict[str, Any]:
        if forms.reason_of(v) is None:  # the form asks why a key is revoked: the audit trail keeps it
            raise ApiProblem(422, "reason-required", "say why this key is revoked")
        return api.revoke(key_id, svc, who)

    def show(shown: Outcome) -> HTMLResponse:
        return page(request, "form_page.html", who, {**context, "shown": shown}, shown.status)

    return forms.submit(request, svc, who, REVOKE, data, command, lambda w: "/keys", show)
