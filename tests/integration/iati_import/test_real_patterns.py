"""Real publishers' patterns (issue 17), one fixture file each (tests/unit/iati/fixtures/<pattern>.xml): the exact
report (activities, transactions by type, notes, skips) and the exact net money per programme and currency.

Every activity is reported by ES-DIR3-E04585801 (Spain's MAEC, as in the real MAEC file), funds itself, in
Indonesia unless said otherwise, EUR unless said otherwise.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from lxml import etree

from api.iati.export import export_bytes, validate
from api.iati.exporter import ExportSource, programme_activities
from domain.errors import InvalidInput
from tests.support.iati_import import FIXTURES, MAEC, events_after, head, imported, names, net, programme

SPAIN = "ES-DIR3-E04585801"
ACTIVITY_KEYS = ("seen", "filtered_out", "imported", "updated", "unchanged", "skipped")


def report_of(report: dict[str, Any]) -> dict[str, Any]:
    """The parts of a report a test states exactly; identifiers without the reporter's prefix."""

    def short(identifier: str | None) -> str | None:
        return identifier.removeprefix(f"{SPAIN}-") if identifier else identifier

    return {
        "activities": report["activities"],
        "transactions": {k: v for k, v in report["transactions"].items() if v},
        "notes": [(short(n["iati_identifier"]), n["note"]) for n in report["notes"]],
        "skipped": [(short(s["iati_identifier"]), s["reason"]) for s in report["skipped"]],
    }


def activities(imported_: int, skipped: int = 0, **others: int) -> dict[str, int]:
    counts = dict.fromkeys(ACTIVITY_KEYS, 0) | {"imported": imported_, "skipped": skipped} | others
    counts["seen"] = counts["seen"] or imported_ + skipped
    return counts


def of(services: Any, suffix: str) -> Any:
    return programme(services, f"{SPAIN}-{suffix}")


def test_reused_refs_identify_transactions_by_ref_when_unique_in_their_book_and_by_a_derived_key_otherwise(services):
    # When the file with reused refs is imported
    report = imported(services, FIXTURES / "reused-transaction-refs.xml")
    # Then nothing is skipped: the contract's commitment and its three quarterly disbursements, the pledge and the
    # commitment sharing P-1, the two identical disbursements are all recorded; the type-4 expenditures counted
    assert report_of(report) == {
        "activities": activities(2),
        "transactions": {"imported": {"12": 1, "2": 2, "3": 5}, "ignored": {"4": 2}},
        "notes": [],
        "skipped": [],
    }
    contract, other = of(services, "RR-1"), of(services, "RR-2")
    # And the commitment keeps its ref (unique among commitments); the disbursements sharing it get derived ids
    assert list(contract.commitments) == ["CONTRACT-7"]
    assert len(contract.disbursements) == 3 and all(d.startswith("tx-") for d in contract.disbursements)
    assert all(c.startswith("tx-") for c in other.commitments) and len(other.disbursements) == 2
    # And the net money equals the file's sums, per programme and currency
    assert net(contract) == {"committed": {"EUR": Decimal("120000")}, "disbursed": {"EUR": Decimal("90000")}}
    assert net(other) == {
        "pledged": {"EUR": Decimal("10000")},
        "committed": {"EUR": Decimal("8000")},
        "disbursed": {"EUR": Decimal("10000")},
    }
    # And importing the same file again appends nothing
    position = head(services)
    again = imported(services, FIXTURES / "reused-transaction-refs.xml")
    assert again["events"] == 0 and head(services) == position
    assert again["transactions"]["unchanged"] == {"12": 1, "2": 2, "3": 5}


def test_a_changed_file_with_reused_refs_appends_only_the_new_quarter(services, tmp_path):
    # Given the file imported
    imported(services, FIXTURES / "reused-transaction-refs.xml")
    start = head(services)
    # When a fourth quarter is added under the same contract ref
    tree = etree.parse(str(FIXTURES / "reused-transaction-refs.xml"))
    contract = tree.getroot().find("iati-activity")
    contract.append(
        etree.fromstring(
            '<transaction ref="CONTRACT-7"><transaction-type code="3"/><transaction-date iso-date="2023-12-31"/>'
            '<value value-date="2023-12-31">30000</value></transaction>'
        )
    )
    changed = tmp_path / "reused-changed.xml"
    tree.write(str(changed), xml_declaration=True, encoding="UTF-8")
    report = imported(services, changed)
    # Then only that disbursement is appended
    assert names(events_after(services, start)) == ["DisbursementRecorded"]
    assert report["transactions"]["imported"] == {"3": 1} and report["notes"] == []
    assert net(of(services, "RR-1"))["disbursed"] == {"EUR": Decimal("120000")}


