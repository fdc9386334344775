"""Spreadsheets (`format=xlsx`) of every view, the IRG report and the need and programme lists, over real HTTP and
from the CLI, on both stores: each opened with openpyxl and read cell by cell against the CSV of the same request
(numbers equal as decimals, dates as dates, text as text, empty as empty), typed, frozen, filtered, with an About
sheet naming the filters and the position; formula-like text stays inert text; a hidden need is in no spreadsheet
an anonymous reader (or a state key, of another state's) gets.
"""

from __future__ import annotations

import csv
import io
import subprocess
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import openpyxl
from openpyxl.workbook.workbook import Workbook

from api.root.services import Services
from tests import paths
from tests.support.processes import LEDGER, environment_of
from tests.support.servers import LiveServer, client_for
from tests.support.views_world import World, build

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA = '=HYPERLINK("http://evil.example/","Click")'  # a description a spreadsheet would run
ERROR_LOOKALIKE = "#N/A"  # a description a careless writer would store as an error value
FUNDER = "=Agence Française de Développement"
VIEWS = {  # path → the requests to make of it
    "/v1/views/unmet-needs": [{}, {"state": "KEN", "classification": "partially-funded"}],
    "/v1/views/funding-gaps": [{}, {"group_by": "article"}, {"group_by": "ta_type"}],
    "/v1/views/provider-overlap": [{}],
    "/v1/views/priority-areas": [{}, {"group_by": "region"}],
    "/v1/views/programme-monitoring": [{}, {"state": "KEN"}],
}


def written(http: httpx.Client, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    r = http.post(path, json=body)
    assert r.status_code in (200, 201), r.text
    return dict(r.json())


def hostile_need(http: httpx.Client, description: str) -> str:
    need = written(
        http,
        "/v1/needs",
        {
            "state": "KEN",
            "article": 10,
            "ta_types": ["legal-advice"],
            "description": description,
            "horizon": "current",
            "priority": "low",
            "source": {"kind": "country-review-report", "reference": "CRR Kenya", "cycle": 2},
        },
    )
    return str(need["id"])


def recorded(services: Services, http: httpx.Client) -> tuple[World, dict[str, str], int]:
    """The meeting's world, Kenya's needs published but B; two formula-like needs, and a funder whose name is one."""
    w = build(services.ledger)
    for letter in ("A", "C", "G", "H"):
        written(http, f"/v1/needs/{w.need(letter)}/publish")
    needs = {"formula": hostile_need(http, FORMULA), "error": hostile_need(http, ERROR_LOOKALIKE)}
    org = written(http, "/v1/organisations", {"ref": "FR-6", "name": FUNDER, "org_type": "10"})
    body = {"title": "Procurement", "reporting_org": org["id"], "funders": [org["id"]], "states": ["KEN"], "status": 2}
    programme = written(http, "/v1/programmes", body)
    written(http, f"/v1/programmes/{programme['id']}/link-need", {"need_id": needs["formula"]})
    money = {"funder": org["id"], "amount": "1234.5", "currency": "USD", "value_date": "2024-05-01"}
    position = written(http, f"/v1/programmes/{programme['id']}/commitments", money)["position"]
    return w, needs, position


def opened(r: httpx.Response, filename: str) -> Workbook:
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == XLSX
    assert r.headers["content-disposition"] == f'attachment; filename="{filename}"'
    return openpyxl.load_workbook(io.BytesIO(r.content))


def csv_rows(r: httpx.Response) -> list[list[str]]:
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv"), r.text
    return list(csv.reader(io.StringIO(r.text.removeprefix("\ufeff"))))


def same_cell(got: Any, want: str, money: bool) -> bool:
    """An xlsx cell against the CSV's: empty as empty, numbers as decimals, dates as dates, the rest as text."""
    if want == "":
        return got is None
    if isinstance(got, bool):
        return want == ("yes" if got else "no")
    if isinstance(got, int | float):
        return Decimal(str(got)) == Decimal(want)
    if isinstance(got, datetime) and len(want) == 10:
        return got == datetime.combine(date.fromisoformat(want), time())
    if isinstance(got, datetime):  # a moment, in UTC: Excel keeps it to the millisecond
        return abs(got - datetime.fromisoformat(want).astimezone(UTC).replace(tzinfo=None)) < timedelta(milliseconds=1)
    return not money and isinstance(got, str) and got == want


def assert_sheet_is_csv(ws: Any, rows: list[list[str]], currency: str = "USD") -> int:
    """Cell by cell: the header (money named with its currency), then every row; the numbers counted."""
    got = [list(r) for r in ws.iter_rows()]
    header, *body = got
    names = [c.value for c in header]
    assert [n.removesuffix(f" ({currency})") for n in names] == rows[0]
    assert all(c.font.b for c in header)
    money = [n.endswith(f" ({currency})") for n in names]
    assert len(body) == len(rows) - 1, ws.title
    numbers = 0
    for cells, want in zip(body, rows[1:], strict=True):
        assert len(cells) == len(want), ws.title
        for c, w, is_money in zip(cells, want, money, strict=True):
            assert same_cell(c.value, w, is_money), (ws.title, c.coordinate, c.value, w)
            if isinstance(c.value, str):
                assert c.data_type == "s", (ws.title, c.coordinate)  # never a formula, never an error value
            if is_money and c.value is not None:
                assert c.number_format == "#,##0.00", (ws.title, c.coordinate)
            numbers += isinstance(c.value, int | float) and not isinstance(c.value, bool)
    # frozen header, a filter over the table, column widths bounded
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(names))}{len(rows)}"
    widths = [d.width for d in ws.column_dimensions.values() if d.width]
    assert widths and all(8 <= w <= 61 for w in widths)  # within bounds, plus xlsxwriter's cell padding
    return numbers


