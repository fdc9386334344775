"""A page's refusal is a page: a browser asking for a page (Accept: text/html) gets the problem in words,
with its status; any other client, and every /v1 route, keeps problem+json."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any, cast

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import Response

from api.http.auth import ANONYMOUS, Principal, is_page
from api.http.codes import title
from api.http.problems import ApiProblem
from api.web.render import page
from domain.errors import DomainError

Handler = Callable[[Request, Any], Awaitable[Response]]
Installed = Callable[[Request, Any], Response | Awaitable[Response]]  # what FastAPI keeps: problems.py's are async


def wants_page(request: Request) -> bool:
    return is_page(request) and "text/html" in request.headers.get("accept", "")


def problem_page(
    request: Request, status: int, code: str, detail: str, headers: dict[str, str] | None = None
) -> Response:
    who = getattr(request.state, "principal", None) or Principal(role=ANONYMOUS, actor="anonymous")
    context = {"status": status, "code": code, "detail": detail, "title": title(code, status)}
    answer = page(request, "problem.html", who, context, status)
    answer.headers.update(headers or {})
    return answer


def install(app: FastAPI) -> None:
    """Wrap the problem handlers (api/http/problems.py) installed before: pages answer HTML, the rest as before."""
    for cls in (ApiProblem, DomainError, RequestValidationError, HTTPException):
        app.exception_handlers[cls] = _html_for_pages(app.exception_handlers[cls])


def _html_for_pages(installed: Installed) -> Handler:
    json_handler = cast(Handler, installed)

    async def handler(request: Request, exc: Any) -> Response:
        answer = await json_handler(request, exc)
        if not wants_page(request):
            return answer
        body: dict[str, Any] = json.loads(bytes(answer.body))
        headers = {k: v for k, v in answer.headers.items() if k.lower() in ("retry-after", "www-authenticate")}
        return await run_in_threadpool(
            problem_page, request, answer.status_code, body["code"], body.get("detail", ""), headers
        )

    return handler
