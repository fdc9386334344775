"""The needs' forms: `/needs/new` and, on a need's page, the actions its key may take.

Every form calls the function its /v1 route calls (api/http/routes/needs.py), with the schema that route
validates, through api/web/forms.py (tokens, errors by field, the Reason, Post/Redirect/Get).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from api.http.auth import STATE, Principal, PrincipalDep
from api.http.deps import ServicesDep
from api.http.problems import ApiProblem
from api.http.routes import needs as api
from api.http.schemas.common import Amount
from api.http.schemas.needs import NeedCreate, NeedPrioritise, NeedRevise, Reason
from api.http.visibility import readable_need
from api.root.services import Services
from api.web import forms
from api.web.forms import Field, Form, Outcome, Values
from api.web.need_more_forms import IDENTIFY_FIELDS, MORE_ACTIONS, REASON, Action, identified_with, is_open, through
from api.web.need_more_forms import action_form as _form
from api.web.render import page
from api.web.sign_in import FormDep
from domain import reference
from domain.needs import Need

router = APIRouter(include_in_schema=False)


def _choices(values: Mapping[Any, str] | tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    if isinstance(values, tuple):
        return tuple((v, v.replace("-", " ").capitalize()) for v in values)
    return tuple((str(k), v) for k, v in values.items())


STATES = tuple(
    (s.iso3, f"{s.name} ({s.iso3})") for s in sorted(reference.states().values(), key=lambda s: s.name) if s.party
)
ARTICLES = tuple((str(n), f"{n} — {a.title}") for n, a in reference.articles().items())
TA_TYPES = _choices(reference.ta_types_v2())
CURRENCIES = tuple((c, c) for c in sorted(reference.currencies()))
CYCLES = tuple((str(c), f"Cycle {c} (chapters {' and '.join(ch)})") for c, ch in reference.review_cycles().items())

DESCRIPTION = Field("description", "Description", kind="textarea", required=True, codes=("description-required",))
PARAGRAPH = Field("paragraph", "Paragraph", hint="For example 9(1)(a); optional.", codes=("invalid-paragraph",))
TA = Field(
    "ta_types",
    "TA types",
    kind="multi",
    choices=TA_TYPES,
    required=True,
    codes=("ta-types-required", "unknown-ta-type"),
)
HORIZON = Field("horizon", "Horizon", kind="select", choices=_choices(reference.HORIZONS), codes=("invalid-horizon",))
PRIORITY = Field(
    "priority",
    "Priority",
    kind="select",
    choices=_choices(reference.PRIORITIES),
    required=True,
    codes=("invalid-priority",),
)
COST = (
    Field(
        "estimated_cost",
        "Estimated cost",
        kind="number",
        hint="A plain decimal such as 125000.00.",
        codes=("invalid-amount", "amount-too-precise"),
        locs=("estimated_cost.amount", "amount"),
    ),
    Field(
        "currency",
        "Currency",
        kind="select",
        choices=CURRENCIES,
        codes=("unknown-currency",),
        locs=("estimated_cost.currency",),
    ),
    Field("value_date", "Value date", kind="date", codes=("date-out-of-range",), locs=("estimated_cost.value_date",)),
)

NEW = Form(
    name="need",
    title="Record a need",
    button="Record need",
    api=("POST", "/v1/needs"),
    intro="A technical-assistance need of one State party under one article of the Convention.",
    fields=(
        Field(
            "state",
            "State",
            kind="select",
            choices=STATES,
            required=True,
            codes=("unknown-state", "not-a-party", "forbidden-scope"),
        ),
        Field("article", "Article", kind="select", choices=ARTICLES, required=True, codes=("unknown-article",)),
        PARAGRAPH,
        TA,
        DESCRIPTION,
        replace(HORIZON, required=True),
        PRIORITY,
        Field(
            "source_kind",
            "Source kind",
            kind="select",
            choices=_choices(reference.SOURCE_KINDS),
            required=True,
            codes=("invalid-source",),
            locs=("source.kind", "source"),
        ),
        Field(
            "source_reference",
            "Source reference",
            required=True,
            hint="The report or checklist it comes from.",
            locs=("source.reference",),
        ),
        Field(
            "review_cycle",
            "Review cycle",
            kind="select",
            choices=CYCLES,
            codes=("unknown-cycle",),
            locs=("source.cycle",),
        ),
        *COST,
        *IDENTIFY_FIELDS,
        REASON,
    ),
)


def _blank(value: str) -> str | None:
    return value or None


def _cost(v: Values) -> dict[str, Any] | None:
    if not (v["estimated_cost"] or v["currency"] or v["value_date"]):
        return None
    return {"amount": v["estimated_cost"], "currency": v["currency"], "value_date": _blank(v["value_date"])}


def identify(svc: Services, who: Principal, v: Values) -> dict[str, Any]:
    body = NeedCreate.model_validate(
        {
            "state": v["state"],
            "article": v["article"],
            "paragraph": _blank(v["paragraph"]),
            "ta_types": v["ta_types"],
            "description": v["description"],
            "horizon": v["horizon"],
            "priority": v["priority"],
            "source": {
                "kind": v["source_kind"],
                "reference": v["source_reference"],
                "cycle": _blank(v["review_cycle"]),
            },
            "estimated_cost": _cost(v),
            **identified_with(v),
        }
    )
    return api.identify(body, svc, who, Response())


# ---- the actions on a need ----


def _revise(svc: Services, who: Principal, need_id: UUID, version: int | None, v: Values) -> dict[str, Any]:
    need = svc.ledger.need(need_id)  # only what changed is sent: the API revises the fields it is given
    changed = {
        "description": v["description"] if v["description"] != need.description else None,
        "ta_types": v["ta_types"] if v["ta_types"] != list(need.ta_types) else None,
        "paragraph": v["paragraph"] if v["paragraph"] != (need.paragraph or "") else None,
        "horizon": v["horizon"] if v["horizon"] != need.horizon else None,
    }
    body = NeedRevise.model_validate({k: x for k, x in changed.items() if x is not None})
    return api.revise(need_id, body, svc, who, version, Response())


def _reason(v: Values) -> Reason:
    return Reason.model_validate({"reason": v["reason"]})


def _estimate(n: Need) -> Values:
    cost = n.estimated_cost or {}
    return {
        "estimated_cost": cost.get("amount", ""),
        "currency": cost.get("currency", ""),
        "value_date": str(cost.get("value_date", "")),
    }


REASON_REQUIRED = replace(REASON, required=True)
ACTIONS: dict[str, Action] = {
    "revise": Action(
        _form("revise", "Revise the need", "Revise", DESCRIPTION, TA, PARAGRAPH, HORIZON, REASON),
        _revise,
        lambda n: {
            "description": n.description,
            "ta_types": list(n.ta_types),
            "paragraph": n.paragraph or "",
            "horizon": n.horizon,
        },
        is_open,
    ),
    "prioritise": Action(
        _form("prioritise", "Change the priority", "Prioritise", PRIORITY, REASON),
        through(api.prioritise, lambda v: NeedPrioritise.model_validate({"priority": v["priority"]})),
        lambda n: {"priority": n.priority},
        is_open,
    ),
    "estimate": Action(
        _form("estimate", "Estimate the cost", "Estimate", *COST, REASON),
        through(api.estimate, lambda v: Amount.model_validate(_cost(v) or {})),
        _estimate,
        is_open,
    ),
    **MORE_ACTIONS,  # stakeholders (para 15), assistance already provided (para 7)
    "publish": Action(
        _form("publish", "Publish the need", "Publish", REASON),
        through(api.publish),
        lambda n: {},
        lambda n: n.status == "open" and not n.published,
    ),
    "mark-met": Action(
        _form("mark-met", "Mark the need met", "Mark met", REASON_REQUIRED),
        through(api.mark_met, _reason),
        lambda n: {},
        is_open,
    ),
    "withdraw": Action(
        _form("withdraw", "Withdraw the need", "Withdraw", REASON_REQUIRED),
        through(api.withdraw, _reason),
        lambda n: {},
        is_open,
    ),
    "reopen": Action(
        _form("reopen", "Reopen the need", "Reopen", REASON_REQUIRED),
        through(api.reopen, _reason),
        lambda n: {},
        lambda n: n.status != "open",
    ),
}


def may_act(who: Principal, need: Need) -> bool:
    """May this key write this need at all (its role, then its State)? The API's own checks."""
    try:
        who.may_write_state(need.state)
    except ApiProblem:
        return False
    return True


