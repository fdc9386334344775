from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from api.http.auth import PrincipalDep
from api.http.deps import CursorQ, IfMatchDep, LimitQ, ServicesDep, etag, paginate
from api.http.orgs import DESCRIPTION, OrgRef, organisation, resolve
from api.http.problems import WRITE_ERRORS, responses
from api.http.schemas.common import Page
from api.http.schemas.organisations import (
    OrganisationCreate,
    OrganisationPublic,
    OrganisationRename,
    OrganisationWritten,
)
from domain.organisations import Organisation

router = APIRouter(prefix="/v1/organisations", tags=["organisations"])
OrgRefPath = Annotated[OrgRef, Path(description=DESCRIPTION)]


def public(org: Organisation) -> dict:
    return {
        "id": org.id,
        "ref": org.ref,
        "name": org.name,
        "org_type": org.org_type,
        "country": org.country,
        "version": org.version,
    }


@router.post("", status_code=201, response_model=OrganisationWritten, responses=responses(401, 403, 409, 422))
def register(body: OrganisationCreate, svc: ServicesDep, who: PrincipalDep, response: Response) -> dict:
    w = svc.ledger.register_organisation(body.ref, body.name, body.org_type, body.country)
    etag(response, w.version)
    return {**public(w.aggregate), "position": w.position}


@router.get("", response_model=Page, responses=responses(422))
def list_(svc: ServicesDep, who: PrincipalDep, limit: LimitQ = 100, cursor: CursorQ = None) -> dict:
    items = [
        {"id": d["org_id"], **{k: d[k] for k in ("ref", "name", "org_type", "country", "version")}}
        for d in svc.durable.organisations()
    ]
    page, next_cursor = paginate(items, limit, cursor)
    return {"items": page, "next_cursor": next_cursor, "position": svc.runner.position()}


@router.get("/{org_id}", response_model=OrganisationPublic, responses=responses(404))
def get(org_id: OrgRefPath, svc: ServicesDep, who: PrincipalDep, response: Response) -> dict:
    org = organisation(svc.ledger, org_id)
    etag(response, org.version)
    return public(org)


@router.post("/{org_id}/rename", response_model=OrganisationWritten, responses=WRITE_ERRORS)
def rename(
    org_id: OrgRefPath,
    body: OrganisationRename,
    svc: ServicesDep,
    who: PrincipalDep,
    version: IfMatchDep,
    response: Response,
) -> dict:
    w = svc.ledger.rename_organisation(resolve(svc.ledger, org_id), body.name, version)
    etag(response, w.version)
    return {**public(w.aggregate), "position": w.position}
