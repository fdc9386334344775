"""Programmes over HTTP: registration, linked needs, money, deliveries, status and period."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Response

from api.http.auth import PROVIDER, Principal, PrincipalDep
from api.http.deps import (
    CursorQ,
    IfMatchDep,
    LimitQ,
    MinPositionQ,
    ServicesDep,
    etag,
    paginate,
    read_position,
)
from api.http.money import as_funder_or_reporter, attributed, record_money
from api.http.orgs import OrgRefQ, resolve, resolve_all
from api.http.problems import WRITE_ERRORS, ApiProblem, responses
from api.http.schemas.common import Empty, Page
from api.http.schemas.programmes import (
    CommitmentRevise,
    DeliveryCreate,
    DisbursementCreate,
    MoneyCreate,
    NeedLink,
    NeedUnlink,
    PeriodChange,
    ProgrammeCreate,
    ProgrammePublic,
    ProgrammeWritten,
    StatusChange,
)
from api.http.schemas.queries import ListFormatQ, StateQ
from api.http.visibility import programme_answer, programme_rows, visible_needs
from api.http.warnings import overlap_warnings
from api.http.xlsx import SPREADSHEET, list_xlsx
from api.root.services import Services
from domain import amounts, reference
from domain.programmes import Programme
from projections.views.tables import PROGRAMMES

router = APIRouter(prefix="/v1/programmes", tags=["programmes"])


def public(p: Programme) -> dict[str, Any]:
    return {
        "id": p.id,
        "title": p.title,
        "description": p.description,
        "iati_identifier": p.iati_identifier,
        "reporting_org": p.reporting_org,
        "funders": p.funders,
        "implementers": p.implementers,
        "states": p.states,
        "start": p.start,
        "end": p.end,
        "status": p.status,
        "status_name": reference.activity_statuses()[p.status],
        "needs": [{"need_id": n, "share": None if s is None else str(s)} for n, s in p.links.items()],
        "commitments": [{"commitment_id": k, **c, "amount": str(c["amount"])} for k, c in p.commitments.items()],
        "disbursements": [{"disbursement_id": k, **d, "amount": str(d["amount"])} for k, d in p.disbursements.items()],
        "corrections": [{"correction_id": k, **c, "amount": str(c["amount"])} for k, c in p.corrections.items()],
        "deliveries": [{"delivery_id": k, **d} for k, d in p.deliveries.items()],
        "version": p.version,
        "created_on": p.created_on,
        "modified_on": p.modified_on,
    }


@router.post("", status_code=201, response_model=ProgrammeWritten, responses=responses(401, 403, 404, 409, 422))
def register(body: ProgrammeCreate, svc: ServicesDep, who: PrincipalDep, response: Response) -> dict:
    reporting_org, funders = resolve(svc.ledger, body.reporting_org), resolve_all(svc.ledger, body.funders)
    who.may_write_programme(reporting_org, funders)  # outside the key's organisation: forbidden-scope
    may_register(who, reporting_org)  # a funder of it, but not its reporter: not-reporting-organisation
    w = svc.ledger.register_programme(
        title=body.title,
        description=body.description,
        iati_identifier=body.iati_identifier,
        reporting_org=reporting_org,
        funders=funders,
        implementers=resolve_all(svc.ledger, body.implementers),
        states=body.states,
        start=body.start,
        end=body.end,
        status=body.status,
    )
    etag(response, w.version)
    return {**public(w.aggregate), "position": w.position}


def may_register(who: Principal, reporting_org: UUID) -> None:
    """A provider key registers only programmes its organisation reports: naming itself a funder of another
    organisation's programme does not make it that programme's reporter. Admin keys register on anyone's behalf."""
    if who.role == PROVIDER and who.organisation != reporting_org:
        raise ApiProblem(
            403,
            "not-reporting-organisation",
            "a provider key registers only programmes its own organisation reports (reporting_org)",
        )


