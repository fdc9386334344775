"""The Atom feeds over real HTTP on both stores, read as a feed reader reads them (feedparser) and as the
RFC writes them (lxml): published needs only, whoever asks, filtered, newest change first, and answered 304
to a conditional GET until something in them changes; a State's programme events without any event that
names an unpublished need.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import feedparser
import httpx
import pytest
from lxml import etree, html

from api.root.services import Services
from domain import context
from tests.e2e.api import world
from tests.support.servers import LiveServer, client_for

NS = {"a": "http://www.w3.org/2005/Atom"}


@dataclass(frozen=True)
class Needs:
    procurement: UUID  # Kenya, article 9 (chapter II), published first
    bribery: UUID  # Kenya, article 15 (chapter III), published second, with an estimate
    uganda: UUID  # Uganda, article 9, published last
    hidden: UUID  # Kenya, article 9, never published


@pytest.fixture
def needs(services: Services, keys: dict[str, str]) -> Needs:
    ledger = services.ledger
    with context.recording(actor="world-builder"):
        procurement = ledger.identify_need(**world.need_fields("KEN")).id
        bribery = ledger.identify_need(
            **{**world.need_fields("KEN"), "article": 15, "description": "Training of investigators in bribery cases"}
        ).id
        uganda = ledger.identify_need(**world.need_fields("UGA")).id
        hidden = ledger.identify_need(**{**world.need_fields("KEN"), "description": "Unpublished: sealed"}).id
        ledger.change_need(bribery, lambda n: n.estimate("250000.00", "EUR", date(2024, 2, 1)))
        for need in (procurement, bribery, uganda):
            ledger.change_need(need, lambda n: n.publish())
    services.runner.catch_up()
    return Needs(procurement, bribery, uganda, hidden)


def change(services: Services, need: UUID, command: Any) -> None:
    with context.recording(actor="world-builder"):
        services.ledger.change_need(need, command)
    services.runner.catch_up()


def read(client: httpx.Client, path: str = "/feeds/needs.atom", **params: Any) -> Any:
    r = client.get(path, params=params)
    assert r.status_code == 200, r.text
    parsed = feedparser.parse(r.content)
    assert not parsed.bozo, parsed.bozo_exception  # well-formed, as a feed reader reads it
    return parsed


def ids(parsed: Any) -> list[str]:
    return [e.id for e in parsed.entries]


def urn(need: UUID) -> str:
    return f"urn:uuid:{need}"


def test_the_needs_feed_is_atom_with_every_element_rfc_4287_requires(server: LiveServer, needs: Needs) -> None:
    # when an anonymous reader asks for every published need
    with client_for(server, None) as anonymous:
        r = anonymous.get("/feeds/needs.atom")
        parsed = read(anonymous)
    # then the answer is Atom, and says so to browsers that would sniff it
    assert r.headers["content-type"] == "application/atom+xml; charset=utf-8"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert parsed.version == "atom10"
    # and the feed has its id, title, updated, an author, and links to itself and to its page
    feed = parsed.feed
    assert feed.id.startswith("urn:uuid:") and feed.title and feed.updated and feed.author_detail.name
    rels = {link.rel: link.href for link in feed.links}
    assert rels["self"] == f"{server.url}/feeds/needs.atom" and rels["alternate"].startswith(server.url)
    # and each entry has its id (the need's), title, updated, and an absolute link to the need's page
    assert ids(parsed) == [urn(needs.uganda), urn(needs.bribery), urn(needs.procurement)]  # newest change first
    for entry in parsed.entries:
        assert entry.title and entry.updated and entry.summary
        page = next(link.href for link in entry.links if link.rel == "alternate")
        assert page == f"{server.url}/needs/{entry.id.removeprefix('urn:uuid:')}"
    # and the raw XML holds them where the RFC puts them: in the Atom namespace, the author on each entry
    root = etree.fromstring(r.content)
    assert [root.findtext(f"a:{name}", namespaces=NS) for name in ("id", "title", "updated")] == [
        feed.id,
        feed.title,
        root.findtext("a:updated", namespaces=NS),
    ]
    for entry in root.findall("a:entry", NS):
        for path in ("a:id", "a:title", "a:updated", "a:author/a:name", "a:link[@rel='alternate']"):
            assert entry.find(path, NS) is not None, path
    # and an entry says what the need is: article (number and title), TA types, horizon, priority, estimate, status
    bribery = parsed.entries[1]
    terms = {(t.scheme.rsplit("?", 1)[1], t.term) for t in bribery.tags}
    assert {("state=", "KEN"), ("chapter=", "III"), ("article=", "15"), ("region=", "African")} <= terms
    text = bribery.content[0].value
    for said in (
        "15: Bribery of national public officials",
        "Legislative assistance",
        "current",
        "high",
        "EUR 250,000.00",
    ):
        assert said in text, said
    assert "<dt>Status</dt><dd>open</dd>" in text
    # and a link followed leads to the need's page
    with client_for(server, None) as anonymous:
        assert anonymous.get(f"/needs/{needs.bribery}").status_code == 200


def test_filters_combine_and_a_bad_filter_is_refused_as_the_views_refuse_it(server: LiveServer, needs: Needs) -> None:
    with client_for(server, None) as anonymous:
        # when the feed is narrowed by state, by article, by both, by chapter, by region, by TA type
        assert set(ids(read(anonymous, state="KEN"))) == {urn(needs.procurement), urn(needs.bribery)}
        assert set(ids(read(anonymous, article=9))) == {urn(needs.procurement), urn(needs.uganda)}
        assert ids(read(anonymous, state="ken", article=9)) == [urn(needs.procurement)]
        assert ids(read(anonymous, chapter="III")) == [urn(needs.bribery)]
        assert len(ids(read(anonymous, region="African"))) == 3
        assert ids(read(anonymous, ta_type="legislative-assistance", state="UGA")) == [urn(needs.uganda)]
        assert ids(read(anonymous, region="Eastern European")) == []
        assert ids(read(anonymous, limit=1)) == [urn(needs.uganda)]
        # then the title says how it is narrowed
        assert read(anonymous, state="KEN", article=9).feed.title.endswith(": Kenya, article 9")
        # when a value is not one the views know, it is a 422 problem naming what was wrong, as in /v1/views
        for params, code in (
            ({"state": "XXX"}, "unknown-state"),
            ({"article": 3}, "invalid-request"),
            ({"chapter": "IX"}, "unknown-chapter"),
            ({"region": "Atlantis"}, "unknown-region"),
            ({"limit": 501}, "invalid-request"),
        ):
            r = anonymous.get("/feeds/needs.atom", params=params)
            assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json", params
            assert r.json()["code"] == code
            assert anonymous.get("/v1/views/unmet-needs", params=params).status_code == 422 or "limit" in params
        # and the programme feed is read with a key (programmes are not published data): without one, 401
        assert anonymous.get("/feeds/programmes.atom", params={"state": "KEN"}).status_code == 401


def test_an_unpublished_need_never_appears_and_a_key_reads_no_more_than_anyone(
    server: LiveServer, services: Services, needs: Needs, keys: dict[str, str]
) -> None:
    # given the unpublished need revised, so that it is Kenya's latest change of article 9
    change(services, needs.hidden, lambda n: n.revise(description="Still unpublished, revised"))
    for key in (None, keys["admin"], keys["state"]):
        with client_for(server, key) as reader:
            # when anyone reads the feeds, an admin and Kenya's own State key included
            texts = [reader.get("/feeds/needs.atom", params=p).text for p in ({}, {"state": "KEN", "article": 9})]
            # then the unpublished need is in none of them
            assert all(str(needs.hidden) not in t and "sealed" not in t and "Still unpublished" not in t for t in texts)
    # and every reader gets the same bytes
    with client_for(server, None) as anonymous, client_for(server, keys["admin"]) as admin:
        assert anonymous.get("/feeds/needs.atom").content == admin.get("/feeds/needs.atom").content


def test_a_change_moves_the_need_to_the_top_with_a_new_updated_and_the_same_id(
    server: LiveServer, services: Services, needs: Needs
) -> None:
    with client_for(server, None) as anonymous:
        before = {e.id: e for e in read(anonymous).entries}
        # when the oldest published need is revised
        change(services, needs.procurement, lambda n: n.revise(description="Review of the procurement law, 2025"))
        after = read(anonymous).entries
        # then it is first, under the same id, with a later `updated` and what it now says
        first = after[0]
        assert first.id == urn(needs.procurement) and first.updated > before[first.id].updated
        assert "Review of the procurement law, 2025" in first.title
        # when it is met, then withdrawn is refused (closed) but reopened and withdrawn, each moves it again
        for command in (lambda n: n.mark_met("delivered"), lambda n: n.reopen("not yet"), lambda n: n.withdraw("gone")):
            previous = first.updated
            change(services, needs.procurement, command)
            first = read(anonymous).entries[0]
            assert first.id == urn(needs.procurement) and first.updated > previous
        # and its status is what the need's status is now
        assert "<dt>Status</dt><dd>withdrawn</dd>" in first.content[0].value


def test_a_conditional_get_is_answered_304_until_the_feed_changes(
    server: LiveServer, services: Services, needs: Needs
) -> None:
    with client_for(server, None) as anonymous:
        first = anonymous.get("/feeds/needs.atom", params={"state": "KEN"})
        etag = first.headers["etag"]
        assert etag.startswith('"') and not etag.startswith("W/")  # strong
        # when the same feed is asked for with its ETag, alone or among others, weak or strong
        for given in (etag, f'"other", {etag}', f"W/{etag}", "*"):
            again = anonymous.get("/feeds/needs.atom", params={"state": "KEN"}, headers={"If-None-Match": given})
            # then it is 304, without a body, with the same ETag
            assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag, given
        # and another feed (another filter) is not that one
        other = anonymous.get("/feeds/needs.atom", params={"state": "UGA"}, headers={"If-None-Match": etag})
        assert other.status_code == 200
        # when Last-Modified is given (once the second of the latest change has passed)
        modified = last_modified(anonymous, {"state": "KEN"})
        since = {"If-Modified-Since": modified}
        # then a copy as new as that is not modified, and an older one is
        assert anonymous.get("/feeds/needs.atom", params={"state": "KEN"}, headers=since).status_code == 304
        older = {"If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"}
        assert anonymous.get("/feeds/needs.atom", params={"state": "KEN"}, headers=older).status_code == 200
        # when a need in the feed changes
        change(services, needs.bribery, lambda n: n.prioritise("medium"))
        # then both conditions answer the new feed
        for headers in ({"If-None-Match": etag}, since):
            r = anonymous.get("/feeds/needs.atom", params={"state": "KEN"}, headers=headers)
            assert r.status_code == 200 and r.headers["etag"] != etag, headers
            assert "&lt;dd&gt;medium&lt;/dd&gt;" in r.text  # the priority, in the entry's escaped HTML


def last_modified(client: httpx.Client, params: dict[str, str]) -> str:
    """The feed's Last-Modified, which is given once the second of its latest change has passed."""
    for _ in range(100):
        found = client.get("/feeds/needs.atom", params=params).headers.get("last-modified")
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("no Last-Modified after 5 s")


