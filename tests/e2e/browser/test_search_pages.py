"""Search and lessons learned in headless Chromium: the dashboard's search box leads to /search, whose results mark
the words found; /lessons groups lessons by article, filters and searches them, names a wrong filter; axe-core on
each page. An anonymous reader: unpublished needs' lessons are never on the page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from api.root.services import Services
from api.root.settings import Settings
from tests.e2e.browser.conftest import Watched
from tests.support import axe
from tests.support.search_world import build


@pytest.fixture(scope="module")
def demo_services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    """The search world on SQLite (not the demo: no lessons there), read anonymously."""
    tmp = tmp_path_factory.mktemp("search-pages")
    svc = Services(
        Settings(database_url=f"sqlite:///{tmp}/ledger.db", signing_key_file=tmp / "key.pem", log_format="json")
    )
    build(svc.ledger)
    svc.runner.catch_up()
    yield svc
    svc.close()


def no_serious_violation(browse: Watched) -> None:
    found = axe.serious(browse.page)
    assert found == [], axe.report(found)


def test_the_dashboard_search_box_finds_and_marks_the_words(browse: Watched) -> None:
    # Given the dashboard
    browse.open("/")
    # When a reader searches "procurement" from its search box
    browse.page.get_by_label("Search needs, programmes, organisations and lessons").fill("procurement")
    browse.page.get_by_role("search", name="Search the ledger").get_by_role("button", name="Search").click()
    browse.page.wait_for_url("**/search?q=procurement")
    # Then the results list the published needs and the lessons of published needs, the word marked
    results = browse.page.locator("#results li")
    texts = results.all_inner_texts()
    assert any("Electronic procurement platform" in t for t in texts)
    assert any("e-procurement fastest" in t for t in texts)
    assert not any("declaration" in t.lower() for t in texts)  # B's lessons (d2, d3): B is unpublished
    assert "procurement" in [m.lower() for m in browse.page.locator("#results mark").all_inner_texts()]
    no_serious_violation(browse)
    browse.shot("search")
    assert browse.console == [] and browse.external() == []


def test_query_syntax_on_the_page_is_only_words(browse: Watched) -> None:
    for q in ['"', "NEAR(a b)", "'; DROP TABLE search_entries; --"]:
        browse.page.goto(f"{browse.base}/search?q={q}")
        assert browse.page.locator("#no-results").is_visible()


def test_the_lessons_page_groups_lessons_by_article_and_filters_them(browse: Watched) -> None:
    # Given the lessons page
    browse.open("/lessons")
    # Then an anonymous reader sees d1's lessons under article 9, nothing of unpublished needs
    assert browse.page.get_by_role("heading", level=2).all_inner_texts()[0].startswith("Article 9")
    body = browse.page.locator("main").inner_text()
    assert "simulations of real tenders" in body and "registry" not in body and "Judges" not in body
    no_serious_violation(browse)
    browse.shot("lessons")
    # When the reader searches words that are in no visible lesson
    browse.page.get_by_label("Words").fill("registry")
    browse.page.get_by_role("search").get_by_role("button", name="Search").click()
    # Then nothing matches
    assert browse.page.locator("#no-lessons").is_visible()


def test_a_wrong_filter_is_named_on_the_lessons_page(browse: Watched) -> None:
    response = browse.page.goto(f"{browse.base}/lessons?article=3")
    assert response is not None and response.status == 422
    assert "Article" in browse.page.locator("#refused").inner_text()
    assert "simulations of real tenders" in browse.page.locator("main").inner_text()  # the rest still there
    no_serious_violation(browse)
