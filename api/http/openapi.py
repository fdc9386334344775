"""The OpenAPI document, completed from the one access table: who may call each route, and the
problem+json answers the app's own machinery gives on every route (auth, limits, validation, store).

Route modules declare the errors their handlers raise (404, 409, ...) with `problems.responses`;
what every route shares is added here, so it cannot be forgotten on one of them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from api.http.auth import ANONYMOUS, KEYED, allowed_roles
from api.http.problems import MEDIA_TYPE, TITLES, Problem
from api.http.schemas.bounds import AS_OF

PROBLEM_REF = "#/components/schemas/Problem"
BEARER = {
    "type": "http",
    "scheme": "bearer",
    "description": "An API key (`lk_...`) issued by an admin: `Authorization: Bearer <key>`. "
    "Routes open to anonymous readers also take no key.",
}
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
REASON_CHARACTER = "(?:[ -$&-~]|%(?:[2-6][0-9A-Fa-f]|7[0-9A-Ea-e]))"
# A route whose command needs a reason (`openapi_extra={"x-reason-required": True}`): a printable character at least.
REASON_REQUIRED = {
    "required": True,
    "schema": {"type": "string", "maxLength": 500, "pattern": f"^{REASON_CHARACTER}*[!-$&-~]{REASON_CHARACTER}*$"},
}
WRITE_HEADERS: list[dict[str, Any]] = [  # read by middleware and by `authorize`, on every write
    {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~](?:[ -~]*[!-~])?$"},
        "description": "a repeat with the same key returns the first answer and writes nothing",
    },
    {
        "name": "X-Reason",
        "in": "header",
        "required": False,
        # Printable ASCII, or percent-escapes of it; UTF-8 percent-encoded (`%C3%89`) is read too.
        "schema": {"type": "string", "maxLength": 500, "pattern": f"^{REASON_CHARACTER}*$"},
        "description": "why, recorded as the events' `reason` (UTF-8, raw or percent-encoded; at most 500 characters, "
        "no control or bidi-override character)",
    },
]


def install(app: FastAPI) -> None:
    """Serve the completed document at /openapi.json and /docs."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = reporting_currency(complete(build()), app.state.services.currency)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def reporting_currency(doc: dict[str, Any], currency: str) -> dict[str, Any]:
    """A rate is recorded for any currency but the reporting one, whose rate is 1 (rate-for-reporting-currency)."""
    rate = doc.get("components", {}).get("schemas", {}).get("RateCreate")
    if rate is not None:
        rate["properties"]["currency"]["not"] = {"const": currency}
    return doc


def api_routes(app: FastAPI) -> Iterator[tuple[str, str, APIRoute]]:
    """Every (method, path, route) the app serves through FastAPI, however routers are nested."""
    yield from _walk(app.routes)


def other_routes(app: FastAPI) -> list[BaseRoute]:
    """Routes served outside FastAPI's dependencies (docs, static files): none of them is authorised."""
    found: list[BaseRoute] = []
    for route in app.routes:
        if hasattr(route, "effective_route_contexts"):
            found += [
                c.original_route for c in route.effective_route_contexts() if not isinstance(c.original_route, APIRoute)
            ]
        elif not isinstance(route, APIRoute):
            found.append(route)
    return found


def _walk(routes: Iterable[Any]) -> Iterator[tuple[str, str, APIRoute]]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield from ((m, route.path, route) for m in sorted(route.methods or ()))
        elif hasattr(route, "effective_route_contexts"):  # FastAPI >= 0.16x includes routers lazily
            for ctx in route.effective_route_contexts():
                if isinstance(ctx.original_route, APIRoute):
                    yield from ((m, ctx.path, ctx.original_route) for m in sorted(ctx.original_route.methods or ()))


def complete(doc: dict[str, Any]) -> dict[str, Any]:
    components = doc.setdefault("components", {})
    components.setdefault("schemas", {}).setdefault(
        "Problem", Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    )
    components.setdefault("securitySchemes", {})["bearer"] = BEARER
    for path, item in doc.get("paths", {}).items():
        for method, operation in item.items():
            if method in METHODS:
                _complete_operation(method.upper(), path, operation)
    _drop_unused(components["schemas"], doc, ("HTTPValidationError", "ValidationError"))
    return doc


