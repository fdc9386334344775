"""Corrections over HTTP: money taken off a programme's books as an explicit action with a reason (docs/corrections.md).

`POST /v1/programmes/{id}/commitment-decreases` and `.../disbursement-corrections` take the positive amount taken
off, never a negative one (the ordinary money routes keep refusing those), and require the `X-Reason` header: the
reason is the correction's, recorded on its event. Keys may do what they may with commitments and disbursements
(api/http/money.py): a provider key corrects its organisation's own money, or, as the programme's reporting
organisation, reports a correction in another funder's name, which counts nowhere until that funder's key confirms it
(`.../corrections/{cid}/confirm`) and never if it disputes it (`.../dispute`, with a reason).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Response

from api.http.auth import PROVIDER, Principal, PrincipalDep
from api.http.deps import IfMatchDep, ServicesDep
from api.http.orgs import resolve
from api.http.problems import WRITE_ERRORS, ApiProblem
from api.http.routes.programmes import _act
from api.http.schemas.common import Empty
from api.http.schemas.programmes import (
    CommitmentDecreaseCreate,
    DisbursementCorrectionCreate,
    ProgrammeWritten,
    ReportDispute,
)
from domain import context
from domain.corrections import BOOK
from domain.programmes import Programme

router = APIRouter(prefix="/v1/programmes", tags=["programmes"])


REASON = {"x-reason-required": True}  # the OpenAPI document states X-Reason required (api/http/openapi.py)


def required_reason() -> str:
    """The request's X-Reason (checked by schemas/text.py when the key was read): a correction must say why."""
    why = context.current().reason
    if why is None:
        raise ApiProblem(422, "reason-required", "a correction needs a reason: send it in the X-Reason header")
    return why


def attribution(who: Principal, funder: UUID | None) -> tuple[UUID | None, UUID | None]:
    """(funder, reported_by) as the key may correct: a provider key's organisation's own (the funder when none is
    named), or a third-party report by it in another funder's name; an admin's on the funder's behalf."""
    if who.role == PROVIDER and who.organisation is not None:
        funder = funder or who.organisation
        return funder, (who.organisation if funder != who.organisation else None)
    return funder, None


@router.post(
    "/{programme_id}/commitment-decreases",
    status_code=201,
    response_model=ProgrammeWritten,
    responses=WRITE_ERRORS,
    openapi_extra=REASON,
)
def decrease_commitment(
    programme_id: UUID,
    body: CommitmentDecreaseCreate,
    svc: ServicesDep,
    who: PrincipalDep,
    version: IfMatchDep,
    response: Response,
) -> dict:
    """Take a positive amount off a funder's commitments in a currency (IATI: a negative commitment), with the
    reason in X-Reason (required). The net may go below zero: programme-monitoring flags it `net-negative`."""
    reason, cid = required_reason(), body.correction_id or uuid4().hex
    funder, reported_by = attribution(who, resolve(svc.ledger, body.funder))
    assert funder is not None  # the body requires it

    def command(p: Programme) -> None:
        p.decrease_commitment(
            cid, funder, body.amount, body.currency, body.value_date, reason, body.source_ref, reported_by
        )

    return _act(svc, who, programme_id, version, response, command, recorded_id=cid)


@router.post(
    "/{programme_id}/disbursement-corrections",
    status_code=201,
    response_model=ProgrammeWritten,
    openapi_extra=REASON,
    responses=WRITE_ERRORS,
)
def correct_disbursement(
    programme_id: UUID,
    body: DisbursementCorrectionCreate,
    svc: ServicesDep,
    who: PrincipalDep,
    version: IfMatchDep,
    response: Response,
) -> dict:
    """Take a positive amount off what was disbursed in a currency (IATI: a negative disbursement, a refund), with
    the reason in X-Reason (required)."""
    reason, cid = required_reason(), body.correction_id or uuid4().hex
    funder, reported_by = attribution(who, resolve(svc.ledger, body.funder) if body.funder else None)

    def command(p: Programme) -> None:
        p.correct_disbursement(
            cid, body.amount, body.currency, body.value_date, reason, funder, body.source_ref, reported_by
        )

    return _act(svc, who, programme_id, version, response, command, recorded_id=cid)


def _settle(who: Principal, correction_id: str, dispute: str | None) -> Any:
    """The funder's key (an admin's on its behalf) confirms or disputes a correction reported in its name."""

    def command(p: Programme) -> None:
        entry = p.corrections.get(correction_id)
        if who.role == PROVIDER and entry is not None and entry["funder"] != who.organisation:
            raise ApiProblem(
                403, "not-the-funder", "only the funder's key confirms or disputes a correction reported in its name"
            )
        if dispute is None:
            p.confirm(BOOK, correction_id)
        else:
            p.dispute(BOOK, correction_id, dispute)

    return command


@router.post(
    "/{programme_id}/corrections/{correction_id}/confirm", response_model=ProgrammeWritten, responses=WRITE_ERRORS
)
def confirm_correction(
    programme_id: UUID,
    correction_id: str,
    svc: ServicesDep,
    who: PrincipalDep,
    version: IfMatchDep,
    response: Response,
    body: Empty | None = None,
) -> dict:
    """The funder stands by a correction reported in its name: it counts from now on."""
    command = _settle(who, correction_id, None)
    return _act(svc, who, programme_id, version, response, command, recorded_id=correction_id)


@router.post(
    "/{programme_id}/corrections/{correction_id}/dispute", response_model=ProgrammeWritten, responses=WRITE_ERRORS
)
def dispute_correction(
    programme_id: UUID,
    correction_id: str,
    body: ReportDispute,
    svc: ServicesDep,
    who: PrincipalDep,
    version: IfMatchDep,
    response: Response,
) -> dict:
    """The funder disputes a correction reported in its name, with a reason: it never counts."""
    command = _settle(who, correction_id, body.reason)
    return _act(svc, who, programme_id, version, response, command, recorded_id=correction_id)
