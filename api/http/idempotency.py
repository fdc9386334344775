"""`Idempotency-Key` on every POST (pure ASGI): a repeat gets the first answer and writes nothing.

A key is claimed only after the request is authenticated, and belongs to the principal (the API
key's id, however its Authorization header is spelled): a request without a valid key, or with a
revoked one, never reads or writes the idempotency table and goes on to its 401. The first request
claims the key before it runs; the answer (< 500) is stored before the client sees it, so a repeat
either finds the stored answer or the claim (409 in progress). Any other body under the same key is
409. Stored answers expire after 24 hours (EXPIRES_AFTER): a key may then be used afresh, and every
claim deletes up to PURGE_BATCH expired answers in its own transaction, so the table holds about a
day of keys whatever the traffic (each claim adds one row and may remove a hundred).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import structlog
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from api.http.auth import key_principal
from api.http.problems import STORE_DOWN, problem_response
from projections.db import Database

HEADER = b"idempotency-key"
MAX_KEY_LENGTH = 255
KEPT_HEADERS = {b"content-type", b"etag", b"location", b"retry-after"}
ABANDONED_AFTER = timedelta(minutes=5)  # a claim left by a crashed process is taken over
EXPIRES_AFTER = timedelta(hours=24)  # a stored answer is forgotten, and purged, after a day
PURGE_BATCH = 100  # expired answers deleted by each claim: bounded work, and more than one row per claim
Clock = Callable[[], datetime]
log = structlog.get_logger()


def utc_now() -> datetime:
    return datetime.now(UTC)


def stamp(moment: datetime) -> str:
    """A fixed-width UTC time, so the stored times compare as text on both stores."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


class Claimed:
    """This request owns the key and runs."""


def purge(tx: Any, now: datetime) -> None:
    """Delete up to PURGE_BATCH answers stored before `now - EXPIRES_AFTER`."""
    tx.execute(
        "DELETE FROM idempotency_keys WHERE (principal, key) IN"
        " (SELECT principal, key FROM idempotency_keys WHERE created_at < ? LIMIT ?)",
        (stamp(now - EXPIRES_AFTER), PURGE_BATCH),
    )


def _claim(db: Database, principal: str, key: str, fingerprint: str, now: datetime) -> Claimed | dict[str, Any]:
    """Claim the key, or find the answer (or claim) already under it."""
    found = None
    while found is None:  # None: the row the insert met was deleted before it could be read
        found = _try_claim(db, principal, key, fingerprint, now)
    return found


def _try_claim(
    db: Database, principal: str, key: str, fingerprint: str, now: datetime
) -> Claimed | dict[str, Any] | None:
    with db.transaction() as tx:
        purge(tx, now)
        inserted = tx.execute(
            "INSERT INTO idempotency_keys (principal, key, fingerprint, created_at)"
            " VALUES (?,?,?,?)"
            " ON CONFLICT (principal, key) DO NOTHING RETURNING key",
            (principal, key, fingerprint, stamp(now)),
        ).fetchone()
        if inserted is not None:
            return Claimed()
        row = tx.execute(
            "SELECT fingerprint, status, headers, body, created_at FROM idempotency_keys"
            " WHERE principal = ? AND key = ?",
            (principal, key),
        ).fetchone()
        if row is None:  # purged by another claim since the insert met it: try again
            return None
        created = datetime.fromisoformat(row["created_at"])
        expired = created < now - EXPIRES_AFTER
        abandoned = row["status"] is None and created < now - ABANDONED_AFTER
        if expired or abandoned:
            taken = tx.execute(
                "UPDATE idempotency_keys SET fingerprint = ?, created_at = ?, status = NULL, headers = NULL,"
                " body = NULL WHERE principal = ? AND key = ? AND created_at = ? RETURNING key",
                (fingerprint, stamp(now), principal, key, row["created_at"]),
            ).fetchone()
            if taken is not None:
                return Claimed()
        return row


def _store(db: Database, principal: str, key: str, status: int, headers: list, body: bytes) -> None:
    with db.transaction() as tx:
        tx.execute(
            "UPDATE idempotency_keys SET status = ?, headers = ?, body = ? WHERE principal = ? AND key = ?",
            (status, json.dumps(headers), base64.b64encode(body).decode(), principal, key),
        )


def _release(db: Database, principal: str, key: str) -> None:
    try:
        with db.transaction() as tx:
            tx.execute(
                "DELETE FROM idempotency_keys WHERE principal = ? AND key = ? AND status IS NULL",
                (principal, key),
            )
    except STORE_DOWN:  # the 503 still stands; the claim stays until it is abandoned
        log.warning("idempotency_claim_not_released", key=key)


