"""The programmes' forms: `/programmes/new` and, on a programme's page, the actions its key may take.

Organisations are chosen from the registered ones by name and IATI ref (the option's value is the ref, which
the /v1 schemas accept: api/http/orgs.py), never typed as ids. Every form calls the function its /v1 route
calls (api/http/routes/programmes.py, corrections.py) through api/web/forms.py, as api/web/need_forms.py does.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from api.http.auth import PROVIDER, Principal, PrincipalDep
from api.http.deps import ServicesDep
from api.http.problems import ApiProblem
from api.root.services import Services
from api.web import forms
from api.web import programme_commands as commands
from api.web.forms import Field, Form, Outcome, Values
from api.web.need_forms import REASON, STATES
from api.web.programme_actions import (
    ACTIONS,
    END,
    ORG_CODES,
    START,
    STATUS,
    Action,
    context_of,
    org_choices,
    seen,
    with_choices,
)
from api.web.render import page
from api.web.sign_in import FormDep
from domain.programmes import Programme

router = APIRouter(include_in_schema=False)

NEW = Form(
    name="programme",
    title="Register a programme",
    button="Register programme",
    api=("POST", "/v1/programmes"),
    intro="A technical-assistance programme (an IATI activity) of your organisation, in one or more States parties.",
    fields=(
        Field("title", "Title", required=True, codes=("title-required",)),
        Field("description", "Description", kind="textarea"),
        Field(
            "iati_identifier",
            "IATI identifier",
            hint="Optional, e.g. GB-GOV-1-300123: one programme per identifier.",
            codes=("already-exists",),
        ),
        Field(
            "reporting_org",
            "Reporting organisation",
            kind="select",
            required=True,
            codes=("not-reporting-organisation", "forbidden-scope", *ORG_CODES),
        ),
        Field("funders", "Funders", kind="multi", required=True, codes=("funder-required",), hint="IATI role 1."),
        Field("implementers", "Implementers", kind="multi", hint="IATI role 4; optional."),
        Field(
            "states",
            "States",
            kind="multi",
            choices=STATES,
            required=True,
            codes=("states-required", "not-a-party", "unknown-state"),
        ),
        START,
        END,
        STATUS,
        REASON,
    ),
)


# ---- routes ----


def _new_page(request: Request, svc: Services, who: Principal, shown: Outcome) -> HTMLResponse:
    orgs = org_choices(svc)
    fixed = {"reporting_org": who.organisation_ref} if who.role == PROVIDER and who.organisation_ref else {}
    context = {
        "form": with_choices(NEW, {"reporting_org": orgs, "funders": orgs, "implementers": orgs}),
        "shown": shown,
        "action": "/programmes/new",
        "token": forms.new_token(),
        "fixed": fixed,
        "hidden": {},
        "crumbs": [("/", "Dashboard")],
    }
    return page(request, "form_page.html", who, context, shown.status)


@router.get("/programmes/new", response_class=HTMLResponse)
def new_programme(request: Request, svc: ServicesDep, who: PrincipalDep) -> HTMLResponse:
    own = [who.organisation_ref] if who.organisation_ref else []
    prefill = {
        "reporting_org": who.organisation_ref or "",
        "funders": own,
        "implementers": [],
        "states": [],
        "status": "2",
    }
    return _new_page(request, svc, who, Outcome(prefill))


@router.post("/programmes/new", response_class=HTMLResponse)
def register_programme(request: Request, svc: ServicesDep, who: PrincipalDep, data: FormDep) -> Response:
    def command(v: Values) -> dict[str, Any]:
        if who.role == PROVIDER:
            v = {**v, "reporting_org": who.organisation_ref or ""}  # fixed to the key's organisation, whatever was sent
        return commands.register(svc, who, v)

    return forms.submit(
        request,
        svc,
        who,
        NEW,
        data,
        command,
        lambda w: f"/programmes/{w['id']}",
        lambda shown: _new_page(request, svc, who, shown),
    )


def _programme_for(svc: Services, who: Principal, programme_id: UUID, name: str) -> tuple[Programme, Action]:
    action = ACTIONS.get(name)
    if action is None:
        raise ApiProblem(404, "not-found", f"no action {name!r} on a programme")
    p = svc.ledger.programme(programme_id)  # 404 when there is none
    who.may_write_programme(p.reporting_org, p.funders)  # another organisation's programme: 403, saying why
    if not action.form.may(who):
        raise ApiProblem(403, "forbidden", f"a {who.role} key may not {action.form.title.lower()}")
    return p, action


def _name(request: Request) -> str:
    return str(request.scope["route"].path.rsplit("/", 1)[1])


def programme_action(request: Request, programme_id: UUID, svc: ServicesDep, who: PrincipalDep) -> HTMLResponse:
    name = _name(request)
    p, a = _programme_for(svc, who, programme_id, name)
    s = seen(svc, who, p)
    return page(request, "form_page.html", who, context_of(name, a, s, Outcome(a.prefill(s))))


def act_on_programme(
    request: Request, programme_id: UUID, svc: ServicesDep, who: PrincipalDep, data: FormDep
) -> Response:
    name = _name(request)
    p, a = _programme_for(svc, who, programme_id, name)
    sent = data.get("version")
    version = int(sent) if isinstance(sent, str) and sent.isdigit() else None

    def show(shown: Outcome) -> HTMLResponse:
        return page(request, "form_page.html", who, context_of(name, a, seen(svc, who, p), shown), shown.status)

    return forms.submit(
        request,
        svc,
        who,
        a.form,
        data,
        lambda v: a.run(svc, who, programme_id, version, v),
        lambda w: f"/programmes/{programme_id}",
        show,
    )


for _name_ in ACTIONS:  # one page and one POST per action
    _path = f"/programmes/{{programme_id}}/{_name_}"
    router.add_api_route(_path, programme_action, methods=["GET"], response_class=HTMLResponse)
    router.add_api_route(_path, act_on_programme, methods=["POST"], response_class=HTMLResponse)
