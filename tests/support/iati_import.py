"""Shared steps of the IATI import tests: sample files, importing, reading what the log gained."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from api.iati.importer import import_into
from domain import context
from domain.needs import source
from domain.organisations import organisation_id
from domain.programmes import programme_id_for
from tests import paths

SAMPLES = paths.SAMPLES
FIXTURES = paths.FIXTURES
MAEC = SAMPLES / "maec-indonesia-v2.01.xml"  # 83 activities, IATI 2.01, real and messy
ANNOTATED = SAMPLES / "activity-standard-example-annotated.xml"  # IATI's annotated 2.03 example
LEGACY = SAMPLES / "worldbank-v1-legacy.xml"  # IATI 1.0: refused
MAEC_ACTIVITIES = 83


def head(services: Any) -> int:
    return services.ledger.recorder.max_notification_id() or 0


def imported(services: Any, source_: Any, name: str = "test.xml", **options: Any) -> dict[str, Any]:
    """Import as the CLI does (actor "cli"); answers the report as a dict."""
    with context.recording(actor="cli"):
        return import_into(services, source_, name, **options).to_dict()


def events_after(services: Any, position: int) -> list[Any]:
    ledger = services.ledger
    found = ledger.recorder.select_notifications(start=position, limit=10_000, inclusive_of_start=False)
    return [ledger.mapper.to_domain_event(n) for n in found]


def names(events: list[Any]) -> list[str]:
    return [type(e).__name__ for e in events]


def programme(services: Any, identifier: str) -> Any:
    return services.ledger.programme(programme_id_for(identifier))


def org_id(ref: str) -> UUID:
    return organisation_id(ref)


def identify(services: Any, state: str, article: int, description: str = "a need") -> UUID:
    return services.ledger.identify_need(
        state=state,
        article=article,
        ta_types=["legal-advice"],
        description=description,
        horizon="current",
        priority="high",
        source=source("self-assessment", "SA 2021"),
    ).id


def net(p: Any) -> dict[str, dict[str, Decimal]]:
    """A programme's net money per currency, from the aggregate: pledged, committed (less decreases), disbursed
    (less corrections); cancelled commitments left out, books without money left out."""
    sums: dict[str, dict[str, Decimal]] = {}

    def add(book: str, currency: str, amount: Decimal) -> None:
        per = sums.setdefault(book, {})
        per[currency] = per.get(currency, Decimal(0)) + amount

    for c in p.commitments.values():
        if not c["cancelled"]:
            add("pledged" if c["kind"] == "pledge" else "committed", c["currency"], c["amount"])
    for d in p.disbursements.values():
        add("disbursed", d["currency"], d["amount"])
    for k in p.corrections.values():
        add("committed" if k["kind"] == "commitment-decrease" else "disbursed", k["currency"], -k["amount"])
    order = ("pledged", "committed", "disbursed")
    return {book: sums[book] for book in order if book in sums}