class Idempotency:
    def __init__(self, app: Any, clock: Clock = utc_now) -> None:
        self.app = app
        self.clock = clock  # injected by tests, to expire answers without waiting a day

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        headers = dict(scope.get("headers") or []) if scope["type"] == "http" else {}
        if scope["type"] != "http" or scope["method"] != "POST" or HEADER not in headers:
            await self.app(scope, receive, send)
            return
        services = scope["app"].state.services
        authorization = headers.get(b"authorization", b"").decode("latin-1")
        try:
            principal = await run_in_threadpool(key_principal, services, authorization) if authorization else None
        except STORE_DOWN:
            await _unavailable(scope, receive, send)
            return
        if principal is None:  # no valid key: the app answers 401, and the table is never touched
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})["authenticated"] = principal  # authorize() takes it as is
        key = headers[HEADER].decode("latin-1").strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            await _problem(
                scope,
                receive,
                send,
                400,
                "invalid-idempotency-key",
                f"Idempotency-Key is 1 to {MAX_KEY_LENGTH} characters",
            )
            return
        body = await _read_body(receive)
        owner = str(principal.key_id)
        fingerprint = _fingerprint(scope, body)
        db = services.db
        try:
            found = await run_in_threadpool(_claim, db, owner, key, fingerprint, self.clock())
        except STORE_DOWN:
            await _unavailable(scope, receive, send)
            return
        if isinstance(found, Claimed):
            await self._run(scope, receive, send, body, db, owner, key)
        elif found["fingerprint"] != fingerprint:
            await _problem(
                scope,
                receive,
                send,
                409,
                "idempotency-key-reused",
                "this Idempotency-Key was used for another request; use a new key",
            )
        elif found["status"] is None:
            await _problem(
                scope,
                receive,
                send,
                409,
                "idempotency-in-progress",
                "the first request with this Idempotency-Key is still running; retry shortly",
                {"Retry-After": "1"},
            )
        else:
            await _replay(send, found)

    async def _run(
        self,
        scope: dict,
        receive: Any,
        send: Any,
        body: bytes,
        db: Database,
        principal: str,
        key: str,
    ) -> None:
        """Run the request once, and store its answer before the client sees it."""
        start: dict[str, Any] = {}
        chunks: list[bytes] = []
        delivered = False

        async def replay_body() -> dict[str, Any]:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        async def hold(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            content = b"".join(chunks)
            if start["status"] < 500:
                kept = [
                    [n.decode("latin-1"), v.decode("latin-1")]
                    for n, v in start.get("headers", [])
                    if n.lower() in KEPT_HEADERS
                ]
                try:
                    await run_in_threadpool(
                        _store, db, principal, key, start["status"], kept, _storable(start, content)
                    )
                except STORE_DOWN:  # the answer stands; a repeat waits for the claim to be abandoned
                    log.warning("idempotency_answer_not_stored", key=key)
            else:
                await run_in_threadpool(_release, db, principal, key)
            await send(start)
            await send({"type": "http.response.body", "body": content})

        try:
            await self.app(scope, replay_body, hold)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await run_in_threadpool(_release, db, principal, key)
            raise


def _storable(start: dict[str, Any], content: bytes) -> bytes:
    """An answer marked `Cache-Control: no-store` (a new API key) is kept without its secret."""
    headers = {n.lower(): v for n, v in start.get("headers", [])}
    if b"no-store" not in headers.get(b"cache-control", b""):
        return content
    try:
        body = json.loads(content)
    except ValueError:
        return b""
    if isinstance(body, dict) and "key" in body:
        body["key"] = None
        body["key_withheld"] = "shown once, in the first answer only"
    return json.dumps(body).encode()


def _fingerprint(scope: dict, body: bytes) -> str:
    h = hashlib.sha256()
    for part in (scope["method"], scope["path"], scope.get("query_string", b"").decode("latin-1")):
        h.update(part.encode() + b"\0")
    h.update(body)
    return h.hexdigest()


async def _read_body(receive: Any) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


async def _replay(send: Any, stored: dict[str, Any]) -> None:
    headers = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in json.loads(stored["headers"])]
    body = base64.b64decode(stored["body"])
    headers += [(b"content-length", str(len(body)).encode()), (b"idempotent-replayed", b"true")]
    await send({"type": "http.response.start", "status": stored["status"], "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _unavailable(scope: dict, receive: Any, send: Any) -> None:
    await _problem(
        scope,
        receive,
        send,
        503,
        "store-unavailable",
        "the ledger's database is unavailable; retry shortly",
        {"Retry-After": "5"},
    )


async def _problem(
    scope: dict,
    receive: Any,
    send: Any,
    status: int,
    code: str,
    detail: str,
    headers: dict[str, str] | None = None,
) -> None:
    await problem_response(Request(scope), status, code, detail, headers=headers)(scope, receive, send)
