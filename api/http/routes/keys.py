"""API keys over HTTP, for admins: issue (the key is shown once), list (never a secret), revoke.

Issuing and revoking are events like any other: the audit log says who did it, when and why.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response

from api.http.auth import PrincipalDep
from api.http.deps import CursorQ, LimitQ, ServicesDep, paginate, read_position
from api.http.orgs import resolve
from api.http.problems import responses
from api.http.schemas.common import Empty
from api.http.schemas.keys import KeyCreate, KeyIssued, KeyPage, KeyWritten
from api.root.services import Services
from domain.keys import ApiKey
from projections import model
from projections.store import entities

router = APIRouter(prefix="/v1/keys", tags=["keys"])


def public(svc: Services, key: ApiKey) -> dict[str, Any]:
    ref = svc.ledger.organisation(key.organisation).ref if key.organisation else None
    return {
        "id": key.id,
        "name": key.name,
        "role": key.role,
        "organisation": key.organisation,
        "organisation_ref": ref,
        "state": key.state,
        "revoked": key.revoked,
        "version": key.version,
    }


@router.post("", status_code=201, response_model=KeyIssued, responses=responses(404, 409, 422))
def issue(body: KeyCreate, svc: ServicesDep, who: PrincipalDep, response: Response) -> dict:
    org = resolve(svc.ledger, body.organisation) if body.organisation else None  # unknown: organisation-not-found
    w, secret = svc.ledger.issue_key(body.name, body.role, org, body.state)
    response.headers["Cache-Control"] = "no-store"
    return {**public(svc, w.aggregate), "key": secret, "position": w.position}


@router.get("", response_model=KeyPage, responses=responses(503))
def list_(svc: ServicesDep, who: PrincipalDep, limit: LimitQ = 100, cursor: CursorQ = None) -> dict:
    """Every key issued, with its role, scope and status; never a key nor its hash."""
    read_position(svc, None, svc.runner.head())  # who holds a key matters: list them current
    page, next_cursor = paginate(listed(svc), limit, cursor)
    return {"items": page, "next_cursor": next_cursor, "position": svc.runner.position()}


@router.post("/{key_id}/revoke", response_model=KeyWritten, responses=responses(404, 409))
def revoke(key_id: UUID, svc: ServicesDep, who: PrincipalDep, body: Empty | None = None) -> dict:
    w = svc.ledger.revoke_key(key_id)
    return {**public(svc, w.aggregate), "position": w.position}


def listed(svc: Services) -> list[dict[str, Any]]:
    with svc.db.transaction(commit=False) as tx:
        keys, orgs = entities(tx, model.KEY), {o["org_id"]: o["ref"] for o in entities(tx, model.ORG)}
    return [
        {
            "id": k["key_id"],
            "name": k["name"],
            "role": k["role"],
            "organisation": k["organisation"],
            "organisation_ref": orgs.get(k["organisation"]),
            "state": k["state"],
            "revoked": k["revoked"],
            "version": k["version"],
            "issued_at": k["issued_at"],
            "issued_by": k["issued_by"],
            "revoked_at": k.get("revoked_at"),
        }
        for k in keys
    ]
