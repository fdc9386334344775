"""Exchange rates in the browser: `/rates` (the table, and the form for coordinators and admins) and
`/rates/new`, which writes through the function POST /v1/exchange-rates calls (api/http/routes/rates.py)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from api.http.auth import Principal, PrincipalDep
from api.http.deps import ServicesDep
from api.http.routes import rates as api
from api.http.schemas.rates import RateCreate
from api.root.services import Services
from api.web import forms
from api.web.forms import Field, Form, Outcome, Values
from api.web.need_forms import CURRENCIES, REASON
from api.web.render import page
from api.web.sign_in import FormDep

router = APIRouter(include_in_schema=False)

NEW = Form(
    name="rate",
    title="Record an exchange rate",
    button="Record rate",
    api=("POST", "/v1/exchange-rates"),
    fields=(
        Field(
            "currency",
            "Currency",
            kind="select",
            choices=CURRENCIES,
            required=True,
            codes=("unknown-currency", "rate-for-reporting-currency"),
        ),
        Field(
            "date",
            "Date",
            kind="date",
            required=True,
            hint="An amount converts at the latest rate on or before its value date.",
            codes=("date-out-of-range", "rate-already-recorded"),
        ),
        Field("rate", "Rate", kind="number", required=True, codes=("invalid-rate",)),
        REASON,
    ),
)


def _form(svc: Services, shown: Outcome) -> dict[str, Any]:
    hint = f"Units of {svc.currency} for one unit of the currency, e.g. 1.08 for EUR."
    fields = tuple(replace(f, hint=hint) if f.name == "rate" else f for f in NEW.fields)
    return {
        "form": replace(NEW, fields=fields),
        "shown": shown,
        "action": "/rates/new",
        "token": forms.new_token(),
        "fixed": {},
        "hidden": {},
        "crumbs": [("/", "Dashboard"), ("/rates", "Exchange rates")],
    }


def record(svc: Services, who: Principal, v: Values) -> dict[str, Any]:
    body = RateCreate.model_validate({"currency": v["currency"], "date": v["date"] or None, "rate": v["rate"]})
    return api.record(body, svc, who, Response())


@router.get("/rates", response_class=HTMLResponse)
def rates(request: Request, svc: ServicesDep, who: PrincipalDep) -> HTMLResponse:
    written = forms.written(svc, who, request.query_params.get("written"))
    if written and written.get("position"):
        svc.runner.wait_for(written["position"], svc.settings.read_wait_seconds)  # its own write, in the table
    table = sorted(
        ({"currency": d["currency"], "date": on, "rate": rate} for d in svc.durable.rates() for on, rate in d["rates"]),
        key=lambda r: (r["currency"], r["date"]),
    )
    context = {
        "rates": table,
        "reporting": svc.currency,
        "written": written,
        "add": _form(svc, Outcome({})) if NEW.may(who) else None,
    }
    return page(request, "rates.html", who, context)


@router.get("/rates/new", response_class=HTMLResponse)
def new_rate(request: Request, svc: ServicesDep, who: PrincipalDep) -> HTMLResponse:
    return page(request, "form_page.html", who, _form(svc, Outcome({})))


@router.post("/rates/new", response_class=HTMLResponse)
def record_rate(request: Request, svc: ServicesDep, who: PrincipalDep, data: FormDep) -> Response:
    def show(shown: Outcome) -> HTMLResponse:
        return page(request, "form_page.html", who, _form(svc, shown), shown.status)

    return forms.submit(request, svc, who, NEW, data, lambda v: record(svc, who, v), lambda w: "/rates", show)
