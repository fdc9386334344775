"""Pages for meetings in headless Chromium: each view and the IRG report as a page, its CSV the
/v1 CSV of the same filters, a wrong filter named on the page, and axe-core on every page."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest

from tests.e2e.browser.conftest import Watched
from tests.support import axe
from tests.support.servers import LiveServer

VIEWS = ("unmet-needs", "funding-gaps", "provider-overlap", "priority-areas", "programme-monitoring")


def v1_csv(live: LiveServer, path: str) -> list[list[str]]:
    answer = httpx.get(f"{live.url}{path}", timeout=30)
    answer.raise_for_status()
    return list(csv.reader(io.StringIO(answer.text.removeprefix("\ufeff"))))


def page_table(browse: Watched) -> tuple[list[str], list[list[str]]]:
    """The page's table as its CSV names it: each header's column name, and the cells' text."""
    page = browse.page
    names = page.eval_on_selector_all("table.data thead th", "ths => ths.map(th => th.dataset.column)")
    rows = page.eval_on_selector_all(
        "table.data tbody tr", "trs => trs.map(tr => [...tr.cells].map(td => td.innerText.trim()))"
    )
    return names, rows


def same_as_csv(cells: list[str], line: list[str]) -> bool:
    """A page's row reads its CSV line: the same text, or "unknown (why)" for an empty figure."""
    return all(
        c == v or (v == "" and c.startswith("unknown (")) or c == v.lstrip("'")
        for c, v in zip(cells, line, strict=True)
    )


def no_serious_violation(browse: Watched) -> None:
    found = axe.serious(browse.page)
    assert found == [], axe.report(found)


@pytest.mark.parametrize("view", VIEWS)
def test_each_view_is_a_page_whose_table_is_the_v1_csv_of_the_same_filters(
    view: str, browse: Watched, live: LiveServer
) -> None:
    # Given a view's page, narrowed to chapter III
    browse.open(f"/views/{view}?chapter=III")
    # When its table and its `Download CSV` link are read
    link = browse.page.get_by_role("link", name="Download CSV").get_attribute("href")
    assert link == f"/v1/views/{view}?chapter=III&format=csv"
    header, *lines = v1_csv(live, link)
    names, rows = page_table(browse)
    # Then the page shows the CSV's columns and its rows, in order
    assert names == header
    assert len(rows) == len(lines)
    assert all(same_as_csv(r, line) for r, line in zip(rows, lines, strict=True))
    # And it asked nothing of another host, and axe finds no serious or critical violation
    assert browse.external() == []
    no_serious_violation(browse)
    browse.shot(f"view-{view}")


def test_the_dashboards_more_links_open_pages_not_json(browse: Watched) -> None:
    # Given the dashboard narrowed to one state
    browse.open("/?state=KEN")
    hrefs = browse.page.eval_on_selector_all("p.more a", "links => links.map(a => a.getAttribute('href'))")
    # Then every "more" link opens an HTML page with the dashboard's filters, none of them /v1
    assert hrefs and not [h for h in hrefs if h.startswith("/v1")]
    assert "/reports/irg/KEN" in hrefs
    for href in hrefs:
        response = browse.open(href)
        assert response.headers["content-type"].startswith("text/html")
        assert "state=KEN" in href or href.startswith("/reports/irg/KEN")


def test_a_wrong_filter_is_named_on_the_page_with_422_and_the_page_stays_usable(browse: Watched) -> None:
    # When the dashboard and a view are asked for a state that does not exist and article 3
    for path, field in (("/?state=XXX", "state"), ("/views/unmet-needs?state=XXX&article=3", "article")):
        response = browse.page.goto(browse.base + path)
        # Then the answer is 422 and an HTML page, not a JSON problem
        assert response is not None and response.status == 422
        assert response.headers["content-type"].startswith("text/html")
        alert = browse.page.get_by_role("alert")
        assert "State" in alert.inner_text() and "XXX" in alert.inner_text()
        assert browse.page.locator(f"#wrong-{field}").count() == 1
        # And its filter form still works, and axe finds nothing serious on it
        assert browse.page.locator("form.filters:not(.search-box) button[type=submit]").is_enabled()
        no_serious_violation(browse)
    browse.shot("view-refused-filter")
    # And the view's form names the wrong field for assistive technology
    assert browse.page.get_attribute("#f-article", "aria-describedby") == "wrong-article"


