"""The programmes' forms: `/programmes/new` and, on a programme's page, the actions its key may take.

Organisations are chosen from the registered ones by name and IATI ref (the option's value is the ref, which
the /v1 schemas accept: api/http/orgs.py), never typed as ids. Every form calls the function its /v1 route
calls (api/http/routes/programmes.py, corrections.py) through api/web/forms.py, as api/web/need_forms.py does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from api.http.auth import FORMS, PROVIDER, Principal, PrincipalDep
from api.http.deps import ServicesDep
from api.http.problems import ApiProblem
from api.http.routes import corrections
from api.http.routes import programmes as api
from api.http.schemas.programmes import (
    CommitmentDecreaseCreate,
    CommitmentRevise,
    DeliveryCreate,
    DisbursementCorrectionCreate,
    DisbursementCreate,
    MoneyCreate,
    NeedLink,
    PeriodChange,
    ProgrammeCreate,
    StatusChange,
)
from api.root.services import Services
from api.web import forms
from api.web.forms import Field, Form, Outcome, Values
from api.web.need_forms import CURRENCIES, REASON, REASON_REQUIRED, STATES
from api.web.pages import page
from api.web.sign_in import FormDep
from domain import reference
from domain.programmes import Programme

router = APIRouter(include_in_schema=False)
Choices = tuple[tuple[str, str], ...]
ORG_CODES = ("organisation-not-found", "unknown-organisation")
STATUSES = tuple((str(c), f"{c} {name}") for c, name in reference.activity_statuses().items())
STATUS = Field("status", "Status", kind="select", choices=STATUSES, required=True, codes=("invalid-status",))
START = Field("start", "Start", kind="date", codes=("date-out-of-range",))
END = Field("end", "End", kind="date", hint="Not before the start.", codes=("end-before-start",))
ORGS = ("reporting_org", "funders", "implementers", "funder")  # fields whose choices are the registered organisations

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


def org_choices(svc: Services) -> Choices:
    """Every registered organisation, by name, shown with its IATI ref (the value sent)."""
    orgs = sorted(svc.durable.organisations(), key=lambda o: o["name"].lower())
    return tuple((o["ref"], f"{o['name']} ({o['ref']})") for o in orgs)


def with_choices(form: Form, choices: Mapping[str, Choices]) -> Form:
    """The form with these fields' choices filled in for this request (organisations, needs, commitments)."""
    return replace(
        form, fields=tuple(replace(f, choices=choices[f.name]) if f.name in choices else f for f in form.fields)
    )


def _blank(value: str) -> str | None:
    return value or None


def _number(value: str) -> int | str | None:
    """A whole number typed: an int, or the text as typed for the schema to refuse in words."""
    return int(value) if value.isdigit() else _blank(value)


def register(svc: Services, who: Principal, v: Values) -> dict[str, Any]:
    body = ProgrammeCreate.model_validate(
        {
            "title": v["title"],
            "description": v["description"],
            "iati_identifier": _blank(v["iati_identifier"]),
            "reporting_org": v["reporting_org"],
            "funders": v["funders"],
            "implementers": v["implementers"],
            "states": v["states"],
            "start": _blank(v["start"]),
            "end": _blank(v["end"]),
            "status": _number(v["status"]),
        }
    )
    return api.register(body, svc, who, Response())


# ---- the actions on a programme ----


@dataclass(frozen=True)
class Seen:
    """What an action's form is built from: the programme as the key reads it."""

    programme: Programme
    orgs: dict[UUID, tuple[str, str]]  # (name, IATI ref) of every registered organisation
    open_needs: Choices  # open needs of its States the key may see, not linked yet
    linked: Choices  # its linked needs the key may see
    own: UUID | None  # the key's organisation

    def name(self, org: UUID | None) -> str:
        return self.orgs[org][0] if org in self.orgs else str(org or "")


Run = Callable[[Services, Principal, UUID, int | None, Values], dict[str, Any]]


@dataclass(frozen=True)
class Action:
    form: Form
    run: Run
    prefill: Callable[[Seen], Values] = lambda s: {}
    choices: Callable[[Seen], dict[str, Choices]] = lambda s: {}
    applies: Callable[[Programme], bool] = lambda p: True


def _funders(s: Seen) -> dict[str, Choices]:
    return {"funder": tuple((s.orgs[f][1], f"{s.orgs[f][0]} ({s.orgs[f][1]})") for f in s.programme.funders)}


def _own_funder(s: Seen) -> Values:
    """The key's own organisation, when it funds the programme: what a provider's desk records most."""
    return {"funder": s.orgs[s.own][1] if s.own in s.programme.funders and s.own in s.orgs else ""}


