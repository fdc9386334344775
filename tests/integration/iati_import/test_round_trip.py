"""Export the programmes as IATI, validate, and import them back: the programmes come out the same.

The world: GB-GOV-1 and DE-1 fund, UNODC implements; 1 EUR = 1.08 USD from 2024-01-01.
  A  "GB-1-A": KEN + UGA, implementation, linked to KEN art 5 and UGA art 15; commitment c-1
     100,000 EUR revised to 120,000; c-2 50,000 USD cancelled; pledge p-1 30,000 USD by DE-1;
     disbursements d-1 40,000 EUR by GB-GOV-1 and d-2 5,000 USD without a funder.
  B  no iati-identifier: DE-1's, KEN, linked to KEN art 9, 20,000 USD committed, then closed.
  C  "GB-1-C": pipeline, an end date only, no money.
  D  "GB-1-D": in the European Union (EUU), which has no IATI country code: not exportable.
Needs are not IATI: the round trip compares the programme side (rows and programme monitoring).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from api.iati.export import export_bytes, validate
from api.iati.exporter import ExportSource, NotExported, programme_activities
from api.iati.parse import iter_activities
from domain import context
from domain.programmes import CLOSED, FINALISATION, IMPLEMENTATION, PIPELINE
from projections.views.programme_monitoring import monitor
from tests.support.iati_import import head, identify, imported

DAY = date(2024, 1, 1)
TODAY = date(2025, 6, 1)
ROW_FIELDS = (
    "title",
    "description",
    "states",
    "start",
    "end",
    "status",
    "reporting_org",
    "funders",
    "implementers",
    "active",
    "pledged",
    "committed",
    "disbursed",
    "unconverted",
    "closed",
)


def build(services: Any) -> dict[str, Any]:
    ledger = services.ledger
    with context.recording(actor="world-builder"):
        gb = ledger.register_organisation("GB-GOV-1", "FCDO", "10").id
        de = ledger.register_organisation("DE-1", "BMZ", "10").id
        unodc = ledger.register_organisation("XI-IATI-UNODC", "UNODC", "40").id
        ledger.record_rate("EUR", DAY, "1.08")
        needs = {
            "KEN5": identify(services, "KEN", 5),
            "UGA15": identify(services, "UGA", 15),
            "KEN9": identify(services, "KEN", 9),
        }
        a = ledger.register_programme(
            title="Asset recovery",
            description="Courses",
            iati_identifier="GB-1-A",
            reporting_org=gb,
            funders=[gb, de],
            implementers=[unodc],
            states=["KEN", "UGA"],
            start=DAY,
            end=date(2026, 12, 31),
            status=IMPLEMENTATION,
        ).id
        ledger.link_need(a, needs["KEN5"])
        ledger.link_need(a, needs["UGA15"])
        change = ledger.change_programme
        change(a, lambda p: p.record_commitment("c-1", gb, "100000", "EUR", date(2024, 2, 1)))
        change(a, lambda p: p.revise_commitment("c-1", "120000"))
        change(a, lambda p: p.record_commitment("c-2", de, "50000", "USD", date(2024, 2, 1)))
        change(a, lambda p: p.cancel_commitment("c-2"))
        change(a, lambda p: p.record_pledge("p-1", de, "30000", "USD", date(2024, 3, 1)))
        change(a, lambda p: p.record_disbursement("d-1", "40000", "EUR", date(2024, 4, 1), gb))
        change(a, lambda p: p.record_disbursement("d-2", "5000", "USD", date(2024, 5, 1)))
        b = ledger.register_programme(
            title="Procurement law",
            description="",
            reporting_org=de,
            funders=[de],
            implementers=[],
            states=["KEN"],
            start=date(2022, 1, 1),
            end=date(2023, 6, 30),
            status=FINALISATION,
        ).id
        ledger.link_need(b, needs["KEN9"])
        change(b, lambda p: p.record_commitment("b-1", de, "20000", "USD", date(2022, 2, 1)))
        change(b, lambda p: p.change_status(CLOSED))
        c = ledger.register_programme(
            title="Whistle-blower study",
            description="",
            iati_identifier="GB-1-C",
            reporting_org=gb,
            funders=[gb],
            implementers=[],
            states=["UGA"],
            start=None,
            end=date(2027, 1, 1),
            status=PIPELINE,
        ).id
        d = ledger.register_programme(
            title="EU peer review",
            description="",
            iati_identifier="GB-1-D",
            reporting_org=gb,
            funders=[gb],
            implementers=[],
            states=["EUU"],
            start=DAY,
            end=None,
            status=IMPLEMENTATION,
        ).id
    services.runner.catch_up()
    return {"A": a, "B": b, "C": c, "D": d}


def exported(services: Any) -> tuple[bytes, list[NotExported]]:
    items = list(programme_activities(services.ledger, ExportSource.of(services)))
    left_out = [i for i in items if isinstance(i, NotExported)]
    xml = export_bytes(
        [i for i in items if not isinstance(i, NotExported)], generated_at=datetime(2025, 6, 1, tzinfo=UTC)
    )
    return xml, left_out


def test_the_export_is_valid_iati_2_03_with_sector_15113_and_the_linked_needs_articles(services):
    # Given the world
    ids = build(services)
    # When its programmes are exported
    xml, left_out = exported(services)
    # Then the file is valid against the IATI 2.03 schema
    assert validate(xml) == []
    # And every activity carries DAC 15113 and the UNCAC articles of its linked needs
    activities = {a.title: a for a in iter_activities(xml)}
    assert set(activities) == {"Asset recovery", "Procurement law", "Whistle-blower study"}
    assert all(("1", "15113") in a.sectors for a in activities.values())
    assert activities["Asset recovery"].uncac_articles == [5, 15]
    assert activities["Procurement law"].uncac_articles == [9]
    # And the EU programme, which IATI cannot express, is left out with its reason
    assert [(n.programme_id, n.reason.split(":")[0]) for n in left_out] == [(str(ids["D"]), "no-country-code")]


def test_the_export_carries_the_book_a_cancelled_commitment_left_out(services):
    build(services)
    # When exported and read back
    xml, _ = exported(services)
    a = next(a for a in iter_activities(xml) if a.iati_identifier == "GB-1-A")
    # Then its transactions are the revised commitment, the pledge and both disbursements
    book = {t.ref: (t.type_code, t.amount, t.currency, t.provider_ref) for t in a.transactions}
    assert book == {
        "c-1": ("2", Decimal("120000"), "EUR", "GB-GOV-1"),
        "p-1": ("12", Decimal("30000"), "USD", "DE-1"),
        "d-1": ("3", Decimal("40000"), "EUR", "GB-GOV-1"),
        "d-2": ("3", Decimal("5000"), "USD", None),
    }
    # And a programme without an iati-identifier is named by its reporting org and its id
    b = next(a for a in iter_activities(xml) if a.title == "Procurement law")
    assert b.iati_identifier.startswith("DE-1-") and b.status == CLOSED


def test_an_export_imported_into_an_empty_ledger_gives_the_same_programme_views(services, empty_services):
    # Given the world exported
    build(services)
    xml, _ = exported(services)
    # When the file is imported into an empty ledger (with the same rate: IATI does not carry it)
    empty_services.ledger.record_rate("EUR", DAY, "1.08")
    report = imported(empty_services, xml, "export.xml")
    assert report["activities"]["imported"] == 3 and report["skipped"] == []
    empty_services.runner.catch_up()
    # Then the programme rows and programme-monitoring figures are the same, programme by programme
    before, after = programme_side(services), programme_side(empty_services)
    assert set(after) == {"Asset recovery", "Procurement law", "Whistle-blower study"}
    for title, row in after.items():
        assert row == before[title], title
    assert after["Asset recovery"]["committed"] == "129600.00"  # 120,000 EUR at 1.08, c-2 cancelled


def test_an_export_imported_back_into_the_same_ledger_appends_nothing(services):
    # Given the world and its export
    build(services)
    xml, _ = exported(services)
    start = head(services)
    # When the export is imported into the ledger it came from
    report = imported(services, xml, "export.xml")
    # Then every programme is found (one without an identifier by its id), nothing is appended
    assert report["activities"]["unchanged"] == 3 and report["events"] == 0
    assert head(services) == start
    services.runner.catch_up()
    assert [r["title"] for r in services.durable.programmes()].count("Procurement law") == 1


def programme_side(services: Any) -> dict[str, dict[str, Any]]:
    """Each programme's row and monitoring figures, keyed by title (ids differ between ledgers)."""
    out = {}
    for row in services.durable.programmes():
        figures = monitor(row, TODAY)
        figures = {k: v for k, v in figures.items() if k not in ("programme_id", "linked_needs")}
        out[row["title"]] = {**{k: row[k] for k in ROW_FIELDS}, "monitoring": figures}
    return out
