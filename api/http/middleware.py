"""Pure ASGI middleware: request id, one canonical log line per request, body size limit."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import structlog

log = structlog.get_logger("api")


class RequestContext:
    def __init__(self, app: Any, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

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

        length = headers.get(b"content-length")
        if length is None:  # a streamed body: read it whole, within the limit, before the app does
            receive = await self._buffered(receive)
        if receive is None or (length is not None and length.isdigit() and int(length) > self.max_body_bytes):
            await self._too_large(scope, send, request_id)
            log.info("request", status=413, duration_ms=round((time.perf_counter() - started) * 1000, 1))
            return

        async def send_with_id(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode("latin-1")))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            actor = scope.get("state", {}).get("principal")
            log.info(
                "request",
                status=status,
                actor=getattr(actor, "actor", None),
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
            )

    async def _buffered(self, receive: Any) -> Any:
        """A receive replaying the body read so far; None when the body exceeds the limit.

        With a Content-Length the server itself holds the body to it, so only streamed bodies
        (chunked, no length) are read here; the app could not tell a cut-off body from a bad one.
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

    async def _too_large(self, scope: dict, send: Any, request_id: str) -> None:
        body = json.dumps(
            {
                "type": "https://uncac-ledger.org/problems/request-too-large",
                "title": "Request too large",
                "status": 413,
                "detail": f"request bodies are limited to {self.max_body_bytes} bytes",
                "instance": scope["path"],
                "code": "request-too-large",
                "request_id": request_id,
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"x-request-id", request_id.encode("latin-1")),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
