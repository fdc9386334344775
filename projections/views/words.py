"""How an export speaks: the words the IRG report's Markdown and a spreadsheet write around their data.

projections/ knows no catalogue and no reader: it is handed a `Words`, English unless the caller gives the reader's
language (api/web/report_words.py). English is the data as stored (codes, amounts as `1234.50`), so an English
export reads as it always has; the messages are written where they are used as `words.gettext("…")` calls and
`N_("…")` marks, which `make messages` extracts (babel.cfg) like any other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from domain import reference


def N_(message: str) -> str:  # noqa: N802 - gettext's own name for "extract me, translate later"
    return message


def english(message: str, **values: Any) -> str:
    return message % values if values else message


def _state_name(iso3: str) -> str:
    return reference.states()[iso3].name


@dataclass(frozen=True)
class Words:
    gettext: Callable[..., str] = english  # a message in the reader's language, its `%(name)s` filled from values
    term: Callable[[str], str] = str  # a code (priority, horizon, stakeholder kind) in words
    ta_type: Callable[[str], str] = str  # a TA type's code in words
    why: Callable[[str], str] = str  # why a figure is unknown ("no estimate", "no exchange rate for EUR")
    money: Callable[[str], str] = str  # an amount (a decimal string) as the reader writes it
    header: Callable[[str], str] = str  # a column's machine name as its header
    define: Callable[[str], str] = str  # a column's definition (projections/views/glossary.py)
    state: Callable[[str], str] = _state_name  # a State's name from its ISO alpha-3


ENGLISH = Words()
HORIZON_TITLES = {"current": N_("Current needs"), "anticipated": N_("Anticipated needs")}
