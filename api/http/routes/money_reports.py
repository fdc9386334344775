"""Third-party reports over HTTP: the funder's key confirms or disputes money reported in its name.

`POST /v1/programmes/{id}/commitments/{cid}/confirm` and `.../disbursements/{did}/confirm` record that the funder
stands by the report (it counts from then on); `.../dispute` with a reason that it does not (it never counts).
Each is an event on the programme. The money routes themselves are in routes/programmes.py.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response

from api.http.auth import PrincipalDep
from api.http.deps import IfMatchDep, ServicesDep
from api.http.money import as_funder
from api.http.problems import WRITE_ERRORS
from api.http.routes.programmes import _act
from api.http.schemas.common import Empty
from api.http.schemas.programmes import ProgrammeWritten, ReportDispute

router = APIRouter(prefix="/v1/programmes", tags=["programmes"])


@router.post(
    "/{programme_id}/commitments/{commitment_id}/confirm", response_model=ProgrammeWritten, responses=WRITE_ERRORS
)
def confirm_commitment(
    programme_id: UUID,
    commitment_id: str,
    svc: ServicesDep,
    who: PrincipalDep,
    version: IfMatchDep,
    response: Response,
    body: Empty | None = None,
) -> dict:
    command = as_funder(who, "commitment", commitment_id, lambda p: p.confirm("commitment", commitment_id))
    return _act(svc, who, programme_id, version, response, command, recorded_id=commitment_id)


@router.post(
    "/{programme_id}/commitments/{commitment_id}/dispute", response_model=ProgrammeWritten, responses=WRITE_ERRORS
)
def dispute_commitment(
    programme_id: UUID,
    commitment_id: str,
    body: ReportDispute,
    svc: ServicesDep,
    who: PrincipalDep,
    version: IfMatchDep,
    response: Response,
) -> dict:
    command = as_funder(who, "commitment", commitment_id, lambda p: p.dispute("commitment", commitment_id, body.reason))
    return _act(svc, who, programme_id, version, response, command, recorded_id=commitment_id)


@router.post(
    "/{programme_id}/disbursements/{disbursement_id}/confirm",
    response_model=ProgrammeWritten,
    responses=WRITE_ERRORS,
)
def confirm_disbursement(
    programme_id: UUID,
    disbursement_id: str,
    svc: ServicesDep,
    who: PrincipalDep,
    version: IfMatchDep,
    response: Response,
    body: Empty | None = None,
) -> dict:
    command = as_funder(who, "disbursement", disbursement_id, lambda p: p.confirm("disbursement", disbursement_id))
    return _act(svc, who, programme_id, version, response, command, recorded_id=disbursement_id)


@router.post(
    "/{programme_id}/disbursements/{disbursement_id}/dispute",
    response_model=ProgrammeWritten,
    responses=WRITE_ERRORS,
)
def dispute_disbursement(
    programme_id: UUID,
    disbursement_id: str,
    body: ReportDispute,
    svc: ServicesDep,
    who: PrincipalDep,
    version: IfMatchDep,
    response: Response,
) -> dict:
    command = as_funder(
        who, "disbursement", disbursement_id, lambda p: p.dispute("disbursement", disbursement_id, body.reason)
    )
    return _act(svc, who, programme_id, version, response, command, recorded_id=disbursement_id)