def records(ws: Any) -> dict[Any, dict[str, Any]]:
    """A data sheet's rows by their first cell (an id, a horizon), each as header → value."""
    header = [c.value for c in ws[1]]
    return {r[0]: dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)}


def filename(path: str, params: dict[str, str]) -> str:
    name = path.rsplit("/", 1)[1]
    default = {"funding-gaps": "state", "priority-areas": "article"}
    return f"{name}-by-{params.get('group_by', default[name])}" if name in default else name


def about(wb: Workbook) -> dict[str, Any]:
    """The About sheet's facts, above its column definitions."""
    facts = {}
    for label, value, *_ in wb["About"].iter_rows(values_only=True):
        if str(label).startswith("Columns of the sheet"):
            break
        facts[label] = value
    return facts


def test_every_spreadsheet_holds_its_csv_cell_by_cell(
    services: Services, server: LiveServer, http: httpx.Client
) -> None:
    # Given the meeting's world, formula-like needs and a funder whose name reads as a formula
    w, needs, position = recorded(services, http)
    # When each view is fetched as CSV and as xlsx with the same filters
    for path, requests in VIEWS.items():
        for params in requests:
            query = {**params, "min_position": position}
            wanted = csv_rows(http.get(path, params={**query, "format": "csv"}))
            r = http.get(path, params={**query, "format": "xlsx"})
            wb = opened(r, f"{filename(path, params)}.xlsx")
            # Then the one data sheet is the CSV, cell by cell, typed, and About is last
            assert wb.sheetnames == [path.rsplit("/", 1)[1], "About"]
            assert assert_sheet_is_csv(wb.worksheets[0], wanted) > 0 or len(wanted) == 1
            # And About names the filters and the position the JSON of the same request reflects
            facts = about(wb)
            json_position = http.get(path, params=query).json()["position"]
            assert facts["Log position"] == json_position and isinstance(facts["Recorded at (UTC)"], datetime)
            stated = dict(f.split("=") for f in facts["Filters"].split("; ") if f != "none")
            assert {k: v for k, v in stated.items() if k != "group_by"} == {
                k: v for k, v in params.items() if k != "group_by"
            }
            assert stated.get("group_by") == params.get("group_by", stated.get("group_by")), stated  # and its default
            assert facts["Reporting currency"] == "USD"
    # And the unmet needs carry typed figures and the hostile text as the CSV has it, inert
    wb = opened(http.get("/v1/views/unmet-needs", params={"format": "xlsx"}), "unmet-needs.xlsx")
    ws = wb["unmet-needs"]
    rows = records(ws)
    a = rows[w.need("A")]
    assert (a["article"], a["estimated (USD)"], a["gap (USD)"], a["coverage"]) == (9, 100000, 60000, 0.4)
    assert rows[w.need("C")]["gap (USD)"] is None  # unknown, never 0
    formula = rows[needs["formula"]]
    assert formula["description"] == "'" + FORMULA and formula["providers"] == "'" + FUNDER
    assert formula["allocated_commitment (USD)"] == 1234.5
    assert rows[needs["error"]]["description"] == ERROR_LOOKALIKE
    assert "unmet-needs" in about(wb)["What it shows"]
    # And programme monitoring's dates are dates
    wb = opened(http.get("/v1/views/programme-monitoring", params={"format": "xlsx"}), "programme-monitoring.xlsx")
    starts = {r[1]: r[4] for r in wb.worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert starts["Procurement and audit"] == datetime(2024, 1, 1)


def test_the_irg_report_has_a_sheet_per_horizon_and_its_figures(
    services: Services, server: LiveServer, http: httpx.Client
) -> None:
    # Given the meeting's world
    w, _, position = recorded(services, http)
    # When Kenya's IRG report is fetched as CSV and as xlsx, as of the last write
    query = {"as_of": str(position)}
    wanted = csv_rows(http.get("/v1/reports/irg/KEN", params={**query, "format": "csv"}))
    wb = opened(http.get("/v1/reports/irg/KEN", params={**query, "format": "xlsx"}), "irg-KEN.xlsx")
    # Then its horizons' sheets, one after the other, are the CSV cell by cell
    assert wb.sheetnames == ["Current needs", "Anticipated needs", "Summary", "About"]
    at = wanted[0].index("horizon")
    for sheet, horizon in (("Current needs", "current"), ("Anticipated needs", "anticipated")):
        assert assert_sheet_is_csv(wb[sheet], [wanted[0], *[r for r in wanted[1:] if r[at] == horizon]]) > 0
    # And the summary gives each horizon's figures as the JSON does, as numbers
    report = http.get("/v1/reports/irg/KEN", params=query).json()
    summary = records(wb["Summary"])
    for horizon in ("current", "anticipated"):
        row = summary[horizon]
        assert row["needs"] == report[horizon]["needs"] and row["unmet"] == report[horizon]["unmet"]
        assert Decimal(str(row["committed (USD)"])) == Decimal(report[horizon]["committed"])
    # And About names the state, the position and the as_of asked for
    facts = about(wb)
    assert (facts["Filters"], facts["Log position"], facts["As of"]) == ("state=KEN", position, str(position))
    assert facts["state_name"] == "Kenya"


def test_the_lists_as_spreadsheets_hold_what_their_json_lists(
    services: Services, server: LiveServer, http: httpx.Client
) -> None:
    # Given the meeting's world
    w, needs, position = recorded(services, http)
    # When the need list is fetched as JSON and as xlsx, filtered to Kenya
    listed = http.get("/v1/needs", params={"state": "KEN", "limit": 500, "min_position": position}).json()["items"]
    wb = opened(http.get("/v1/needs", params={"state": "KEN", "format": "xlsx"}), "needs.xlsx")
    ws = wb["needs"]
    rows = records(ws)
    # Then it holds every listed need, no other, with its figures typed
    assert set(rows) == {n["need_id"] for n in listed}
    for n in listed:
        row = rows[n["need_id"]]
        assert (row["state"], row["article"], row["status"], row["published"]) == (
            "KEN",
            n["article"],
            n["status"],
            n["published"],
        )
        assert row["estimated (USD)"] == (float(n["estimated"]) if n["estimated"] else None)
        assert row["description"] in (n["description"], "'" + n["description"])
    assert rows[w.need("E")]["status"] == "withdrawn"
    assert ws.freeze_panes == "A2" and about(wb)["Filters"].startswith("state=KEN")
    # And the programme list likewise, with dates as dates and linked needs counted
    listed = http.get("/v1/programmes", params={"limit": 500}).json()["items"]
    wb = opened(http.get("/v1/programmes", params={"format": "xlsx"}), "programmes.xlsx")
    got = records(wb["programmes"])
    assert set(got) == {p["programme_id"] for p in listed}
    p = got[w.programme("P")]
    assert (p["start"], p["committed (USD)"], p["linked_needs"], p["active"]) == (datetime(2024, 1, 1), 80000, 3, True)


def hidden_anywhere(data: bytes, hidden: set[str]) -> list[str]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    cells = [str(v) for ws in wb.worksheets for r in ws.iter_rows(values_only=True) for v in r if v is not None]
    return [h for h in hidden if any(h in c for c in cells)]


def test_a_hidden_need_is_in_no_spreadsheet_its_reader_gets(
    services: Services, server: LiveServer, http: httpx.Client, keys: dict[str, str]
) -> None:
    # Given published and unpublished needs (B, D and the hostile ones unpublished), some linked to programmes
    w, needs, position = recorded(services, http)
    hidden = {w.need("B"), w.need("D"), *needs.values()}
    admin = http.get("/v1/needs", params={"format": "xlsx"}).content
    assert set(hidden_anywhere(admin, hidden)) == hidden  # an admin sees them: the check can find them
    # When an anonymous reader downloads every spreadsheet it may (the programme lists are for key holders)
    public = ["/v1/views/unmet-needs", "/v1/views/funding-gaps", "/v1/views/provider-overlap"]
    public += ["/v1/views/priority-areas", "/v1/reports/irg/KEN", "/v1/reports/irg/UGA", "/v1/needs"]
    with client_for(server, None) as anonymous:
        for path in public:
            r = anonymous.get(path, params={"format": "xlsx", "min_position": position})
            assert r.status_code == 200 and r.headers["content-type"] == XLSX, (path, r.text)
            # Then no hidden need is in it, on any sheet
            assert hidden_anywhere(r.content, hidden) == [], path
    # And Kenya's state key, which sees Kenya's own, finds Uganda's unpublished need in none, programmes included
    with client_for(server, keys["state"]) as kenya:
        for path in [*public, "/v1/programmes", "/v1/views/programme-monitoring"]:
            r = kenya.get(path, params={"format": "xlsx", "min_position": position})
            assert r.status_code == 200 and r.headers["content-type"] == XLSX, (path, r.text)
            assert hidden_anywhere(r.content, {w.need("D")}) == [], path
        # And the programme list counts the need it may not name
        wb = openpyxl.load_workbook(io.BytesIO(kenya.get("/v1/programmes", params={"format": "xlsx"}).content))
        rows = records(wb["programmes"])
        assert (rows[w.programme("Q")]["linked_needs"], rows[w.programme("Q")]["unpublished_needs"]) == (1, 1)


def test_the_cli_writes_the_spreadsheets_the_api_serves(
    services: Services, server: LiveServer, http: httpx.Client, tmp_path: Path
) -> None:
    # Given the meeting's world
    recorded(services, http)
    env = environment_of(services.settings)
    # When `ledger report irg KEN --format xlsx` and `ledger export xlsx --state KEN -o FILE` run
    report = subprocess.run(
        [LEDGER, "report", "irg", "KEN", "--format", "xlsx"], env=env, cwd=paths.ROOT, capture_output=True, timeout=300
    )
    assert report.returncode == 0, report.stderr
    exported = tmp_path / "unmet.xlsx"
    done = subprocess.run(
        [LEDGER, "export", "xlsx", "--state", "KEN", "-o", str(exported)], env=env, cwd=paths.ROOT, timeout=300
    )
    assert done.returncode == 0
    # Then each is the CSV of the API, cell by cell
    wanted = csv_rows(http.get("/v1/reports/irg/KEN", params={"format": "csv"}))
    wb = openpyxl.load_workbook(io.BytesIO(report.stdout))
    at = wanted[0].index("horizon")
    assert assert_sheet_is_csv(wb["Current needs"], [wanted[0], *[r for r in wanted[1:] if r[at] == "current"]])
    wanted = csv_rows(http.get("/v1/views/unmet-needs", params={"format": "csv", "state": "KEN"}))
    wb = openpyxl.load_workbook(exported)
    assert assert_sheet_is_csv(wb["unmet-needs"], wanted) > 0
    assert about(wb)["Filters"] == "state=KEN"