def test_a_ref_recorded_when_unique_is_the_same_entry_once_the_publisher_reuses_it(services, tmp_path):
    # Given the contract imported when its ref was unique in each book: a commitment and one disbursement
    tree = etree.parse(str(FIXTURES / "reused-transaction-refs.xml"))
    root = tree.getroot()
    root.remove(root.findall("iati-activity")[1])
    contract = root.find("iati-activity")
    for later in contract.findall("transaction")[2:4]:
        contract.remove(later)
    first = tmp_path / "contract-q1.xml"
    tree.write(str(first), xml_declaration=True, encoding="UTF-8")
    imported(services, first)
    assert set(of(services, "RR-1").disbursements) == {"CONTRACT-7"}
    start = head(services)
    # When the publisher's next file lists three disbursements under that ref
    report = imported(services, FIXTURES / "reused-transaction-refs.xml")
    # Then the first quarter is the disbursement already recorded: only the two new quarters are appended
    appended = events_after(services, start)
    assert sorted(names(appended)) == sorted(
        ["DisbursementRecorded"] * 2
        + ["ProgrammeRegistered"]
        + ["PledgeRecorded"]
        + ["CommitmentRecorded"]
        + ["DisbursementRecorded"] * 2
    )
    assert report["transactions"]["unchanged"] == {"2": 1, "3": 1}
    assert net(of(services, "RR-1"))["disbursed"] == {"EUR": Decimal("90000")}
    # And importing it once more appends nothing
    assert imported(services, FIXTURES / "reused-transaction-refs.xml")["events"] == 0


def test_transactions_without_refs_keep_the_ids_ledgers_already_hold(services):
    # Given the ids the importer gave MAEC's transactions before issue 17 (61 activities then imported)
    before = json.loads((FIXTURES / "maec-transaction-ids-before-issue-17.json").read_text())
    # When MAEC is imported now
    report = imported(services, MAEC, "maec.xml")
    # Then every activity is imported (the 22 with refunds too), and each of those ids names the same entry
    assert report["activities"]["skipped"] == 0 and report["activities"]["imported"] == 83
    for identifier, ids in before.items():
        p = programme(services, identifier)
        held = {i: "2" for i in p.commitments} | {i: "3" for i in p.disbursements}
        assert {i: held.get(i) for i in ids} == ids, identifier


def test_negative_commitments_and_disbursements_are_recorded_as_corrections(services):
    # When the file with refunds and decreases is imported
    start = head(services)
    report = imported(services, FIXTURES / "negative-transactions.xml")
    # Then every activity is imported; four corrections are recorded and the negative pledge only noted
    assert report_of(report) == {
        "activities": activities(2),
        "transactions": {
            "imported": {"12": 1, "2": 2, "3": 2},
            "corrected": {"2": 2, "3": 2},
            "ignored": {"12": 1},
        },
        "notes": [
            ("NEG-2", "transaction 2: a negative pledge (-3000) is not recorded: the ledger takes no pledge off"),
        ],
        "skipped": [],
    }
    appended = names(events_after(services, start))
    assert appended.count("CommitmentDecreased") == 2 and appended.count("DisbursementCorrected") == 2
    # And the refund sharing its disbursement's ref keeps that ref, as its id and as its source
    audit = of(services, "NEG-1")
    refund = audit.corrections["D-2023-01"]
    assert (refund["kind"], refund["amount"], refund["source_ref"]) == (
        "disbursement-correction",
        Decimal("532.29"),
        "D-2023-01",
    )
    assert refund["reason"] == "IATI import: negative transaction D-2023-01"
    assert audit.corrections["C-1-DEC"]["kind"] == "commitment-decrease"
    # And the net money per currency is the file's signed sums
    assert net(audit) == {"committed": {"EUR": Decimal("80000.00")}, "disbursed": {"EUR": Decimal("36385.31")}}
    closed = of(services, "NEG-2")
    assert closed.status == 4 and all(c["source_ref"] is None for c in closed.corrections.values())
    assert net(closed) == {
        "pledged": {"EUR": Decimal("10000")},
        "committed": {"EUR": Decimal("45000")},
        "disbursed": {"EUR": Decimal("19000")},
    }
    # And importing it again appends nothing
    position = head(services)
    again = imported(services, FIXTURES / "negative-transactions.xml")
    assert again["events"] == 0 and head(services) == position
    assert again["transactions"]["unchanged"] == {"12": 1, "2": 4, "3": 4}


