"""The tables only spreadsheets add: the need and programme lists (`/v1/needs`, `/v1/programmes`) and the IRG
report's figures per horizon. Declared as the views' own are (projections/views/columns.py), read from the same
rows the JSON answers list, as the reader may see them."""

from __future__ import annotations

from typing import Any

from domain import reference
from projections.views.columns import Column, Table, blank, derived, joined, leftovers, names, shared, titles
from projections.views.common import BOOKS


def yes_no(value: bool) -> str:
    return "yes" if value else "no"


NEEDS = Table(
    Column("need_id"),
    Column("state"),
    Column("state_name"),
    Column("region"),
    Column("article"),
    Column("paragraph", blank),
    Column("chapter"),
    Column("ta_types", joined),
    Column("priority"),
    Column("horizon"),
    Column("status"),
    Column("published", yes_no),
    shared("currency"),
    Column("estimated", blank),
    Column("allocated_commitment"),
    Column("allocated_pledged"),
    Column("allocated_disbursed"),
    Column("coverage", blank),
    Column("gap", blank),
    Column("classification", blank),
    *(leftovers(book) for book in BOOKS),
    derived("programmes", lambda i: titles(p for p in i["programmes"] if p["active"])),
    Column("providers", names),
    Column("source", lambda source: f"{source['kind']}: {source['reference']}"),
    Column("description"),
    Column("identified_at"),
    Column("updated_at"),
)

PROGRAMMES = Table(
    Column("programme_id"),
    Column("title"),
    Column("status"),
    Column("status_name"),
    Column("start", blank),
    Column("end", blank),
    Column("active", yes_no),
    Column("reporting_org", lambda org: org["name"]),
    Column("funders", names),
    Column("implementers", names),
    Column("states", joined),
    Column("iati_identifier", blank),
    shared("currency"),
    Column("pledged"),
    Column("committed"),
    Column("disbursed"),
    *(leftovers(book) for book in ("pledged", "committed", "disbursed")),
    derived("linked_needs", lambda i: len(i["linked_needs"])),
    Column("unpublished_needs"),
    Column("deliveries"),
    Column("last_delivery", blank),
    Column("description"),
    Column("registered_at"),
    Column("updated_at"),
)

IRG_SUMMARY = Table(
    Column("horizon"),
    Column("needs"),
    Column("addressed"),
    Column("unmet"),
    shared("currency"),
    Column("estimated", blank),
    Column("committed"),
    Column("gap", blank),
    Column("needs_with_estimate"),
    Column("needs_gap_unknown"),
    Column("needs_without_estimate"),
    Column("needs_estimate_unconverted"),
    leftovers("estimated"),
    leftovers("committed"),
)


def irg_summary(answer: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The IRG report's figures, one row per horizon (current first)."""
    return IRG_SUMMARY.headers, IRG_SUMMARY.rows([{"horizon": h, **answer[h]} for h in reference.HORIZONS], answer)
