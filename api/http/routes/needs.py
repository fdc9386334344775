from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response

from api.http.auth import Principal, PrincipalDep
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
from api.http.problems import WRITE_ERRORS, responses
from api.http.schemas.common import Amount, Empty, Page
from api.http.schemas.needs import (
    AssistanceProvided,
    NeedCreate,
    NeedPrioritise,
    NeedPublic,
    NeedRevise,
    NeedStakeholders,
    NeedWritten,
    Reason,
)
from api.http.schemas.queries import ArticleQ, ChapterQ, HorizonQ, ListFormatQ, NeedStatusQ, StateQ
from api.http.visibility import readable_need
from api.http.xlsx import SPREADSHEET, list_xlsx
from api.root.services import Services
from domain import reference
from domain.needs import Need, money, source
from domain.stakeholders import assistance
from projections.views import tables

router = APIRouter(prefix="/v1/needs", tags=["needs"])


def public(n: Need) -> dict[str, Any]:
    return {
        "id": n.id,
        "state": n.state,
        "article": n.article,
        "chapter": reference.articles()[n.article].chapter,
        "paragraph": n.paragraph,
        "ta_types": n.ta_types,
        "description": n.description,
        "horizon": n.horizon,
        "priority": n.priority,
        "source": n.source,
        "estimated_cost": n.estimated_cost,
        "stakeholders": n.stakeholders,
        "assistance_provided": n.assistance_provided,
        "status": n.status,
        "published": n.published,
        "version": n.version,
        "created_on": n.created_on,
        "modified_on": n.modified_on,
    }


@router.post("", status_code=201, response_model=NeedWritten, responses=responses(401, 403, 409, 422))
def identify(body: NeedCreate, svc: ServicesDep, who: PrincipalDep, response: Response) -> dict:
    who.may_write_state(body.state)
    cost = body.estimated_cost
    w = svc.ledger.identify_need(
        state=body.state,
        article=body.article,
        paragraph=body.paragraph,
        ta_types=body.ta_types,
        description=body.description,
        horizon=body.horizon,
        priority=body.priority,
        source=source(body.source.kind, body.source.reference, body.source.cycle, body.source.date),
        estimated_cost=money(cost.amount, cost.currency, cost.value_date) if cost else None,
        stakeholders=[s.model_dump() for s in body.stakeholders],
        assistance_provided=_assistance(body.assistance_provided),
    )
    etag(response, w.version)
    return {**public(w.aggregate), "position": w.position}


@router.get("", response_model=Page, responses={**responses(422, 503), **SPREADSHEET})
def list_(
    svc: ServicesDep,
    who: PrincipalDep,
    state: StateQ = None,
    article: ArticleQ = None,
    chapter: ChapterQ = None,
    status: NeedStatusQ = None,
    horizon: HorizonQ = None,
    min_position: MinPositionQ = None,
    limit: LimitQ = 100,
    cursor: CursorQ = None,
    format: ListFormatQ = "json",
) -> Any:
    read_position(svc, None, min_position)
    position = svc.runner.position()  # read before the rows: they are at least that fresh
    filters = {"state": state.upper() if state else None, "article": article, "chapter": chapter}
    rows = svc.durable.needs(who.scope(), **filters, status=status, horizon=horizon)
    if format == "xlsx":
        filters.update(status=status, horizon=horizon)
        return list_xlsx(svc, "needs", tables.NEEDS, rows, filters, position, "needs.xlsx")
    page, next_cursor = paginate(rows, limit, cursor)
    return {"items": page, "next_cursor": next_cursor, "position": svc.runner.position()}


@router.get("/{need_id}", response_model=NeedPublic, responses=responses(404))
def get(need_id: UUID, svc: ServicesDep, who: PrincipalDep, response: Response) -> dict:
    need = svc.ledger.need(need_id)
    readable_need(who.scope(), need)  # a hidden need is a 404 like an id naming nothing
    etag(response, need.version)
    return public(need)


def _assistance(given: AssistanceProvided | None) -> dict[str, Any] | None:
    return None if given is None else assistance(given.text, given.programme_id)


