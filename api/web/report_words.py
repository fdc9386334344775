"""The IRG report's downloads in the reader's language: the `Words` its Markdown and spreadsheet are written with,
the `labels` its JSON carries, and whether a CSV or spreadsheet is headed in a language at all.

Markdown and the JSON labels follow the reader's language as pages do (`?lang=`, its cookie, Accept-Language). A
CSV or spreadsheet is for machines as much as people: its headers (and a spreadsheet's sheet titles and About
sheet) are translated only when the request names the language itself with `?lang=` (or the CLI's `--lang`); a
cookie or a browser's Accept-Language never changes a file a script reads (docs/languages.md). Cells are data
in every language: codes, amounts and dates as the CSV writes them.
"""

from __future__ import annotations

from typing import Any

from api.web import i18n, i18n_words
from domain import reference
from projections.views import glossary, irg_report, tables
from projections.views.words import ENGLISH, HORIZON_TITLES, Words

STATUSES = {"addressed": i18n.N_("Addressed"), "unmet": i18n.N_("Unmet")}
GLOSSARY_TABLES = (("irg-report", irg_report.TABLE.headers), ("irg-summary", tables.IRG_SUMMARY.headers))


def reader() -> Words:
    """The request's language as an export writes it; English is the ledger's own words and figures, unchanged."""
    if i18n.current() == i18n.DEFAULT:
        return ENGLISH
    return Words(
        gettext=i18n.gettext,
        term=i18n_words.term,
        ta_type=i18n.ta_type,
        why=i18n_words.why,
        money=i18n.money,
        header=i18n_words.column,
        define=i18n.gettext,
        state=i18n.country,
    )


def named(lang: str | None) -> str | None:
    """The language a request names with `?lang=`, when it is one the ledger speaks: what heads a CSV."""
    return lang.lower() if lang and lang.lower() in i18n.languages() else None


def labels(answer: dict[str, Any]) -> dict[str, Any]:
    """What a program needs to show the report's JSON in the reader's language, keyed by the JSON's own codes."""
    codes = sorted({t for h in reference.HORIZONS for i in answer[h]["items"] for t in i["ta_types_v2"]})
    fields = {*irg_report.TABLE.headers, *tables.IRG_SUMMARY.headers}  # every column of the CSV and the summary
    return {
        "language": i18n.current(),
        "title": i18n.gettext(
            "Technical assistance needs of %(name)s (%(state)s)",
            name=i18n.country(answer["state"]),
            state=answer["state"],
        ),
        "state_name": i18n.country(answer["state"]),
        "horizons": {h: i18n.gettext(HORIZON_TITLES[h]) for h in reference.HORIZONS},
        "statuses": {s: i18n.gettext(t) for s, t in STATUSES.items()},
        "priorities": {p: i18n_words.term(p) for p in reference.PRIORITIES},
        "ta_types": {t: i18n.ta_type(t) for t in codes},
        "fields": {f: i18n_words.column(f) for f in sorted(fields)},
    }


def definitions() -> list[str]:
    """The definitions an IRG spreadsheet's About sheet gives, for extraction (api/web/i18n_extract.py)."""
    return sorted({glossary.meaning(table, name).text for table, names in GLOSSARY_TABLES for name in names})
