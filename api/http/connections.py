"""The HTTP server's connection limits: how long a client may take to send its headers, and the
uvicorn settings `ledger serve` runs with.

uvicorn closes a connection idle between requests (`timeout_keep_alive`) but not one that trickles
its headers a byte at a time: such a client holds a connection for as long as it likes. The
protocol below closes a connection whose request headers are not all in within the header
timeout, counted from the connection's start or from the end of the previous answer. The body's
own deadline is the app's (api/http/middleware.py, 408); the number of connections is capped by
uvicorn's `limit_concurrency` (503 beyond it).
"""

from __future__ import annotations

import asyncio
from typing import Any

import structlog
from uvicorn.protocols.http.h11_impl import H11Protocol

from api.root.settings import Settings

MAX_HEADER_BYTES = 16 * 1024  # h11's bound on a request line and headers: larger is 400 and closed
log = structlog.get_logger("api")


class HeaderDeadline(H11Protocol):
    """uvicorn's h11 protocol, closing a connection whose request headers arrive too slowly."""

    header_timeout: float = 10.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._deadline: asyncio.TimerHandle | None = None
        self._arm()

    def data_received(self, data: bytes) -> None:
        waiting = self.cycle
        super().data_received(data)
        if self.cycle is not waiting:  # a new request's headers are all in: it may go on
            self._disarm()

    def on_response_complete(self) -> None:
        waiting = self.cycle
        super().on_response_complete()
        if self.cycle is waiting and not self.transport.is_closing():  # no pipelined request began
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.header_timeout, self._too_slow)

    def _disarm(self) -> None:
        if getattr(self, "_deadline", None) is not None:
            assert self._deadline is not None
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            log.warning("header_timeout", client=self.client, seconds=self.header_timeout)
            self.transport.close()


def protocol(header_timeout: float) -> type[HeaderDeadline]:
    """The protocol class with this header timeout (uvicorn builds one instance per connection)."""
    return type("HeaderDeadlineProtocol", (HeaderDeadline,), {"header_timeout": header_timeout})


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's keyword arguments for the connection limits in `settings`."""
    return {
        "http": protocol(settings.header_timeout_seconds),
        "timeout_keep_alive": settings.keep_alive_seconds,
        "limit_concurrency": settings.max_connections,
        "h11_max_incomplete_event_size": MAX_HEADER_BYTES,
    }
