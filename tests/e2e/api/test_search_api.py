"""Search and lessons learned over real HTTP, on both stores: lessons recorded with a delivery and after it, listed
by article with their programme, provider and date, filtered and searched, scoped to the reader, refused clearly."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from api.root.services import Services
from tests.support.search_world import SearchWorld, build
from tests.support.servers import LiveServer, client_for


@pytest.fixture
def world(services: Services, keys: dict[str, str]) -> SearchWorld:
    w = build(services.ledger)
    services.runner.catch_up()
    return w


def ids(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 200, answer.text
    return [i["id"] for i in answer.json()["items"]]


def test_lessons_recorded_with_a_delivery_and_after_it_are_listed_by_article(
    server: LiveServer, keys: dict[str, str], world: SearchWorld
) -> None:
    with client_for(server, keys["admin"]) as admin:
        # When a delivery is recorded with lessons, and lessons are added to d4 later
        answer = admin.post(
            f"/v1/programmes/{world.p}/deliveries",
            json={
                "delivery_id": "d6",
                "kind": "workshop",
                "date": "2024-08-01",
                "description": "Workshop",
                "need_ids": [world.need("C")],
                "lessons": "Auditors asked for sampling guides.",
            },
        )
        assert answer.status_code == 201, answer.text
        assert answer.json()["deliveries"][-1]["lessons"] == "Auditors asked for sampling guides."
        later = admin.post(
            f"/v1/programmes/{world.p}/deliveries/d4/lessons", json={"lessons": "Contract audits need open data."}
        )
        assert later.status_code == 200, later.text
        position = later.json()["position"]
        # Then /v1/lessons lists them by article (9 before 10 before 11), the newest first within one
        listed = admin.get("/v1/lessons", params={"min_position": position})
        assert ids(listed) == [f"{world.p}:{d}" for d in ("d6", "d4", "d3", "d1", "d2", "d5")]
        d6 = listed.json()["items"][0]
        assert (d6["programme_title"], d6["provider"]["name"], d6["date"], d6["articles"], d6["states"]) == (
            "Procurement reform",
            "Agency One",
            "2024-08-01",
            [9],
            ["UGA"],
        )
        # And the filters narrow them as the views' do
        assert ids(admin.get("/v1/lessons", params={"article": 10})) == [f"{world.p}:d3", f"{world.p}:d2"]
        assert ids(admin.get("/v1/lessons", params={"state": "uga", "article": 9})) == [
            f"{world.p}:d6",
            f"{world.p}:d4",
        ]
        assert len(ids(admin.get("/v1/lessons", params={"chapter": "II"}))) == 6  # articles 5 to 14
        assert ids(admin.get("/v1/lessons", params={"chapter": "III"})) == []
        # And q searches them, the matched word marked in the snippet
        found = admin.get("/v1/lessons", params={"q": "sampling"})
        assert ids(found) == [f"{world.p}:d6"]
        assert {"text": "sampling", "match": True} in found.json()["items"][0]["snippet_parts"]


def test_search_is_scoped_to_the_reader(server: LiveServer, keys: dict[str, str], world: SearchWorld) -> None:
    seen: dict[str, set[str]] = {}
    for who in ("anonymous", "state", "provider", "admin"):
        with client_for(server, keys.get(who)) as c:
            seen[who] = {
                i
                for w in ("registry", "judicial", "judges", "procurement")
                for i in ids(c.get("/v1/search", params={"q": w}))
            }
    b, d = {world.need("B"), f"{world.p}:d2", f"{world.p}:d3"}, {world.need("D"), f"{world.p}:d5"}
    # Then anonymous readers see no unpublished need nor its lessons, nor programmes (a key reads those)
    assert not seen["anonymous"] & (b | d) and str(world.p) not in seen["anonymous"]
    assert world.need("A") in seen["anonymous"] and f"{world.p}:d1" in seen["anonymous"]
    # And Kenya's key sees Kenya's unpublished B and its lessons, not Uganda's D
    assert b <= seen["state"] and not seen["state"] & d and str(world.p) in seen["state"]
    assert b | d <= seen["provider"] and seen["provider"] == seen["admin"]


def test_search_pages_and_kinds(http: httpx.Client, world: SearchWorld) -> None:
    whole = ids(http.get("/v1/search", params={"q": "procurement", "limit": 100}))
    pages, cursor = [], None
    while True:
        answer = http.get(
            "/v1/search", params={"q": "procurement", "limit": 3, **({"cursor": cursor} if cursor else {})}
        )
        pages += ids(answer)
        cursor = answer.json()["next_cursor"]
        if cursor is None:
            break
    assert pages == whole and len(whole) == 8
    assert ids(http.get("/v1/search", params={"q": "agency", "kind": "organisation"})) == [str(world.one)]


@pytest.mark.parametrize(
    "q", ['"', "*", "NEAR(a b)", "a OR b", "-x", "title:x", "'; DROP TABLE search_entries; --", "(((", ":*", "%", "é"]
)
def test_query_syntax_never_errors(http: httpx.Client, world: SearchWorld, q: str) -> None:
    for path in ("/v1/search", "/v1/lessons"):
        answer = http.get(path, params={"q": q})
        assert answer.status_code == 200, answer.text
    assert ids(http.get("/v1/search", params={"q": "procurement", "kind": "programme"})) == [str(world.p), str(world.q)]


@pytest.mark.parametrize(
    ("path", "params", "code"),
    [
        ("/v1/search", {}, "invalid-request"),
        ("/v1/search", {"q": "x" * 201}, "invalid-request"),
        ("/v1/search", {"q": "x", "kind": "people"}, "invalid-request"),
        ("/v1/search", {"q": "x", "cursor": "bm90IGEgbnVtYmVy"}, "invalid-cursor"),
        ("/v1/lessons", {"article": 3}, "invalid-request"),
        ("/v1/lessons", {"state": "XXX"}, "unknown-state"),
        ("/v1/lessons", {"chapter": "IX"}, "unknown-chapter"),
        ("/v1/lessons", {"limit": 101}, "invalid-request"),
    ],
)
def test_bad_filters_are_refused_clearly(http: httpx.Client, path: str, params: dict[str, Any], code: str) -> None:
    answer = http.get(path, params=params)
    assert answer.status_code == 422 and answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["code"] == code, answer.json()


def test_recording_lessons_is_refused_clearly_and_writes_nothing(
    server: LiveServer, keys: dict[str, str], services: Services, world: SearchWorld
) -> None:
    head = services.runner.head()
    with client_for(server, keys["admin"]) as admin:
        path = f"/v1/programmes/{world.p}/deliveries"
        assert admin.post(f"{path}/d9/lessons", json={"lessons": "x"}).json()["code"] == "unknown-delivery"
        assert admin.post(f"{path}/d1/lessons", json={"lessons": "  "}).json()["code"] in (
            "lessons-required",
            "invalid-request",
        )
        assert admin.post(f"{path}/d1/lessons", json={"lessons": "x" * 10_001}).status_code == 422
        same = admin.post(
            f"{path}/d1/lessons", json={"lessons": services.ledger.programme(world.p).deliveries["d1"]["lessons"]}
        )
        assert (same.status_code, same.json()["code"]) == (409, "lessons-unchanged")
    with client_for(server, keys["provider"]) as other:  # FCDO's key: not Agency One's programme
        answer = other.post(f"{path}/d1/lessons", json={"lessons": "Not ours."})
        assert (answer.status_code, answer.json()["code"]) == (403, "forbidden-scope")
    with client_for(server, None) as anonymous:
        assert anonymous.post(f"{path}/d1/lessons", json={"lessons": "Nobody's."}).status_code == 401
    assert services.runner.head() == head


def test_lessons_are_taken_after_the_programme_closes(http: httpx.Client, world: SearchWorld) -> None:
    assert http.post(f"/v1/programmes/{world.p}/status", json={"status": 4}).status_code == 200
    answer = http.post(f"/v1/programmes/{world.p}/deliveries/d4/lessons", json={"lessons": "Written at evaluation."})
    assert answer.status_code == 200, answer.text
    assert answer.json()["deliveries"][3]["lessons"] == "Written at evaluation."
    assert date.fromisoformat(answer.json()["deliveries"][3]["date"]) == date(2024, 6, 1)
