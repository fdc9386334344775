"""The actions a programme's page offers a key (link a need, money, corrections, deliveries, status, period), each a
form that writes through its /v1 route (api/web/programme_commands.py), and the programme's books with who recorded
each entry and when."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from uuid import UUID

from fastapi import Response

from api.http.auth import FORMS, Principal
from api.http.problems import ApiProblem
from api.http.routes import corrections
from api.http.routes import programmes as api
from api.http.schemas.programmes import (
    CommitmentDecreaseCreate,
    DisbursementCorrectionCreate,
    DisbursementCreate,
    MoneyCreate,
)
from api.root.services import Services
from api.web import forms
from api.web import programme_commands as commands
from api.web.forms import Field, Form, Outcome, Values
from api.web.need_forms import CURRENCIES, REASON, REASON_REQUIRED
from api.web.programme_commands import Run
from domain import reference
from domain.programmes import Programme

Choices = tuple[tuple[str, str], ...]
ORG_CODES = ("organisation-not-found", "unknown-organisation")
STATUSES = tuple((str(c), f"{c} {name}") for c, name in reference.activity_statuses().items())
STATUS = Field("status", "Status", kind="select", choices=STATUSES, required=True, codes=("invalid-status",))
START = Field("start", "Start", kind="date", codes=("date-out-of-range",))
END = Field("end", "End", kind="date", hint="Not before the start.", codes=("end-before-start",))
ORGS = ("reporting_org", "funders", "implementers", "funder")  # fields whose choices are the registered organisations


def org_choices(svc: Services) -> Choices:
    """Every registered organisation, by name, shown with its IATI ref (the value sent)."""
    orgs = sorted(svc.durable.organisations(), key=lambda o: o["name"].lower())
    return tuple((o["ref"], f"{o['name']} ({o['ref']})") for o in orgs)


def with_choices(form: Form, choices: Mapping[str, Choices]) -> Form:
    """The form with these fields' choices filled in for this request (organisations, needs, commitments)."""
    return replace(
        form, fields=tuple(replace(f, choices=choices[f.name]) if f.name in choices else f for f in form.fields)
    )


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
        commands.link,
        choices=lambda s: {"need_id": s.open_needs},
    ),
    "pledge": Action(
        _form("pledge", "Record a pledge", "Record pledge", _funder(True), *MONEY, REASON),
        commands.money(MoneyCreate, api.pledge),
        prefill=_own_funder,
        choices=_funders,
        applies=OPEN,
    ),
    "commitment": Action(
        _form("commitment", "Record a commitment", "Record commitment", _funder(True), *MONEY, REASON),
        commands.money(MoneyCreate, api.commit),
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
        commands.money(DisbursementCreate, api.disburse),
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
            Field(
                "lessons",
                "Lessons learned",
                kind="textarea",
                hint="Optional: what others designing a programme for these articles may learn from it.",
                codes=("lessons-too-long",),
            ),
            REASON,
        ),
        commands.deliver,
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
        commands.revise,
        choices=_commitments,
        applies=lambda p: any(not c["cancelled"] for c in p.commitments.values()),
    ),
    "cancel-commitment": Action(
        _form("cancel-commitment", "Cancel a commitment", "Cancel commitment", COMMITMENT, REASON),
        commands.cancel,
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
        commands.status,
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
        commands.period,
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
        commands.correction(CommitmentDecreaseCreate, corrections.decrease_commitment),
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
        commands.correction(DisbursementCorrectionCreate, corrections.correct_disbursement),
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


def context_of(name: str, a: Action, s: Seen, shown: Outcome) -> dict[str, Any]:
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
        context_of(name, a, s, Outcome(a.prefill(s))) for name, a in ACTIONS.items() if a.form.may(who) and a.applies(p)
    ]


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