def _commitments(s: Seen) -> dict[str, Choices]:
    return {
        "commitment_id": tuple(
            (cid, f"{s.name(c['funder'])}: {c['kind']} {c['currency']} {c['amount']:,} of {c['value_date']}")
            for cid, c in s.programme.commitments.items()
            if not c["cancelled"]
        )
    }


def _money(body: type[MoneyCreate] | type[DisbursementCreate], route: Callable[..., dict[str, Any]]) -> Run:
    def run(svc: Services, who: Principal, pid: UUID, version: int | None, v: Values) -> dict[str, Any]:
        sent = {"funder": _blank(v["funder"]), **{k: v[k] for k in ("amount", "currency")}}
        checked = body.model_validate({**sent, "value_date": _blank(v["value_date"])})
        return route(pid, checked, svc, who, version, Response())

    return run


def _correction(
    body: type[CommitmentDecreaseCreate] | type[DisbursementCorrectionCreate], route: Callable[..., dict[str, Any]]
) -> Run:
    def run(svc: Services, who: Principal, pid: UUID, version: int | None, v: Values) -> dict[str, Any]:
        checked = body.model_validate(
            {
                "funder": _blank(v["funder"]),
                "amount": v["amount"],
                "currency": v["currency"],
                "value_date": _blank(v["value_date"]),
                "source_ref": _blank(v["source_ref"]),
            }
        )
        return route(pid, checked, svc, who, version, Response())

    return run


def _link(svc: Services, who: Principal, pid: UUID, version: int | None, v: Values) -> dict[str, Any]:
    body = NeedLink.model_validate({"need_id": v["need_id"], "share": _blank(v["share"])})
    return api.link_need(pid, body, svc, who, version, Response())


def _deliver(svc: Services, who: Principal, pid: UUID, version: int | None, v: Values) -> dict[str, Any]:
    body = DeliveryCreate.model_validate(
        {
            "kind": v["kind"],
            "date": _blank(v["date"]),
            "need_ids": v["need_ids"],
            "description": v["description"],
            "participants": _number(v["participants"]),
            "outputs": _blank(v["outputs"]),
        }
    )
    return api.deliver(pid, body, svc, who, version, Response())


def _revise(svc: Services, who: Principal, pid: UUID, version: int | None, v: Values) -> dict[str, Any]:
    body = CommitmentRevise.model_validate({"amount": v["amount"]})
    return api.revise_commitment(pid, v["commitment_id"], body, svc, who, version, Response())


def _cancel(svc: Services, who: Principal, pid: UUID, version: int | None, v: Values) -> dict[str, Any]:
    return api.cancel_commitment(pid, v["commitment_id"], svc, who, version, Response())


def _status(svc: Services, who: Principal, pid: UUID, version: int | None, v: Values) -> dict[str, Any]:
    body = StatusChange.model_validate({"status": _number(v["status"])})
    return api.change_status(pid, body, svc, who, version, Response())


def _period(svc: Services, who: Principal, pid: UUID, version: int | None, v: Values) -> dict[str, Any]:
    body = PeriodChange.model_validate({"start": _blank(v["start"]), "end": _blank(v["end"])})
    return api.change_period(pid, body, svc, who, version, Response())


def _form(name: str, title: str, button: str, *fields: Field) -> Form:
    """An action's form, for whoever may call the /v1 route its page writes through (api/http/auth.py FORMS)."""
    return Form(name, title, button, fields, ("POST", FORMS[f"/programmes/{{programme_id}}/{name}"]))


def _funder(required: bool) -> Field:
    hint = "" if required else "Optional: your organisation's own when left blank."
    codes = ("funder-not-on-programme", "report-by-funder", "third-party-not-reporter", "not-the-funder", *ORG_CODES)
    return Field("funder", "Funder", kind="select", required=required, hint=hint, codes=codes)


AMOUNT = Field(
    "amount",
    "Amount",
    kind="number",
    required=True,
    hint="A plain decimal such as 125000.00.",
    codes=("invalid-amount", "amount-too-precise", "amount-unchanged"),
)
CURRENCY = Field("currency", "Currency", kind="select", choices=CURRENCIES, required=True, codes=("unknown-currency",))
VALUE_DATE = Field("value_date", "Value date", kind="date", required=True, codes=("date-out-of-range",))
MONEY = (AMOUNT, CURRENCY, VALUE_DATE)
COMMITMENT = Field(
    "commitment_id",
    "Commitment",
    kind="select",
    required=True,
    codes=("unknown-commitment", "commitment-cancelled"),
)
OPEN = lambda p: p.status not in (4, 5)  # noqa: E731 (closed, cancelled: the domain refuses money then)

