from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.http.deps import ServicesDep
from api.http.problems import problem_response

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "store unreachable, or a record the ledger did not write"}})
def readyz(request: Request, svc: ServicesDep) -> Any:
    """The store is reachable; how far the projections lag behind the log. Not ready while a chained record has no
    valid seal (inserted behind the ledger's back, docs/seals.md): no checkpoint will cover it."""
    unavailable = {"status": "unavailable", "store": "unreachable"}
    if not svc.db.ping():  # answer in about two seconds, not after the pool's retries
        return JSONResponse({**unavailable, "error": "unreachable"}, status_code=503, headers={"Retry-After": "5"})
    try:
        head = svc.runner.head()
        position = svc.runner.position()
        unsealed = svc.audit.unsealed(svc.db)
    except Exception as e:  # the answer itself says what is wrong
        return JSONResponse({**unavailable, "error": type(e).__name__}, status_code=503, headers={"Retry-After": "5"})
    if unsealed is not None:
        detail = (
            f"the record at log position {unsealed} has no valid seal: it was not written by the ledger, or was"
            " changed since; no checkpoint is signed past it (docs/seals.md)"
        )
        errors = [{"code": "unsealed-record", "position": unsealed}]
        return problem_response(request, 503, "unsealed-record", detail, errors, {"Retry-After": "60"})
    return {
        "status": "ready",
        "store": "reachable",
        "head": head,
        "position": position,
        "lag": max(0, head - position),
        "runner": "failing" if svc.runner.error else "ok",
    }
