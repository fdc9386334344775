"""CSV that opens safely in a spreadsheet: every CSV the ledger writes goes through `csv_text` (the HTTP views and
IRG report, `ledger export csv`, `ledger report irg --format csv`), so all of them follow one spec (README, "CSV
files"): UTF-8 with a byte-order mark (so a spreadsheet reads accented names right), CRLF line ends (RFC 4180),
a header row, then one row per item, every cell neutralised as follows.

Text in the ledger comes from its users (need descriptions, programme titles, organisation names),
and a spreadsheet runs a cell beginning with `=`, `+`, `-`, `@`, a tab or a carriage return as a
formula (CSV injection). Following OWASP's guidance such a text cell is prefixed with a single
quote, which spreadsheets show as text and do not run. Numbers are never changed: a number cell
(an int or Decimal, or a plain decimal string such as `-1500.00`) cannot hold a formula. Items of a
`;`-joined list cell are treated the same, since a spreadsheet whose list separator is `;` splits
the cell there.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import IO, Any

BOM = "\ufeff"
LINE_END = "\r\n"
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
LIST_ITEM = re.compile(r";(?=[=+\-@\t\r])")


def safe_cell(value: Any) -> Any:
    """The cell as a spreadsheet may open it: a formula-like text cell prefixed with `'`, else as is."""
    if not isinstance(value, str) or NUMBER.fullmatch(value):
        return value
    cell = LIST_ITEM.sub(";'", value)
    return "'" + cell if cell.startswith(TRIGGERS) else cell


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [safe_cell(v) for v in row]


def csv_text(columns: list[str], rows: Iterable[Iterable[Any]]) -> str:
    """The whole file: the byte-order mark, the header and the rows, CRLF-ended, every cell neutralised."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator=LINE_END)
    writer.writerow(safe_row(columns))
    writer.writerows(safe_row(r) for r in rows)
    return out.getvalue()


def write_csv(out: IO[bytes], columns: list[str], rows: Iterable[Iterable[Any]]) -> None:
    """The file's UTF-8 bytes on a binary sink (a file opened "wb", or standard output's buffer)."""
    out.write(csv_text(columns, rows).encode("utf-8"))