@router.get("", response_model=Page, responses={**responses(404, 422, 503), **SPREADSHEET})
def list_(
    svc: ServicesDep,
    who: PrincipalDep,
    state: StateQ = None,
    funder: OrgRefQ = None,
    min_position: MinPositionQ = None,
    limit: LimitQ = 100,
    cursor: CursorQ = None,
    format: ListFormatQ = "json",
) -> Any:
    read_position(svc, None, min_position)
    position = svc.runner.position()  # read before the rows: they are at least that fresh
    funder_id = resolve(svc.ledger, funder) if funder is not None else None
    rows = svc.durable.programmes(state=state.upper() if state else None, org=str(funder_id) if funder_id else None)
    if funder_id is not None:  # `org` matches any role; the filter is on funders only
        rows = [r for r in rows if str(funder_id) in {f["org_id"] for f in r["funders"]}]
    if format == "xlsx":
        found = programme_rows(rows, visible_needs(who.scope(), svc.durable.needs))
        return list_xlsx(
            svc, "programmes", PROGRAMMES, found, {"state": state, "funder": funder}, position, "programmes.xlsx"
        )
    page, next_cursor = paginate(rows, limit, cursor)
    page = programme_rows(page, visible_needs(who.scope(), svc.durable.needs))  # hidden needs: a count
    return {"items": page, "next_cursor": next_cursor, "position": svc.runner.position()}


@router.get("/{programme_id}", response_model=ProgrammePublic, responses=responses(401, 404))
def get(programme_id: UUID, svc: ServicesDep, who: PrincipalDep, response: Response) -> dict:
    p = svc.ledger.programme(programme_id)
    etag(response, p.version)
    answer = programme_answer(public(p), visible_needs(who.scope(), svc.durable.needs))  # hidden needs: a count
    return attributed(svc.ledger, answer)


def _act(
    svc: Services,
    who: Principal,
    programme_id: UUID,
    version: int | None,
    response: Response,
    command: Callable[[Programme], None],
    recorded_id: str | None = None,
    warn: bool = False,
) -> dict:
    def guarded(p: Programme) -> None:
        # Checked on the state being changed, so a retry on fresh state checks again.
        who.may_write_programme(p.reporting_org, p.funders)
        command(p)

    w = svc.ledger.change_programme(programme_id, guarded, version)
    etag(response, w.version)
    answer = {**attributed(svc.ledger, public(w.aggregate)), "position": w.position, "recorded_id": recorded_id}
    if warn:
        answer["warnings"] = overlap_warnings(svc, programme_id, w.position)
    return answer


@router.post("/{programme_id}/link-need", response_model=ProgrammeWritten, responses=WRITE_ERRORS)
def link_need(
    programme_id: UUID,
    body: NeedLink,
    svc: ServicesDep,
    who: PrincipalDep,
    version: IfMatchDep,
    response: Response,
) -> dict:
    need = svc.ledger.need(body.need_id)
    return _act(
        svc,
        who,
        programme_id,
        version,
        response,
        lambda p: p.link_need(need.id, need.state, body.share),
        warn=True,
    )


@router.post("/{programme_id}/unlink-need", response_model=ProgrammeWritten, responses=WRITE_ERRORS)
def unlink_need(
    programme_id: UUID,
    body: NeedUnlink,
    svc: ServicesDep,
    who: PrincipalDep,
    version: IfMatchDep,
    response: Response,
) -> dict:
    return _act(svc, who, programme_id, version, response, lambda p: p.unlink_need(body.need_id))


@router.post(
    "/{programme_id}/pledges",
    status_code=201,
    response_model=ProgrammeWritten,
    responses=WRITE_ERRORS,
)
def pledge(
    programme_id: UUID,
    body: MoneyCreate,
    svc: ServicesDep,
    who: PrincipalDep,
    version: IfMatchDep,
    response: Response,
) -> dict:
    cid = body.commitment_id or uuid4().hex
    return _act(
        svc,
        who,
        programme_id,
        version,
        response,
        record_money(who, "pledge", cid, resolve(svc.ledger, body.funder), body),
        recorded_id=cid,
    )


