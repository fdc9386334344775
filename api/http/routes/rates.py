"""Exchange rates into the reporting currency: recorded by coordinators, read by everyone."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.http.auth import PrincipalDep
from api.http.deps import CursorQ, LimitQ, MinPositionQ, ServicesDep, etag, paginate, read_position
from api.http.problems import responses
from api.http.schemas.rates import RateCreate, RatePage, RateWritten

router = APIRouter(prefix="/v1/exchange-rates", tags=["exchange rates"])


@router.post("", status_code=201, response_model=RateWritten, responses=responses(401, 403, 409, 422))
def record(body: RateCreate, svc: ServicesDep, who: PrincipalDep, response: Response) -> dict:
    """Recording the same rate again changes nothing; another rate for the same day is 409."""
    w = svc.ledger.record_rate(body.currency, body.date, body.rate)
    r = w.aggregate
    etag(response, w.version)
    return {
        "id": r.id,
        "currency": r.currency,
        "date": r.date,
        "rate": str(r.rate),
        "reporting_currency": svc.currency,
        "version": w.version,
        "position": w.position,
    }


@router.get("", response_model=RatePage, responses=responses(422, 503))
def list_(
    svc: ServicesDep,
    who: PrincipalDep,
    min_position: MinPositionQ = None,
    limit: LimitQ = 100,
    cursor: CursorQ = None,
) -> dict:
    read_position(svc, None, min_position)
    items = [
        {"currency": doc["currency"], "date": on, "rate": rate, "reporting_currency": svc.currency}
        for doc in svc.durable.rates()
        for on, rate in doc["rates"]
    ]
    page, next_cursor = paginate(items, limit, cursor)
    return {"items": page, "next_cursor": next_cursor, "position": svc.runner.position()}
