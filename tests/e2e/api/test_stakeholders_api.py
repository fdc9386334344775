"""Stakeholders (para 15) and assistance already provided (para 7) over real HTTP, on both stores: recorded at
identification and by their own routes, read back, refused with their codes, and never shown to whoever may
not see the need."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import httpx
import pytest

from api.root.services import Services
from tests.e2e.api.test_needs_api import NEED, assert_problem
from tests.support.servers import LiveServer, client_for

CSO = {"kind": "civil-society", "name": "Transparency Kenya"}
FIRM = {"kind": "private-sector", "name": "Kenya Private Sector Alliance"}
MPS = {"kind": "parliament", "name": "Public Accounts Committee"}


def programme(http: httpx.Client) -> str:
    """A programme in Kenya funded by GB-GOV-1 (registered by the `keys` fixture)."""
    body = {
        "title": "Procurement integrity",
        "description": "Mentoring the procurement authority",
        "reporting_org": "GB-GOV-1",
        "funders": ["GB-GOV-1"],
        "implementers": [],
        "states": ["KEN"],
        "start": "2024-01-01",
        "end": "2026-12-31",
        "status": 2,
    }
    r = http.post("/v1/programmes", json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def test_a_need_is_identified_with_stakeholders_and_assistance_and_reads_them_back(http: httpx.Client) -> None:
    # Given a programme already assisting Kenya
    pid = programme(http)
    # When a need is identified naming stakeholders and that programme
    given = {"text": "The authority is mentored already", "programme_id": pid}
    r = http.post("/v1/needs", json={**NEED, "stakeholders": [CSO, MPS], "assistance_provided": given})
    assert r.status_code == 201, r.text
    # Then the need answers them, and so does a read
    got = http.get(f"/v1/needs/{r.json()['id']}").json()
    assert got["stakeholders"] == [CSO, MPS]
    assert got["assistance_provided"] == given
    # And the need list's rows carry them, with the programme's title
    [row] = [n for n in http.get("/v1/needs", params={"min_position": r.json()["position"]}).json()["items"]]
    assert row["stakeholders"] == [CSO, MPS]
    assert row["assistance_provided"] == {**given, "programme_title": "Procurement integrity"}
    assert row["non_governmental_stakeholders"] is True


def test_the_stakeholders_and_assistance_routes_replace_them_under_if_match(http: httpx.Client) -> None:
    need = http.post("/v1/needs", json=NEED).json()
    url = f"/v1/needs/{need['id']}"
    assert need["stakeholders"] == [] and need["assistance_provided"] is None
    # When stakeholders are recorded with the version read, and a reason
    r = http.post(f"{url}/stakeholders", json={"stakeholders": [FIRM]}, headers={"If-Match": '"1"', "X-Reason": "CRR"})
    assert r.status_code == 200, r.text
    assert r.json()["stakeholders"] == [FIRM] and r.headers["etag"] == '"2"'
    # Then a stale version is refused, and the same list again is a conflict
    assert_problem(
        http.post(f"{url}/stakeholders", json={"stakeholders": []}, headers={"If-Match": '"1"'}),
        412,
        "version-mismatch",
    )
    assert_problem(http.post(f"{url}/stakeholders", json={"stakeholders": [FIRM]}), 409, "stakeholders-unchanged")
    # When the assistance already provided is stated without a programme, then it is recorded
    r = http.post(f"{url}/assistance-provided", json={"text": "None so far"})
    assert r.status_code == 200 and r.json()["assistance_provided"] == {"text": "None so far", "programme_id": None}
    # And the audit trail holds both events, the first with its reason
    events = http.get(f"/v1/audit/streams/{need['id']}").json()["events"]
    assert [e["type"] for e in events] == [
        "NeedIdentified",
        "NeedStakeholdersRecorded",
        "NeedAssistanceProvidedRecorded",
    ]
    assert events[1]["reason"] == "CRR"


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("stakeholders", {"stakeholders": [{"kind": "government", "name": "Ministry"}]}, 422, "invalid-stakeholder"),
        ("stakeholders", {"stakeholders": [{"kind": "academia", "name": " "}]}, 422, "invalid-request"),
        ("stakeholders", {"stakeholders": [CSO] * 31}, 422, "invalid-request"),
        ("stakeholders", {}, 422, "invalid-request"),
        ("assistance-provided", {"text": ""}, 422, "invalid-request"),
        ("assistance-provided", {"text": "x", "programme_id": "not-a-uuid"}, 422, "invalid-request"),
        ("assistance-provided", {"text": "x", "programme_id": str(uuid4())}, 404, "programme-not-found"),
    ],
)
def test_bad_stakeholders_or_assistance_are_refused_with_their_code_and_write_nothing(
    http: httpx.Client, path: str, body: dict[str, Any], status: int, code: str
) -> None:
    need = http.post("/v1/needs", json=NEED).json()
    r = http.post(f"/v1/needs/{need['id']}/{path}", json=body)
    assert_problem(r, status, code)
    assert http.get(f"/v1/needs/{need['id']}").json()["version"] == 1


def test_identifying_a_need_with_an_unknown_programme_is_refused(http: httpx.Client, services: Services) -> None:
    head = services.ledger.position()
    r = http.post("/v1/needs", json={**NEED, "assistance_provided": {"text": "x", "programme_id": str(uuid4())}})
    assert_problem(r, 404, "programme-not-found")
    assert services.ledger.position() == head


def test_a_closed_need_takes_no_stakeholders(http: httpx.Client) -> None:
    need = http.post("/v1/needs", json=NEED).json()
    http.post(f"/v1/needs/{need['id']}/withdraw", json={"reason": "merged"})
    assert_problem(http.post(f"/v1/needs/{need['id']}/stakeholders", json={"stakeholders": [CSO]}), 409, "need-closed")


def test_roles_and_visibility(server: LiveServer, keys: dict[str, str], http: httpx.Client) -> None:
    # Given an unpublished need of Kenya with its stakeholders, and one of Uganda
    kenya = http.post("/v1/needs", json={**NEED, "stakeholders": [CSO]}).json()
    uganda = http.post("/v1/needs", json={**NEED, "state": "UGA", "stakeholders": [MPS]}).json()
    body = {"stakeholders": [FIRM]}
    with client_for(server, keys["state"]) as state, client_for(server, keys["provider"]) as provider:
        # Kenya's key writes Kenya's need; Uganda's unpublished need is a 404 to it, like an unknown id
        assert state.post(f"/v1/needs/{kenya['id']}/stakeholders", json=body).status_code == 200
        assert_problem(state.post(f"/v1/needs/{uganda['id']}/stakeholders", json=body), 404, "need-not-found")
        # A provider key may not
        assert_problem(
            provider.post(f"/v1/needs/{kenya['id']}/assistance-provided", json={"text": "x"}), 403, "forbidden"
        )
    with client_for(server, None) as anonymous:
        # An anonymous reader sees neither an unpublished need nor its stakeholders
        assert anonymous.get(f"/v1/needs/{kenya['id']}").status_code == 404
        listed = anonymous.get("/v1/needs", params={"min_position": uganda["position"]}).json()["items"]
        assert listed == []
        assert anonymous.post(f"/v1/needs/{kenya['id']}/stakeholders", json=body).status_code == 401
        # Once published, it does
        http.post(f"/v1/needs/{kenya['id']}/publish")
        assert anonymous.get(f"/v1/needs/{kenya['id']}").json()["stakeholders"] == [FIRM]


def test_priority_areas_filter_and_count_over_http_for_what_the_reader_may_see(
    server: LiveServer, http: httpx.Client
) -> None:
    # Given a published need identified with civil society, an unpublished one with academia, one with parliament
    published = http.post("/v1/needs", json={**NEED, "stakeholders": [CSO]}).json()
    http.post(f"/v1/needs/{published['id']}/publish")
    http.post("/v1/needs", json={**NEED, "stakeholders": [{"kind": "academia", "name": "University of Nairobi"}]})
    last = http.post("/v1/needs", json={**NEED, "stakeholders": [MPS]}).json()["position"]
    url = "/v1/views/priority-areas"
    # Then the admin's article 9 counts two of three needs with non-governmental stakeholders, and the filter keeps them
    [area] = http.get(url, params={"min_position": last}).json()["items"]
    assert (area["needs"], area["needs_non_governmental_stakeholders"]) == (3, 2)
    [area] = http.get(url, params={"stakeholders": "non-governmental"}).json()["items"]
    assert area["needs"] == 2
    # And an anonymous reader's come from the published need only
    with client_for(server, None) as anonymous:
        [area] = anonymous.get(url, params={"stakeholders": "non-governmental"}).json()["items"]
        assert (area["needs"], area["needs_non_governmental_stakeholders"]) == (1, 1)
        [area] = anonymous.get(url).json()["items"]
        assert area["needs_non_governmental_stakeholders"] == 1
    # And an unknown value is refused
    assert_problem(http.get(url, params={"stakeholders": "government"}), 422, "invalid-request")