def _act(
    svc: Services,
    who: Principal,
    need_id: UUID,
    version: int | None,
    response: Response,
    command: Callable[[Need], None],
    first: Callable[[], None] | None = None,
) -> dict:
    # Before If-Match and before the scope check: a need the key may not read answers 404 exactly
    # as an id naming nothing does (no existence, state or version oracle). Its state never changes
    # and publishing is for good, so what is checked here still holds when the write is decided.
    need = svc.ledger.need(need_id)
    readable_need(who.scope(), need)
    if first is not None:  # what the command needs of other records, once the key may write (none is taken back)
        who.may_write_state(need.state)
        first()

    def guarded(n: Need) -> None:
        who.may_write_state(n.state)
        command(n)

    w = svc.ledger.change_need(need_id, guarded, version)
    etag(response, w.version)
    return {**public(w.aggregate), "position": w.position}


@router.post("/{need_id}/revise", response_model=NeedWritten, responses=WRITE_ERRORS)
def revise(
    need_id: UUID, body: NeedRevise, svc: ServicesDep, who: PrincipalDep, version: IfMatchDep, response: Response
) -> dict:
    return _act(
        svc,
        who,
        need_id,
        version,
        response,
        lambda n: n.revise(
            description=body.description, ta_types=body.ta_types, paragraph=body.paragraph, horizon=body.horizon
        ),
    )


@router.post("/{need_id}/prioritise", response_model=NeedWritten, responses=WRITE_ERRORS)
def prioritise(
    need_id: UUID, body: NeedPrioritise, svc: ServicesDep, who: PrincipalDep, version: IfMatchDep, response: Response
) -> dict:
    return _act(svc, who, need_id, version, response, lambda n: n.prioritise(body.priority))


@router.post("/{need_id}/estimate", response_model=NeedWritten, responses=WRITE_ERRORS)
def estimate(
    need_id: UUID, body: Amount, svc: ServicesDep, who: PrincipalDep, version: IfMatchDep, response: Response
) -> dict:
    return _act(svc, who, need_id, version, response, lambda n: n.estimate(body.amount, body.currency, body.value_date))


@router.post("/{need_id}/publish", response_model=NeedWritten, responses=WRITE_ERRORS)
def publish(
    need_id: UUID,
    svc: ServicesDep,
    who: PrincipalDep,
    version: IfMatchDep,
    response: Response,
    body: Empty | None = None,
) -> dict:
    return _act(svc, who, need_id, version, response, lambda n: n.publish())


@router.post("/{need_id}/mark-met", response_model=NeedWritten, responses=WRITE_ERRORS)
def mark_met(
    need_id: UUID, body: Reason, svc: ServicesDep, who: PrincipalDep, version: IfMatchDep, response: Response
) -> dict:
    return _act(svc, who, need_id, version, response, lambda n: n.mark_met(body.reason))


@router.post("/{need_id}/withdraw", response_model=NeedWritten, responses=WRITE_ERRORS)
def withdraw(
    need_id: UUID, body: Reason, svc: ServicesDep, who: PrincipalDep, version: IfMatchDep, response: Response
) -> dict:
    return _act(svc, who, need_id, version, response, lambda n: n.withdraw(body.reason))


@router.post("/{need_id}/reopen", response_model=NeedWritten, responses=WRITE_ERRORS)
def reopen(
    need_id: UUID, body: Reason, svc: ServicesDep, who: PrincipalDep, version: IfMatchDep, response: Response
) -> dict:
    return _act(svc, who, need_id, version, response, lambda n: n.reopen(body.reason))


@router.post("/{need_id}/stakeholders", response_model=NeedWritten, responses=WRITE_ERRORS)
def stakeholders(
    need_id: UUID, body: NeedStakeholders, svc: ServicesDep, who: PrincipalDep, version: IfMatchDep, response: Response
) -> dict:
    """Who took part in identifying the need (resolution para 15): replaces the list recorded."""
    listed = [s.model_dump() for s in body.stakeholders]
    return _act(svc, who, need_id, version, response, lambda n: n.record_stakeholders(listed))


@router.post("/{need_id}/assistance-provided", response_model=NeedWritten, responses=WRITE_ERRORS)
def assistance_provided(
    need_id: UUID,
    body: AssistanceProvided,
    svc: ServicesDep,
    who: PrincipalDep,
    version: IfMatchDep,
    response: Response,
) -> dict:
    """The assistance already being provided for the need (resolution para 7), and the programme when known."""
    given = assistance(body.text, body.programme_id)
    return _act(
        svc,
        who,
        need_id,
        version,
        response,
        lambda n: n.record_assistance(given),
        lambda: svc.ledger.require_programme(body.programme_id),
    )