def _complete_operation(method: str, path: str, op: dict[str, Any]) -> None:
    roles = allowed_roles(method, path)
    op["security"] = [{"bearer": []}, {}] if ANONYMOUS in roles else [{"bearer": []}]
    op["x-roles"] = sorted(roles)
    op["description"] = (op.get("description", "").rstrip() + f"\n\nAllowed: {', '.join(sorted(roles))}.").strip()
    if method == "POST":
        known = {p["name"].lower() for p in op.get("parameters", [])}
        reason_required = op.pop("x-reason-required", False)
        op.setdefault("parameters", []).extend(
            {**h, **REASON_REQUIRED} if reason_required and h["name"] == "X-Reason" else h
            for h in WRITE_HEADERS
            if h["name"].lower() not in known
        )
    for parameter in op.get("parameters", []):
        _state_parameter(parameter)
    responses = op.setdefault("responses", {})
    added = {str(s) for s in _shared_errors(method, op, roles)} - set(responses)
    responses.update({s: {"description": TITLES[int(s)]} for s in added})
    for status, answer in responses.items():
        if status in added or (status[0] in "45" and _declared_problem(answer)):
            answer["content"] = {MEDIA_TYPE: {"schema": {"$ref": PROBLEM_REF}}}


# What the app's own machinery accepts in parameters (api/http/deps.py, api/http/schemas/text.py), stated.
PARAMETER_PATTERNS = {
    "if-match": r'^(?:\*|(?:W/)?"[0-9]{1,18}")$',  # an ETag this API gave, or *
    "as_of": AS_OF,  # a position, a date or a date-time (domain/dates.py)
    "cursor": "^[A-Za-z0-9_-]*$",  # opaque, base64url: only cursors the API gave are accepted
}
NO_CONTROL = "^[^\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029]*$"  # every query and path parameter (control-character)


def _state_parameter(parameter: dict[str, Any]) -> None:
    """A string parameter's pattern: its own, or the rule every parameter follows (no control character)."""
    schema = parameter.get("schema", {})
    if parameter.get("in") == "header" and "anyOf" in schema:  # a header is absent or a string, never null
        schema.update(next(b for b in schema.pop("anyOf") if b.get("type") != "null"))
    pattern = PARAMETER_PATTERNS.get(parameter.get("name", "").lower(), NO_CONTROL)
    for branch in schema.get("anyOf", [schema]):
        if branch.get("type") == "string" and not ({"enum", "pattern", "format", "const"} & set(branch)):
            branch["pattern"] = pattern


def _shared_errors(method: str, op: dict[str, Any], roles: frozenset[str]) -> list[int]:
    """The answers the app gives on a route whatever its handler does."""
    statuses = [401, 503]  # a bad or revoked key is refused anywhere; keys are read from the store
    if (KEYED - roles) or method not in ("GET", "HEAD"):
        statuses.append(403)  # a role refused, or a write outside the key's scope
    if op.get("parameters") or op.get("requestBody"):
        statuses.append(422)
    if op.get("requestBody"):
        statuses += [400, 413]  # a body that cannot be decoded at all; a body over the size limit
    if any(p.get("in") == "header" and p.get("name", "").lower() == "if-match" for p in op.get("parameters", [])):
        statuses += [400, 412]  # an If-Match that is not an ETag; a stale one
    if method == "POST":
        statuses += [400, 409]  # an Idempotency-Key that is empty or too long; reused or in progress
    return statuses


def _declared_problem(answer: dict[str, Any]) -> bool:
    """Declared with `problems.responses` (also listed as application/json), or FastAPI's own 422."""
    refs = {str(c.get("schema", {}).get("$ref", "")) for c in answer.get("content", {}).values()}
    return bool(refs) and refs <= {PROBLEM_REF, "#/components/schemas/HTTPValidationError"}


def _drop_unused(schemas: dict[str, Any], doc: dict[str, Any], names: tuple[str, ...]) -> None:
    for name in names:
        if name in schemas and f'"#/components/schemas/{name}"' not in json.dumps(
            {k: v for k, v in doc.items() if k != "components"}
        ):
            del schemas[name]
