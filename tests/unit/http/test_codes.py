"""The catalogue of problem codes (api/http/codes.py) is the whole truth: every code the domain and
the HTTP layer raise is in it with the status it is answered with, every code in it is raised, and
the handlers answer each code with the catalogue's status and title."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.http import problems
from api.http.codes import CODES
from api.http.problems import ApiProblem
from domain.errors import InvalidInput, NotFound, RuleBroken
from tests.unit.http.raised import Raised, raised

# Raised inside an IATI import's per-activity code: the refusal becomes the activity's skip reason
# in the import report and is never answered, so its class says nothing of a status.
SKIP_REASON_SITES = ("api/iati/importer.py", "api/iati/plan.py")


@pytest.fixture(scope="module")
def found() -> list[Raised]:
    return raised()


def test_the_source_is_read_where_codes_are_raised(found: list[Raised]) -> None:
    # Given the codes read from the source, then domain errors, ApiProblem, the validators' codes,
    # f-strings and a problem body written by hand are all seen
    codes = {r.code for r in found}
    assert {"need-closed", "forbidden", "invalid-horizon", "request-too-large", "version-mismatch"} <= codes
    assert any(r.template and r.matches("need-not-found") for r in found)


def test_every_code_raised_is_in_the_catalogue(found: list[Raised]) -> None:
    # Given every code the domain and the HTTP layer raise (an f-string as a pattern)
    # Then each is catalogued; a pattern names at least one catalogued code
    missing = sorted({f"{r.code} ({r.where})" for r in found if not any(r.matches(c) for c in CODES)})
    assert missing == []


def test_every_catalogued_code_is_raised(found: list[Raised]) -> None:
    # Given the catalogue, then each of its codes is raised somewhere (or matches a raised pattern)
    never = sorted(c for c in CODES if not any(r.matches(c) for r in found))
    assert never == []


def test_each_code_is_catalogued_with_the_status_its_raise_sites_answer(found: list[Raised]) -> None:
    # Given each raise site that states its status (a domain error's class, a literal status)
    # Then the catalogue gives every code it may raise that same status
    wrong = [
        f"{r.where}: {code} raised as {r.status}, catalogued as {CODES[code].status}"
        for r in found
        if r.status is not None and not r.where.startswith(SKIP_REASON_SITES)
        for code in CODES
        if r.matches(code) and CODES[code].status != r.status
    ]
    assert wrong == []


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (RuleBroken("need-closed", "the need is met"), "need-closed"),
        (NotFound("programme-not-found", "no programme"), "programme-not-found"),
        (InvalidInput("iati-empty", "no XML"), "iati-empty"),
        (ApiProblem(403, "forbidden-scope", "not your state"), "forbidden-scope"),
    ],
)
def test_a_refusal_is_answered_with_its_catalogued_status_and_title(error: Exception, code: str) -> None:
    # Given an app whose route raises the refusal
    app = FastAPI()
    problems.install(app)

    @app.get("/refuse")
    def refuse() -> None:
        raise error

    # When it is called
    answer = TestClient(app).get("/refuse")
    # Then the problem carries the code with the catalogue's status and title
    body = answer.json()
    assert (answer.status_code, body["code"], body["status"], body["title"]) == (
        CODES[code].status,
        code,
        CODES[code].status,
        CODES[code].title,
    )


def test_a_code_the_catalogue_lacks_is_answered_by_its_class() -> None:
    # Given a domain error with a code the catalogue does not list
    app = FastAPI()
    problems.install(app)

    @app.get("/refuse")
    def refuse() -> None:
        raise NotFound("widget-not-found", "no widget")

    # When it is answered, then its class gives the status and the status its title
    body = TestClient(app).get("/refuse").json()
    assert "widget-not-found" not in CODES
    assert (body["status"], body["title"]) == (404, "Not found")