def test_a_wrong_as_of_is_named_and_the_view_reads_now(browse: Watched) -> None:
    response = browse.page.goto(browse.base + "/views/funding-gaps?as_of=yesterday")
    assert response is not None and response.status == 422
    assert "As of" in browse.page.get_by_role("alert").inner_text()
    assert browse.page.locator("table.data tbody tr").count() > 0  # the rest of the page is there


def test_the_irg_report_page_matches_its_csv_and_says_why_a_figure_is_unknown(
    browse: Watched, live: LiveServer
) -> None:
    # Given Kenya's report as a page
    browse.open("/reports/irg/KEN")
    link = browse.page.get_by_role("link", name="Download CSV").get_attribute("href")
    header, *lines = v1_csv(live, link)
    names, rows = page_table(browse)
    # Then its table is the CSV, and an empty estimate reads "unknown" with why
    assert names == header and len(rows) == len(lines)
    assert all(same_as_csv(r, line) for r, line in zip(rows, lines, strict=True))
    estimated = header.index("estimated")
    reasons = {line[header.index("gap_unknown_reason")] for line in lines if line[estimated] == ""}
    shown = {r[estimated] for r, line in zip(rows, lines, strict=True) if line[estimated] == ""}
    assert shown == {f"unknown ({why})" for why in reasons}
    no_serious_violation(browse)
    browse.shot("irg-report")


def test_the_irg_form_chooses_a_state_by_keyboard(browse: Watched) -> None:
    # Given the IRG report's form, used with the keyboard alone
    browse.open("/reports/irg")
    tab_to(browse, "#f-state")
    browse.page.select_option("#f-state", "KEN")  # what typing "Kenya" on the focused select does
    tab_to(browse, "form.filters:not(.search-box) button[type=submit]")
    browse.page.keyboard.press("Enter")
    browse.page.wait_for_url("**/reports/irg?state=KEN*")
    assert "Kenya" in browse.page.locator("h1").inner_text()


def tab_to(browse: Watched, selector: str, presses: int = 60) -> None:
    """Press Tab until `selector` has the focus, as a keyboard-only reader moves through a page."""
    for _ in range(presses):
        browse.page.keyboard.press("Tab")
        if browse.page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_dashboard_filters_work_with_tab_and_enter(browse: Watched) -> None:
    # Given the dashboard, reached by keyboard from the top of the page
    browse.open("/")
    tab_to(browse, "#f-chapter")
    # When a chapter is chosen with the arrow keys, and the form sent from its button with Enter
    browse.page.keyboard.press("ArrowDown")
    browse.page.keyboard.press("ArrowDown")
    assert browse.page.locator("#f-chapter").input_value() == "III"
    tab_to(browse, "form.filters:not(.search-box) button[type=submit]")
    browse.page.keyboard.press("Enter")
    browse.page.wait_for_url("**chapter=III**")
    assert browse.page.locator("#f-chapter").input_value() == "III"


@pytest.mark.parametrize(
    "path",
    ["/", "/?chapter=III", "/?region=Other&as_of=2", "/views/funding-gaps?group_by=ta_type", "/reports/irg/IDN"],
)
def test_axe_finds_no_serious_violation(path: str, browse: Watched) -> None:
    browse.open(path)
    no_serious_violation(browse)


def test_axe_finds_none_on_a_need_a_programme_and_their_histories(browse: Watched, live: LiveServer) -> None:
    # Given a need with a programme linked, from the views
    item: dict[str, Any] = next(
        i for i in httpx.get(f"{live.url}/v1/views/unmet-needs", timeout=30).json()["items"] if i["providers"]
    )
    browse.open(f"/needs/{item['need_id']}")
    no_serious_violation(browse)
    programme = browse.page.locator("a[href^='/programmes/']").first.get_attribute("href")
    browse.open(programme)
    no_serious_violation(browse)
    assert browse.page.locator("ol.timeline li").count() > 0  # the history is on the page checked


def test_the_axe_check_fails_a_page_that_breaks_the_rules(browse: Watched) -> None:
    # Given a page with an unlabelled field and an image without text (so the check can fail)
    browse.page.set_content('<html><body><input type="text"><img src="data:,"></body></html>')
    # Then axe names both
    ids = {v["id"] for v in axe.serious(browse.page)} | {v["id"] for v in axe.violations(browse.page)}
    assert {"label", "image-alt"} <= ids
