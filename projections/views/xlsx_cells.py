"""Spreadsheets (.xlsx) of the views, the IRG report and the lists: the CSV's own rows, typed.

Each table is written from the very headers and rows its CSV is written from (a view's `csv_rows`, the same
`Column` lists), so the two cannot drift; only the cells' types differ. A column's kind (projections/views/
glossary.py) types its cells: money is a number with two decimals and its currency in the header ("gap (USD)"),
fractions have four decimals, dates are dates, yes/no are booleans, an empty cell stays empty (an unknown figure
is never 0). Text cells follow the CSV's rule (`safe_cell`: a formula-like text gets a leading `'`) and are
written as strings explicitly, so nothing the ledger's users typed becomes a formula or an error value. Every
data sheet has a bold, frozen header row, an autofilter and column widths fitted to its contents (bounded);
the last sheet, "About", states the table, its filters, the log position and time it reflects, and what each
column means. Written with xlsxwriter in constant-memory mode, so a sheet streams out row by row.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from projections.views import glossary
from projections.views.csv_cells import safe_cell
from projections.views.glossary import BOOLEAN, CODE, DATE, DECIMAL, FRACTION, INTEGER, MOMENT, MONEY
from projections.views.words import ENGLISH, Words

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NUMBER_FORMATS = {
    MONEY: "#,##0.00",
    DECIMAL: "#,##0.00",
    FRACTION: "0.0000",
    INTEGER: "0",
    DATE: "yyyy-mm-dd",
    MOMENT: "yyyy-mm-dd hh:mm:ss",
}
WIDTHS = (8, 60)  # characters: a column is at least as wide as the first, at most as the second
OPTIONS = {
    "constant_memory": True,  # each row goes to disk once written: memory stays flat however long the table
    "strings_to_formulas": False,  # belt and braces: every text is written with write_string anyway
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


@dataclass(frozen=True)
class Sheet:
    """One table: its sheet's title, the glossary table its columns are defined in, and the CSV's headers and rows."""

    title: str
    table: str
    headers: list[str]
    rows: list[list[Any]]


@dataclass(frozen=True)
class About:
    """What the workbook reflects: the table, its filters, its position and time, its currency and totals."""

    name: str
    what: str
    currency: str
    position: int
    recorded_at: datetime | None = None  # when the event at `position` was recorded
    as_of: str | None = None
    filters: dict[str, Any] = field(default_factory=dict)
    summary: list[tuple[str, Any]] = field(default_factory=list)


def typed(kind: str, value: Any) -> Any:
    """A CSV cell as the spreadsheet holds it: None for an empty cell, else a number, date, boolean or text."""
    if value is None or value == "":
        return None
    if kind in (MONEY, DECIMAL, FRACTION):
        return Decimal(value)
    if kind == INTEGER:
        return int(value)
    if kind == DATE:
        return date.fromisoformat(str(value)[:10])
    if kind == MOMENT:
        return naive_utc(datetime.fromisoformat(value))
    if kind == BOOLEAN:
        return value in (True, "yes")
    if kind == CODE and isinstance(value, int):
        return value
    return text(value)


def naive_utc(moment: datetime) -> datetime:
    """Excel has no time zones: a moment as its UTC wall time."""
    return (moment.astimezone(UTC) if moment.tzinfo else moment).replace(tzinfo=None)


def text(value: Any) -> str:
    """Text as the CSV writes it: a formula-like text neutralised (xlsxwriter escapes control characters)."""
    return str(safe_cell(str(value)))


def header(table: str, name: str, currency: str, words: Words = ENGLISH) -> str:
    """A column's header (in `words`' language), money naming its currency: "gap (USD)"."""
    shown = words.header(name)
    return f"{shown} ({currency})" if glossary.meaning(table, name).kind == MONEY else shown


class Formats:
    """A workbook's cell formats (xlsxwriter registers them per workbook): one per kind, bold, wrapped."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.kinds = {kind: book.add_format({"num_format": f}) for kind, f in NUMBER_FORMATS.items()}
        self.bold = book.add_format({"bold": True})
        self.wrapped = book.add_format({"text_wrap": True, "valign": "top"})

    def put(self, ws: Worksheet, row: int, col: int, value: Any, kind: str | None, style: Format | None = None) -> None:
        """One cell, as its type says: text is always a string (never a formula, never an error value)."""
        if value is None:
            return
        if isinstance(value, bool):
            ws.write_boolean(row, col, value, style)
        elif isinstance(value, datetime):
            ws.write_datetime(row, col, value, self.kinds[MOMENT])
        elif isinstance(value, date):
            ws.write_datetime(row, col, datetime.combine(value, time()), self.kinds[DATE])
        elif isinstance(value, int | Decimal):  # Excel holds 15 significant digits: amounts to 10^13 to the cent
            ws.write_number(
                row, col, value if isinstance(value, int) else float(value), self.kinds.get(kind or "", style)
            )
        else:
            ws.write_string(row, col, value, style)


