"""Every page in French and in Spanish: chosen by `?lang=`, then its cookie, then Accept-Language; `<html lang>`
set; no English left from the catalogue; problem titles translated, codes unchanged. On both stores, demo data."""

from __future__ import annotations

import html
import re
from typing import Any

import httpx
import pytest
from babel.messages.pofile import read_po

from api.http.app import create_app
from api.http.openapi import api_routes
from api.web import i18n
from tests.paths import ROOT
from tests.support.iati_import import MAEC
from tests.support.servers import LiveServer

LANGUAGES = ("fr", "es")
PLACEHOLDER = re.compile(r"%\(\w+\)s")
TAGS = re.compile(r"<[^>]+>")
SOURCES = [p.read_text(encoding="utf-8") for p in (ROOT / "api").rglob("*.py")]
SKIPPED = ("/v1", "/feeds", "/static", "/docs", "/openapi", "/metrics", "/health", "/sign-out")


def page_paths(client: httpx.Client, app: Any) -> list[str]:
    """Every GET page of the app, its path parameters filled from the demo's own records."""
    need = client.get("/v1/needs", params={"limit": 1}).json()["items"][0]["need_id"]
    programme = client.get("/v1/programmes", params={"limit": 1}).json()["items"][0]["programme_id"]
    org = client.get("/v1/organisations").json()["items"][0]["id"]
    key = client.get("/v1/keys").json()["items"][0]["id"]
    values = {"need_id": need, "programme_id": programme, "org_id": org, "key_id": key, "state": "KEN"}
    found = set()
    for method, path, route in api_routes(app):
        if method != "GET" or route.include_in_schema or path.startswith(SKIPPED):
            continue
        found.add(re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path))
    return sorted(found | {"/reports/irg?state=KEN", "/?chapter=III"})