@router.post(
    "/{programme_id}/commitments",
    status_code=201,
    response_model=ProgrammeWritten,
    responses=WRITE_ERRORS,
)
def commit(
    programme_id: UUID,
    body: MoneyCreate,
    svc: ServicesDep,
    who: PrincipalDep,
    version: IfMatchDep,
    response: Response,
) -> dict:
    cid = body.commitment_id or uuid4().hex
    return _act(
        svc,
        who,
        programme_id,
        version,
        response,
        record_money(who, "commitment", cid, resolve(svc.ledger, body.funder), body),
        recorded_id=cid,
        warn=True,
    )


@router.post(
    "/{programme_id}/commitments/{commitment_id}/revise",
    response_model=ProgrammeWritten,
    responses=WRITE_ERRORS,
)
def revise_commitment(
    programme_id: UUID,
    commitment_id: str,
    body: CommitmentRevise,
    svc: ServicesDep,
    who: PrincipalDep,
    version: IfMatchDep,
    response: Response,
) -> dict:
    return _act(
        svc,
        who,
        programme_id,
        version,
        response,
        as_funder_or_reporter(
            who,
            commitment_id,
            lambda p: p.revise_commitment(commitment_id, revised_amount(p, commitment_id, body.amount)),
        ),
        recorded_id=commitment_id,
    )


def revised_amount(p: Programme, commitment_id: str, amount: object) -> object:
    """A revised amount entered over the API: held to the commitment's currency's minor units
    (an unknown commitment is the domain's to refuse)."""
    known = p.commitments.get(commitment_id)
    return amounts.entered(amount, known["currency"]) if known else amount


@router.post(
    "/{programme_id}/commitments/{commitment_id}/cancel",
    response_model=ProgrammeWritten,
    responses=WRITE_ERRORS,
)
def cancel_commitment(
    programme_id: UUID,
    commitment_id: str,
    svc: ServicesDep,
    who: PrincipalDep,
    version: IfMatchDep,
    response: Response,
    body: Empty | None = None,
) -> dict:
    return _act(
        svc,
        who,
        programme_id,
        version,
        response,
        as_funder_or_reporter(who, commitment_id, lambda p: p.cancel_commitment(commitment_id)),
        recorded_id=commitment_id,
    )


@router.post(
    "/{programme_id}/disbursements",
    status_code=201,
    response_model=ProgrammeWritten,
    responses=WRITE_ERRORS,
)
def disburse(
    programme_id: UUID,
    body: DisbursementCreate,
    svc: ServicesDep,
    who: PrincipalDep,
    version: IfMatchDep,
    response: Response,
) -> dict:
    did = body.disbursement_id or uuid4().hex
    return _act(
        svc,
        who,
        programme_id,
        version,
        response,
        record_money(who, "disbursement", did, resolve(svc.ledger, body.funder) if body.funder else None, body),
        recorded_id=did,
    )


@router.post(
    "/{programme_id}/deliveries",
    status_code=201,
    response_model=ProgrammeWritten,
    responses=WRITE_ERRORS,
)
def deliver(
    programme_id: UUID,
    body: DeliveryCreate,
    svc: ServicesDep,
    who: PrincipalDep,
    version: IfMatchDep,
    response: Response,
) -> dict:
    did = body.delivery_id or uuid4().hex
    return _act(
        svc,
        who,
        programme_id,
        version,
        response,
        lambda p: p.record_delivery(
            did,
            body.kind,
            body.date,
            body.need_ids,
            body.description,
            body.participants,
            body.outputs,
            body.lessons,
        ),
        recorded_id=did,
    )


@router.post("/{programme_id}/status", response_model=ProgrammeWritten, responses=WRITE_ERRORS)
def change_status(
    programme_id: UUID,
    body: StatusChange,
    svc: ServicesDep,
    who: PrincipalDep,
    version: IfMatchDep,
    response: Response,
) -> dict:
    return _act(svc, who, programme_id, version, response, lambda p: p.change_status(body.status))


@router.post("/{programme_id}/period", response_model=ProgrammeWritten, responses=WRITE_ERRORS)
def change_period(
    programme_id: UUID,
    body: PeriodChange,
    svc: ServicesDep,
    who: PrincipalDep,
    version: IfMatchDep,
    response: Response,
) -> dict:
    return _act(svc, who, programme_id, version, response, lambda p: p.change_period(body.start, body.end))
