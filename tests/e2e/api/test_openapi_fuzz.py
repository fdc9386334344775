"""The OpenAPI document is the contract: complete (every route, schema, problem answer, security)
and true (schemathesis fuzzes every operation against the live server: no 5xx, every answer
conforms to its documented status, media type and schema, and a request the document calls valid
is accepted, or refused only for what no schema can state: the ledger's state, an opaque token).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode, checks
from schemathesis.openapi.checks import RejectedPositiveData

from api.http.app import create_app
from api.http.auth import ANONYMOUS, allowed_roles
from api.http.openapi import api_routes
from api.root.services import Services
from api.root.settings import Settings
from tests.e2e.api import world
from tests.support.servers import LiveServer, client_for

EXAMPLES = 25  # per operation: ~45 operations stay within a few minutes on SQLite
PROBLEM = {"$ref": "#/components/schemas/Problem"}
# A schema-valid request may be refused for the state it meets: 404 (no such thing), 409 (a rule given the
# state), 412 (a stale If-Match), beside the answers schemathesis expects by default.
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "412", "429"]
# The only 422s a schema-valid request may get, each for what no schema can state (per operation, or "*").
UNSTATABLE = {
    "*": {
        "position-beyond-head": "min_position or an as_of position beyond the log's head: the head moves",
        "invalid-cursor": "a cursor is opaque: only those the API handed out are accepted",
        "end-before-start": "JSON Schema cannot compare one field with another",
    },
    "POST /v1/programmes/{programme_id}/commitments/{commitment_id}/revise": {
        "amount-too-precise": "the places allowed are those of the stored commitment's currency",
    },
    "POST /v1/needs/{need_id}/revise": {"invalid-paragraph": "a paragraph names the stored need's article"},
    "POST /v1/imports/iati": {
        code: "the file's content is IATI's (an XSD), not a JSON schema's"
        for code in ("iati-not-activities", "iati-version-unsupported", "iati-xml-malformed", "iati-empty")
    },
}


@schemathesis.check
def accepted_unless_unstatable(ctx: Any, response: Any, case: schemathesis.Case) -> bool | None:
    """schemathesis's positive_data_acceptance, but for the refusals listed in UNSTATABLE."""
    try:
        return checks.positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        code = problem_code(response)
        if code in UNSTATABLE["*"] or code in UNSTATABLE.get(case.operation.label, {}):
            return None
        raise


def problem_code(response: Any) -> str | None:
    try:
        return response.json().get("code")
    except Exception:  # not a JSON answer: no code to excuse it
        return None


CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    accepted_unless_unstatable,
]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, str, dict[str, str]]]:
    """One SQLite ledger with a small world and an admin key, served for the whole module."""
    tmp = tmp_path_factory.mktemp("fuzz")
    config = Settings(database_url=f"sqlite:///{tmp}/ledger.db", signing_key_file=tmp / "k.pem", log_format="json")
    services = Services(config)
    services.ledger.register_organisation("GB-GOV-1", "Foreign, Commonwealth & Development Office", "10", "GBR")
    admin = services.ledger.issue_key("fuzz admin", "admin")[1]
    values = world.build(services.ledger).path_values()
    try:
        with LiveServer(create_app(config, services=services)) as server:
            yield server, admin, values
    finally:
        services.close()


@pytest.fixture(scope="module")
def doc(live: tuple[LiveServer, str, dict[str, str]]) -> dict[str, Any]:
    return httpx.get(f"{live[0].url}/openapi.json").json()


@pytest.fixture(scope="module")
def api_schema(live: tuple[LiveServer, str, dict[str, str]]) -> Any:
    server, admin, _ = live
    config = schemathesis.Config.from_dict(
        {
            "base-url": server.url,
            "headers": {"Authorization": f"Bearer {admin}"},
            "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED}},
        }
    )
    return schemathesis.openapi.from_url(f"{server.url}/openapi.json", config=config)


