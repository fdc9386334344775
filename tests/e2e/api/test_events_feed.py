"""GET /v1/events over real HTTP on both stores: the whole log, paged and resumable, for the roles that
read everything; each other reader's own events under the visibility rules, a hidden need never named.
"""

from __future__ import annotations

from typing import Any

import httpx

from api.root.services import Services
from domain import context
from tests.e2e.api import world
from tests.support.servers import LiveServer, client_for


def read_all(client: httpx.Client, limit: int, **start: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every item of the feed, following `next` from the first page; and the pages."""
    pages = [client.get("/v1/events", params={"limit": limit, **start}).json()]
    while pages[-1]["more"]:
        pages.append(client.get(pages[-1]["next"]).json())
    return [item for page in pages for item in page["items"]], pages


def test_an_auditor_reads_the_whole_log_page_by_page_and_resumes_with_last_event_id(
    server: LiveServer, services: Services, keys: dict[str, str]
) -> None:
    # given a small world: organisations, needs, programmes, keys
    world.build(services.ledger)
    services.runner.catch_up()
    head = services.runner.head()
    with client_for(server, keys["auditor"]) as auditor:
        # when an auditor follows the feed three events at a time
        items, pages = read_all(auditor, 3)
        # then it has every stored event once, in position order, up to the head
        positions = [i["position"] for i in items]
        assert positions == sorted(set(positions)) and positions[-1] == head
        assert len(positions) == len(auditor.get("/v1/audit/log", params={"limit": 500}).json()["items"])
        assert all(len(p["items"]) == 3 for p in pages[:-1]) and pages[-1]["last_position"] == head
        # and each item says what, where, when and who, as the audit routes do (the key's name)
        need = next(i for i in items if i["type"] == "NeedIdentified")
        assert need["aggregate"] == "Need" and need["version"] == 1 and need["recorded_at"]
        assert need["data"]["state"] in ("KEN", "UGA") and need["actor"] == "world-builder"
        stream = auditor.get(f"/v1/audit/streams/{need['stream_id']}").json()["events"][0]
        assert {k: need[k] for k in stream} == stream
        # when it resumes from the middle with Last-Event-ID instead of after=
        middle = pages[1]["last_position"]
        by_header = auditor.get("/v1/events", params={"limit": 500}, headers={"Last-Event-ID": str(middle)})
        by_query = auditor.get("/v1/events", params={"limit": 500, "after": middle})
        # then both give the same events, those after that position, with a next link in the header too
        assert by_header.json()["items"] == by_query.json()["items"]
        assert [i["position"] for i in by_header.json()["items"]] == [p for p in positions if p > middle]
        assert by_query.headers["link"] == f'<{by_query.json()["next"]}>; rel="next"'
        # and past the head the feed is empty and stays where it was asked to
        end = auditor.get("/v1/events", params={"after": head}).json()
        assert end["items"] == [] and end["last_position"] == head and end["more"] is False


def test_anonymous_readers_read_published_needs_events_only_and_hidden_needs_never(
    server: LiveServer, services: Services, keys: dict[str, str]
) -> None:
    # given Kenya's need published and Uganda's not (world.build), the views caught up
    w = world.build(services.ledger)
    with context.recording(actor="world-builder"):
        services.ledger.change_need(w.need, lambda n: n.publish())
    services.runner.catch_up()
    with client_for(server, None) as anonymous:
        # when an anonymous reader follows the feed
        items, _ = read_all(anonymous, 2)
        text = anonymous.get("/v1/events", params={"limit": 500}).text
    # then it reads the published need's events, and nothing else
    assert {i["stream_id"] for i in items} == {str(w.need)}
    assert [i["type"] for i in items][-1] == "NeedPublished"
    assert str(w.foreign_need) not in text and str(w.programme) not in text
    # and who recorded them is an organisation or State, never a key's name
    assert all(i["actor"] != "world-builder" for i in items)
    # when Uganda's need is published in turn
    with context.recording(actor="world-builder"):
        services.ledger.change_need(w.foreign_need, lambda n: n.publish())
    services.runner.catch_up()
    with client_for(server, None) as anonymous:
        later = anonymous.get("/v1/events", params={"limit": 500}).json()["items"]
    # then its events are read too, at their own positions
    assert str(w.foreign_need) in {i["stream_id"] for i in later}


def test_a_state_key_reads_its_own_needs_and_programmes_but_nothing_naming_another_states_hidden_need(
    server: LiveServer, services: Services, keys: dict[str, str]
) -> None:
    # given Uganda's unpublished need linked to the programme Kenya's state key may read
    w = world.build(services.ledger)
    with context.recording(actor="world-builder"):
        services.ledger.change_programme(w.programme, lambda p: p.link_need(w.foreign_need, "UGA", "0.5"))
    services.runner.catch_up()
    with client_for(server, keys["state"]) as kenya:
        # when Kenya's state key follows the feed
        items, _ = read_all(kenya, 500)
        text = kenya.get("/v1/events", params={"limit": 500}).text
    # then it reads its own unpublished need, the programmes and organisations
    streams = {i["stream_id"] for i in items}
    assert {str(w.need), str(w.programme), str(w.org)} <= streams
    # and nothing names Uganda's unpublished need: not its events, not the link to it
    assert str(w.foreign_need) not in text
    assert "ApiKey" not in {i["aggregate"] for i in items}


def test_a_last_event_id_that_is_not_a_position_is_refused(server: LiveServer, keys: dict[str, str]) -> None:
    with client_for(server, keys["coordinator"]) as c:
        r = c.get("/v1/events", headers={"Last-Event-ID": "yesterday"})
    assert r.status_code == 422 and r.json()["code"] == "invalid-cursor"
