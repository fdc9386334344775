"""The ledger's own words in the reader's language: codes (statuses, horizons, flags, roles, kinds), event names,
the fields an event records, table columns; and the lists `pybabel extract` takes them from (api/web/i18n_extract.py).

Templates show them through filters (`term`, `field`, `column`, `words`: api/web/render.py); a code, field or
column not listed reads as itself.
"""

from __future__ import annotations

import re
from typing import Any

from api.web import i18n
from api.web.i18n import N_, gettext
from domain import reference

# The ledger's own codes as words: what a page shows for a status, horizon, priority, classification, role,
# grouping, flag or kind; a code not listed reads as itself.
TERMS = {
    "open": N_("open"),
    "met": N_("met"),
    "withdrawn": N_("withdrawn"),
    "current": N_("current"),
    "anticipated": N_("anticipated"),
    "high": N_("high"),
    "medium": N_("medium"),
    "low": N_("low"),
    "unmet": N_("unmet"),
    "partially-funded": N_("partially funded"),
    "funded": N_("funded"),
    "admin": N_("admin"),
    "coordinator": N_("coordinator"),
    "state": N_("state"),
    "provider": N_("provider"),
    "auditor": N_("auditor"),
    "anonymous": N_("anonymous"),
    "region": N_("region"),
    "chapter": N_("chapter"),
    "article": N_("article"),
    "ta_type": N_("TA type"),
    "over-disbursed": N_("over-disbursed"),
    "stalled": N_("stalled"),
    "overdue": N_("overdue"),
    "net-negative": N_("net negative"),
    "training": N_("training"),
    "expert-mission": N_("expert mission"),
    "legislative-drafting": N_("legislative drafting"),
    "workshop": N_("workshop"),
    "study": N_("study"),
    "equipment": N_("equipment"),
    "other": N_("other"),
    "self-assessment": N_("self-assessment"),
    "country-review-report": N_("country review report"),
    "executive-summary": N_("executive summary"),
    "national-strategy": N_("national strategy"),
    "other-mechanism": N_("other mechanism"),
    "pledge": N_("pledge"),
    "commitment": N_("commitment"),
    "disbursement": N_("disbursement"),
    "African": N_("African"),
    "Asia-Pacific": N_("Asia-Pacific"),
    "Eastern European": N_("Eastern European"),
    "Latin American and Caribbean": N_("Latin American and Caribbean"),
    "Western European and Others": N_("Western European and Others"),
    "Other": N_("Other"),
    "civil-society": N_("civil society"),
    "private-sector": N_("private sector"),
    "academia": N_("academia"),
    "parliament": N_("parliament"),
    "yes": N_("yes"),
    "no": N_("no"),
}


def term(code: Any) -> str:
    """A code in words in the reader's language (`partially-funded` → "financé en partie")."""
    text = str(code) if code is not None else ""
    return gettext(TERMS[text]) if text in TERMS else text


def event_words() -> list[str]:
    """Every domain event's name as the pages print it (`NeedCostEstimated` → "Need cost estimated"): the event
    classes of every aggregate the ledger holds (domain/ledger.py imports them all)."""
    import inspect

    from eventsourcing.domain import Aggregate, DomainEvent

    import domain.ledger  # noqa: F401 - every aggregate, so that Aggregate knows its subclasses

    found: set[str] = set()
    owners: list[type] = [Aggregate]
    while owners:
        owner = owners.pop()
        owners += owner.__subclasses__()
        found |= {n for n, c in vars(owner).items() if inspect.isclass(c) and issubclass(c, DomainEvent)}
    return sorted(_words(n) for n in found - {"Event", "Created"})


def _words(name: str) -> str:
    parts = re.findall(r"[A-Z][a-z0-9]*", name) or [name]
    return " ".join([parts[0], *(p.lower() for p in parts[1:])])


