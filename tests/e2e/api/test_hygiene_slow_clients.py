"""Slow clients over real sockets against `ledger serve`: headers and bodies that trickle in are cut
off at their deadlines, and connections beyond the cap are refused. The server runs with short
limits (1 s), so every test is bounded in seconds; each waits at most DEADLINE for what it expects.
"""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.support.processes import Server, environment, serving

HEADER_TIMEOUT = BODY_TIMEOUT = 1.0
MAX_CONNECTIONS = 8
DEADLINE = 6.0  # far beyond the 1 s limits, far below the 90 s such clients held before


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("slow")
    env = environment(
        f"sqlite:///{tmp}/ledger.db",
        tmp / "k.pem",
        LEDGER_HEADER_TIMEOUT_SECONDS=str(HEADER_TIMEOUT),
        LEDGER_BODY_TIMEOUT_SECONDS=str(BODY_TIMEOUT),
        LEDGER_KEEP_ALIVE_SECONDS="1",
        LEDGER_MAX_CONNECTIONS=str(MAX_CONNECTIONS),
    )
    with serving(env, tmp / "serve.log") as server:
        yield server


@contextlib.contextmanager
def connection(server: Server) -> Iterator[socket.socket]:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=DEADLINE)
    try:
        yield sock
    finally:
        sock.close()


def closed_within(sock: socket.socket, seconds: float, trickle: bytes = b"") -> tuple[bool, float, bytes]:
    """Send `trickle` a byte every 0.1 s until the server closes the connection or `seconds` pass.

    Answers whether it was closed, after how long, and what the server sent before closing.
    """
    started, received = time.monotonic(), b""
    sock.settimeout(0.1)
    while time.monotonic() - started < seconds:
        try:
            if trickle:
                sock.send(trickle[:1])
                trickle = trickle[1:] or trickle  # an endless trickle of its last byte
            chunk = sock.recv(65536)
            if not chunk:
                return True, time.monotonic() - started, received
            received += chunk
        except TimeoutError:
            continue
        except (BrokenPipeError, ConnectionResetError):
            return True, time.monotonic() - started, received
    return False, time.monotonic() - started, received


def test_a_client_sending_nothing_is_disconnected_after_the_header_timeout(served: Server) -> None:
    with connection(served) as sock:
        closed, after, _ = closed_within(sock, DEADLINE)
    assert closed and HEADER_TIMEOUT * 0.8 <= after < HEADER_TIMEOUT + 2, after


def test_a_client_trickling_its_headers_is_disconnected_after_the_header_timeout(served: Server) -> None:
    with connection(served) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: ledger\r\n")
        # a header line never ended: one byte every 0.1 s, as slowloris does
        closed, after, answer = closed_within(sock, DEADLINE, trickle=b"X-Slow: " + b"a" * 200)
    assert closed and after < HEADER_TIMEOUT + 2, after
    assert answer == b""  # no request was ever complete: nothing was answered


def test_a_client_trickling_its_body_gets_408_and_is_disconnected(served: Server) -> None:
    with connection(served) as sock:
        sock.sendall(
            b"POST /v1/organisations HTTP/1.1\r\nHost: ledger\r\nContent-Type: application/json\r\n"
            b"Content-Length: 500\r\n\r\n{"
        )
        closed, after, answer = closed_within(sock, DEADLINE, trickle=b'"name": "' + b"a" * 400)
    assert closed and after < BODY_TIMEOUT + 2, after
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 "), answer
    assert b"content-type: application/problem+json" in head.lower()
    assert json.loads(body)["code"] == "request-timeout"


def test_connections_beyond_the_cap_are_refused_until_the_slow_ones_are_cut_off(served: Server) -> None:
    # Given more trickling clients than the cap allows connections
    socks = [socket.create_connection(("127.0.0.1", served.port), timeout=DEADLINE) for _ in range(MAX_CONNECTIONS)]
    try:
        for s in socks:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: ledger\r\nX-Slow: a")
        # When a well-behaved client asks meanwhile, then it is told the server is busy
        busy = httpx.get(f"{served.url}/healthz", timeout=DEADLINE)
        assert busy.status_code == 503, busy.text
        # And once the header timeout has cut the trickling clients off, it is served again
        started = time.monotonic()
        while time.monotonic() - started < DEADLINE:
            if httpx.get(f"{served.url}/healthz", timeout=DEADLINE).status_code == 200:
                break
            time.sleep(0.1)
        assert time.monotonic() - started < HEADER_TIMEOUT + 2
        assert all(closed_within(s, DEADLINE)[0] for s in socks)
    finally:
        for s in socks:
            s.close()


def test_a_well_behaved_client_is_served_across_keep_alive_requests(served: Server) -> None:
    # The limits cut off slow clients only: one connection, several prompt requests, all answered
    with httpx.Client(base_url=served.url, timeout=DEADLINE) as client:
        for _ in range(3):
            assert client.get("/healthz").status_code == 200
            time.sleep(0.3)
