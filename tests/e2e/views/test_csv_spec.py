"""Every CSV the ledger writes follows one spec (README, "CSV files"): UTF-8 with a byte-order mark, CRLF line ends, a
header row, formula-like text neutralised. The CSV endpoints are found in the OpenAPI document and the CSV commands
in the CLI's command tree, so a new one is checked here or this test fails; on both stores.
"""

from __future__ import annotations

import codecs
import csv
import io
import subprocess
from pathlib import Path
from typing import Any

import httpx
import typer

from api.cli.main import app as cli
from api.root.services import Services
from projections.views import (
    funding_gaps,
    irg_report,
    priority_areas,
    programme_monitoring,
    provider_overlap,
    unmet_needs,
)
from projections.views.csv_cells import NUMBER, TRIGGERS
from tests import paths
from tests.support.processes import LEDGER, environment_of

HTTP = {
    "/v1/views/unmet-needs": unmet_needs.COLUMNS,
    "/v1/views/funding-gaps": funding_gaps.COLUMNS,
    "/v1/views/provider-overlap": provider_overlap.COLUMNS,
    "/v1/views/priority-areas": priority_areas.COLUMNS,
    "/v1/views/programme-monitoring": programme_monitoring.COLUMNS,
    "/v1/reports/irg/{state}": irg_report.COLUMNS,
}
CLI = {"export csv": unmet_needs.COLUMNS, "report irg": irg_report.COLUMNS}
FUNDER = "=Agence Française de Développement"  # accented, and a formula to a spreadsheet


def written(http: httpx.Client, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    r = http.post(path, json=body)
    assert r.status_code in (200, 201), r.text
    return dict(r.json())


def recorded(http: httpx.Client) -> tuple[str, int]:
    """A published need of Kenya estimated in EUR, addressed by a programme committing EUR (no rate: unconverted)."""
    org = written(http, "/v1/organisations", {"ref": "FR-6", "name": FUNDER, "org_type": "10"})
    need = written(
        http,
        "/v1/needs",
        {
            "state": "KEN",
            "article": 9,
            "ta_types": ["legal-advice"],
            "description": "Procurement law review",
            "horizon": "current",
            "priority": "high",
            "source": {"kind": "country-review-report", "reference": "CRR Kenya", "cycle": 2},
        },
    )
    written(http, f"/v1/needs/{need['id']}/estimate", {"amount": "1000", "currency": "EUR", "value_date": "2024-01-10"})
    written(http, f"/v1/needs/{need['id']}/publish")
    programme = written(
        http,
        "/v1/programmes",
        {"title": "Procurement", "reporting_org": org["id"], "funders": [org["id"]], "states": ["KEN"], "status": 2},
    )
    written(http, f"/v1/programmes/{programme['id']}/link-need", {"need_id": need["id"]})
    money = {"funder": org["id"], "amount": "500", "currency": "EUR", "value_date": "2024-05-01"}
    return need["id"], written(http, f"/v1/programmes/{programme['id']}/commitments", money)["position"]


def to_spec(data: bytes, columns: list[str], where: str) -> list[dict[str, str]]:
    """The rows of a CSV that follows the spec; an AssertionError naming `where` otherwise."""
    assert data.startswith(codecs.BOM_UTF8), where
    text = data.decode("utf-8").removeprefix("\ufeff")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows and rows[0] == columns, (where, rows[:1])
    # every record ends with CRLF: a bare LF only inside a cell
    assert text.endswith("\r\n") and text.replace("\r\n", "").count("\n") == sum(c.count("\n") for r in rows for c in r)
    assert {len(r) for r in rows} == {len(columns)}, where
    runnable = [c for r in rows[1:] for c in r if c.startswith(TRIGGERS) and not NUMBER.fullmatch(c)]
    assert runnable == [], (where, runnable)
    return [dict(zip(columns, r, strict=True)) for r in rows[1:]]


def csv_commands() -> set[str]:
    """The CLI commands that write CSV: named `csv`, or with a --format option offering csv."""
    found = set()

    def walk(command: Any, path: tuple[str, ...]) -> None:
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, (*path, name))
        formats = [p for p in getattr(command, "params", []) if "--format" in getattr(p, "opts", [])]
        if path and (path[-1] == "csv" or any("csv" in (p.help or "") for p in formats)):
            found.add(" ".join(path))

    walk(typer.main.get_command(cli), ())
    return found


def test_every_csv_the_ledger_writes_follows_the_one_spec(
    services: Services, server: Any, http: httpx.Client, tmp_path: Path
) -> None:
    # Given needs and money in EUR without a rate, and a funder whose name is accented and formula-like
    need, position = recorded(http)
    # Then the OpenAPI document's CSV endpoints, and the CLI's CSV commands, are the ones checked here
    document = http.get("/openapi.json").json()
    offered = {p for p, ops in document["paths"].items() if "text/csv" in str(ops.get("get", {}).get("responses"))}
    assert offered == set(HTTP)
    assert csv_commands() == set(CLI)
    # When each endpoint answers CSV
    got = {}
    for path, columns in HTTP.items():
        r = http.get(path.replace("{state}", "KEN"), params={"format": "csv", "min_position": position})
        assert r.status_code == 200 and r.headers["content-type"] == "text/csv; charset=utf-8", (path, r.text)
        # Then it follows the spec
        got[path] = to_spec(r.content, columns, path)
    # And so does each command, on standard output and into a file
    exported = tmp_path / "unmet.csv"
    for args, columns in (
        (("export", "csv"), CLI["export csv"]),
        (("export", "csv", "--state", "KEN", "-o", str(exported)), CLI["export csv"]),
        (("report", "irg", "KEN", "--format", "csv"), CLI["report irg"]),
    ):
        env = environment_of(services.settings)
        done = subprocess.run([LEDGER, *args], env=env, cwd=paths.ROOT, capture_output=True, timeout=300)  # bytes
        assert done.returncode == 0, done.stderr
        data = exported.read_bytes() if "-o" in args else done.stdout
        to_spec(data, columns, " ".join(args))
    # And the file `ledger export csv` writes is, byte for byte, the API's unmet-needs CSV
    r = http.get("/v1/views/unmet-needs", params={"format": "csv", "state": "KEN"})
    assert exported.read_bytes() == r.content
    # And the unmet-needs CSV names the currency and gives the amounts left unconverted, as its JSON does
    [row] = [r for r in got["/v1/views/unmet-needs"] if r["need_id"] == need]
    [item] = [i for i in http.get("/v1/views/unmet-needs").json()["items"] if i["need_id"] == need]
    assert row["currency"] == "USD"
    assert (row["unconverted_estimated"], row["unconverted_committed"]) == ("EUR 1000.00", "EUR 500.00")
    assert item["unconverted"]["estimated"] == {"EUR": "1000.00"} and item["unconverted"]["committed"] == {
        "EUR": "500.00"
    }
    assert row["providers"] == "'" + FUNDER  # accented, read back intact, and inert in a spreadsheet