def actions_for(request: Request, who: Principal, need: Need) -> list[dict[str, Any]]:
    """The action forms a need's page shows this key: those its role and State allow, in the need's status."""
    if not may_act(who, need):
        return []
    return [
        _context(request, name, a, need, Outcome(a.prefill(need)))
        for name, a in ACTIONS.items()
        if a.form.may(who) and a.applies(need)
    ]


def _context(request: Request, name: str, a: Action, need: Need, shown: Outcome) -> dict[str, Any]:
    return {
        "form": a.form,
        "shown": shown,
        "action": f"/needs/{need.id}/{name}",
        "token": forms.new_token(),
        "hidden": {"version": need.version},
        "fixed": {},
        "crumbs": [("/", "Dashboard"), (f"/needs/{need.id}", f"{need.state} article {need.article}")],
    }


# ---- routes ----


def _new_page(request: Request, who: Principal, shown: Outcome) -> HTMLResponse:
    fixed = {"state": who.state} if who.role == STATE and who.state else {}
    context = {
        "form": NEW,
        "shown": shown,
        "action": "/needs/new",
        "token": forms.new_token(),
        "fixed": fixed,
        "hidden": {},
    }
    return page(request, "form_page.html", who, {**context, "crumbs": [("/", "Dashboard")]}, shown.status)


