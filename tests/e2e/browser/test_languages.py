"""In Chromium: the dashboard in French (`<html lang="fr">`, French headings, French numbers), its language switch
reaching the Spanish page with the same filters, and the screenshot the README shows."""

from __future__ import annotations

from tests.e2e.browser.conftest import Watched


def test_the_dashboard_reads_in_french_and_its_switch_opens_the_same_page_in_spanish(browse: Watched) -> None:
    # Given the dashboard asked for in French, narrowed to chapter III
    browse.open("/?chapter=III&lang=fr")
    page = browse.page
    # Then the page says it is French and reads in French, amounts written the French way
    assert page.get_attribute("html", "lang") == "fr"
    assert page.inner_text("h1") == "Tableau de bord de coordination"
    assert "," in page.inner_text("#stat-gap") or "M" in page.inner_text("#stat-gap")
    assert browse.shot("dashboard-fr", height=1100).exists()  # README's docs/screenshots/dashboard-fr.png
    # When the reader chooses español in the language switch
    page.click('nav.languages a[hreflang="es"]')
    # Then the same page, same filter, reads in Spanish, and the choice stays for the next page
    assert page.get_attribute("html", "lang") == "es"
    assert "chapter=III" in page.url and page.inner_text("h1") == "Panel de coordinación"
    assert page.eval_on_selector("#f-chapter", "e => e.value") == "III"
    browse.open("/views/unmet-needs")
    assert page.get_attribute("html", "lang") == "es"
    assert browse.console == [] and browse.external() == []