def strategies(operation: Any, values: dict[str, str]) -> Any:
    """Valid requests (half of them on the world's real ids, so handlers run past the lookup) and invalid ones."""
    names = {p.name for p in operation.path_parameters}
    real = {n: values[n] for n in names if n in values}
    positive = operation.as_strategy(GenerationMode.POSITIVE)
    if real:
        positive = st.one_of(positive, operation.as_strategy(GenerationMode.POSITIVE, path_parameters=real))
    return st.one_of(positive, operation.as_strategy(GenerationMode.NEGATIVE))


def test_every_operation_answers_within_its_documented_contract(
    api_schema: Any, live: tuple[LiveServer, str, dict[str, str]]
) -> None:
    # given every operation of the served document, and an admin key
    failures = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 20
    for operation in operations:
        # when schemathesis sends it valid and invalid requests
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategies(operation, live[2]))
        def fuzz(case: schemathesis.Case) -> None:
            case.call_and_validate(checks=CHECKS)

        try:
            fuzz()
        except (Exception, BaseExceptionGroup) as failure:  # collected: one report names every failing operation
            failures.append(f"{operation.label}: {failure}")
    # then no answer is a server error, and each is documented: status, media type and schema
    assert not failures, "\n\n".join(failures)


# ---- completeness, read from the served document ----


def test_every_route_the_app_serves_is_documented(
    live: tuple[LiveServer, str, dict[str, str]], doc: dict[str, Any]
) -> None:
    app = live[0].server.config.app
    routes = {(m.lower(), p) for m, p, route in api_routes(app) if route.include_in_schema}
    documented = {(m, p) for p, item in doc["paths"].items() for m in item}
    assert routes == documented


def test_every_operation_names_its_security_and_problem_answers(doc: dict[str, Any]) -> None:
    # the bearer scheme is declared once
    bearer = doc["components"]["securitySchemes"]["bearer"]
    assert (bearer["type"], bearer["scheme"]) == ("http", "bearer")
    wrong = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            roles = allowed_roles(method.upper(), path)
            # anonymous readers may omit the key exactly where the access table lets them
            if (ANONYMOUS in roles) != ({} in op["security"]) or {"bearer": []} not in op["security"]:
                wrong.append(f"{method} {path}: security {op['security']} for roles {sorted(roles)}")
            answers = op["responses"]
            if not any(s.startswith("2") for s in answers):
                wrong.append(f"{method} {path}: no success answer")
            for status in ("401", "503") + (("422",) if op.get("parameters") or op.get("requestBody") else ()):
                if status not in answers:
                    wrong.append(f"{method} {path}: {status} not documented")
            for status, answer in answers.items():
                if (
                    status[0] in "45"
                    and "content" in answer
                    and answer["content"] != {"application/problem+json": {"schema": PROBLEM}}
                ):
                    wrong.append(f"{method} {path}: {status} is not a problem+json Problem")
    assert not wrong, "\n".join(wrong)


def test_every_json_answer_and_body_has_a_schema(doc: dict[str, Any]) -> None:
    wrong = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            for media, body in op.get("requestBody", {}).get("content", {}).items():
                if media == "application/json" and not body.get("schema"):
                    wrong.append(f"{method} {path}: request body without a schema")
            for status, answer in op["responses"].items():
                json_answer = answer.get("content", {}).get("application/json")
                if status.startswith("2") and json_answer is not None and not json_answer.get("schema"):
                    wrong.append(f"{method} {path}: {status} JSON answer without a schema")
    assert not wrong, "\n".join(wrong)


def test_the_documented_problem_is_what_errors_answer(
    live: tuple[LiveServer, str, dict[str, str]], doc: dict[str, Any]
) -> None:
    # given the Problem schema and an error answer from the server
    schema = doc["components"]["schemas"]["Problem"]
    with client_for(live[0], None) as anonymous:
        r = anonymous.post("/v1/needs", json={})
    # then the answer carries every required field and nothing undocumented
    assert r.status_code == 401 and set(schema["required"]) <= set(r.json()) <= set(schema["properties"])