def width(value: Any) -> int:
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return len(f"{value:,}")
    if isinstance(value, datetime):
        return 19
    return 10 if isinstance(value, date) else len(str(value))


def write_table(ws: Worksheet, formats: Formats, sheet: Sheet, currency: str, words: Words = ENGLISH) -> None:
    kinds = [glossary.meaning(sheet.table, h).kind for h in sheet.headers]
    headers = [header(sheet.table, h, currency, words) for h in sheet.headers]
    rows = [[typed(k, v) for k, v in zip(kinds, row, strict=True)] for row in sheet.rows]
    for n, h in enumerate(headers):
        widest = max((width(r[n]) for r in rows if r[n] is not None), default=0)
        ws.set_column(n, n, min(WIDTHS[1], max(WIDTHS[0], len(h), widest) + 2))
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, len(rows), max(0, len(headers) - 1))
    for n, h in enumerate(headers):
        ws.write_string(0, n, h, formats.bold)
    for r, values in enumerate(rows, start=1):
        for n, (kind, value) in enumerate(zip(kinds, values, strict=True)):
            formats.put(ws, r, n, value, kind)


def about_lines(about: About, sheets: list[Sheet], words: Words = ENGLISH) -> Iterator[tuple[Any, ...]]:
    _ = words.gettext
    yield (_("Table"), about.name)
    yield (_("What it shows"), about.what)
    filters = "; ".join(f"{k}={v}" for k, v in about.filters.items() if v not in (None, "")) or _("none")
    yield (_("Filters"), filters)
    yield (_("Log position"), about.position)
    if about.recorded_at is not None:
        yield (_("Recorded at (UTC)"), naive_utc(about.recorded_at))
    yield (_("As of"), about.as_of or _("now: the views as they stood at the log position above"))
    yield (_("Reporting currency"), about.currency)
    yield from ((words.header(label), value) for label, value in about.summary)
    for sheet in sheets:
        yield ()
        yield (_("Columns of the sheet %(sheet)s", sheet=sheet.title), _("what each column holds"))
        for name in sheet.headers:
            meaning = words.define(glossary.meaning(sheet.table, name).text)
            yield (header(sheet.table, name, about.currency, words), meaning)


def write_about(ws: Worksheet, formats: Formats, about: About, sheets: list[Sheet], words: Words = ENGLISH) -> None:
    ws.set_column(0, 0, 36)
    ws.set_column(1, 1, 100)
    for r, line in enumerate(about_lines(about, sheets, words)):
        for n, value in enumerate(line):
            kind = INTEGER if isinstance(value, int) and not isinstance(value, bool) else None
            shown = value if value is None or isinstance(value, int | Decimal | datetime) else text(value)
            formats.put(ws, r, n, shown, kind, formats.bold if n == 0 else formats.wrapped)


def workbook(sheets: list[Sheet], about: About, words: Words = ENGLISH) -> bytes:
    """The .xlsx file: a sheet per table, then "About" (its words, headers and definitions in `words`' language)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, OPTIONS)
    formats = Formats(book)
    for sheet in sheets:
        write_table(book.add_worksheet(sheet.title[:31]), formats, sheet, about.currency, words)
    write_about(book.add_worksheet(words.gettext("About")), formats, about, sheets, words)
    book.close()
    return out.getvalue()


def summary(answer: dict[str, Any], skip: Iterable[str] = ()) -> list[tuple[str, Any]]:
    """The answer's own figures beside its items (count, counts, total, ranking, note), as label and value."""
    lines: list[tuple[str, Any]] = []
    skipped = {"items", "currency", "position", "next_cursor", *skip}

    def add(label: str, name: str, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                add(f"{label}.{k}", k, v)
        elif isinstance(value, list | tuple):
            lines.append((label, ";".join(str(v) for v in value)))
        else:
            known = glossary.GENERAL.get(name)
            kind = known.kind if known and known.kind in (MONEY, FRACTION, DECIMAL) else None
            lines.append((label, typed(kind, value) if kind else value))

    for key, value in answer.items():
        if key not in skipped:
            add(key, key, value)
    return lines
