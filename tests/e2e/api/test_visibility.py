"""A need invisible to a reader is invisible everywhere: every route and page, as every principal,
over real HTTP on both stores. Programmes show such a need as a count; writes to it answer 404
exactly as an id naming nothing does; the IATI export carries no tag derived from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID, uuid4

import httpx
import pytest

from api.http.auth import READS
from api.http.openapi import api_routes
from api.root.services import Services
from domain import context
from tests.e2e.api import world
from tests.e2e.api.test_access_matrix import call, url_for
from tests.e2e.api.test_scopes import NEED_ACTIONS, writes_under
from tests.e2e.api.world import World
from tests.support.servers import LiveServer, client_for

PRINCIPALS = ("anonymous", "state", "provider", "coordinator", "auditor")  # the state key is Kenya's


@dataclass(frozen=True)
class Hidden:
    """The world, plus Uganda's unpublished article-52 need linked to Kenya's and Uganda's programme,
    with a delivery against it: Kenya's state key may not see it, nor may anonymous readers."""

    w: World
    need: UUID  # Uganda's, unpublished, article 52
    delivery: str  # against `need` only
    position: int  # the log's head once built

    def hidden_from(self, principal: str) -> set[str]:
        """The ids this principal may not see: every unpublished need for anonymous readers,
        Uganda's for Kenya's state key, none for the others."""
        return {
            "anonymous": {str(self.need), str(self.w.need), str(self.w.foreign_need)},
            "state": {str(self.need), str(self.w.foreign_need)},
        }.get(principal, set())


@pytest.fixture
def hidden(services: Services, keys: dict[str, str]) -> Hidden:
    w = world.build(services.ledger)
    ledger = services.ledger
    with context.recording(actor="world-builder"):
        need = ledger.identify_need(**{**world.need_fields("UGA"), "article": 52}).id
        ledger.change_programme(w.programme, lambda p: p.link_need(need, "UGA", "0.5"))
        ledger.change_programme(w.programme, lambda p: p.link_need(w.need, "KEN", None))
        ledger.change_programme(
            w.programme,
            lambda p: p.record_delivery("d-uga", "training", date(2024, 3, 1), [need], "Asset recovery course", 12),
        )
        ledger.change_programme(
            w.programme,
            lambda p: p.record_delivery("d-ken", "training", date(2024, 3, 2), [w.need], "Procurement course", 9),
        )
    services.runner.catch_up()
    return Hidden(w, need, "d-uga", services.runner.position())


def reads(server: LiveServer) -> list[str]:
    """Every GET route the app serves (API and pages), from the app itself."""
    return sorted({p for m, p, _ in api_routes(server.server.config.app) if m in READS and m == "GET"})


def path_values(h: Hidden, need_id: str) -> dict[str, str]:
    return {**h.w.path_values(), "need_id": need_id, "stream_id": need_id, "state": "UGA"}


def variants(h: Hidden) -> list[str]:
    """Query strings every read is walked with: plain, Uganda's, as CSV, and folded as of the head."""
    return ["", "?state=UGA", "?format=csv", f"?as_of={h.position}", f"?state=UGA&format=csv&as_of={h.position}"]


def absent_like_nothing(r: httpx.Response, asked: str, nothing: httpx.Response, random_id: str) -> bool:
    """Whether an answer about a hidden id is, word for word, the answer about an id naming nothing."""
    if r.status_code != nothing.status_code or r.headers.get("content-type") != nothing.headers.get("content-type"):
        return False
    if not r.headers.get("content-type", "").startswith("application/problem+json"):
        return r.text.replace(asked, random_id) == nothing.text
    own = ("instance", "request_id")  # the request's path and id, as asked
    mine = {k: v for k, v in r.json().items() if k not in own}
    theirs = {k: v for k, v in nothing.json().items() if k not in own}
    return str(mine).replace(asked, random_id) == str(theirs)


