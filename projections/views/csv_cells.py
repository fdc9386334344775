"""CSV that opens safely in a spreadsheet: every CSV the ledger writes goes through `write_csv`.

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
import re
from collections.abc import Iterable
from typing import IO, Any

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


def write_csv(out: IO[str], columns: list[str], rows: Iterable[Iterable[Any]], lineterminator: str = "\n") -> None:
    """The header and the rows as CSV on `out`, every cell neutralised by `safe_cell`."""
    writer = csv.writer(out, lineterminator=lineterminator)
    writer.writerow(safe_row(columns))
    writer.writerows(safe_row(r) for r in rows)