def test_the_programme_feed_shows_a_states_programme_events_and_none_naming_an_unpublished_need(
    server: LiveServer, services: Services, keys: dict[str, str]
) -> None:
    # given a programme in Kenya and Uganda linked to Kenya's published need and to Uganda's unpublished one,
    # with a delivery against each
    w = world.build(services.ledger)
    ledger = services.ledger
    with context.recording(actor="world-builder"):
        ledger.change_need(w.need, lambda n: n.publish())
        ledger.change_programme(w.programme, lambda p: p.link_need(w.need, "KEN", "0.5"))
        ledger.change_programme(w.programme, lambda p: p.link_need(w.foreign_need, "UGA", "0.5"))
        ledger.change_programme(
            w.programme,
            lambda p: p.record_delivery("d-ken", "workshop", date(2024, 3, 1), [w.need], "Procurement workshop", 20),
        )
        ledger.change_programme(
            w.programme,
            lambda p: p.record_delivery("d-uga", "training", date(2024, 3, 2), [w.foreign_need], "Sealed course", 9),
        )
        ledger.change_programme(w.programme, lambda p: p.change_status(3))
    services.runner.catch_up()
    with client_for(server, keys["provider"]) as anonymous, client_for(server, keys["admin"]) as admin:
        # when a donor's key reads Kenya's programme feed (it is per State: without one it is refused)
        assert anonymous.get("/feeds/programmes.atom").status_code == 422
        r = anonymous.get("/feeds/programmes.atom", params={"state": "KEN"})
        parsed = read(anonymous, "/feeds/programmes.atom", state="KEN")
        # then it is the same for any key (what anyone may see of those events), and valid Atom naming the State
        assert admin.get("/feeds/programmes.atom", params={"state": "KEN"}).content == r.content
        assert parsed.version == "atom10" and parsed.feed.title.endswith("in Kenya")
        # and it holds the programmes' events newest first: status, Kenya's delivery, the link to Kenya's need,
        # the commitment, the registrations
        kinds = [t.term for e in parsed.entries for t in e.tags if not t.scheme]
        assert kinds[0] == "ProgrammeStatusChanged"
        assert kinds.count("DeliveryRecorded") == 1 and kinds.count("NeedLinked") == 1
        assert {"CommitmentRecorded", "ProgrammeRegistered"} <= set(kinds)
        assert "Procurement workshop" in r.text and "Kenya, article 9" in r.text
        # and nothing names Uganda's unpublished need, nor who recorded it by a key's name
        assert str(w.foreign_need) not in r.text and "Sealed course" not in r.text and "world-builder" not in r.text
        # and each entry links to its programme's page, with a stable id and an author
        for entry in parsed.entries:
            assert entry.link.startswith(f"{server.url}/programmes/") and entry.id.startswith("urn:uuid:")
            assert entry.author_detail.name
        # and it answers a conditional GET as the needs feed does
        same = anonymous.get(
            "/feeds/programmes.atom", params={"state": "KEN"}, headers={"If-None-Match": r.headers["etag"]}
        )
        assert same.status_code == 304


