"""Pure ASGI middleware: request id, one canonical log line per request, body size and time limits,
and the demo's loopback guard."""

from __future__ import annotations

import ipaddress
import time
import uuid
from typing import Any

import anyio
import structlog
from starlette.requests import Request

from api.http.problems import problem_response

log = structlog.get_logger("api")


class RequestContext:
    """The outermost layer: a request id, the log line, and the body read whole, within limits.

    The body is read here, before any other layer, within `LEDGER_MAX_BODY_BYTES` (413) and within
    `LEDGER_BODY_TIMEOUT_SECONDS` of the headers (408, and the connection is closed): a client
    trickling its body holds a connection no longer than that, whatever the server's own limits.
    """

    def __init__(self, app: Any, max_body_bytes: int, body_timeout_seconds: float = 60.0) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.body_timeout_seconds = body_timeout_seconds

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        request_id = headers.get(b"x-request-id", b"").decode("latin-1")[:100] or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id, method=scope["method"], path=scope["path"])
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode("latin-1")))
            await send(message)

        try:
            if self._over_limit(headers.get(b"content-length")):
                await self._too_large(scope, send_with_id)
                return
            try:
                with anyio.fail_after(self.body_timeout_seconds):
                    buffered = await self._buffered(receive)
            except TimeoutError:
                detail = f"the request body did not arrive within {self.body_timeout_seconds:g} s"
                await _problem(scope, receive, send_with_id, 408, "request-timeout", detail, close=True)
                return
            if buffered is None:
                await self._too_large(scope, send_with_id)
                return
            await self.app(scope, buffered, send_with_id)
        finally:
            actor = scope.get("state", {}).get("principal")
            log.info(
                "request",
                status=status,
                actor=getattr(actor, "actor", None),
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
            )

    def _over_limit(self, length: bytes | None) -> bool:
        """Does the declared Content-Length exceed the limit? (A streamed body is counted as read.)"""
        return length is not None and length.isdigit() and int(length) > self.max_body_bytes

    async def _too_large(self, scope: dict, send: Any) -> None:
        detail = f"request bodies are limited to {self.max_body_bytes} bytes"
        await _problem(scope, None, send, 413, "request-too-large", detail, close=True)

    async def _buffered(self, receive: Any) -> Any:
        """A receive replaying the body, read whole here; None when it exceeds the limit.

        With a Content-Length the server itself holds the body to it; a streamed body (chunked, no
        length) is counted here, since the app could not tell a cut-off body from a bad one.
        """
        chunks: list[bytes] = []
        size, message = 0, await receive()
        while message["type"] == "http.request":
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_body_bytes:
                return None
            if not message.get("more_body"):
                break
            message = await receive()
        first = (
            {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            if message["type"] == "http.request"
            else message
        )
        pending = [first]

        async def replay() -> Any:
            return pending.pop() if pending else await receive()

        return replay


class LocalOnly:
    """The demo's guard: it answers clients on this machine (loopback) only, 403 to anyone else.

    The demo lets a request without a key read as a coordinator; that grant is for a newcomer on
    their own machine, never for the network, even when the server was bound wider by mistake.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and not is_loopback((scope.get("client") or ("", 0))[0]):
            await _problem(
                scope,
                receive,
                send,
                403,
                "demo-local-only",
                "this server runs the demo, which answers this machine's own clients only",
            )
            return
        await self.app(scope, receive, send)


def is_loopback(host: str) -> bool:
    """Is `host` (an address, or `localhost`) this machine's loopback? An unknown client is not."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def _problem(
    scope: dict, receive: Any, send: Any, status: int, code: str, detail: str, close: bool = False
) -> None:
    """Answer a problem from a middleware, before the app; `close` ends the connection after it."""
    headers = {"Connection": "close"} if close else None
    await problem_response(Request(scope), status, code, detail, headers=headers)(scope, receive, send)
