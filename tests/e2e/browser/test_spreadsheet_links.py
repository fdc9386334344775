"""The meeting pages' "Download spreadsheet" link, in headless Chromium on the demo: it downloads the /v1 xlsx of the
page's filters, and that workbook holds the rows of the page's "Download CSV", cell by cell."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import httpx
import openpyxl

from tests.e2e.browser.conftest import Watched
from tests.e2e.views.test_xlsx import assert_sheet_is_csv
from tests.support.servers import LiveServer


def downloaded(browse: Watched, path: str) -> tuple[str, bytes, str]:
    """The spreadsheet link's target, the file the browser saved from it, and the page's CSV link."""
    browse.open(path)
    link = browse.page.get_by_role("link", name="Download spreadsheet")
    with browse.page.expect_download() as download:
        link.click()
    data = Path(download.value.path()).read_bytes()
    csv_link = browse.page.get_by_role("link", name="Download CSV").get_attribute("href")
    return str(link.get_attribute("href")), data, str(csv_link)


def v1_csv(live: LiveServer, path: str) -> list[list[str]]:
    answer = httpx.get(f"{live.url}{path}", timeout=30)
    answer.raise_for_status()
    return list(csv.reader(io.StringIO(answer.text.removeprefix("\ufeff"))))


def test_a_view_pages_spreadsheet_is_its_csv(browse: Watched, live: LiveServer) -> None:
    # Given the funding-gaps page grouped by article, narrowed to chapter III
    href, data, csv_link = downloaded(browse, "/views/funding-gaps?chapter=III&group_by=article")
    # When its spreadsheet is downloaded, then it is the /v1 xlsx of the same filters
    assert href == "/v1/views/funding-gaps?chapter=III&group_by=article&format=xlsx"
    assert csv_link == href.replace("format=xlsx", "format=csv")
    # And its data sheet holds the CSV's cells, typed
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["funding-gaps", "About"]
    assert assert_sheet_is_csv(wb["funding-gaps"], v1_csv(live, csv_link)) > 0


def test_the_irg_pages_spreadsheet_holds_both_horizons(browse: Watched, live: LiveServer) -> None:
    # Given Kenya's IRG report page
    href, data, csv_link = downloaded(browse, "/reports/irg/KEN")
    assert href == "/v1/reports/irg/KEN?format=xlsx"
    # When its spreadsheet is downloaded, then its horizons' sheets are the CSV's rows of each
    wanted = v1_csv(live, csv_link)
    at = wanted[0].index("horizon")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for sheet, horizon in (("Current needs", "current"), ("Anticipated needs", "anticipated")):
        assert_sheet_is_csv(wb[sheet], [wanted[0], *[r for r in wanted[1:] if r[at] == horizon]])
    assert len(wanted) > 1
