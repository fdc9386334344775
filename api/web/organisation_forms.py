"""Organisations in the browser: `/organisations` (the list, and for coordinators and admins a form to register
one), `/organisations/new` and `/organisations/{id}/rename`, through the functions their /v1 routes call
(api/http/routes/organisations.py)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from api.http.auth import Principal, PrincipalDep
from api.http.deps import ServicesDep
from api.http.routes import organisations as api
from api.http.schemas.organisations import OrganisationCreate, OrganisationRename
from api.root.services import Services
from api.web import forms, i18n
from api.web.forms import Field, Form, Outcome, Values
from api.web.need_forms import REASON
from api.web.render import page
from api.web.sign_in import FormDep
from domain import reference
from domain.organisations import Organisation

router = APIRouter(include_in_schema=False)
CRUMBS = [("/", "Dashboard"), ("/organisations", "Organisations")]
COUNTRIES = tuple((s.iso3, f"{s.name} ({s.iso3})") for s in sorted(reference.states().values(), key=lambda s: s.name))
NAME = Field("name", "Name", required=True, codes=("invalid-name", "name-unchanged"))

NEW = Form(
    name="organisation",
    title="Register an organisation",
    button="Register organisation",
    api=("POST", "/v1/organisations"),
    fields=(
        Field(
            "ref",
            "IATI ref",
            required=True,
            hint="Its IATI organisation identifier, e.g. GB-GOV-1.",
            codes=("invalid-ref", "organisation-already-registered"),
        ),
        NAME,
        Field(
            "org_type",
            "Type",
            kind="select",
            choices=tuple(reference.organisation_types().items()),
            required=True,
            codes=("unknown-organisation-type",),
        ),
        Field("country", "Country", kind="select", choices=COUNTRIES, hint="Optional.", codes=("unknown-state",)),
        REASON,
    ),
)
RENAME = Form(
    name="rename",
    title="Rename the organisation",
    button="Rename",
    api=("POST", "/v1/organisations/{org_id}/rename"),
    fields=(NAME, REASON),
)


def _context(form: Form, shown: Outcome, action: str, hidden: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "form": form,
        "shown": shown,
        "action": action,
        "token": forms.new_token(),
        "fixed": {},
        "hidden": hidden or {},
        "crumbs": CRUMBS,
    }


def register(svc: Services, who: Principal, v: Values) -> dict[str, Any]:
    body = OrganisationCreate.model_validate(
        {"ref": v["ref"], "name": v["name"], "org_type": v["org_type"], "country": v["country"] or None}
    )
    return api.register(body, svc, who, Response())


@router.get("/organisations", response_class=HTMLResponse)
def organisations(request: Request, svc: ServicesDep, who: PrincipalDep) -> HTMLResponse:
    written = forms.written(svc, who, request.query_params.get("written"))
    if written and written.get("position"):
        svc.runner.wait_for(written["position"], svc.settings.read_wait_seconds)  # its own write, in the list
    types = reference.organisation_types()
    listed = sorted(svc.durable.organisations(), key=lambda o: o["name"].lower())
    context = {
        "organisations": [{**o, "type_name": types.get(o["org_type"], o["org_type"])} for o in listed],
        "written": written,
        "add": _context(NEW, Outcome({}), "/organisations/new") if NEW.may(who) else None,
        "may_rename": RENAME.may(who),
    }
    return page(request, "organisations.html", who, context)


@router.get("/organisations/new", response_class=HTMLResponse)
def new_organisation(request: Request, who: PrincipalDep) -> HTMLResponse:
    return page(request, "form_page.html", who, _context(NEW, Outcome({}), "/organisations/new"))


@router.post("/organisations/new", response_class=HTMLResponse)
def register_organisation(request: Request, svc: ServicesDep, who: PrincipalDep, data: FormDep) -> Response:
    def show(shown: Outcome) -> HTMLResponse:
        return page(request, "form_page.html", who, _context(NEW, shown, "/organisations/new"), shown.status)

    return forms.submit(request, svc, who, NEW, data, lambda v: register(svc, who, v), lambda w: "/organisations", show)


def _rename_context(org: Organisation, shown: Outcome) -> dict[str, Any]:
    title = i18n.gettext("Rename %(name)s", name=f"{org.name} ({org.ref})")
    form = Form(RENAME.name, title, RENAME.button, RENAME.fields, RENAME.api)
    return _context(form, shown, f"/organisations/{org.id}/rename", {"version": org.version})


@router.get("/organisations/{org_id}/rename", response_class=HTMLResponse)
def rename_page(request: Request, org_id: UUID, svc: ServicesDep, who: PrincipalDep) -> HTMLResponse:
    org = svc.ledger.organisation(org_id)  # 404 when there is none
    return page(request, "form_page.html", who, _rename_context(org, Outcome({"name": org.name})))


@router.post("/organisations/{org_id}/rename", response_class=HTMLResponse)
def rename(request: Request, org_id: UUID, svc: ServicesDep, who: PrincipalDep, data: FormDep) -> Response:
    org = svc.ledger.organisation(org_id)
    sent = data.get("version")
    version = int(sent) if isinstance(sent, str) and sent.isdigit() else None

    def command(v: Values) -> dict[str, Any]:
        body = OrganisationRename.model_validate({"name": v["name"]})
        return api.rename(str(org_id), body, svc, who, version, Response())

    def show(shown: Outcome) -> HTMLResponse:
        return page(request, "form_page.html", who, _rename_context(org, shown), shown.status)

    return forms.submit(request, svc, who, RENAME, data, command, lambda w: "/organisations", show)
