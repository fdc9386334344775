"""The real sample files, and memory on a large file."""

from __future__ import annotations

import tracemalloc
from collections import Counter
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from api.iati.export import export_bytes, validate
from api.iati.model import Activity, OrgRef, Skipped, Transaction
from api.iati.parse import ActivityReader

SAMPLES = Path(__file__).parent / "samples"
MAEC = SAMPLES / "maec-indonesia-v2.01.xml"
ANNOTATED = SAMPLES / "activity-standard-example-annotated.xml"


def test_every_activity_of_the_real_2_01_sample_is_imported_or_skipped_with_a_reason():
    # Given the MAEC Indonesia file (83 activities, messy)
    reader = ActivityReader(MAEC)
    # When it is read
    items = list(reader)
    # Then all 83 come out, each an Activity or a Skipped naming its activity and a reason
    assert len(items) == reader.seen == 83
    skipped = [item for item in items if isinstance(item, Skipped)]
    assert all(s.iati_identifier and s.reason for s in skipped)
    assert reader.yielded + reader.skipped == 83
    # And none is skipped: the negative disbursements (refunds) this publisher reports are read as such
    assert Counter(s.code for s in skipped) == {}
    refunds = [(a.iati_identifier, t) for a in items if isinstance(a, Activity) for t in a.transactions if t.amount < 0]
    assert len(refunds) == 25 and len({a for a, _ in refunds}) == 22 and {t.type_code for _, t in refunds} == {"3"}


def test_the_real_sample_maps_funders_without_ref_and_spanish_titles():
    # Given the first MAEC activity, when read
    first = next(iter(ActivityReader(MAEC)))
    # Then the Spanish-only title is taken, the funder keeps no ref, Indonesia becomes IDN
    assert first.title == "Personas cooperantes voluntarias en organismos internacionales"
    assert first.funders == [OrgRef(None, "Spain", "10")]
    assert first.states == ["IDN"]
    assert [(t.type_code, t.amount) for t in first.transactions] == [("2", Decimal("15450")), ("3", Decimal("9270"))]


def test_the_annotated_2_03_example_parses():
    # Given IATI's annotated example, when read
    (activity,) = list(ActivityReader(ANNOTATED))
    # Then the activity carries what the ledger needs from it
    assert activity == Activity(
        iati_identifier="AA-AAA-123456789-ABC123",
        title="Activity title",
        description="General activity description text.  Long description of the activity "
        "with no particular structure.",
        reporting_org=OrgRef("AA-AAA-123456789", "Organisation name", "40"),
        funders=[OrgRef("BB-BBB-123456789", "Name of Agency B", "40")],
        implementers=[],
        states=["AFG", "ATG", "TKM"],  # TKM: named on its transaction
        start=date(2012, 4, 28),
        end=date(2015, 12, 31),
        status=2,
        sectors=[("2", "111"), ("2", "112"), ("99", "A1")],
        uncac_articles=[],
        transactions=[Transaction("1234", "1", Decimal("1000"), "EUR", date(2012, 1, 1), "BB-BBB-123456789")],
        default_currency="USD",
        last_updated="2014-09-10T07:15:37Z",
    )


@pytest.mark.parametrize("sample", [MAEC, ANNOTATED], ids=lambda path: path.name)
def test_the_export_of_a_parsed_sample_is_valid_iati_2_03(sample):
    # Given the activities imported from a sample
    activities = [item for item in ActivityReader(sample) if isinstance(item, Activity)]
    # When they are exported
    xml = export_bytes(activities, generated_at=datetime(2025, 1, 1, 12, 0))
    # Then the file is valid against the 2.03 schema
    assert validate(xml) == []


# --- memory ------------------------------------------------------------------------------------

LEAN_ACTIVITY = (
    '<iati-activity default-currency="EUR"><iati-identifier>XM-{n}</iati-identifier>'
    '<reporting-org ref="XM-DAC-1" type="10"><narrative>Ministry</narrative></reporting-org>'
    "<title><narrative>Programme {n} with a title of a realistic length</narrative></title>"
    "<description><narrative>{filler}</narrative></description>"
    '<activity-status code="2"/><activity-date type="1" iso-date="2024-01-01"/>'
    '<recipient-country code="KE"/><sector vocabulary="1" code="15113"/>'
    '<transaction><transaction-type code="2"/><value value-date="2024-01-02">{n}</value>'
    "</transaction></iati-activity>\n"
)


def _large_file(path: Path, count: int) -> Path:
    filler = "A description of some length. " * 20
    with open(path, "w", encoding="utf-8") as out:
        out.write('<iati-activities version="2.03">\n')
        for n in range(count):
            out.write(LEAN_ACTIVITY.format(n=n, filler=filler))
        out.write("</iati-activities>\n")
    return path


def _resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="reads Linux /proc")
def test_memory_stays_bounded_by_one_activity_on_a_20000_activity_file(tmp_path: Path):
    # Given a 20,000-activity file (23 MB; a whole lxml tree of it takes about 200 MB)
    path = _large_file(tmp_path / "large.xml", 20_000)
    reader = ActivityReader(path)
    # When it is read through, sampling the process's resident memory as it goes
    baseline = peak = _resident_bytes()
    for n, _ in enumerate(reader):
        if n % 500 == 0:
            peak = max(peak, _resident_bytes())
    # Then every activity was read and libxml2's tree did not grow the process by more than a
    # few MB (tracemalloc cannot see libxml2's memory, hence resident memory)
    assert reader.yielded == 20_000
    assert peak - baseline < 16_000_000


def test_python_memory_stays_under_a_few_mb_while_reading(tmp_path: Path):
    # Given a 3,000-activity file (tracemalloc slows reading fourfold: 3,000 are enough to show
    # that nothing accumulates)
    path = _large_file(tmp_path / "large.xml", 3_000)
    reader = ActivityReader(path)
    # When it is read through under tracemalloc
    tracemalloc.start()
    try:
        for _ in reader:
            pass
        _, python_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Then the Python objects alive at any time stayed under 2 MB
    assert reader.yielded == 3_000
    assert python_peak < 2_000_000


def test_the_real_sample_survives_a_round_trip_with_its_derived_transaction_refs():
    # Given the MAEC activities, whose transactions have no ref of their own
    activities = [item for item in ActivityReader(MAEC) if isinstance(item, Activity)]
    # When exported and read back
    back = list(ActivityReader(export_bytes(activities, generated_at=datetime(2025, 1, 1))))
    # Then each comes back equal, derived refs included, with the anti-corruption sector added
    assert back == [replace(a, sectors=[*a.sectors, ("1", "15113")]) for a in activities]