def test_no_route_or_page_shows_a_hidden_need_to_any_principal(
    server: LiveServer, keys: dict[str, str], hidden: Hidden
) -> None:
    # given needs each principal may not see, linked to a programme, with a delivery against one
    routes, wrong = reads(server), []
    for principal in PRINCIPALS:
        invisible = hidden.hidden_from(principal)
        with client_for(server, keys.get(principal)) as client:
            # when it reads every route and page, naming each need in turn, in every variant
            for need_id in [str(hidden.need), str(hidden.w.need), str(hidden.w.foreign_need)]:
                for path in routes:
                    url = url_for(path, path_values(hidden, need_id))
                    for query in variants(hidden) if need_id == str(hidden.need) else [""]:
                        r = client.get(url + query)
                        leaked = [i for i in invisible if i in r.text]
                        if need_id in leaked and need_id in url:  # asked by id: as an id naming nothing
                            random_id = str(uuid4())
                            nothing = client.get(url.replace(need_id, random_id) + query)
                            if absent_like_nothing(r, need_id, nothing, random_id):
                                leaked.remove(need_id)
                        if leaked or r.status_code >= 500:
                            wrong.append(f"{principal} GET {url}{query}: {r.status_code} shows {leaked}")
            # and when it calls every write with an empty body, no refusal names a hidden need
            for method, path, _ in api_routes(server.server.config.app):
                if method in READS:
                    continue
                url = url_for(path, path_values(hidden, str(hidden.w.need)))
                r = call(client, method, url)
                leaked = [i for i in invisible if i in r.text and i not in url]
                if leaked:
                    wrong.append(f"{principal} {method} {url}: {r.status_code} shows {leaked}")
    # then no body, whatever its status, holds the id of a need its reader may not see
    assert not wrong, "\n".join(wrong)


def test_a_programme_shows_a_need_the_state_may_not_see_only_as_a_count(
    server: LiveServer, keys: dict[str, str], hidden: Hidden
) -> None:
    w = hidden.w
    with client_for(server, keys["state"]) as kenya, client_for(server, keys["coordinator"]) as coordinator:
        # when Kenya's state key reads the programme Uganda's unpublished need is linked to
        mine = kenya.get(f"/v1/programmes/{w.programme}").json()
        full = coordinator.get(f"/v1/programmes/{w.programme}").json()
    # then it sees its own need and a count: no id, no share, no delivery against the hidden need
    assert [n["need_id"] for n in mine["needs"]] == [str(w.need)]
    assert mine["unpublished_needs"] == 1 and "0.5" not in str(mine["needs"])
    assert [d["delivery_id"] for d in mine["deliveries"]] == ["d-ken"] and mine["withheld_deliveries"] == 1
    assert "Asset recovery course" not in str(mine)
    # and a reader who may see every need sees them all, with nothing counted apart
    assert {n["need_id"] for n in full["needs"]} == {str(w.need), str(hidden.need)}
    assert full["unpublished_needs"] == 0 and full["withheld_deliveries"] == 0 and len(full["deliveries"]) == 2


def test_programme_lists_count_hidden_needs_and_name_only_visible_ones(
    server: LiveServer, keys: dict[str, str], hidden: Hidden
) -> None:
    with client_for(server, keys["state"]) as kenya, client_for(server, keys["auditor"]) as auditor:
        # when Kenya lists Uganda's programmes, and reads programme monitoring
        listed = {p["programme_id"]: p for p in kenya.get("/v1/programmes?state=UGA").json()["items"]}
        monitored = {p["programme_id"]: p for p in kenya.get("/v1/views/programme-monitoring").json()["items"]}
        everything = {p["programme_id"]: p for p in auditor.get("/v1/views/programme-monitoring").json()["items"]}
    row = listed[str(hidden.w.programme)]
    # then the list names Kenya's need only and counts Uganda's
    assert row["linked_needs"] == [{"need_id": str(hidden.w.need), "share": None}]
    assert row["unpublished_needs"] == 1
    # and programme monitoring counts the linked needs Kenya may see; an auditor's counts them all
    assert monitored[str(hidden.w.programme)]["linked_needs"] == 1
    assert everything[str(hidden.w.programme)]["linked_needs"] == 2


def test_the_iati_export_carries_no_uncac_tag_of_a_hidden_need(
    server: LiveServer, keys: dict[str, str], hidden: Hidden
) -> None:
    with client_for(server, keys["state"]) as kenya, client_for(server, keys["coordinator"]) as coordinator:
        # when Kenya and a coordinator export the programmes as IATI
        mine = kenya.get("/v1/exports/iati").text
        full = coordinator.get("/v1/exports/iati").text
    # then article 52 (Uganda's hidden need's only trace) is tagged for the coordinator only
    assert 'code="UNCAC-52"' in full and 'code="UNCAC-9"' in full
    assert 'code="UNCAC-52"' not in mine and 'code="UNCAC-9"' in mine