def alternates(client: httpx.Client, path: str) -> tuple[list[str], list[str]]:
    """A page's Atom alternates (in its head) and its visible feed links (in its body)."""
    r = client.get(path, headers={"Accept": "text/html"})
    assert r.status_code == 200, path
    page = html.fromstring(r.text)
    head = page.xpath("//head/link[@rel='alternate'][@type='application/atom+xml']/@href")
    body = page.xpath("//body//a[@type='application/atom+xml']/@href")
    return head, body


def test_pages_name_their_feeds_in_the_head_and_show_a_link_to_them(
    server: LiveServer, needs: Needs, keys: dict[str, str]
) -> None:
    with client_for(server, None) as anonymous, client_for(server, keys["provider"]) as donor:
        # when the dashboard, a filtered dashboard, a need's page and the unmet-needs page are read
        assert alternates(anonymous, "/") == (["/feeds/needs.atom"], ["/feeds/needs.atom"])
        head, body = alternates(anonymous, "/?state=KEN&chapter=III")
        # then each names the feed of what it shows; a State's dashboard names its programme feed to a key only
        assert head == body == ["/feeds/needs.atom?state=KEN&chapter=III"]
        head, body = alternates(donor, "/?state=KEN&chapter=III")
        assert head == body == ["/feeds/needs.atom?state=KEN&chapter=III", "/feeds/programmes.atom?state=KEN"]
        head, body = alternates(anonymous, f"/needs/{needs.bribery}")
        assert head == ["/feeds/needs.atom?state=KEN&article=15", "/feeds/needs.atom?state=KEN"]
        assert body == head[:1]
        head, body = alternates(anonymous, "/views/unmet-needs?state=KEN&article=9")
        assert head == body == ["/feeds/needs.atom?state=KEN&article=9"]
        # and the feed a need's page names holds that need
        assert ids(read(anonymous, state="KEN", article=15)) == [urn(needs.bribery)]
        # and a view of something else names none
        assert alternates(anonymous, "/views/funding-gaps") == ([], [])