def test_countries_named_on_transactions_are_the_programmes_states_parties_only(services):
    report = imported(services, FIXTURES / "transaction-level-countries.xml")
    assert report_of(report) == {
        "activities": activities(2),
        "transactions": {"imported": {"2": 2, "3": 3}},
        "notes": [
            ("TC-1", "recipient country IDN read from a transaction"),
            ("TC-1", "recipient country PHL read from a transaction"),
            ("TC-1", "recipient country ERI read from a transaction"),
            ("TC-1", "recipient countries not party to UNCAC dropped: ERI"),
            ("TC-2", "recipient country VNM read from a transaction"),
        ],
        "skipped": [],
    }
    assert of(services, "TC-1").states == ["IDN", "PHL"] and of(services, "TC-2").states == ["IDN", "VNM"]
    assert net(of(services, "TC-1")) == {"committed": {"EUR": Decimal("60000")}, "disbursed": {"EUR": Decimal("21000")}}
    assert net(of(services, "TC-2")) == {"committed": {"EUR": Decimal("30000")}, "disbursed": {"EUR": Decimal("10000")}}


def test_empty_dates_are_ignored_like_is_compared_with_like_and_a_delayed_project_keeps_an_open_end(services):
    report = imported(services, FIXTURES / "empty-and-mixed-dates.xml")
    assert report_of(report) == {
        "activities": activities(3, 1),
        "transactions": {"imported": {"2": 3}},
        "notes": [
            ("DT-1", "an activity-date type 1 without a date was ignored"),
            ("DT-2", "the actual start 2023-06-01 is after the planned end 2023-03-31: the end is left open"),
            ("DT-3", "an activity-date type 2 without a date was ignored"),
        ],
        "skipped": [("DT-4", "end-before-start: the actual end 2023-01-31 is before the actual start 2023-06-01")],
    }
    periods = {s: (of(services, s).start, of(services, s).end) for s in ("DT-1", "DT-2", "DT-3")}
    assert periods == {
        "DT-1": (date(2023, 3, 1), date(2025, 12, 31)),
        "DT-2": (date(2023, 6, 1), None),
        "DT-3": (None, date(2025, 12, 31)),
    }
    assert [net(of(services, s)) for s in ("DT-1", "DT-2", "DT-3")] == [
        {"committed": {"EUR": Decimal(amount)}} for amount in ("1000", "2000", "3000")
    ]


def test_1x_transaction_codes_are_read_as_their_2x_numbers(services):
    report = imported(services, FIXTURES / "codes-1x.xml")
    assert report_of(report) == {
        "activities": activities(1),
        "transactions": {"imported": {"2": 1, "3": 1}, "ignored": {"1": 1, "4": 1, "8": 1}},
        "notes": [
            (
                "X1-1",
                "IATI 1.x transaction type codes read as 2.x: C → 2 (1), D → 3 (1), E → 4 (1), IF → 1 (1), QP → 8 (1)",
            ),
        ],
        "skipped": [],
    }
    assert net(of(services, "X1-1")) == {
        "committed": {"USD": Decimal("30000000")},
        "disbursed": {"USD": Decimal("1000000")},
    }


def test_a_malformed_transaction_of_an_unrecorded_type_is_noted_and_one_of_a_recorded_type_skips_the_activity(
    services,
):
    report = imported(services, FIXTURES / "bad-transaction-unrecorded-vs-recorded.xml")
    assert report_of(report) == {
        "activities": activities(1, 2),
        "transactions": {"imported": {"2": 1}, "ignored": {"4": 1, "none": 1}},
        "notes": [
            ("BT-1", "bad-amount: transaction 2 has no value; ignored: the ledger does not record type 4"),
            (
                "BT-1",
                "missing-transaction-type: transaction 3 has no transaction-type code; ignored: a transaction "
                "without a type",
            ),
        ],
        "skipped": [
            ("BT-2", "bad-amount: transaction 2 has no value"),
            ("BT-3", "bad-amount: transaction 1 value '12,500' is not a decimal number"),
        ],
    }
    assert net(of(services, "BT-1")) == {"committed": {"EUR": Decimal("40000")}}


