"""The Atom feeds in French and Spanish over real HTTP on both stores, read with feedparser: titles, categories and
content in the reader's language, `xml:lang` saying which, an ETag per language and `Vary: Accept-Language, Cookie`;
the pages link the feeds in their own language."""

from __future__ import annotations

from datetime import date

import httpx
from lxml import etree

from api.root.services import Services
from domain import context
from tests.e2e.api import test_feeds, world
from tests.e2e.api.test_feeds import Needs, read
from tests.support.servers import LiveServer, client_for

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
needs = test_feeds.needs  # the fixture: Kenya's and Uganda's published needs, and a hidden one


def test_the_needs_feed_reads_in_french_with_xml_lang_and_its_own_etag(server: LiveServer, needs: Needs) -> None:
    with client_for(server, None) as reader:
        english = reader.get("/feeds/needs.atom", params={"state": "KEN"})
        # when a feed reader asks for Kenya's needs in French
        french = reader.get("/feeds/needs.atom", params={"state": "KEN", "lang": "fr"})
        parsed = read(reader, state="KEN", lang="fr")
    # then the feed says it is French, and its words are
    assert french.headers["content-language"] == "fr" and "Accept-Language" in french.headers["vary"]
    assert etree.fromstring(french.content).get(XML_LANG) == "fr"
    assert etree.fromstring(english.content).get(XML_LANG) == "en"
    assert parsed.feed.title == "Besoins d’assistance technique publiés : Kenya"
    assert parsed.feed.subtitle.startswith("Besoins que les États parties ont publiés")
    self_link = next(link.href for link in parsed.feed.links if link.rel == "self")
    assert self_link.endswith("/feeds/needs.atom?state=KEN&lang=fr")  # a reader asks again in French
    bribery = next(e for e in parsed.entries if e.id == f"urn:uuid:{needs.bribery}")
    assert bribery.title == "Kenya, article 15 : Training of investigators in bribery cases"  # typed text as typed
    labels = {t.scheme.rsplit("?", 1)[1]: t.label for t in bribery.tags}
    assert labels["chapter="] == "Chapitre III" and labels["region="] == "Groupe des États d’Afrique"
    assert labels["article="] == "Article 15 : Corruption d’agents publics nationaux"
    content = bribery.content[0].value
    for said in ("<dt>Priorité</dt><dd>haute</dd>", "<dt>Statut</dt><dd>ouvert</dd>", "EUR 250\u202f000,00"):
        assert said in content, said
    # and its bytes, so its ETag, are not the English feed's: neither answers 304 for the other
    assert french.headers["etag"] != english.headers["etag"]
    with client_for(server, None) as reader:
        asked = {"state": "KEN"}
        tag = reader.get("/feeds/needs.atom", params=asked, headers={"Accept-Language": "fr"}).headers["etag"]
        same = reader.get("/feeds/needs.atom", params=asked, headers={"Accept-Language": "fr", "If-None-Match": tag})
        other = reader.get("/feeds/needs.atom", params=asked, headers={"Accept-Language": "es", "If-None-Match": tag})
    assert same.status_code == 304 and other.status_code == 200 and other.headers["content-language"] == "es"


def test_the_programme_feed_reads_in_spanish(server: LiveServer, services: Services, keys: dict[str, str]) -> None:
    # given a programme in Kenya with a delivery against Kenya's published need
    w = world.build(services.ledger)
    with context.recording(actor="world-builder"):
        services.ledger.change_need(w.need, lambda n: n.publish())
        services.ledger.change_programme(w.programme, lambda p: p.link_need(w.need, "KEN", "0.5"))
        services.ledger.change_programme(
            w.programme,
            lambda p: p.record_delivery("d-ken", "workshop", date(2024, 3, 1), [w.need], "Procurement workshop", 20),
        )
    services.runner.catch_up()
    # when a donor's field office asks for it in Spanish, by Accept-Language
    with client_for(server, keys["provider"]) as reader:
        reader.headers["Accept-Language"] = "es"
        parsed = read(reader, "/feeds/programmes.atom", state="KEN")
    # then it reads in Spanish: the feed, each event's name and what it recorded
    assert parsed.feed.title == "Programas de asistencia técnica: Kenia" and parsed.feed.language == "es"
    delivery = next(e for e in parsed.entries if any(t.term == "DeliveryRecorded" for t in e.tags))
    assert delivery.title.endswith(": Entrega registrada")
    assert "registrado por" in delivery.content[0].value and "Kenia, artículo 9" in delivery.content[0].value


def test_a_page_in_french_links_its_feeds_in_french(server: LiveServer, needs: Needs) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as browser:
        page = browser.get("/", params={"lang": "fr"}, headers={"Accept": "text/html"}).text
        english = browser.get("/", params={"lang": "en"}, headers={"Accept": "text/html"}).text
    assert 'type="application/atom+xml"' in page and 'href="/feeds/needs.atom?lang=fr"' in page
    assert 'href="/feeds/needs.atom"' in english
