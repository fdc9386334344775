"""API keys: issuing and revoking a key is itself an audited event (never the key, only its hash)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from uuid import UUID, uuid4

from eventsourcing.domain import event

from domain import reference
from domain.errors import InvalidInput, RuleBroken
from domain.events import LedgerAggregate

PREFIX = "lk"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def split(key: str) -> tuple[UUID, str] | None:
    """`lk_<id hex>_<secret>` into its id and secret; None when it is not of that shape."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        return None
    try:
        return UUID(hex=parts[1]), parts[2]
    except ValueError:
        return None


class ApiKey(LedgerAggregate):
    @classmethod
    def issue(
        cls, name: str, role: str, organisation: UUID | None = None, state: str | None = None
    ) -> tuple[ApiKey, str]:
        """A new key and its one-time plain text."""
        role = reference.one_of("invalid-role", role, reference.ROLES)
        if role == "state" and not state:
            raise InvalidInput("scope-required", "a state key is bound to one State party (--state)")
        if role == "provider" and not organisation:
            raise InvalidInput("scope-required", "a provider key is bound to one organisation (--org)")
        if role not in ("state", "provider") and (state or organisation):
            raise InvalidInput("scope-not-allowed", f"a {role} key is not bound to a state or organisation")
        key_id = uuid4()
        secret = secrets.token_urlsafe(32)
        key = cls._create(
            cls.ApiKeyIssued,
            id=key_id,
            name=reference.text("invalid-name", name, "the key's name"),
            role=role,
            organisation=organisation,
            state=reference.party(state).iso3 if state else None,
            key_hash=digest(secret),
        )
        return key, f"{PREFIX}_{key_id.hex}_{secret}"

    class ApiKeyIssued(LedgerAggregate.Created):
        name: str
        role: str
        organisation: UUID | None
        state: str | None
        key_hash: str

    def __init__(self, name: str, role: str, organisation: UUID | None, state: str | None, key_hash: str) -> None:
        self.name = name
        self.role = role
        self.organisation = organisation
        self.state = state
        self.key_hash = key_hash
        self.revoked = False

    def accepts(self, secret: str) -> bool:
        return not self.revoked and hmac.compare_digest(self.key_hash, digest(secret))

    def revoke(self) -> None:
        if self.revoked:
            raise RuleBroken("key-already-revoked", "the key is already revoked")
        self._revoked()

    @event("ApiKeyRevoked")
    def _revoked(self) -> None:
        self.revoked = True
