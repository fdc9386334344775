"""What an action on a need's page is (`Action`, run through its /v1 route's function), and the need's fields and
forms for the stakeholders who took part in identifying it (resolution para 15) and the assistance already
provided (para 7), on `/needs/new` and as two actions on the need's page (api/web/need_forms.py lists them).

Stakeholders are typed one per line, `kind: name`, and read strictly: every line that is not so is named in
the error, nothing is recorded, and the lines stay as typed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from fastapi import Response

from api.http.problems import ApiProblem
from api.http.routes import needs as api
from api.http.schemas.needs import AssistanceProvided, NeedStakeholders
from api.root.services import Services
from api.web.forms import Field, Form, Values
from domain.needs import Need
from domain.stakeholders import MAX_NAME, MAX_STAKEHOLDERS, STAKEHOLDER_KINDS

Run = Callable[[Services, Any, UUID, int | None, Values], dict[str, Any]]  # (svc, principal, need, version, typed)


@dataclass(frozen=True)
class Action:
    form: Form
    run: Run
    prefill: Callable[[Need], Values]
    applies: Callable[[Need], bool]  # the need's status allows it (the domain still decides)


def is_open(n: Need) -> bool:
    return n.status == "open"


def action_form(name: str, title: str, button: str, *fields: Field) -> Form:
    return Form(name, title, button, fields, ("POST", f"/v1/needs/{{need_id}}/{name}"))


def through(route: Callable[..., dict[str, Any]], body: Callable[[Values], Any] | None = None) -> Run:
    """Run an action through its /v1 route's function: the body that route validates, the version the form saw."""

    def run(svc: Services, who: Any, need_id: UUID, version: int | None, v: Values) -> dict[str, Any]:
        if body is None:
            return route(need_id, svc, who, version, Response())
        return route(need_id, body(v), svc, who, version, Response())

    return run


REASON = Field(
    "reason",
    "Reason",
    kind="textarea",
    hint="Why: kept with the event in the audit trail.",
    codes=("invalid-reason", "reason-required"),
)

# ---- stakeholders (para 15) and assistance already provided (para 7) ----

STAKEHOLDERS = Field(
    "stakeholders",
    "Stakeholders who took part in identifying it",
    kind="textarea",
    # written out, so the catalogue holds it (a test holds it to STAKEHOLDER_KINDS and MAX_STAKEHOLDERS)
    hint="One per line, kind: name, for example civil-society: Transparency Kenya. "
    "Kinds: civil-society, private-sector, academia, parliament, other. At most 30.",
    codes=("invalid-stakeholder", "too-many-stakeholders"),
    locs=("stakeholders.kind", "stakeholders.name"),
)
ASSISTANCE = Field(
    "assistance",
    "Assistance already provided",
    kind="textarea",
    hint="What assistance is already being provided for this need, and by whom.",
    codes=("invalid-assistance",),
    locs=("assistance_provided", "assistance_provided.text", "text"),
)
PROGRAMME = Field(
    "assistance_programme",
    "Programme providing it",
    hint="Optional: the programme's id, as in its page's address (/programmes/…).",
    codes=("programme-not-found",),
    locs=("assistance_provided.programme_id", "programme_id"),
)
IDENTIFY_FIELDS = (STAKEHOLDERS, ASSISTANCE, PROGRAMME)


def stakeholder_lines(typed: str) -> list[dict[str, str]]:
    """`kind: name` per line (blank lines skipped); every line that is not so named in one refusal."""
    found, wrong = [], []
    lines = [(n, line.strip()) for n, line in enumerate(typed.splitlines(), start=1) if line.strip()]
    for n, line in lines:
        kind, colon, name = (part.strip() for part in line.partition(":"))
        if not colon or not name:
            wrong.append(f"line {n}: write kind: name")
        elif kind not in STAKEHOLDER_KINDS:
            wrong.append(f"line {n}: {kind!r} is not one of {', '.join(STAKEHOLDER_KINDS)}")
        elif len(name) > MAX_NAME:
            wrong.append(f"line {n}: the name has more than {MAX_NAME} characters")
        else:
            found.append({"kind": kind, "name": name})
    if wrong:
        raise ApiProblem(422, "invalid-stakeholder", "; ".join(wrong))
    if len(found) > MAX_STAKEHOLDERS:
        raise ApiProblem(422, "too-many-stakeholders", f"{len(found)} stakeholders; at most {MAX_STAKEHOLDERS}")
    return found


def assistance_typed(v: Values) -> dict[str, Any] | None:
    """The assistance already provided as the API takes it; none when neither field is filled."""
    if not (v["assistance"] or v["assistance_programme"]):
        return None
    return {"text": v["assistance"], "programme_id": v["assistance_programme"] or None}


def identified_with(v: Values) -> dict[str, Any]:
    """What `/needs/new` adds to the need it records: its stakeholders and the assistance already provided."""
    return {"stakeholders": stakeholder_lines(v["stakeholders"]), "assistance_provided": assistance_typed(v)}


def _prefill_stakeholders(n: Need) -> Values:
    return {"stakeholders": "\n".join(f"{s['kind']}: {s['name']}" for s in n.stakeholders)}


def _prefill_assistance(n: Need) -> Values:
    given = n.assistance_provided or {}
    programme = given.get("programme_id")
    return {"assistance": given.get("text", ""), "assistance_programme": str(programme) if programme else ""}


def _stakeholders_body(v: Values) -> NeedStakeholders:
    return NeedStakeholders.model_validate({"stakeholders": stakeholder_lines(v["stakeholders"])})


def _assistance_body(v: Values) -> AssistanceProvided:
    return AssistanceProvided.model_validate(assistance_typed(v) or {"text": ""})


MORE_ACTIONS: dict[str, Action] = {
    "stakeholders": Action(
        action_form("stakeholders", "Record the stakeholders", "Record stakeholders", STAKEHOLDERS, REASON),
        through(
            api.stakeholders,
            lambda v: NeedStakeholders.model_validate({"stakeholders": stakeholder_lines(v["stakeholders"])}),
        ),
        _prefill_stakeholders,
        is_open,
    ),
    "assistance-provided": Action(
        action_form(
            "assistance-provided",
            "Record the assistance already provided",
            "Record assistance",
            ASSISTANCE,
            PROGRAMME,
            REASON,
        ),
        through(api.assistance_provided, _assistance_body),
        _prefill_assistance,
        is_open,
    ),
}
