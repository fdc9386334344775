"""Real files: MAEC's 83 activities (IATI 2.01), the annotated 2.03 example, a legacy 1.0 file."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from domain.errors import InvalidInput
from tests.support.iati_import import (
    ANNOTATED,
    LEGACY,
    MAEC,
    MAEC_ACTIVITIES,
    events_after,
    head,
    imported,
    names,
    org_id,
    programme,
)


def test_every_maec_activity_is_imported_or_reported_with_a_reason(services):
    # When the real 2.01 file is imported into an empty ledger
    report = imported(services, MAEC, "maec.xml")
    # Then every activity is accounted for: imported, or skipped with identifier, index and reason
    counts = report["activities"]
    assert counts["seen"] == MAEC_ACTIVITIES and counts["filtered_out"] == 0
    assert counts["imported"] + counts["skipped"] == MAEC_ACTIVITIES
    assert counts["imported"] > 0 and counts["skipped"] == len(report["skipped"])
    for skipped in report["skipped"]:
        assert skipped["iati_identifier"] and skipped["reason"].startswith(skipped["code"] + ": ")
        assert 0 <= skipped["index"] < MAEC_ACTIVITIES
    # And the report's events are exactly what the log gained
    assert report["events"] == head(services) == report["position"]


def test_reimporting_the_same_file_appends_nothing(services):
    # Given MAEC imported once
    first = imported(services, MAEC, "maec.xml")
    position = head(services)
    # When imported again
    again = imported(services, MAEC, "maec.xml")
    # Then the log did not move: every activity is unchanged (or skipped again, for the same reason)
    assert head(services) == position == again["position"]
    assert again["events"] == 0 and again["organisations_registered"] == 0
    assert again["activities"]["unchanged"] == first["activities"]["imported"]
    assert again["skipped"] == first["skipped"]
    recorded = Counter(first["transactions"]["imported"]) + Counter(first["transactions"]["corrected"])
    assert again["transactions"]["unchanged"] == dict(recorded)


def changed_copy(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """MAEC with a commitment amount changed, a disbursement added and a status changed."""
    tree = etree.parse(str(MAEC))
    activities = tree.getroot().findall("iati-activity")
    revised, disbursed, closed = activities[0], activities[1], activities[2]
    value = next(t for t in revised.iter("transaction") if t.find("transaction-type").get("code") == "2").find("value")
    value.text = "16000"
    disbursed.append(
        etree.fromstring(
            '<transaction><transaction-type code="3"/><transaction-date iso-date="2012-06-30"/>'
            '<value currency="EUR" value-date="2012-06-30">1234.50</value></transaction>'
        )
    )
    closed.find("activity-status").set("code", "4")
    path = tmp_path / "maec-changed.xml"
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    ids = {
        name: a.findtext("iati-identifier")
        for name, a in (("revised", revised), ("disbursed", disbursed), ("closed", closed))
    }
    return path, ids


def test_a_changed_file_appends_only_its_differences(services, tmp_path):
    # Given MAEC imported, and a copy: one commitment revised, a disbursement added, one closed
    imported(services, MAEC, "maec.xml")
    path, ids = changed_copy(tmp_path)
    start = head(services)
    # When the changed copy is imported
    report = imported(services, path, path.name)
    # Then exactly those three differences were appended
    appended = events_after(services, start)
    assert sorted(names(appended)) == ["CommitmentRevised", "DisbursementRecorded", "ProgrammeStatusChanged"]
    assert report["events"] == 3 and report["activities"]["updated"] == 3
    assert report["transactions"]["revised"] == {"2": 1}
    assert report["transactions"]["imported"] == {"3": 1}
    # And the programmes say what the file says
    revised = programme(services, ids["revised"])
    assert [c["amount"] for c in revised.commitments.values()] == [Decimal("16000")]
    disbursed = programme(services, ids["disbursed"]).disbursements.values()
    assert Decimal("1234.50") in [d["amount"] for d in disbursed]
    assert programme(services, ids["closed"]).status == 4
    # And each event names the importer and the file
    assert {(e.actor, e.reason) for e in appended} == {("cli", "IATI import of maec-changed.xml")}
    # And importing the changed copy once more appends nothing
    assert imported(services, path, path.name)["events"] == 0 and head(services) == start + 3


def test_the_annotated_2_03_example_is_imported(services):
    # When IATI's annotated example activity is imported
    report = imported(services, ANNOTATED, "annotated.xml")
    # Then it is one programme in Afghanistan and Antigua and Barbuda, and Turkmenistan, which its transaction
    # names, funded by BB-BBB-123456789
    assert report["activities"]["imported"] == 1, report["skipped"]
    p = programme(services, "AA-AAA-123456789-ABC123")
    assert sorted(p.states) == ["AFG", "ATG", "TKM"]
    assert p.funders == [org_id("BB-BBB-123456789")]
    assert p.reporting_org == org_id("AA-AAA-123456789")
    # And its incoming-funds transaction (type 1) is counted, not recorded
    assert report["transactions"]["ignored"] == {"1": 1}


def test_maec_filtered_on_sector_15113_imports_nothing_and_counts_every_activity(services):
    # Given MAEC, none of whose activities is in DAC 15113
    start = head(services)
    # When imported with --sector 15113, then all are filtered out and nothing is written
    report = imported(services, MAEC, "maec.xml", sectors=["15113"])
    assert report["activities"]["filtered_out"] == MAEC_ACTIVITIES and report["events"] == 0
    assert head(services) == start
    # And with its own most common sector (43081), only those are kept
    kept = imported(services, MAEC, "maec.xml", sectors=["43081"])["activities"]
    assert kept["filtered_out"] == MAEC_ACTIVITIES - 13
    assert kept["imported"] + kept["skipped"] == 13


def test_the_legacy_1_0_file_is_refused_with_a_clear_message(services):
    # When the World Bank's IATI 1.0 file is imported, then it is refused and nothing is written
    with pytest.raises(InvalidInput) as refused:
        imported(services, LEGACY, "worldbank.xml")
    assert refused.value.code == "iati-version-unsupported"
    assert "1.0" in refused.value.detail and "2.01–2.03" in refused.value.detail
    assert head(services) == 0