def english_left(language: str) -> list[str]:
    """Phrases of the catalogue's English (three words or more between placeholders) whose translation differs."""
    with open(ROOT / "api" / "locale" / language / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalogue = read_po(f, locale=language)
    phrases = set()
    for m in catalogue:
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        for english in ids:
            for part in PLACEHOLDER.split(english):
                part = part.strip(" .,:;()·")
                if len(part.split()) >= 3 and not any(part in s for s in strings):
                    phrases.add(html.unescape(TAGS.sub("", part)))
    return sorted(phrases)


def visible(page: str) -> str:
    """The text a reader sees (and what assistive technology reads from title and aria-label)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    labels = " ".join(re.findall(r'(?:aria-label|title)="([^"]*)"', page))
    return html.unescape(re.sub(r"\s+", " ", TAGS.sub(" ", page) + " " + labels))


@pytest.fixture
def site(demo: Any) -> Any:
    app = create_app(demo.settings, services=demo)
    admin = demo.ledger.issue_key("test admin", "admin")[1]
    with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=60) as client:
        client.headers["Authorization"] = f"Bearer {admin}"
        yield client, page_paths(client, app)


def test_every_page_reads_in_french_and_in_spanish_with_no_english_left_from_the_catalogue(site):
    client, paths = site
    assert len(paths) >= 15
    for language in LANGUAGES:
        leftovers = english_left(language)
        for path in paths:
            # When a page is asked for in that language
            answer = client.get(path, params={"lang": language}, headers={"Accept": "text/html"})
            # Then it answers in it, and no phrase of the catalogue is left in English
            assert answer.status_code == 200, (path, answer.status_code)
            assert f'<html lang="{language}" dir="ltr">' in answer.text, path
            assert answer.headers["content-language"] == language
            text = visible(answer.text)
            found = [p for p in leftovers if p in text]
            assert found == [], (language, path, found[:5])
        # And every text written in the code that a page asked to translate is in the catalogue (records'
        # names and titles pass through too: they are not the catalogue's)
        written = [m for m in sorted(i18n.missing(language)) if any(f'"{m}"' in source for source in SOURCES)]
        assert written == [], (language, written)


def test_the_language_switch_links_this_page_in_each_language_keeping_its_query(site):
    client, _ = site
    page = client.get("/", params={"chapter": "III", "lang": "es"}).text
    switch = re.search(r'<nav class="languages".*?</nav>', page, flags=re.S)
    assert switch is not None
    links = dict(re.findall(r'href="([^"]+)" hreflang="(\w+)"', switch.group(0)))
    assert {v: k for k, v in links.items()} == {"en": "/?chapter=III&amp;lang=en", "fr": "/?chapter=III&amp;lang=fr"}
    assert 'aria-current="true" lang="es">español<' in switch.group(0)


def test_the_choice_is_kept_in_a_cookie_and_accept_language_chooses_otherwise(site):
    client, _ = site
    chosen = client.get("/rates", params={"lang": "fr"})
    assert "lang=fr" in chosen.headers["set-cookie"] and "SameSite=Lax" in chosen.headers["set-cookie"]
    assert '<html lang="fr"' in client.get("/rates").text  # the cookie, on the next page
    client.cookies.clear()
    assert '<html lang="es"' in client.get("/rates", headers={"Accept-Language": "es-AR,es;q=0.9,en;q=0.5"}).text
    assert '<html lang="en"' in client.get("/rates", headers={"Accept-Language": "de, zh;q=0.5"}).text
    assert client.get("/rates").headers["vary"].count("Accept-Language") == 1


def test_a_problem_keeps_its_code_and_gives_its_title_in_the_readers_language(site):
    client, _ = site
    missing = "/v1/needs/00000000-0000-0000-0000-000000000000"
    for language, title in (("fr", "Besoin introuvable"), ("es", "Necesidad inexistente"), ("en", "No such need")):
        body = client.get(missing, headers={"Accept-Language": language}).json()
        assert (body["code"], body["title"]) == ("need-not-found", title)
    page = client.get(missing.replace("/v1", ""), params={"lang": "es"}, headers={"Accept": "text/html"})
    assert page.status_code == 404 and "Necesidad inexistente" in page.text


def test_an_iati_import_reports_in_french_on_its_page(site):
    client, _ = site
    leftovers = english_left("fr")
    # Given the import form, in French
    form = client.get("/imports/iati", params={"lang": "fr"}, headers={"Accept": "text/html"}).text
    token = re.search(r'name="form_token" value="([^"]+)"', form)
    assert token is not None
    # When a file is imported through it
    sent = client.post(
        "/imports/iati",
        data={"form_token": token.group(1), "reason": "Import in French"},
        files={"file": ("maec.xml", MAEC.read_bytes(), "text/xml")},
        headers={"Accept": "text/html"},
    )
    assert sent.status_code == 303, sent.text
    page = client.get(sent.headers["location"], headers={"Accept": "text/html"}).text
    # Then the page's report reads in French (the importer's own reasons stay as it words them)
    report = re.search(r'<ul class="warnings" id="report".*?</ul>', page, flags=re.S)
    assert report is not None
    lines = visible(report.group(0))
    assert "83 lues" in lines and "événements" in lines, lines[:300]
    assert [p for p in leftovers if p in visible(page)] == []


def test_the_feeds_read_in_french_and_spanish_with_no_english_left_from_the_catalogue(site):
    client, _ = site
    for language in LANGUAGES:
        leftovers = english_left(language)
        for path, asked in (("/feeds/needs.atom", {}), ("/feeds/programmes.atom", {"state": "IDN"})):
            answer = client.get(path, params={**asked, "lang": language})
            assert answer.status_code == 200 and answer.headers["content-language"] == language, path
            assert f'xml:lang="{language}"' in answer.text and "<entry>" in answer.text, path
            text = visible(html.unescape(answer.text))  # the entries' HTML content, escaped in the XML, as read
            assert [p for p in leftovers if p in text] == [], (language, path)
        written = [m for m in sorted(i18n.missing(language)) if any(f'"{m}"' in source for source in SOURCES)]
        assert written == [], (language, written)
