"""Third-party reports over HTTP: the funder's key confirms or disputes money reported in its name.

`POST /v1/programmes/{id}/commitments/{cid}/confirm` and `.../disbursements/{did}/confirm` record that the funder
stands by the report (it counts from then on); `.../dispute` with a reason that it does not (it never counts).
Each is an event on the programme. The money routes themselves are in routes/programmes.py.
"""

from __future__ import annotations

from typing import Any
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
Writing = tuple[Any, Any, Any, Response]  # what every write route receives: services, principal, If-Match, response


def _settle(kind: str, money_id: str, programme_id: UUID, call: Writing, reason: str | None = None) -> dict:
    """The funder confirms (`reason` None) or disputes the report `money_id` of `kind` on the programme."""
    svc, who, version, response = call

    def act(p: Any) -> Any:
        return p.confirm(kind, money_id) if reason is None else p.dispute(kind, money_id, reason)

    return _act(svc, who, programme_id, version, response, as_funder(who, kind, money_id, act), recorded_id=money_id)


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
    return _settle("commitment", commitment_id, programme_id, (svc, who, version, response))


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
    return _settle("commitment", commitment_id, programme_id, (svc, who, version, response), body.reason)


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
    return _settle("disbursement", disbursement_id, programme_id, (svc, who, version, response))


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
    return _settle("disbursement", disbursement_id, programme_id, (svc, who, version, response), body.reason)