def test_empty_country_codes_are_ignored_and_alpha3_codes_accepted(services):
    report = imported(services, FIXTURES / "country-lists.xml")
    assert report_of(report) == {
        "activities": activities(2, 1),
        "transactions": {"imported": {"2": 2}},
        "notes": [
            ("CL-1", "a recipient-country without a code was ignored"),
            ("CL-2", "recipient-country code 'IDN' read as ISO alpha-3"),
            ("CL-2", "recipient-country code 'PHL' read as ISO alpha-3"),
        ],
        "skipped": [("CL-3", "unknown-country: recipient-country code 'XX'")],
    }
    assert of(services, "CL-1").states == ["IDN", "PHL"] == of(services, "CL-2").states
    assert net(of(services, "CL-1")) == {"committed": {"EUR": Decimal("1000")}}


def test_float_noise_is_rounded_half_even_to_the_ledgers_precision(services):
    report = imported(services, FIXTURES / "float-noise.xml")
    assert report_of(report) == {
        "activities": activities(1),
        "transactions": {"imported": {"2": 1, "3": 1}},
        "notes": [
            ("FN-1", "transaction 1 value '25690.199999999997' rounded to 25690.2 (10 decimal places)"),
            ("FN-1", "transaction 2 value '0.12345678905' rounded to 0.123456789 (10 decimal places)"),
        ],
        "skipped": [],
    }
    assert net(of(services, "FN-1")) == {
        "committed": {"USD": Decimal("25690.2")},
        "disbursed": {"USD": Decimal("0.123456789")},
    }


def test_a_file_declaring_a_dtd_or_entities_is_refused_whole_and_nothing_is_written(services):
    start = head(services)
    with pytest.raises(InvalidInput) as refused:
        imported(services, FIXTURES / "dtd-entities.xml")
    assert refused.value.code == "iati-xml-dtd-forbidden" and "DOCTYPE" in refused.value.detail
    assert head(services) == start


def test_activities_without_dates_are_exported_with_a_planned_start_and_read_back(services, empty_services):
    # Given the two activities without any activity-date imported
    report = imported(services, FIXTURES / "no-activity-date-round-trip.xml")
    assert report_of(report) == {
        "activities": activities(2),
        "transactions": {"imported": {"2": 1, "3": 1}},
        "notes": [],
        "skipped": [],
    }
    registered = of(services, "ND-2").created_on.date()
    # When the ledger is exported
    services.runner.catch_up()
    exported = list(programme_activities(services.ledger, ExportSource.of(services)))
    xml = export_bytes(exported, generated_at=datetime(2025, 6, 1, tzinfo=UTC))
    # Then both are written, valid, with a planned start: the first transaction's date, else the registration's
    assert validate(xml) == []
    root = etree.fromstring(xml)
    dates = {
        a.findtext("iati-identifier"): [(d.get("type"), d.get("iso-date")) for d in a.findall("activity-date")]
        for a in root.findall("iati-activity")
    }
    assert dates == {f"{SPAIN}-ND-1": [("1", "2023-04-01")], f"{SPAIN}-ND-2": [("1", registered.isoformat())]}
    # And reading the export into an empty ledger gives both programmes with the same money
    again = imported(empty_services, xml, "export.xml")
    assert again["activities"]["imported"] == 2 and again["skipped"] == []
    assert net(of(empty_services, "ND-1")) == net(of(services, "ND-1"))
    assert of(empty_services, "ND-1").start == date(2023, 4, 1) and of(empty_services, "ND-2").start == registered


def test_corrections_survive_an_export_and_import_into_an_empty_ledger(services, empty_services):
    # Given the refunds and decreases imported
    imported(services, FIXTURES / "negative-transactions.xml")
    services.runner.catch_up()
    # When exported and imported into an empty ledger
    xml = export_bytes(
        programme_activities(services.ledger, ExportSource.of(services)), generated_at=datetime(2025, 6, 1, tzinfo=UTC)
    )
    assert validate(xml) == []
    imported(empty_services, xml, "export.xml")
    # Then each programme's net money is the same
    for suffix in ("NEG-1", "NEG-2"):
        assert net(of(empty_services, suffix)) == net(of(services, suffix))