@router.get("/needs/new", response_class=HTMLResponse)
def new_need(request: Request, who: PrincipalDep) -> HTMLResponse:
    return _new_page(request, who, Outcome({"state": who.state or "", "horizon": "current", "ta_types": []}))


@router.post("/needs/new", response_class=HTMLResponse)
def record_need(request: Request, svc: ServicesDep, who: PrincipalDep, data: FormDep) -> Response:
    def command(v: Values) -> dict[str, Any]:
        if who.role == STATE:
            v = {**v, "state": who.state}  # fixed to the key's State, whatever was sent
        return identify(svc, who, v)

    return forms.submit(
        request,
        svc,
        who,
        NEW,
        data,
        command,
        lambda w: f"/needs/{w['id']}",
        lambda shown: _new_page(request, who, shown),
    )


def _need_for(svc: Services, who: Principal, need_id: UUID, name: str) -> tuple[Need, Action]:
    action = ACTIONS.get(name)
    if action is None:
        raise ApiProblem(404, "not-found", f"no action {name!r} on a need")
    need = svc.ledger.need(need_id)
    readable_need(who.scope(), need)  # a need the key may not read is a 404, as in the API
    who.may_write_state(need.state)  # another State's need: 403, saying why
    if not action.form.may(who):
        raise ApiProblem(403, "forbidden", f"a {who.role} key may not {action.form.title.lower()}")
    return need, action


def need_action(request: Request, need_id: UUID, svc: ServicesDep, who: PrincipalDep) -> HTMLResponse:
    name = request.scope["route"].path.rsplit("/", 1)[1]
    need, a = _need_for(svc, who, need_id, name)
    return page(request, "form_page.html", who, _context(request, name, a, need, Outcome(a.prefill(need))))


def act_on_need(request: Request, need_id: UUID, svc: ServicesDep, who: PrincipalDep, data: FormDep) -> Response:
    name = request.scope["route"].path.rsplit("/", 1)[1]
    need, a = _need_for(svc, who, need_id, name)
    sent = data.get("version")
    version = int(sent) if isinstance(sent, str) and sent.isdigit() else None

    def show(shown: Outcome) -> HTMLResponse:
        return page(request, "form_page.html", who, _context(request, name, a, need, shown), shown.status)

    return forms.submit(
        request,
        svc,
        who,
        a.form,
        data,
        lambda v: a.run(svc, who, need_id, version, v),
        lambda w: f"/needs/{need_id}",
        show,
    )


for _name in ACTIONS:  # one page and one POST per action, each listed in POLICY as its /v1 route is
    router.add_api_route(f"/needs/{{need_id}}/{_name}", need_action, methods=["GET"], response_class=HTMLResponse)
    router.add_api_route(f"/needs/{{need_id}}/{_name}", act_on_need, methods=["POST"], response_class=HTMLResponse)
