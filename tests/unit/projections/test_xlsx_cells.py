"""Spreadsheet cells: every exported column is defined and typed once (projections/views/glossary.py), and a
workbook holds the CSV's cells typed, text inert, widths bounded, About last."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest

from projections.views import (
    funding_gaps,
    glossary,
    irg_report,
    priority_areas,
    programme_monitoring,
    provider_overlap,
    tables,
    unmet_needs,
)
from projections.views.xlsx_cells import About, Sheet, typed, workbook

EXPORTED = {
    "unmet-needs": unmet_needs.TABLE,
    "funding-gaps": funding_gaps.TABLE,
    "provider-overlap": provider_overlap.TABLE,
    "priority-areas": priority_areas.TABLE,
    "programme-monitoring": programme_monitoring.TABLE,
    "irg-report": irg_report.TABLE,
    "irg-summary": tables.IRG_SUMMARY,
    "needs": tables.NEEDS,
    "programmes": tables.PROGRAMMES,
}


@pytest.mark.parametrize("table", sorted(EXPORTED))
def test_every_column_of_every_exported_table_is_defined(table: str) -> None:
    # Given a table the ledger exports, when each of its columns is looked up, then each has a kind and words
    undefined = [h for h in EXPORTED[table].headers if glossary.meaning(table, h) is glossary.UNDEFINED]
    assert undefined == [], f"define {undefined} in projections/views/glossary.py"


def test_money_amounts_and_counts_are_typed_as_such_in_every_table() -> None:
    # Amounts the README calls money are money wherever they stand; counts of needs are whole numbers
    for table, columns in EXPORTED.items():
        kinds = {h: glossary.meaning(table, h).kind for h in columns.headers}
        for name in ("estimated", "gap", "allocated_commitment", "pledged", "disbursed"):
            assert kinds.get(name, glossary.MONEY) == glossary.MONEY, (table, name)
        assert all(k == glossary.INTEGER for h, k in kinds.items() if h.startswith("needs")), table


def test_a_csv_cell_becomes_a_typed_cell() -> None:
    assert typed(glossary.MONEY, "-1500.00") == Decimal("-1500.00")
    assert typed(glossary.MONEY, "") is None  # unknown stays empty, never 0
    assert typed(glossary.DATE, "2024-01-31") == date(2024, 1, 31)
    assert typed(glossary.MOMENT, "2024-01-31T10:00:00+02:00") == datetime(2024, 1, 31, 8, 0)
    assert (typed(glossary.BOOLEAN, "yes"), typed(glossary.BOOLEAN, "no")) == (True, False)
    assert (typed(glossary.CODE, 9), typed(glossary.CODE, "KEN")) == (9, "KEN")
    # Text follows the CSV's rule
    assert (typed(glossary.TEXT, "=1+1"), typed(glossary.TEXT, "-1500.00")) == ("'=1+1", "-1500.00")


def test_a_workbook_holds_typed_cells_inert_text_bounded_widths_and_about_last() -> None:
    # Given a table with a formula-like title, an error-like one, a long text and money
    sheet = Sheet(
        "programme-monitoring",
        "programme-monitoring",
        ["title", "start", "committed", "flags"],
        [["=SUM(A1)", "2024-01-01", "1234.50", "x" * 500], ["#N/A", "", "0.00", ""]],
    )
    about = About("programme-monitoring", "per programme", "EUR", 7, filters={"state": "KEN", "flag": None})
    # When it is written and opened again
    wb = openpyxl.load_workbook(io.BytesIO(workbook([sheet], about)))
    ws = wb["programme-monitoring"]
    # Then the header names the currency of money, and every cell has its type
    assert [c.value for c in ws[1]] == ["title", "start", "committed (EUR)", "flags"]
    assert [c.value for c in ws[2]][:3] == ["'=SUM(A1)", datetime(2024, 1, 1), 1234.5]
    assert (ws["A3"].value, ws["A3"].data_type, ws["B3"].value, ws["C3"].value) == ("#N/A", "s", None, 0)
    assert ws["C2"].number_format == "#,##0.00" and ws["B2"].is_date
    # And widths fit, within bounds; the header is frozen and filtered
    widths = {k: round(d.width) for k, d in ws.column_dimensions.items()}  # xlsxwriter adds cell padding
    assert widths["D"] == 61 and widths["A"] == 12 and ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:D3"
    # And About is last, with the filters given, the position and each column's definition
    assert wb.sheetnames == ["programme-monitoring", "About"]
    lines = {r[0]: r[1] for r in wb["About"].iter_rows(values_only=True) if r[0]}
    assert (lines["Filters"], lines["Log position"], lines["Reporting currency"]) == ("state=KEN", 7, "EUR")
    assert lines["committed (EUR)"] == glossary.MONITORING["committed"].text
