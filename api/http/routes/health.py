from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.http.deps import ServicesDep

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "store unreachable"}})
def readyz(svc: ServicesDep) -> Any:
    """The store is reachable; how far the projections lag behind the log."""
    unavailable = {"status": "unavailable", "store": "unreachable"}
    if not svc.db.ping():  # answer in about two seconds, not after the pool's retries
        return JSONResponse({**unavailable, "error": "unreachable"}, status_code=503, headers={"Retry-After": "5"})
    try:
        head = svc.runner.head()
        position = svc.runner.position()
    except Exception as e:  # the answer itself says what is wrong
        return JSONResponse({**unavailable, "error": type(e).__name__}, status_code=503, headers={"Retry-After": "5"})
    return {
        "status": "ready",
        "store": "reachable",
        "head": head,
        "position": position,
        "lag": max(0, head - position),
        "runner": "failing" if svc.runner.error else "ok",
    }
