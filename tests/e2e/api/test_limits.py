"""Limits: oversized request bodies are refused with 413 before anything is read or written,
and list pages are capped at 500 items. Real HTTP, both stores.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from api.http.app import create_app
from api.root.services import Services
from tests.e2e.api import world
from tests.support.servers import LiveServer, client_for

LIMIT = 4096


@pytest.fixture
def small_server(services: Services) -> Iterator[LiveServer]:
    settings = services.settings.model_copy(update={"max_body_bytes": LIMIT})
    with LiveServer(create_app(settings, services=services)) as live:
        yield live


@pytest.fixture
def admin(small_server: LiveServer, keys: dict[str, str]) -> Iterator[httpx.Client]:
    with client_for(small_server, keys["admin"]) as client:
        yield client


def need(description: str) -> dict[str, Any]:
    return {**world.NEED, "description": description}


def assert_too_large(r: httpx.Response) -> None:
    assert r.status_code == 413, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert (body["code"], body["status"]) == ("request-too-large", 413)
    assert body["request_id"] == r.headers["x-request-id"] and body["instance"] == "/v1/needs"


def test_a_body_within_the_limit_is_accepted(admin: httpx.Client) -> None:
    # when a need with a description just under the limit is identified, then it is recorded
    r = admin.post("/v1/needs", json=need("x" * (LIMIT - 1000)))
    assert r.status_code == 201, r.text


def test_a_body_over_the_limit_is_refused_with_413_and_nothing_is_written(
    admin: httpx.Client, services: Services
) -> None:
    # given the log's head
    head = services.runner.head()
    # when a need larger than the limit is sent with its length
    r = admin.post("/v1/needs", json=need("x" * LIMIT))
    # then it is refused as too large, and nothing is written
    assert_too_large(r)
    assert services.runner.head() == head


def test_a_streamed_body_over_the_limit_is_refused_with_413_too(admin: httpx.Client, services: Services) -> None:
    # given a body sent in chunks, without a Content-Length to check up front
    head = services.runner.head()
    chunks = [b'{"description": "', b"x" * LIMIT, b'"}']
    # when it is sent
    r = admin.post("/v1/needs", content=iter(chunks), headers={"content-type": "application/json"})
    # then it is refused as too large once the limit is crossed, and nothing is written
    assert "content-length" not in r.request.headers
    assert_too_large(r)
    assert services.runner.head() == head


def test_a_streamed_body_within_the_limit_is_read_whole(admin: httpx.Client) -> None:
    import json

    body = json.dumps(need("streamed in pieces")).encode()
    r = admin.post("/v1/needs", content=iter([body[:10], body[10:]]), headers={"content-type": "application/json"})
    assert r.status_code == 201, r.text


def test_every_list_caps_its_page_at_500_or_below(server: LiveServer, http: httpx.Client) -> None:
    # given every route whose page size is the `limit` query parameter
    doc = http.get("/openapi.json").json()
    lists = [
        path
        for path, item in doc["paths"].items()
        if "get" in item and any(p["name"] == "limit" and p["in"] == "query" for p in item["get"].get("parameters", []))
    ]
    assert "/v1/needs" in lists and "/v1/keys" in lists
    examples = {"state": "KEN", "q": "training"}  # a list's other required parameters, given so only `limit` is wrong
    for path in lists:
        parameters = doc["paths"][path]["get"].get("parameters", [])
        required = {p["name"]: examples[p["name"]] for p in parameters if p["in"] == "query" and p.get("required")}
        [limit] = [p for p in parameters if p["name"] == "limit"]
        cap = limit["schema"]["maximum"]  # each list states its cap (search's is 100), none above 500
        assert cap <= 500, path
        # when a page one over the cap is asked for, then it is invalid input; the cap is served
        r = http.get(path, params={**required, "limit": cap + 1})
        assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json", (path, r.text)
        assert r.json()["errors"][0]["loc"] == ["query", "limit"]
        assert http.get(path, params={**required, "limit": cap}).status_code == 200, path
