"""Needs over real HTTP, on both stores: every action, every error shape, read-your-writes."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from tests.support.servers import client_for

NEED = {
    "state": "KEN",
    "article": 9,
    "paragraph": "9(1)",
    "ta_types": ["legal-advice", "capacity-building"],
    "description": "Review of the public procurement law",
    "horizon": "current",
    "priority": "high",
    "source": {"kind": "country-review-report", "reference": "CRR Kenya 2nd cycle", "cycle": 2, "date": "2021-06-01"},
    "estimated_cost": {"amount": "250000.00", "currency": "USD", "value_date": "2024-01-01"},
}


def assert_problem(r: httpx.Response, status: int, code: str) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    for key in ("type", "title", "status", "detail", "instance", "code", "request_id"):
        assert key in body, key
    assert body["code"] == code and body["status"] == status
    assert body["request_id"] == r.headers["x-request-id"]
    return body


def test_a_need_is_identified_and_read_back_with_its_etag(http: httpx.Client) -> None:
    r = http.post("/v1/needs", json=NEED)
    assert r.status_code == 201, r.text
    need = r.json()
    assert need["position"] > 0 and need["status"] == "open" and need["chapter"] == "II"
    got = http.get(f"/v1/needs/{need['id']}")
    assert got.status_code == 200 and got.headers["etag"] == '"1"'
    assert got.json()["estimated_cost"] == {"amount": "250000.00", "currency": "USD", "value_date": "2024-01-01"}


def test_every_need_action_answers_the_need_and_its_position(http: httpx.Client) -> None:
    need = http.post("/v1/needs", json=NEED).json()
    url = f"/v1/needs/{need['id']}"
    steps = [
        ("revise", {"description": "Revised scope", "horizon": "anticipated"}),
        ("prioritise", {"priority": "medium"}),
        ("estimate", {"amount": "90000", "currency": "EUR", "value_date": "2024-02-01"}),
        ("publish", {}),
        ("mark-met", {"reason": "law adopted"}),
        ("reopen", {"reason": "implementing rules still missing"}),
        ("withdraw", {"reason": "covered by the national strategy"}),
    ]
    last = need["position"]
    for action, body in steps:
        r = http.post(f"{url}/{action}", json=body)
        assert r.status_code == 200, (action, r.text)
        assert r.json()["position"] > last
        last = r.json()["position"]
    final = http.get(url).json()
    assert (final["status"], final["priority"], final["horizon"], final["published"]) == (
        "withdrawn",
        "medium",
        "anticipated",
        True,
    )


@pytest.mark.parametrize(
    ("patch", "code"),
    [
        ({"article": 3}, "invalid-request"),
        ({"state": "XXX"}, "unknown-state"),
        ({"ta_types": ["magic"]}, "unknown-ta-type"),
        ({"estimated_cost": {"amount": "-1", "currency": "USD", "value_date": "2024-01-01"}}, "invalid-amount"),
        ({"estimated_cost": {"amount": 10.5, "currency": "USD", "value_date": "2024-01-01"}}, "invalid-amount"),
        ({"estimated_cost": {"amount": "10", "currency": "XYZ", "value_date": "2024-01-01"}}, "unknown-currency"),
        ({"paragraph": "12(1)"}, "invalid-paragraph"),
        ({"unexpected": 1}, "invalid-request"),
    ],
)
def test_invalid_needs_are_422_problems_and_write_nothing(http: httpx.Client, services, patch: dict, code: str) -> None:
    head = services.ledger.recorder.max_notification_id()
    body = assert_problem(http.post("/v1/needs", json={**NEED, **patch}), 422, code)
    if code == "invalid-request":
        assert body["errors"] and all("loc" in e and "msg" in e for e in body["errors"])
    assert services.ledger.recorder.max_notification_id() == head


def test_malformed_json_is_a_422_problem(http: httpx.Client) -> None:
    r = http.post("/v1/needs", content=b"{not json", headers={"content-type": "application/json"})
    assert_problem(r, 422, "invalid-request")


def test_a_rule_broken_is_409_an_unknown_need_404_a_stale_if_match_412(http: httpx.Client) -> None:
    need = http.post("/v1/needs", json=NEED).json()
    url = f"/v1/needs/{need['id']}"
    assert http.post(f"{url}/mark-met", json={"reason": "done"}).status_code == 200
    assert_problem(http.post(f"{url}/revise", json={"description": "late"}), 409, "need-closed")
    stale = http.post(f"{url}/reopen", json={"reason": "x"}, headers={"If-Match": '"1"'})
    assert_problem(stale, 412, "version-mismatch")
    assert http.post(f"{url}/reopen", json={"reason": "x"}, headers={"If-Match": '"2"'}).status_code == 200
    assert_problem(http.get("/v1/needs/8d0c6c3e-6a51-4f0e-9d1e-2f5d8b6f0a11"), 404, "need-not-found")
    assert_problem(http.get("/v1/nowhere"), 404, "not-found")


def test_no_or_a_bad_key_is_401_for_writes(server, keys) -> None:
    with client_for(server, None) as anonymous:
        assert_problem(anonymous.post("/v1/needs", json=NEED), 401, "unauthenticated")
    with client_for(server, "lk_00000000000000000000000000000000_nope") as bad:
        assert_problem(bad.get("/v1/needs"), 401, "invalid-credentials")


def test_the_unmet_needs_view_reads_its_own_writes_and_filters(http: httpx.Client) -> None:
    kenya = http.post("/v1/needs", json=NEED).json()
    ghana = http.post("/v1/needs", json={**NEED, "state": "GHA", "article": 36, "paragraph": None}).json()
    r = http.get("/v1/views/unmet-needs", params={"min_position": ghana["position"]})
    assert r.status_code == 200
    ids = {i["need_id"] for i in r.json()["items"]}
    assert {kenya["id"], ghana["id"]} <= ids
    only_ghana = http.get("/v1/views/unmet-needs", params={"state": "GHA", "min_position": ghana["position"]}).json()
    assert [i["need_id"] for i in only_ghana["items"]] == [ghana["id"]]
    chapter_iii = http.get("/v1/views/unmet-needs", params={"chapter": "III"}).json()
    assert [i["article"] for i in chapter_iii["items"]] == [36]
    item = only_ghana["items"][0]
    assert (item["classification"], item["estimated"], item["gap"], item["region"]) == (
        "unmet",
        "250000.00",
        "250000.00",
        "African",
    )


def test_the_unmet_needs_view_as_csv_opens_in_a_spreadsheet(http: httpx.Client) -> None:
    need = http.post("/v1/needs", json=NEED).json()
    r = http.get("/v1/views/unmet-needs", params={"format": "csv", "min_position": need["position"]})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    lines = r.text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("need_id,state,state_name,region,article")
    assert need["id"] in lines[1] and "Kenya" in lines[1]


def test_as_of_shows_the_view_as_it_stood(http: httpx.Client) -> None:
    first = http.post("/v1/needs", json=NEED).json()
    http.post(f"/v1/needs/{first['id']}/mark-met", json={"reason": "done"})
    then = http.get("/v1/views/unmet-needs", params={"as_of": first["position"]}).json()
    now = http.get("/v1/views/unmet-needs", params={"min_position": first["position"] + 1}).json()
    assert [i["need_id"] for i in then["items"]] == [first["id"]]
    assert now["items"] == []


def test_a_view_lagging_past_the_bounded_wait_is_a_503(services, http: httpx.Client) -> None:
    # Given views that are not catching up (the runner is stopped) and a write they have not seen
    services.settings.read_wait_seconds = 0.2
    services.runner.stop()
    written = http.post("/v1/needs", json=NEED).json()
    # Then a read that asks for that write waits, briefly, and says the views lag
    r = http.get("/v1/views/unmet-needs", params={"min_position": written["position"]})
    assert_problem(r, 503, "view-lagging")
    assert r.headers["retry-after"] == "1"


def test_a_position_no_write_has_yet_is_a_422(http: httpx.Client) -> None:
    r = http.get("/v1/views/unmet-needs", params={"min_position": 10_000_000})
    assert_problem(r, 422, "position-beyond-head")


def test_health_and_readiness_say_the_runner_has_applied_the_whole_log(http: httpx.Client, services: Any) -> None:
    # Given a log the server's runner works through (the keys issued for this test)
    head = services.ledger.recorder.max_notification_id()
    # When readiness is asked until the runner has caught up
    deadline = time.monotonic() + 30
    while (ready := http.get("/readyz").json())["lag"] and time.monotonic() < deadline:
        time.sleep(0.05)
    # Then the process is up, and ready: store reachable, runner well, at the head of the log
    assert http.get("/healthz").json() == {"status": "ok"}
    assert ready == {"status": "ready", "store": "reachable", "head": head, "position": head, "lag": 0, "runner": "ok"}


def test_every_answer_echoes_a_request_id(http: httpx.Client) -> None:
    r = http.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
