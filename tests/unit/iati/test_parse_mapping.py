"""How IATI activity XML maps to the plain model, one rule per test."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from api.iati.model import Activity, OrgRef, Skipped, Transaction
from api.iati.parse import ActivityReader, iter_activities
from tests.support.iati_xml import activity_xml, document, parse_activity


def test_a_complete_activity_maps_every_field():
    # Given the builder's valid activity
    xml = activity_xml('default-currency="USD" last-updated-datetime="2024-02-01T10:00:00Z"')
    # When it is parsed
    activity = parse_activity(xml)
    # Then every field carries the IATI value
    assert activity == Activity(
        iati_identifier="XM-DAC-1-PROG-7",
        title="Asset recovery training",
        description="Courses for prosecutors",
        reporting_org=OrgRef("XM-DAC-1", "Ministry of Justice", "10"),
        funders=[OrgRef("XM-DAC-1", "Ministry of Justice", "10")],
        implementers=[OrgRef("XI-IATI-UNODC", "UNODC", "40")],
        states=["KEN"],
        start=date(2024, 1, 15),
        end=date(2025, 12, 31),
        status=2,
        sectors=[("1", "15113")],
        uncac_articles=[5],
        transactions=[Transaction("c-1", "2", Decimal("250000.00"), "EUR", date(2024, 1, 20), "XM-DAC-1")],
        default_currency="USD",
        last_updated="2024-02-01T10:00:00Z",
    )


# --- narratives --------------------------------------------------------------------------------


def test_the_english_narrative_is_taken_when_there_is_one():
    # Given a title in Spanish first and English second
    title = (
        '<title><narrative xml:lang="es">Recuperación de activos</narrative>'
        '<narrative xml:lang="en">Asset recovery</narrative></title>'
    )
    # When parsed, then the English one is the title
    assert parse_activity(activity_xml(title=title)).title == "Asset recovery"


def test_a_narrative_inherits_its_language_from_the_activity():
    # Given an English activity whose title narratives declare no language but a French one
    title = '<title><narrative xml:lang="fr">Recouvrement</narrative><narrative>Asset recovery</narrative></title>'
    xml = activity_xml('xml:lang="en" default-currency="USD"', title=title)
    # When parsed, then the undeclared narrative counts as English
    assert parse_activity(xml).title == "Asset recovery"


def test_a_narrative_inherits_its_language_from_its_element():
    # Given a funder element declared English, as in the MAEC sample
    funder = '<participating-org role="1" type="10" xml:lang="en"><narrative>Spain</narrative></participating-org>'
    # When parsed, then its narrative is read
    assert parse_activity(activity_xml(participating_org=funder)).funders[0].name == "Spain"


def test_without_english_the_first_non_empty_narrative_is_taken_stripped():
    # Given an empty narrative, then two non-English ones with surrounding whitespace
    title = (
        '<title><narrative xml:lang="es">  </narrative>'
        '<narrative xml:lang="es">\n  Recuperación de activos \n</narrative>'
        '<narrative xml:lang="fr">Recouvrement</narrative></title>'
    )
    # When parsed, then the first non-empty one, stripped, is the title
    assert parse_activity(activity_xml(title=title)).title == "Recuperación de activos"


def test_the_general_description_is_preferred_and_a_missing_one_reads_empty():
    # Given an objectives description before the general one
    descriptions = (
        '<description type="2"><narrative>Objectives</narrative></description>'
        '<description type="1"><narrative>General</narrative></description>'
    )
    # When parsed, then the general description is taken
    assert parse_activity(activity_xml(description=descriptions)).description == "General"
    # And without a description the description is empty
    assert parse_activity(activity_xml(description="")).description == ""


# --- organisations -----------------------------------------------------------------------------


def test_funders_are_role_1_implementers_role_4_and_other_roles_are_ignored():
    # Given orgs in all four roles, the funder without a ref and listed twice
    orgs = (
        '<participating-org role="1" type="10"><narrative>Spain</narrative></participating-org>'
        '<participating-org role="1" type="10"><narrative>Spain</narrative></participating-org>'
        '<participating-org role="2" ref="A"><narrative>Accountable</narrative></participating-org>'
        '<participating-org role="3" ref="E"><narrative>Extending</narrative></participating-org>'
        '<participating-org role="4" ref=" XI-1 " type=""><narrative>Agency</narrative>'
        "</participating-org>"
    )
    # When parsed
    activity = parse_activity(activity_xml(participating_org=orgs))
    # Then the funder is kept once with no ref, and blank attributes read as None
    assert activity.funders == [OrgRef(None, "Spain", "10")]
    assert activity.implementers == [OrgRef("XI-1", "Agency", None)]


# --- countries, dates, status, sectors, tags ---------------------------------------------------


def test_recipient_countries_become_alpha3_once_each():
    # Given Kenya twice (once lower-case) and Indonesia
    countries = (
        '<recipient-country code="KE" percentage="40"/><recipient-country code="ke"/>'
        '<recipient-country code="ID" percentage="60"/>'
    )
    # When parsed, then the states are alpha-3, in file order, without repeats
    assert parse_activity(activity_xml(recipient_country=countries)).states == ["KEN", "IDN"]


def _dates(*pairs: tuple[int, str]) -> str:
    return "".join(f'<activity-date type="{kind}" iso-date="{when}"/>' for kind, when in pairs)


@pytest.mark.parametrize(
    ("dates", "start", "end"),
    [
        # actual start and planned end
        (_dates((2, "2024-01-15"), (3, "2025-12-31")), date(2024, 1, 15), date(2025, 12, 31)),
        # actual wins over planned, whatever the order
        (
            _dates((4, "2025-06-30"), (3, "2025-12-31"), (1, "2024-01-01"), (2, "2024-02-01")),
            date(2024, 2, 1),
            date(2025, 6, 30),
        ),
        # only planned dates
        (_dates((1, "2024-01-01"), (3, "2025-12-31")), date(2024, 1, 1), date(2025, 12, 31)),
        # no dates at all
        ("", None, None),
        # a datetime is read as its date
        (_dates((1, "2024-01-01T00:00:00Z")), date(2024, 1, 1), None),
    ],
)
def test_start_and_end_come_from_activity_dates_actual_winning_over_planned(dates, start, end):
    # Given activity dates, when parsed, then start and end follow the rule
    activity = parse_activity(activity_xml(activity_date=dates))
    assert (activity.start, activity.end) == (start, end)


def test_the_status_is_the_activity_status_code_as_a_number():
    # Given a closed activity, when parsed, then its status is 4
    assert parse_activity(activity_xml(activity_status='<activity-status code="4"/>')).status == 4


def test_sectors_default_to_vocabulary_1_and_keep_file_order():
    # Given a sector without vocabulary, a DAC-3 sector and a publisher sector
    sectors = (
        '<sector code="15113"/><sector vocabulary="2" code="151"/>'
        '<sector vocabulary="99" code="A1"/><sector vocabulary="1" code="15113"/>'
    )
    # When parsed, then each appears once as (vocabulary, code)
    activity = parse_activity(activity_xml(sector=sectors))
    assert activity.sectors == [("1", "15113"), ("2", "151"), ("99", "A1")]


def test_transaction_level_sectors_stand_in_when_the_activity_has_none():
    # Given sectors reported on the transactions only (IATI allows either)
    transactions = "".join(
        f'<transaction><transaction-type code="3"/><value currency="EUR" value-date="2024-0{n}-01">'
        f'1</value><sector vocabulary="1" code="{code}"/></transaction>'
        for n, code in ((1, "15113"), (2, "15130"), (3, "15113"))
    )
    # When parsed, then the distinct transaction sectors are the activity's
    activity = parse_activity(activity_xml(sector="", transaction=transactions))
    assert activity.sectors == [("1", "15113"), ("1", "15130")]


def test_uncac_tags_give_articles_and_other_tags_are_ignored():
    # Given UNCAC tags (one with a paragraph), another vocabulary-99 tag and a non-99 tag
    tags = (
        '<tag vocabulary="99" code="UNCAC-9(1)"/><tag vocabulary="99" code="UNCAC-52"/>'
        '<tag vocabulary="99" code="T1"/><tag vocabulary="1" code="UNCAC-12"/>'
        '<tag vocabulary="99" code="UNCAC-9(2)(a)"/>'
    )
    # When parsed, then the articles are 9 and 52, once each
    assert parse_activity(activity_xml(tag=tags)).uncac_articles == [9, 52]


@pytest.mark.parametrize("value", ["yesterday", "2024-13-45T99:00:00", "2024-01-01"])
def test_a_malformed_last_updated_is_dropped_not_fatal(value):
    # Given a last-updated-datetime that is not a dateTime, when parsed
    activity = parse_activity(activity_xml(f'last-updated-datetime="{value}"'))
    # Then the activity is imported without it
    assert activity.last_updated is None


# --- transactions ------------------------------------------------------------------------------


def _transaction(body: str, ref: str = "") -> str:
    ref_attribute = f' ref="{ref}"' if ref else ""
    return f'<transaction{ref_attribute}><transaction-type code="2"/>{body}</transaction>'


def test_a_transaction_without_currency_takes_the_default_currency():
    # Given a value without currency in an activity defaulting to USD
    tx = _transaction('<value value-date="2024-03-01">10</value>')
    # When parsed, then the transaction is in USD
    activity = parse_activity(activity_xml('default-currency="usd"', transaction=tx))
    assert activity.transactions[0].currency == "USD"
    assert activity.default_currency == "USD"


def test_a_transaction_without_value_date_takes_the_transaction_date():
    # Given a value without value-date
    tx = _transaction('<transaction-date iso-date="2024-03-05"/><value>10</value>')
    # When parsed, then the transaction date is the value date
    activity = parse_activity(activity_xml(transaction=tx))
    assert activity.transactions[0].value_date == date(2024, 3, 5)


def test_derived_transaction_refs_are_stable_and_tell_identical_transactions_apart():
    # Given two identical transactions and a third one, none with a ref
    same = _transaction('<value currency="EUR" value-date="2024-03-01">10.0</value>')
    other = _transaction('<value currency="EUR" value-date="2024-03-01">11</value>')
    xml = activity_xml(transaction=same + same + other)
    # When the activity is parsed twice
    first, second = parse_activity(xml), parse_activity(xml)
    # Then the refs are the same each time and all distinct
    refs = [t.ref for t in first.transactions]
    assert refs == [t.ref for t in second.transactions]
    assert len(set(refs)) == 3
    # And an explicit @ref is kept as it is
    assert parse_activity(activity_xml()).transactions[0].ref == "c-1"


def test_negative_values_of_types_the_ledger_only_counts_are_kept():
    # Given a negative expenditure (type 4), a correction the ledger does not book
    tx = (
        '<transaction><transaction-type code="4"/>'
        '<value currency="EUR" value-date="2024-03-01">-50.5</value></transaction>'
    )
    # When parsed, then the activity is imported with the negative value
    activity = parse_activity(activity_xml(transaction=tx))
    assert activity.transactions[0].amount == Decimal("-50.5")


# --- filter, sources, versions -----------------------------------------------------------------


def _three_activities() -> bytes:
    dac = activity_xml(
        iati_identifier="<iati-identifier>A</iati-identifier>", sector='<sector vocabulary="1" code="15130"/>'
    )
    other = activity_xml(
        iati_identifier="<iati-identifier>B</iati-identifier>", sector='<sector vocabulary="1" code="43081"/>', title=""
    )
    by_transaction = activity_xml(
        iati_identifier="<iati-identifier>C</iati-identifier>",
        sector="",
        transaction=_transaction(
            '<value currency="EUR" value-date="2024-03-01">1</value><sector vocabulary="1" code="15113"/>'
        ),
    )
    return document(dac, other, by_transaction)


def test_the_sector_filter_keeps_matches_and_counts_the_rest_without_judging_them():
    # Given three activities, the out-of-sector one also broken (no title)
    reader = ActivityReader(_three_activities(), sectors={"15113"})
    # When read with the 15113 filter
    items = list(reader)
    # Then only the transaction-level match is yielded, and the broken one is not Skipped
    assert [item.iati_identifier for item in items] == ["C"]
    assert (reader.seen, reader.filtered_out, reader.yielded, reader.skipped) == (3, 2, 1, 0)


def test_a_three_digit_sector_filter_keeps_the_five_digit_codes_under_it():
    # Given the filter "151" (government and civil society), when read
    items = list(iter_activities(_three_activities(), sectors={"151"}))
    # Then both 151xx activities are kept
    assert [item.iati_identifier for item in items] == ["A", "C"]


@pytest.mark.parametrize("sectors", [None, set()])
def test_no_sector_filter_keeps_everything(sectors):
    # Given no filter, when read, then all three come out (the broken one as Skipped)
    reader = ActivityReader(_three_activities(), sectors=sectors)
    items = list(reader)
    assert [type(item) for item in items] == [Activity, Skipped, Activity]
    assert (reader.seen, reader.filtered_out, reader.yielded, reader.skipped) == (3, 0, 2, 1)


def test_a_file_can_be_read_from_a_path_a_string_path_bytes_or_a_stream(tmp_path: Path):
    # Given the same document as a file, bytes and a stream
    data = document(activity_xml())
    path = tmp_path / "activities.xml"
    path.write_bytes(data)
    # When each source is read, then each gives the same activity
    results = [list(iter_activities(source)) for source in (path, str(path), data, io.BytesIO(data))]
    assert all(result == results[0] and len(result) == 1 for result in results)


@pytest.mark.parametrize("version", ["2.01", "2.02", "2.03", None])
def test_versions_2_01_to_2_03_and_an_unversioned_file_are_read(version):
    # Given a document of that version (None: no version attribute), when read
    items = list(iter_activities(document(activity_xml(), version=version)))
    # Then its activity is imported
    assert [type(item) for item in items] == [Activity]