ACTIONS: dict[str, Action] = {
    "link-need": Action(
        _form(
            "link-need",
            "Link a need",
            "Link need",
            Field(
                "need_id",
                "Need",
                kind="select",
                required=True,
                hint="An open need of the programme's States.",
                codes=("need-already-linked", "need-state-not-on-programme", "need-closed", "not-found"),
            ),
            Field(
                "share",
                "Share",
                hint="Optional: the part of the programme for this need, in (0, 1], e.g. 0.25.",
                codes=("invalid-share", "shares-exceed-one"),
            ),
            REASON,
        ),
        _link,
        choices=lambda s: {"need_id": s.open_needs},
    ),
    "pledge": Action(
        _form("pledge", "Record a pledge", "Record pledge", _funder(True), *MONEY, REASON),
        _money(MoneyCreate, api.pledge),
        prefill=_own_funder,
        choices=_funders,
        applies=OPEN,
    ),
    "commitment": Action(
        _form("commitment", "Record a commitment", "Record commitment", _funder(True), *MONEY, REASON),
        _money(MoneyCreate, api.commit),
        prefill=_own_funder,
        choices=_funders,
        applies=OPEN,
    ),
    "disbursement": Action(
        _form(
            "disbursement",
            "Record a disbursement",
            "Record disbursement",
            _funder(False),
            *MONEY,
            REASON,
        ),
        _money(DisbursementCreate, api.disburse),
        prefill=_own_funder,
        choices=_funders,
        applies=OPEN,
    ),
    "delivery": Action(
        _form(
            "delivery",
            "Record a delivery",
            "Record delivery",
            Field(
                "kind",
                "Kind",
                kind="select",
                choices=tuple((k, k.replace("-", " ").capitalize()) for k in reference.DELIVERY_KINDS),
                required=True,
                codes=("invalid-delivery-kind",),
            ),
            Field("date", "Date", kind="date", required=True, codes=("delivery-in-future", "date-out-of-range")),
            Field("need_ids", "Needs served", kind="multi", codes=("need-not-linked",)),
            Field("description", "Description", kind="textarea", required=True, codes=("description-required",)),
            Field("participants", "Participants", kind="number", hint="Optional.", codes=("invalid-participants",)),
            Field("outputs", "Outputs", kind="textarea"),
            REASON,
        ),
        _deliver,
        choices=lambda s: {"need_ids": s.linked},
        applies=lambda p: OPEN(p),
    ),
    "revise-commitment": Action(
        _form(
            "revise-commitment",
            "Revise a commitment",
            "Revise commitment",
            COMMITMENT,
            replace(AMOUNT, label="New amount"),
            REASON,
        ),
        _revise,
        choices=_commitments,
        applies=lambda p: any(not c["cancelled"] for c in p.commitments.values()),
    ),
    "cancel-commitment": Action(
        _form("cancel-commitment", "Cancel a commitment", "Cancel commitment", COMMITMENT, REASON),
        _cancel,
        choices=_commitments,
        applies=lambda p: any(not c["cancelled"] for c in p.commitments.values()),
    ),
    "status": Action(
        _form(
            "status",
            "Change the status",
            "Change status",
            replace(STATUS, codes=("status-unchanged",)),
            REASON,
        ),
        _status,
        prefill=lambda s: {"status": str(s.programme.status)},
    ),
    "period": Action(
        _form(
            "period",
            "Change the period",
            "Change period",
            START,
            replace(END, codes=("end-before-start", "period-unchanged")),
            REASON,
        ),
        _period,
        prefill=lambda s: {"start": str(s.programme.start or ""), "end": str(s.programme.end or "")},
    ),
    "commitment-decrease": Action(
        _form(
            "commitment-decrease",
            "Decrease a commitment",
            "Record decrease",
            _funder(True),
            replace(AMOUNT, label="Amount taken off", hint="The positive amount taken off the commitments."),
            CURRENCY,
            VALUE_DATE,
            Field("source_ref", "Source reference", hint="Optional: the source's transaction ref."),
            REASON_REQUIRED,
        ),
        _correction(CommitmentDecreaseCreate, corrections.decrease_commitment),
        prefill=_own_funder,
        choices=_funders,
    ),
    "disbursement-correction": Action(
        _form(
            "disbursement-correction",
            "Correct a disbursement",
            "Record correction",
            _funder(False),
            replace(AMOUNT, label="Amount taken off", hint="The positive amount refunded or taken off."),
            CURRENCY,
            VALUE_DATE,
            Field("source_ref", "Source reference", hint="Optional: the source's transaction ref."),
            REASON_REQUIRED,
        ),
        _correction(DisbursementCorrectionCreate, corrections.correct_disbursement),
        prefill=_own_funder,
        choices=_funders,
    ),
}


