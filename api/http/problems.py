"""RFC 9457 problem+json: each code answered with the status and title of the catalogue
(`api/http/codes.py`), one handler per kind of exception."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
import psycopg_pool
import structlog
from eventsourcing.persistence import InterfaceError, OperationalError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from api.http.codes import CODES, STATUS_TITLES, title
from api.http.problem_details import translated
from api.web.i18n import gettext
from domain.errors import (
    ConcurrentChange,
    DomainError,
    InvalidInput,
    NotFound,
    Refused,
    RuleBroken,
    VersionMismatch,
)

log = structlog.get_logger()
MEDIA_TYPE = "application/problem+json"

# Only for a code the catalogue lacks (tests/unit/http/test_codes.py fails first): its class's status.
STATUS = {InvalidInput: 422, NotFound: 404, RuleBroken: 409, ConcurrentChange: 409, VersionMismatch: 412}
TITLES = STATUS_TITLES
STORE_DOWN = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg_pool.PoolTimeout)


class Problem(BaseModel):
    """An error answer (RFC 9457); `code` is stable and meant for programs."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    code: str = Field(
        description="stable, for programs: `x-codes` lists every code with its status and title",
        json_schema_extra={"x-codes": {c: {"status": k.status, "title": k.title} for c, k in CODES.items()}},
    )
    request_id: str | None = None
    errors: list[dict[str, Any]] | None = None


class ApiProblem(Refused):
    """An error raised by the HTTP layer itself (auth, limits, preconditions)."""

    def __init__(self, status: int, code: str, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.headers = status, code, detail, headers or {}


def problem_response(
    request: Request,
    status: int,
    code: str,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = Problem(
        type=f"https://uncac-ledger.org/problems/{code}",
        title=gettext(title(code, status)),  # in the reader's language (api/web/i18n.py); `code` stays for programs
        status=status,
        detail=translated(code, detail),  # where the code alone says what it is (api/http/problem_details.py)
        instance=str(request.url.path),
        code=code,
        request_id=getattr(request.state, "request_id", None),
        errors=errors,
    ).model_dump(exclude_none=True)
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _clean(errors: Sequence[Any]) -> list[dict[str, Any]]:
    return [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))} for e in errors
    ]


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        known = CODES.get(exc.code)
        status = known.status if known else next((s for cls, s in STATUS.items() if isinstance(exc, cls)), 409)
        return problem_response(request, status, exc.code, exc.detail)

    @app.exception_handler(ApiProblem)
    async def api_problem(request: Request, exc: ApiProblem) -> JSONResponse:
        return problem_response(request, exc.status, exc.code, exc.detail, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(request, 422, "invalid-request", "the request is not valid", _clean(exc.errors()))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 400 and "parsing the body" in str(exc.detail):
            # A body that cannot even be decoded is invalid input like any other (DESIGN §7).
            return problem_response(
                request,
                422,
                "invalid-request",
                "the request body could not be parsed",
                [{"loc": ["body"], "msg": str(exc.detail), "type": "body_unparseable"}],
            )
        if exc.status_code == 404:
            return problem_response(request, 404, "not-found", str(exc.detail), headers=exc.headers)
        if exc.status_code == 405:
            return problem_response(request, 405, "method-not-allowed", str(exc.detail), headers=exc.headers)
        return problem_response(request, exc.status_code, "http-error", str(exc.detail), headers=exc.headers)

    for cls in STORE_DOWN:

        @app.exception_handler(cls)
        async def store_down(request: Request, exc: Exception) -> JSONResponse:
            log.warning("store_unavailable", error=str(exc))
            return problem_response(
                request,
                503,
                "store-unavailable",
                "the ledger's database is unavailable; retry shortly",
                headers={"Retry-After": "5"},
            )

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled_error")
        return problem_response(request, 500, "internal-error", "an unexpected error occurred")


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI: the problem responses a route may give."""
    return {
        s: {
            "model": Problem,
            "description": TITLES.get(s, "Error"),
            "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for s in statuses
    }


WRITE_ERRORS = responses(401, 403, 404, 409, 412, 422)  # what a write to an existing resource may answer
