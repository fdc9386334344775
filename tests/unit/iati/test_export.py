"""Writing IATI 2.03: schema-valid, in schema order, and read back to the same activities."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from api.iati.export import ANTI_CORRUPTION_SECTOR, export_bytes, validate, write_activities
from api.iati.model import Activity, OrgRef, Transaction, alpha2_by_alpha3
from api.iati.parse import iter_activities

GENERATED_AT = datetime(2025, 6, 30, 9, 0, 0)

PROGRAMME = Activity(
    iati_identifier="XM-DAC-1-PROG-7",
    title="Asset recovery training",
    description="Courses for prosecutors",
    reporting_org=OrgRef("XM-DAC-1", "Ministry of Justice", "10"),
    funders=[OrgRef("XM-DAC-1", "Ministry of Justice", "10")],
    implementers=[OrgRef("XI-IATI-UNODC", "UNODC", "40"), OrgRef(None, "A local NGO", None)],
    states=["KEN", "IDN", "PER"],
    start=date(2024, 1, 15),
    end=date(2026, 12, 31),
    status=2,
    sectors=[("2", "151")],
    uncac_articles=[5, 52],
    transactions=[
        Transaction("c-1", "2", Decimal("250000.00"), "EUR", date(2024, 1, 20), "XM-DAC-1"),
        Transaction("d-1", "3", Decimal("1E+5"), "EUR", date(2024, 6, 1), None),
    ],
    default_currency="EUR",
)

# The order of iati-activity's children that the 2.03 schema requires (the ones we write).
SCHEMA_ORDER = [
    "iati-identifier",
    "reporting-org",
    "title",
    "description",
    "participating-org",
    "activity-status",
    "activity-date",
    "recipient-country",
    "sector",
    "tag",
    "transaction",
]


def _exported(*activities: Activity) -> bytes:
    return export_bytes(activities, generated_at=GENERATED_AT)


def _activity_tree(activity: Activity) -> etree._Element:
    return etree.fromstring(_exported(activity)).find("iati-activity")


def _with_anti_corruption_sector(activity: Activity) -> Activity:
    if ANTI_CORRUPTION_SECTOR in activity.sectors:
        return activity
    return replace(activity, sectors=[*activity.sectors, ANTI_CORRUPTION_SECTOR])


def test_an_exported_programme_is_valid_iati_2_03():
    # Given a programme, when exported, then the schema finds nothing wrong
    xml = _exported(PROGRAMME)
    assert validate(xml) == []
    root = etree.fromstring(xml)
    assert root.get("version") == "2.03"
    assert root.get("generated-datetime") == "2025-06-30T09:00:00"


def test_the_children_of_an_activity_come_in_schema_order():
    # Given a programme using every element we write, when exported
    tags = [child.tag for child in _activity_tree(PROGRAMME)]
    # Then the tags follow the schema's sequence
    assert sorted(tags, key=SCHEMA_ORDER.index) == tags
    assert set(tags) == set(SCHEMA_ORDER)


def test_the_anti_corruption_sector_is_added_once_and_shares_sum_to_100_per_vocabulary():
    # Given a programme with a DAC-3 sector, when exported
    sectors = _activity_tree(PROGRAMME).findall("sector")
    # Then 15113 is added under vocabulary 1, and each vocabulary's percentages make 100
    assert [(s.get("vocabulary"), s.get("code"), s.get("percentage")) for s in sectors] == [
        ("2", "151", "100"),
        ("1", "15113", "100"),
    ]
    # And a programme already carrying 15113 gets it once
    already = replace(PROGRAMME, sectors=[("1", "15113"), ("1", "15130")])
    codes = [s.get("code") for s in _activity_tree(already).findall("sector")]
    assert codes == ["15113", "15130"]


def test_recipient_countries_are_alpha2_with_percentages_summing_to_100():
    # Given three states, when exported
    countries = _activity_tree(PROGRAMME).findall("recipient-country")
    # Then each is its alpha-2 code and the shares add up to exactly 100
    assert [c.get("code") for c in countries] == ["KE", "ID", "PE"]
    assert [c.get("percentage") for c in countries] == ["33.34", "33.33", "33.33"]
    assert sum(Decimal(c.get("percentage")) for c in countries) == 100


def test_uncac_articles_are_vocabulary_99_tags():
    # Given articles 5 and 52, when exported, then they are UNCAC tags
    tags = _activity_tree(PROGRAMME).findall("tag")
    assert [(t.get("vocabulary"), t.get("code")) for t in tags] == [("99", "UNCAC-5"), ("99", "UNCAC-52")]


@pytest.mark.parametrize(
    ("status", "start", "end", "types"),
    [
        (1, date(2025, 1, 1), date(2026, 1, 1), ["1", "3"]),  # pipeline: all planned
        (2, date(2025, 1, 1), date(2026, 1, 1), ["2", "3"]),  # started: actual start
        (2, date(2025, 9, 1), date(2026, 1, 1), ["1", "3"]),  # "started" in the future: planned
        (4, date(2020, 1, 1), date(2024, 1, 1), ["2", "4"]),  # closed: both actual
        (5, date(2020, 1, 1), None, ["1"]),  # cancelled, no end
    ],
)
def test_activity_date_types_follow_the_status_and_the_generation_date(status, start, end, types):
    # Given a programme's status and period, when exported on 2025-06-30
    activity = replace(PROGRAMME, status=status, start=start, end=end)
    dates = _activity_tree(activity).findall("activity-date")
    # Then the date types say planned or actual as the status allows
    assert [d.get("type") for d in dates] == types
    # And reading back gives the same period
    assert next(iter_activities(_exported(activity))) == _with_anti_corruption_sector(activity)


def test_transactions_carry_their_ref_date_value_and_provider():
    # Given the programme's commitment, when exported
    transaction = _activity_tree(PROGRAMME).find("transaction")
    # Then every part is written
    assert transaction.get("ref") == "c-1"
    assert transaction.find("transaction-type").get("code") == "2"
    assert transaction.find("transaction-date").get("iso-date") == "2024-01-20"
    value = transaction.find("value")
    assert (value.text, value.get("currency"), value.get("value-date")) == ("250000.00", "EUR", "2024-01-20")
    assert transaction.find("provider-org").get("ref") == "XM-DAC-1"


def test_an_activity_without_funders_or_implementers_names_its_reporter_as_accountable():
    # Given a programme with no participating organisation, when exported
    lonely = replace(PROGRAMME, funders=[], implementers=[])
    xml = _exported(lonely)
    # Then the reporting org appears as role 2, the file is valid and reads back the same
    orgs = etree.fromstring(xml).findall("iati-activity/participating-org")
    assert [(o.get("role"), o.get("ref")) for o in orgs] == [("2", "XM-DAC-1")]
    assert validate(xml) == []
    assert next(iter_activities(xml)) == _with_anti_corruption_sector(lonely)


def test_an_unknown_reporting_org_type_is_written_empty_and_read_back_as_none():
    # Given a reporter without organisation type, when exported
    activity = replace(PROGRAMME, reporting_org=OrgRef("XM-DAC-1", "Ministry", None))
    xml = _exported(activity)
    # Then the required attribute is present but empty, and the round trip holds
    assert validate(xml) == []
    assert next(iter_activities(xml)).reporting_org == OrgRef("XM-DAC-1", "Ministry", None)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"start": None, "end": None}, "start or an end date"),
        ({"states": ["EUU"]}, "'EUU'"),
    ],
)
def test_an_activity_iati_cannot_express_is_refused(change, message):
    # Given a programme without dates, or with a state that has no alpha-2 code
    # When exported, then it is refused before being written
    with pytest.raises(ValueError, match=message):
        _exported(replace(PROGRAMME, **change))


def test_write_activities_streams_to_a_binary_file_and_counts():
    # Given a binary stream, when two activities are written
    out = io.BytesIO()
    count = write_activities(
        [PROGRAMME, replace(PROGRAMME, iati_identifier="XM-DAC-1-PROG-8")], out, generated_at=GENERATED_AT
    )
    # Then both are in the stream, which is valid
    assert count == 2
    assert validate(out.getvalue()) == []
    assert out.getvalue().startswith(b"<?xml")


def test_validate_reports_schema_problems_and_malformed_xml():
    # Given an activity without identifier, and bytes that are not XML
    no_identifier = etree.fromstring(_exported(PROGRAMME))
    activity = no_identifier.find("iati-activity")
    activity.remove(activity.find("iati-identifier"))
    # When validated, then each problem is listed with its line
    problems = validate(etree.tostring(no_identifier))
    assert problems and all(problem.startswith("line ") for problem in problems)
    assert "reporting-org" in problems[0]
    assert validate(b"<iati-activities>")[0].startswith("line 1")


# --- round trip --------------------------------------------------------------------------------

_CURRENCIES = ["EUR", "USD", "GBP", "JPY", "CHF", "XOF"]
_text = st.text(
    alphabet=st.characters(categories=["L", "N", "P", "Zs"], exclude_characters="\r"),
    min_size=0,
    max_size=40,
).map(str.strip)
_code = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", min_size=1, max_size=20)
_org_type = st.none() | st.sampled_from(["10", "21", "40", "70", "80"])
_org = st.builds(OrgRef, ref=st.none() | _code, name=_text, org_type=_org_type)
_dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 12, 31))
_amount = st.decimals(min_value=0, max_value=Decimal("1e12"), places=2, allow_nan=False)


@st.composite
def _transactions(draw: st.DrawFn) -> list[Transaction]:
    refs = draw(st.lists(_code, unique=True, max_size=4))
    return [
        Transaction(
            ref=ref,
            type_code=draw(st.sampled_from(["1", "2", "3", "4", "11", "12", "13"])),
            amount=draw(_amount),
            currency=draw(st.sampled_from(_CURRENCIES)),
            value_date=draw(_dates),
            provider_ref=draw(st.none() | _code),
        )
        for ref in refs
    ]


def _held_period(period: tuple[date | None, date | None]) -> bool:
    start, end = period
    return (start, end) != (None, None) and (start is None or end is None or start <= end)


@st.composite
def _activities(draw: st.DrawFn) -> Activity:
    # A period the ledger holds: some bound, and the end not before the start (reading refuses that, like the domain)
    start, end = draw(st.tuples(st.none() | _dates, st.none() | _dates).filter(_held_period))
    return Activity(
        iati_identifier=draw(_code),
        title=draw(_text.filter(bool)),
        description=draw(_text),
        reporting_org=OrgRef(draw(_code), draw(_text), draw(_org_type)),
        funders=draw(st.lists(_org, unique=True, max_size=3)),
        implementers=draw(st.lists(_org, unique=True, max_size=3)),
        states=draw(st.lists(st.sampled_from(sorted(alpha2_by_alpha3())), unique=True, max_size=4)),
        start=start,
        end=end,
        status=draw(st.integers(1, 6)),
        sectors=draw(
            st.lists(
                st.tuples(st.sampled_from(["1", "2", "99"]), st.from_regex(r"[0-9]{3,5}", fullmatch=True)),
                unique=True,
                max_size=4,
            )
        ),
        uncac_articles=draw(st.lists(st.integers(5, 62), unique=True, max_size=5)),
        transactions=draw(_transactions()),
        default_currency=draw(st.none() | st.sampled_from(_CURRENCIES)),
        last_updated=draw(
            st.none()
            | st.datetimes(min_value=datetime(2000, 1, 1)).map(lambda moment: moment.isoformat(timespec="seconds"))
        ),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(activities=st.lists(_activities(), min_size=1, max_size=3))
def test_parsing_an_export_gives_back_the_activities_plus_the_anti_corruption_sector(activities):
    # Given any activities the model can hold
    # When they are exported and the export is parsed
    xml = _exported(*activities)
    parsed = list(iter_activities(xml))
    # Then the export is valid and parsing gives them back, with sector 15113 added
    assert validate(xml) == []
    assert parsed == [_with_anti_corruption_sector(activity) for activity in activities]
