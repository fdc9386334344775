"""The workbooks `format=xlsx` answers (and the CLI writes): a view, the IRG report or a list, each from the same
headers and rows as its CSV (projections/views/xlsx_cells.py), with an "About" sheet stating what it reflects."""

from __future__ import annotations

from datetime import datetime
from types import ModuleType
from typing import Any

from domain import reference
from projections.views import irg_report, tables
from projections.views.columns import Table
from projections.views.words import ENGLISH, HORIZON_TITLES, Words
from projections.views.xlsx_cells import About, Sheet, summary, workbook

LISTS = {
    "needs": "needs: every need the reader may see, matching the filters (open, met or withdrawn), with its money",
    "programmes": "programmes: every programme matching the filters, with its money; needs the reader may not see "
    "only counted (unpublished_needs)",
}


def about(
    name: str, what: str, answer: dict[str, Any], filters: dict[str, Any], as_of: str | None, recorded: datetime | None
) -> About:
    return About(
        name=name,
        what=what,
        currency=answer["currency"],
        position=answer["position"],
        recorded_at=recorded,
        as_of=as_of,
        filters=filters,
        summary=summary(answer),
    )


def view_name(module: ModuleType) -> str:
    return module.__name__.rsplit(".", 1)[-1].replace("_", "-")


def first_paragraph(module: ModuleType) -> str:
    return (module.__doc__ or view_name(module)).split("\n\n")[0].replace("\n", " ")


def view_workbook(
    module: ModuleType, answer: dict[str, Any], filters: dict[str, Any], as_of: str | None, recorded: datetime | None
) -> bytes:
    """A coordination view: its one table, as its CSV has it; the module's summary says what it shows."""
    name = view_name(module)
    headers, rows = module.csv_rows(answer)
    facts = about(name, first_paragraph(module), answer, filters, as_of, recorded)
    return workbook([Sheet(name, name, headers, rows)], facts)


def irg_workbook(answer: dict[str, Any], as_of: str | None, recorded: datetime | None, words: Words = ENGLISH) -> bytes:
    """The IRG report: a sheet per horizon (the CSV's rows of that horizon, in its order), and their figures; its
    sheet titles, headers and About sheet in `words`' language (the cells stay the CSV's)."""
    headers, rows = irg_report.csv_rows(answer)
    at = headers.index("horizon")
    sheets = [
        Sheet(words.gettext(HORIZON_TITLES[h]), "irg-report", headers, [r for r in rows if r[at] == h])
        for h in reference.HORIZONS
    ]
    sheets.append(Sheet(words.gettext("Summary"), "irg-summary", *tables.irg_summary(answer)))
    head = {k: answer[k] for k in ("state", "state_name", "region", "currency", "position")}
    head["state_name"] = words.state(answer["state"])
    facts = about("irg-report", words.gettext(irg_report.WHAT), head, {"state": answer["state"]}, as_of, recorded)
    return workbook(sheets, facts, words)


def list_workbook(
    name: str, table: Table, answer: dict[str, Any], filters: dict[str, Any], recorded: datetime | None
) -> bytes:
    """A /v1 list, every item matching the filters (not a page), as its reader may see them."""
    headers, rows = table.csv(answer)
    return workbook([Sheet(name, name, headers, rows)], about(name, LISTS[name], answer, filters, None, recorded))