def test_writes_to_a_hidden_need_answer_as_an_id_naming_nothing_and_write_nothing(
    server: LiveServer, keys: dict[str, str], services: Services, hidden: Hidden
) -> None:
    suffixes = writes_under(server, "/v1/needs/{need_id}/")
    before = services.ledger.need(hidden.need).version
    wrong = []
    with client_for(server, keys["state"]) as kenya:
        for suffix in suffixes:
            for headers in ({}, {"If-Match": '"1"'}, {"If-Match": '"99"'}):
                # when Kenya writes Uganda's unpublished need, and a need that does not exist
                random_id = str(uuid4())
                r = kenya.post(f"/v1/needs/{hidden.need}/{suffix}", json=NEED_ACTIONS[suffix], headers=headers)
                nothing = kenya.post(f"/v1/needs/{random_id}/{suffix}", json=NEED_ACTIONS[suffix], headers=headers)
                # then both answers are the same 404, word for word but the id
                if r.status_code != 404 or not absent_like_nothing(r, str(hidden.need), nothing, random_id):
                    wrong.append(f"{suffix} {headers}: {r.status_code} {r.text} vs {nothing.text}")
        # and reading it is the same 404 too
        random_id = str(uuid4())
        r, nothing = kenya.get(f"/v1/needs/{hidden.need}"), kenya.get(f"/v1/needs/{random_id}")
        assert absent_like_nothing(r, str(hidden.need), nothing, random_id), (r.text, nothing.text)
    assert not wrong, "\n".join(wrong)
    # and nothing was written
    assert services.ledger.need(hidden.need).version == before


def test_a_state_writing_another_states_published_need_is_still_refused_for_its_scope(
    server: LiveServer, keys: dict[str, str], services: Services, hidden: Hidden, http: httpx.Client
) -> None:
    # given Uganda's need, published: its existence is no secret
    http.post(f"/v1/needs/{hidden.need}/publish", json={})
    with client_for(server, keys["state"]) as kenya:
        # when Kenya prioritises it, then it is refused for its scope, not hidden
        r = kenya.post(f"/v1/needs/{hidden.need}/prioritise", json={"priority": "low"})
    assert r.status_code == 403 and r.json()["code"] == "forbidden-scope", r.text


def test_anonymous_readers_see_programme_monitoring_nowhere(
    server: LiveServer, keys: dict[str, str], hidden: Hidden
) -> None:
    with client_for(server, None) as public, client_for(server, keys["coordinator"]) as coordinator:
        # when an anonymous reader asks the API and the dashboard for programme monitoring
        api = public.get("/v1/views/programme-monitoring")
        page = public.get("/").text
        staff = coordinator.get("/").text
    # then the API asks for a key and the dashboard shows no programme, saying why
    assert api.status_code == 401
    assert 'id="attn-keyed"' in page and "Procurement reform support" not in page
    assert 'id="attn-keyed"' not in staff


def test_public_pages_name_organisations_not_api_keys(
    server: LiveServer, keys: dict[str, str], hidden: Hidden, services: Services
) -> None:
    # given Kenya's focal point publishing Kenya's need, and an admin key revising it
    with client_for(server, keys["state"]) as kenya, client_for(server, keys["admin"]) as admin:
        kenya.post(f"/v1/needs/{hidden.w.need}/publish", json={})
        done = admin.post(f"/v1/needs/{hidden.w.need}/prioritise", json={"priority": "low"}).json()["position"]
    services.runner.wait_for(done, 10)
    with client_for(server, None) as public, client_for(server, keys["auditor"]) as auditor:
        # when the public reads the dashboard's latest events and the need's page
        pages = [public.get("/").text, public.get(f"/needs/{hidden.w.need}").text]
        audit = auditor.get(f"/needs/{hidden.w.need}").text
    # then events are by Kenya (its State) or the ledger's staff, never by a key's name
    for text in pages:
        assert "Kenya focal point" not in text and "test admin" not in text and "world-builder" not in text
        assert "KEN" in text and "ledger staff" in text
    # and readers of the audit log still see who, by key
    assert "Kenya focal point" in audit and "test admin" in audit
