"""The coordination dashboard in headless Chromium, against a live server with the demo loaded.

Expected numbers come from elsewhere than the page: the JSON views API and the reference fold
of the log, so the page is checked against the same ledger it draws.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from api.root.services import Services
from domain import reference
from projections.query import FoldedRows, Scope
from tests.e2e.browser.conftest import Watched
from tests.support.servers import LiveServer


def api(live: LiveServer, path: str, **params: Any) -> dict[str, Any]:
    answer = httpx.get(f"{live.url}{path}", params=params, timeout=30)
    answer.raise_for_status()
    return answer.json()


def number(browse: Watched, stat: str) -> int:
    return int(browse.page.inner_text(f"#stat-{stat}").strip())


def heat_states(browse: Watched) -> set[str]:
    return set(browse.page.eval_on_selector_all("svg.heatmap g.cell", "cells => cells.map(c => c.dataset.state)"))


def test_the_dashboard_loads_without_console_errors_or_requests_to_other_hosts(browse: Watched) -> None:
    # Given the demo ledger; when the dashboard opens
    browse.open("/")
    browse.page.wait_for_load_state("networkidle")
    browse.shot("dashboard")
    browse.shot("dashboard-top", height=1400)
    # Then it logged no error or warning and asked nothing of any host but this server
    assert browse.console == []
    assert browse.external() == []
    assert f"{browse.base}/static/dashboard.css" in browse.requests
    assert browse.page.locator("h1").inner_text() == "Coordination dashboard"


def test_the_heatmap_has_one_cell_per_state_with_open_needs_and_chapter(browse: Watched, live: LiveServer) -> None:
    # Given the states with open needs, according to the unmet-needs view
    states = {i["state"] for i in api(live, "/v1/views/unmet-needs")["items"]}
    # When the dashboard opens
    browse.open("/")
    # Then the heatmap has a cell for each of those states in each of the five chapters
    cells = browse.page.locator("svg.heatmap g.cell")
    assert cells.count() == len(states) * len(reference.CHAPTERS)
    assert heat_states(browse) == states
    # And a heatmap per regional group and two bar charts, each an image with a title
    regions = {i["region"] for i in api(live, "/v1/views/unmet-needs")["items"]}
    charts = browse.page.locator("svg[role=img]")
    assert charts.count() == len(regions) + 2
    for i in range(charts.count()):
        assert (charts.nth(i).locator("title").first.text_content() or "").strip() != ""


def test_the_headline_matches_the_views(browse: Watched, live: LiveServer) -> None:
    # Given the unmet-needs view's counts
    unmet = api(live, "/v1/views/unmet-needs")
    # When the dashboard opens
    browse.open("/")
    # Then its open and unmet numbers are the view's
    assert number(browse, "open") == unmet["count"]
    assert number(browse, "unmet") == unmet["counts"]["unmet"]


def test_choosing_a_region_narrows_the_dashboard_to_its_states(browse: Watched, live: LiveServer) -> None:
    # Given a region with open needs, and the open needs there according to the view
    items = api(live, "/v1/views/unmet-needs")["items"]
    region = sorted({i["region"] for i in items})[0]
    expected = api(live, "/v1/views/unmet-needs", region=region)
    browse.open("/")
    before = number(browse, "open")
    # When the meeting picks that region and applies
    browse.page.select_option("#f-region", region)
    with browse.page.expect_navigation():
        browse.page.click("form.filters:not(.search-box) button[type=submit]")
    browse.shot("dashboard-region")
    # Then only the region's states remain, with the region's numbers
    assert heat_states(browse) == {i["state"] for i in expected["items"]}
    assert number(browse, "open") == expected["count"] < before
    assert browse.page.locator("#f-region").input_value() == region


def test_choosing_a_chapter_turns_the_columns_into_its_articles(browse: Watched, live: LiveServer) -> None:
    # Given the chapter with the most open needs
    items = api(live, "/v1/views/unmet-needs")["items"]
    chapter = max(reference.CHAPTERS, key=lambda c: sum(i["chapter"] == c for i in items))
    articles = {i["article"] for i in items if i["chapter"] == chapter}
    states = {i["state"] for i in items if i["chapter"] == chapter}
    # When the chapter is chosen
    browse.open(f"/?chapter={chapter}")
    # Then the columns are that chapter's articles with open needs, one cell per state and article
    heads = browse.page.locator("svg.heatmap text.colhead")
    assert {heads.nth(i).get_attribute("data-label") for i in range(heads.count())} == {str(a) for a in articles}
    assert browse.page.locator("svg.heatmap g.cell").count() == len(states) * len(articles)


def test_an_as_of_date_before_the_first_event_shows_an_empty_ledger(browse: Watched) -> None:
    # Given the dashboard now, with needs
    browse.open("/")
    assert number(browse, "needs") > 0
    # When the meeting asks for the ledger as it stood at the end of a day before any event
    day = (datetime.now(UTC) - timedelta(days=400)).date().isoformat()
    browse.page.fill("#f-asof", day)
    with browse.page.expect_navigation():
        browse.page.click("form.filters:not(.search-box) button[type=submit]")
    # Then there were no needs yet, and the page says it is a past view
    assert number(browse, "needs") == 0
    assert "As of log position 0" in browse.page.inner_text(".asof")
    assert browse.page.locator("svg.heatmap g.cell").count() == 0


def test_an_as_of_position_shows_the_numbers_as_they_stood_then(browse: Watched, demo_services: Services) -> None:
    # Given the log position of the second need ever identified
    svc = demo_services
    notes = svc.ledger.recorder.select_notifications(start=1, limit=100_000)
    second = [n.id for n in notes if n.topic.endswith("Need.NeedIdentified")][1]
    expected = FoldedRows.of(svc.ledger, second, svc.currency).needs(Scope())
    # When the dashboard is opened as of that position
    browse.open(f"/?as_of={second}")
    browse.shot("dashboard-as-of")
    # Then it shows the two needs the reference fold has then, not today's numbers
    assert len(expected) == 2
    assert number(browse, "needs") == 2
    assert heat_states(browse) == {r["state"] for r in expected}
    events = browse.page.locator("table.events tbody tr td:first-child")
    assert int(events.first.inner_text()) <= second


def test_a_need_page_shows_every_event_with_who_and_why(browse: Watched, live: LiveServer) -> None:
    # Given the need with the longest history
    needs = api(live, "/v1/needs", limit=500)["items"]
    need = max(needs, key=lambda n: (n["version"], n["need_id"]))
    # When its page opens
    browse.open(f"/needs/{need['need_id']}")
    browse.shot("need")
    # Then its timeline lists each of its events, oldest first, with actor and time
    events = browse.page.locator("ol.timeline li.event")
    assert events.count() == need["version"]
    assert events.first.get_attribute("data-event") == "NeedIdentified"
    assert "by " in events.first.locator(".meta").inner_text()
    assert browse.console == [] and browse.external() == []


def test_a_heatmap_link_leads_from_the_overlap_table_to_a_programme_page(browse: Watched) -> None:
    # Given the dashboard with its overlap table
    browse.open("/")
    link = browse.page.locator("table.data a[href^='/programmes/']").first
    title = link.inner_text()
    # When a programme is followed
    with browse.page.expect_navigation():
        link.click()
    # Then its page shows the programme and its history
    assert browse.page.locator("h1").inner_text() == title
    assert browse.page.locator("ol.timeline li.event").count() >= 1
    assert browse.console == []


def test_keyboard_users_skip_to_the_content_and_reach_the_filters(browse: Watched) -> None:
    # Given the dashboard
    browse.open("/")
    page = browse.page
    # When the first Tab is pressed, the skip link takes focus and shows itself
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    assert page.evaluate("document.activeElement.getBoundingClientRect().top") >= 0
    # Then tabbing on reaches the search box, then every filter, each with its visible label and a focus outline
    reached = []
    for _ in range(24):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.id"))
        if reached[-1] == "f-asof":
            break
    filters = [r for r in reached if r.startswith("f-")]
    assert filters == ["f-search", "f-region", "f-state", "f-cycle", "f-chapter", "f-ta", "f-asof"]
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    assert page.locator("label[for=f-asof]").inner_text() == "As of"


def test_a_state_key_sees_only_published_needs_and_its_own(
    chromium: Any, live: LiveServer, demo_services: Services
) -> None:
    # Given a focal point's key for a state with an unpublished need
    ledger = demo_services.ledger
    rows = demo_services.durable.needs(Scope())
    hidden = next(r for r in rows if not r["published"])
    other = next(s for s in sorted({r["state"] for r in rows}) if s != hidden["state"])
    _, secret = ledger.issue_key("browser focal point", "state", state=other)
    expected = api_with(live, secret, "/v1/views/unmet-needs")
    # When the dashboard is read with that key
    context = chromium.new_context(extra_http_headers={"Authorization": f"Bearer {secret}"})
    try:
        page = context.new_page()
        page.goto(f"{live.url}/")
        # Then it counts what the views API counts for that key, without the unpublished need
        assert int(page.inner_text("#stat-open")) == expected["count"]
        assert hidden["need_id"] not in {i["need_id"] for i in expected["items"]}
        assert "Signed in as state" in page.inner_text(".viewer")
        # And its latest events are those of needs and programmes it may read, nothing else
        readable = {n["need_id"] for n in api_with(live, secret, "/v1/needs?limit=500")["items"]}
        shown = page.eval_on_selector_all(
            "table.events tbody td:nth-child(3)",
            "cells => cells.map(c => (c.querySelector('a') || {}).pathname || c.textContent)",
        )
        assert shown and all(s.startswith(("/needs/", "/programmes/")) for s in shown)
        assert {s.rsplit("/", 1)[1] for s in shown if s.startswith("/needs/")} <= readable
    finally:
        context.close()


def test_an_unknown_filter_value_is_refused_as_invalid_input(live: LiveServer) -> None:
    # A page names the wrong value on the page (422, HTML); /v1 answers problem+json
    answer = httpx.get(f"{live.url}/", params={"region": "Atlantis"})
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("text/html")
    assert 'id="wrong-region"' in answer.text and "Atlantis" in answer.text
    answer = httpx.get(f"{live.url}/v1/views/unmet-needs", params={"region": "Atlantis"})
    assert answer.status_code == 422
    assert answer.json()["code"] == "invalid-request" or answer.json()["code"] == "unknown-region"


def test_pages_forbid_every_other_origin(live: LiveServer) -> None:
    answer = httpx.get(f"{live.url}/")
    assert answer.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in answer.headers["content-security-policy"]


def api_with(live: LiveServer, key: str, path: str) -> dict[str, Any]:
    answer = httpx.get(f"{live.url}{path}", headers={"Authorization": f"Bearer {key}"}, timeout=30)
    answer.raise_for_status()
    return answer.json()