def may_act(who: Principal, p: Programme) -> bool:
    """May this key write this programme at all (its role, then its organisation)? The API's own check."""
    try:
        who.may_write_programme(p.reporting_org, p.funders)
    except ApiProblem:
        return False
    return True


def seen(svc: Services, who: Principal, p: Programme) -> Seen:
    orgs = {UUID(o["org_id"]): (o["name"], o["ref"]) for o in svc.durable.organisations()}
    needs = [r for s in p.states for r in svc.durable.needs(who.scope(), state=s)]
    label = {r["need_id"]: f"{r['state_name']}, article {r['article']}: {r['description'][:90]}" for r in needs}
    linked = {str(n) for n in p.links}
    return Seen(
        programme=p,
        orgs=orgs,
        open_needs=tuple(
            (r["need_id"], label[r["need_id"]]) for r in needs if r["status"] == "open" and r["need_id"] not in linked
        ),
        linked=tuple((n, label[n]) for n in sorted(linked) if n in label),
        own=who.organisation,
    )


def _context(name: str, a: Action, s: Seen, shown: Outcome) -> dict[str, Any]:
    p = s.programme
    return {
        "form": with_choices(a.form, a.choices(s)),
        "shown": shown,
        "action": f"/programmes/{p.id}/{name}",
        "token": forms.new_token(),
        "hidden": {"version": p.version},
        "fixed": {},
        "crumbs": [("/", "Dashboard"), (f"/programmes/{p.id}", p.title)],
    }


def actions_for(svc: Services, who: Principal, p: Programme) -> list[dict[str, Any]]:
    """The action forms a programme's page shows this key: none outside its organisation's programmes."""
    if not may_act(who, p):
        return []
    s = seen(svc, who, p)
    return [
        _context(name, a, s, Outcome(a.prefill(s))) for name, a in ACTIONS.items() if a.form.may(who) and a.applies(p)
    ]


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
        return register(svc, who, v)

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
    return page(request, "form_page.html", who, _context(name, a, s, Outcome(a.prefill(s))))


def act_on_programme(
    request: Request, programme_id: UUID, svc: ServicesDep, who: PrincipalDep, data: FormDep
) -> Response:
    name = _name(request)
    p, a = _programme_for(svc, who, programme_id, name)
    sent = data.get("version")
    version = int(sent) if isinstance(sent, str) and sent.isdigit() else None

    def show(shown: Outcome) -> HTMLResponse:
        return page(request, "form_page.html", who, _context(name, a, seen(svc, who, p), shown), shown.status)

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


# ---- the programme's books, each entry with who recorded it and when ----

IDS = ("commitment id", "money id", "disbursement id", "delivery id", "correction id")


def _by_entry(events: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Each money or delivery id's events, oldest first, from the page's history (already as this reader
    may read it: names of keys or of organisations, withheld events naming no id)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for e in events:
        for key, value in e["changes"]:
            if key in IDS:
                found.setdefault(value, []).append(e)
    return found


def books(svc: Services, who: Principal, programme_id: UUID, events: list[dict[str, Any]]) -> dict[str, Any]:
    """The commitments, disbursements, corrections and deliveries as GET /v1/programmes/{id} answers this key,
    each with the event that recorded it and the last that changed it."""
    answer = api.get(programme_id, svc, who, Response())
    names = {o["org_id"]: o["name"] for o in svc.durable.organisations()}
    trail = _by_entry(events)

    def entry(item: dict[str, Any], key: str) -> dict[str, Any]:
        told = trail.get(item[key], [])
        return {
            **item,
            "funder_name": names.get(str(item.get("funder")), "—") if item.get("funder") else "—",
            "recorded": told[0] if told else None,
            "changed": told[-1] if len(told) > 1 else None,
        }

    return {
        "commitments": [entry(c, "commitment_id") for c in answer["commitments"]],
        "disbursements": [entry(d, "disbursement_id") for d in answer["disbursements"]],
        "corrections": [entry(c, "correction_id") for c in answer["corrections"]],
        "deliveries": [entry(d, "delivery_id") for d in answer["deliveries"]],
        "withheld_deliveries": answer["withheld_deliveries"],
    }
