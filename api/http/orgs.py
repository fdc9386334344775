"""Organisations named in requests: by id or by IATI ref, wherever a body or a filter names one.

`OrgRef` is the request type (the OpenAPI document shows "organisation id or IATI ref" with both
forms); `resolve` turns what was typed into the organisation's id, once, for every route. An
id-shaped value is read as an id first (ids are uuid5 of the ref, `domain/organisations.py`), then
as a ref; a value naming no registered organisation is 404 `organisation-not-found`, whose detail
repeats the value as typed, never an id the client did not send.
"""

from __future__ import annotations

import re
from typing import Annotated
from uuid import UUID

from fastapi import Query
from pydantic import StringConstraints, WithJsonSchema

from api.http.problems import ApiProblem
from domain.ledger import Ledger
from domain.organisations import Organisation, organisation_id

UUID_SHAPE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# What a registered ref can be (the domain strips it and refuses it empty; registration takes at most 500
# characters): no surrounding whitespace, no control character.
REF_PATTERN = r"^[^\s\x00-\x1f\x7f-\x9f](?:[^\x00-\x1f\x7f-\x9f\u2028\u2029]*[^\s\x00-\x1f\x7f-\x9f])?$"
DESCRIPTION = "organisation id or IATI ref (e.g. GB-GOV-1): an id is read first, then a ref"
SCHEMA = {
    "description": DESCRIPTION,
    "anyOf": [
        {"type": "string", "format": "uuid", "title": "organisation id"},
        {"type": "string", "minLength": 1, "maxLength": 500, "pattern": REF_PATTERN, "title": "IATI ref"},
    ],
}

OrgRef = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), WithJsonSchema(SCHEMA)]
OrgRefQ = Annotated[OrgRef | None, Query(description=DESCRIPTION)]


def resolve(ledger: Ledger, given: str) -> UUID:
    """The id of the organisation `given` names (its id or its IATI ref), or 404 organisation-not-found."""
    return organisation(ledger, given).id


def resolve_all(ledger: Ledger, given: list[str]) -> list[UUID]:
    return [resolve(ledger, g) for g in given]


def organisation(ledger: Ledger, given: str) -> Organisation:
    text = given.strip()
    candidates = [UUID(text), organisation_id(text)] if UUID_SHAPE.fullmatch(text) else [organisation_id(text)]
    for org_id in candidates:
        found = ledger.find(Organisation, org_id)
        if found is not None:
            return found
    raise ApiProblem(
        404,
        "organisation-not-found",
        f"no organisation {text[:200]!r} is registered (give its IATI ref, e.g. GB-GOV-1, or its id)",
    )
