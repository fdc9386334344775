"""Browser sessions: the key is checked once at sign-in, then forgotten; the browser holds an opaque id.

The id (`secrets.token_urlsafe(32)`) travels only in an `HttpOnly`, `SameSite=Strict` cookie (`Secure` over
HTTPS); the database keeps its SHA-256, the API key's id and two times, in `web_sessions` next to
`idempotency_keys`, so every process sees every session. A session ends when idle longer than
`LEDGER_SESSION_IDLE_MINUTES`, older than `LEDGER_SESSION_ABSOLUTE_HOURS`, signed out, or when its key is revoked
(api/http/auth.py reads the key's state on every request). Forms carry a CSRF token derived from the id
(HMAC-SHA256 keyed by it): bound to the session, useless without it, and nothing more to store.
Failed sign-ins are limited per client address in this process (SignInLimit).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from projections.db import Database

COOKIE = "ledger_session"
CSRF_FIELD = "csrf_token"
TOUCH_EVERY = timedelta(seconds=60)  # a page view refreshes `seen_at` at most once a minute: reads stay reads
PURGE_BATCH = 100  # expired sessions deleted by each sign-in: bounded work

TABLES = [
    "CREATE TABLE IF NOT EXISTS web_sessions ("
    " id_hash TEXT PRIMARY KEY, key_id TEXT NOT NULL, created_at TEXT NOT NULL, seen_at TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS web_sessions_seen ON web_sessions (seen_at)",  # the purge
    "CREATE INDEX IF NOT EXISTS web_sessions_key ON web_sessions (key_id)",  # a key's sessions end together
]


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _stamp(moment: datetime) -> str:
    """Fixed-width UTC text: compares as time on both stores (as api/http/idempotency.py stores its times)."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Lifetime:
    idle: timedelta
    absolute: timedelta


class Sessions:
    """The session table of one database."""

    def __init__(self, db: Database, lifetime: Lifetime) -> None:
        self.db, self.lifetime = db, lifetime

    def start(self, key_id: UUID, now: datetime) -> str:
        """A new session for this key; returns the id, which only the cookie will hold."""
        session_id = secrets.token_urlsafe(32)
        with self.db.transaction() as tx:
            tx.execute(
                "DELETE FROM web_sessions WHERE id_hash IN"
                " (SELECT id_hash FROM web_sessions WHERE seen_at < ? OR created_at < ? LIMIT ?)",
                (_stamp(now - self.lifetime.idle), _stamp(now - self.lifetime.absolute), PURGE_BATCH),
            )
            tx.execute(
                "INSERT INTO web_sessions (id_hash, key_id, created_at, seen_at) VALUES (?,?,?,?)",
                (_hash(session_id), str(key_id), _stamp(now), _stamp(now)),
            )
        return session_id

    def key_of(self, session_id: str, now: datetime) -> UUID | None:
        """The key of a live session (its idle time restarted), or None; an expired one is deleted."""
        with self.db.transaction() as tx:
            row = tx.execute(
                "SELECT key_id, created_at, seen_at FROM web_sessions WHERE id_hash = ?", (_hash(session_id),)
            ).fetchone()
            if row is None:
                return None
            seen = datetime.fromisoformat(row["seen_at"])
            if (
                seen < now - self.lifetime.idle
                or datetime.fromisoformat(row["created_at"]) < now - self.lifetime.absolute
            ):
                tx.execute("DELETE FROM web_sessions WHERE id_hash = ?", (_hash(session_id),))
                return None
            if now - seen >= TOUCH_EVERY:
                tx.execute("UPDATE web_sessions SET seen_at = ? WHERE id_hash = ?", (_stamp(now), _hash(session_id)))
            return UUID(row["key_id"])

    def end(self, session_id: str) -> None:
        with self.db.transaction() as tx:
            tx.execute("DELETE FROM web_sessions WHERE id_hash = ?", (_hash(session_id),))

    def end_all(self, key_id: UUID) -> None:
        """Every session of a key (a revoked key's, found on its next request)."""
        with self.db.transaction() as tx:
            tx.execute("DELETE FROM web_sessions WHERE key_id = ?", (str(key_id),))

    def count(self) -> int:
        with self.db.transaction(commit=False) as tx:
            return int(tx.scalar("SELECT COUNT(*) FROM web_sessions"))


def csrf_token(session_id: str) -> str:
    """The token every form of this session carries."""
    return hmac.new(session_id.encode(), b"ledger-form", hashlib.sha256).hexdigest()


def csrf_valid(session_id: str, token: str | None) -> bool:
    return token is not None and hmac.compare_digest(csrf_token(session_id), token)


class SignInLimit:
    """At most `attempts` failed sign-ins per client address in any `window`, in this process.

    In process on purpose: a failure is worth nothing once the window passes, and a durable counter would
    turn every wrong guess into a database write. With N processes an address gets N × `attempts` guesses
    a window: against 256-bit random keys the limit is there to stop noise, not to make guessing hard.
    """

    def __init__(self, attempts: int = 5, window: float = 60.0) -> None:
        self.attempts, self.window = attempts, window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, client: str, now: float) -> int:
        """Seconds until `client` may try again; 0 when it may now."""
        with self._lock:
            failures = self._recent(client, now)
            if len(failures) < self.attempts:
                return 0
            return max(1, int(failures[0] + self.window - now) + 1)

    def failed(self, client: str, now: float) -> None:
        with self._lock:
            failures = self._recent(client, now)
            failures.append(now)
            self._failures[client] = failures

    def _recent(self, client: str, now: float) -> deque[float]:
        """The client's failures within the window; a quiet address is forgotten, so the table holds only
        the addresses failing now."""
        failures = self._failures.pop(client, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if failures:
            self._failures[client] = failures
        return failures