# What an event recorded, by field, as a record's history lists it; a field not listed reads as its name.
FIELDS = {
    name: name
    for name in (
        N_("state"),
        N_("article"),
        N_("paragraph"),
        N_("description"),
        N_("ta types"),
        N_("horizon"),
        N_("priority"),
        N_("source"),
        N_("estimated cost"),
        N_("published"),
        N_("status"),
        N_("title"),
        N_("funders"),
        N_("implementers"),
        N_("reporting org"),
        N_("states"),
        N_("amount"),
        N_("currency"),
        N_("value date"),
        N_("need"),
        N_("need id"),
        N_("share"),
        N_("kind"),
        N_("date"),
        N_("participants"),
        N_("outputs"),
        N_("lessons"),
        N_("stakeholders"),
        N_("assistance"),
        N_("start"),
        N_("end"),
        N_("funder"),
        N_("name"),
        N_("ref"),
        N_("org type"),
        N_("country"),
        N_("iati identifier"),
        N_("commitment id"),
        N_("disbursement id"),
        N_("delivery id"),
        N_("correction id"),
        N_("need ids"),
        N_("rate"),
        N_("role"),
        N_("organisation"),
    )
}


def field(name: str) -> str:
    return gettext(name) if name in FIELDS else name


def column_words(name: str) -> str:
    """A table column's header as pages print it (`needs_unmet` → "Needs unmet"), as api/web/views_pages.py does."""
    return name.replace("_", " ").capitalize().replace("Hhi", "HHI").replace("Ta ", "TA ")


def column(name: str) -> str:
    return gettext(column_words(name))


def column_names() -> list[str]:
    """Every column of every view's table (projections/views), for extraction."""
    from projections.views import (
        funding_gaps,
        irg_report,
        priority_areas,
        programme_monitoring,
        provider_overlap,
        tables,
        unmet_needs,
    )
    from projections.views.columns import Table

    modules = (funding_gaps, irg_report, priority_areas, programme_monitoring, provider_overlap, tables, unmet_needs)
    found = {c.name for m in modules for v in vars(m).values() if isinstance(v, Table) for c in v.columns}
    return sorted(found)


# Labels the pages' own choices and their defaults show (api/web/views_pages.py VIEWS' options).
CHOICE_LABELS = (N_("Classification"), N_("Group by"), N_("Flag"), N_("Default"), N_("All"))
# Why a figure is unknown, as the tables say it (api/web/views_pages.py why_unknown).
WHY_UNKNOWN = (N_("no estimate"), N_("no converted commitment"), N_("nothing committed"), N_("not known"))


_NO_RATE = re.compile(r"^no exchange rate for (?P<currencies>[A-Z]{3}(?:, [A-Z]{3})*)$")


def why(text: str) -> str:
    """Why a figure is unknown (api/web/views_pages.py why_unknown), in the reader's language."""
    m = _NO_RATE.match(text)
    return gettext("no exchange rate for %(currencies)s", currencies=m["currencies"]) if m else gettext(text)


def unknown_why(h: dict[str, Any]) -> str:
    """Why some needs' gap is unknown (projections/views/irg_report.py unknown_words), in the reader's language."""
    parts = [gettext("%(n)s without an estimate", n=h["needs_without_estimate"])] if h["needs_without_estimate"] else []
    if h["needs_estimate_unconverted"]:
        parts.append(gettext("%(n)s without an exchange rate", n=h["needs_estimate_unconverted"]))
    return ", ".join(parts)


def choice(option: tuple[str, str, str]) -> str:
    """A form's choice in the reader's language, by what its field chooses (field, value, English label)."""
    name, value, label = option
    if name in ("state", "country") and len(value) == 3:
        return f"{i18n.country(value)} ({value})"
    if name == "article" and value.isdigit():
        return f"{value} — {i18n.article_title(int(value))}"
    if name in ("ta_types", "ta_type"):
        return i18n.ta_type(value)
    if name == "status" and value.isdigit():
        return f"{value} {i18n.activity_status(int(value))}"
    if name == "org_type":
        return i18n.organisation_type(value)
    if name == "cycle" and value.isdigit():
        chapters = ", ".join(reference.review_cycles()[int(value)])
        return gettext("Cycle %(n)s (ch. %(chapters)s)", n=value, chapters=chapters)
    return term(value) if value in TERMS else label  # names, currencies, records: as they are


def cell(code: str) -> str:
    """A table cell holding a code: as the CSV writes it in English (the page is the CSV), in words otherwise."""
    return code if i18n.current() == i18n.DEFAULT else term(code)
