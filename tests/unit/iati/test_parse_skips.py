"""An activity that cannot be imported whole is skipped with a reason; the file reads on."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.iati.model import Activity, Skipped
from api.iati.parse import ActivityReader
from tests.support.iati_xml import activity_xml, document, parse_skipped


def _tx(body: str, type_code: str = "2", ref: str = "") -> str:
    ref_attribute = f' ref="{ref}"' if ref else ""
    return f'<transaction{ref_attribute}><transaction-type code="{type_code}"/>{body}</transaction>'


SKIPS = {
    # name: (builder arguments, reason code, text the reason must name)
    "missing identifier": (dict(iati_identifier=""), "missing-identifier", "iati-identifier"),
    "blank identifier": (dict(iati_identifier="<iati-identifier>  </iati-identifier>"), "missing-identifier", ""),
    "missing title": (dict(title=""), "missing-title", "title"),
    "title without text": (dict(title="<title><narrative/></title>"), "missing-title", "title"),
    "reporting org without ref": (
        dict(reporting_org='<reporting-org type="10"><narrative>M</narrative></reporting-org>'),
        "missing-reporting-org-ref",
        "reporting-org",
    ),
    "missing status": (dict(activity_status=""), "missing-status", "activity-status"),
    "status out of range": (dict(activity_status='<activity-status code="9"/>'), "bad-status", "'9'"),
    "impossible date": (
        dict(activity_date='<activity-date type="1" iso-date="2012-13-01"/>'),
        "bad-date",
        "activity-date type 1 iso-date '2012-13-01'",
    ),
    "words for a date": (
        dict(activity_date='<activity-date type="3" iso-date="end of 2024"/>'),
        "bad-date",
        "'end of 2024'",
    ),
    "planned end before planned start": (
        dict(
            activity_date=(
                '<activity-date type="1" iso-date="2024-05-01"/><activity-date type="3" iso-date="2024-01-01"/>'
            )
        ),
        "end-before-start",
        "the planned end 2024-01-01 is before the planned start 2024-05-01",
    ),
    "actual end before actual start": (
        dict(
            activity_date=(
                '<activity-date type="2" iso-date="2024-05-01"/><activity-date type="4" iso-date="2024-01-01"/>'
            )
        ),
        "end-before-start",
        "the actual end 2024-01-01",
    ),
    "bad value date": (
        dict(transaction=_tx('<value currency="EUR" value-date="01/02/2024">1</value>')),
        "bad-date",
        "transaction 1 value-date '01/02/2024'",
    ),
    "amount with thousands separator": (
        dict(transaction=_tx('<value currency="EUR" value-date="2024-01-01">1,000</value>')),
        "bad-amount",
        "'1,000'",
    ),
    "amount in words": (
        dict(transaction=_tx('<value currency="EUR" value-date="2024-01-01">ten</value>')),
        "bad-amount",
        "'ten'",
    ),
    "no value": (dict(transaction=_tx("")), "bad-amount", "transaction 1"),
    "unknown currency": (
        dict(transaction=_tx('<value currency="EUX" value-date="2024-01-01">1</value>')),
        "unknown-currency",
        "'EUX'",
    ),
    "unknown default currency": ({"attributes": 'default-currency="DOLLAR"'}, "unknown-currency", "default-currency"),
    "no currency anywhere": (
        {"attributes": "", "transaction": _tx('<value value-date="2024-01-01">1</value>')},
        "missing-currency",
        "transaction 1",
    ),
    "no date on a transaction": (
        dict(transaction=_tx('<value currency="EUR">1</value>')),
        "missing-value-date",
        "transaction 1",
    ),
    "no value on a disbursement": (dict(transaction=_tx("", "3")), "bad-amount", "transaction 1"),
    "no currency on a commitment written as 1.x code C": (
        {"attributes": "", "transaction": _tx('<value value-date="2024-01-01">1</value>', "C")},
        "missing-currency",
        "transaction 1",
    ),
    "unknown country": (dict(recipient_country='<recipient-country code="QQ"/>'), "unknown-country", "'QQ'"),
    "article out of range": (dict(tag='<tag vocabulary="99" code="UNCAC-99"/>'), "unknown-article", "'UNCAC-99'"),
    "article not a number": (dict(tag='<tag vocabulary="99" code="UNCAC-x"/>'), "unknown-article", "'UNCAC-x'"),
}


@pytest.mark.parametrize(("parts", "code", "named"), SKIPS.values(), ids=SKIPS.keys())
def test_each_kind_of_bad_activity_is_skipped_with_a_reason_naming_the_problem(parts, code, named):
    # Given a valid activity with one part broken
    # When it is parsed
    skipped = parse_skipped(activity_xml(**parts))
    # Then it is skipped with the stable code and a detail naming the element and value
    assert skipped.code == code
    assert skipped.reason.startswith(f"{code}: ")
    assert named in skipped.reason


def test_a_skipped_activity_keeps_its_identifier_and_position():
    # Given a bad activity between two good ones
    bad = activity_xml(title="", iati_identifier="<iati-identifier>BAD-1</iati-identifier>")
    data = document(activity_xml(), bad, activity_xml())
    # When the file is read
    reader = ActivityReader(data)
    items = list(reader)
    # Then the good ones are imported around it and the skip names it and its 0-based index
    assert [type(item) for item in items] == [Activity, Skipped, Activity]
    assert items[1] == Skipped("BAD-1", 1, "missing-title: <title> has no narrative text")
    assert (reader.seen, reader.yielded, reader.skipped) == (3, 2, 1)


def test_a_skipped_activity_without_identifier_has_none():
    # Given an activity without identifier, when parsed, then the skip has no identifier
    assert parse_skipped(activity_xml(iati_identifier="")).iati_identifier is None


_messy = st.text(alphabet=st.characters(categories=["L", "N", "P", "S", "Zs"]), max_size=12)


@settings(max_examples=200, deadline=None)
@given(
    identifier=_messy,
    iso_date=_messy,
    status=_messy,
    country=_messy,
    tag=_messy,
    currency=_messy,
    amount=_messy,
    value_date=_messy,
)
def test_whatever_the_values_reading_never_raises_and_each_activity_comes_out_once(
    identifier, iso_date, status, country, tag, currency, amount, value_date
):
    # Given an activity whose messy-in-practice values are arbitrary text
    a = quoteattr
    xml = activity_xml(
        iati_identifier=f"<iati-identifier>{escape(identifier)}</iati-identifier>",
        activity_status=f"<activity-status code={a(status)}/>",
        activity_date=f'<activity-date type="1" iso-date={a(iso_date)}/>',
        recipient_country=f"<recipient-country code={a(country)}/>",
        tag=f'<tag vocabulary="99" code={a(tag)}/>',
        transaction=_tx(f"<value currency={a(currency)} value-date={a(value_date)}>{escape(amount)}</value>"),
    )
    # When the file is read
    reader = ActivityReader(document(xml, xml))
    items = list(reader)
    # Then both copies come out, as activities or as skips with a reason, never an exception
    assert len(items) == 2 and items[0].__class__ is items[1].__class__
    assert all(isinstance(item, Activity) or item.reason for item in items)
