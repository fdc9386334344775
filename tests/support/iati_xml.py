"""Tiny IATI documents for the tests: one valid activity, changed one element at a time."""

from __future__ import annotations

from api.iati.model import Activity, Skipped
from api.iati.parse import iter_activities

# The parts of a valid activity, in schema order; a test replaces or blanks ("") one of them.
PARTS = {
    "iati_identifier": "<iati-identifier>XM-DAC-1-PROG-7</iati-identifier>",
    "reporting_org": (
        '<reporting-org ref="XM-DAC-1" type="10"><narrative>Ministry of Justice</narrative></reporting-org>'
    ),
    "title": "<title><narrative>Asset recovery training</narrative></title>",
    "description": "<description><narrative>Courses for prosecutors</narrative></description>",
    "participating_org": (
        '<participating-org role="1" ref="XM-DAC-1" type="10"><narrative>Ministry of Justice'
        "</narrative></participating-org>"
        '<participating-org role="4" ref="XI-IATI-UNODC" type="40"><narrative>UNODC</narrative>'
        "</participating-org>"
    ),
    "activity_status": '<activity-status code="2"/>',
    "activity_date": ('<activity-date type="2" iso-date="2024-01-15"/><activity-date type="3" iso-date="2025-12-31"/>'),
    "recipient_country": '<recipient-country code="KE" percentage="100"/>',
    "sector": '<sector vocabulary="1" code="15113"/>',
    "tag": '<tag vocabulary="99" code="UNCAC-5"/>',
    "transaction": (
        '<transaction ref="c-1"><transaction-type code="2"/>'
        '<transaction-date iso-date="2024-01-20"/>'
        '<value currency="EUR" value-date="2024-01-20">250000.00</value>'
        '<provider-org ref="XM-DAC-1"/></transaction>'
    ),
}


def activity_xml(attributes: str = 'default-currency="USD"', **parts: str) -> str:
    """A valid <iati-activity>, with the given parts replacing the defaults."""
    unknown = set(parts) - set(PARTS)
    assert not unknown, f"unknown parts {unknown}"
    body = "".join({**PARTS, **parts}.values())
    return f"<iati-activity {attributes}>{body}</iati-activity>"


def document(*activities: str, version: str | None = "2.03") -> bytes:
    version_attribute = f' version="{version}"' if version is not None else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities{version_attribute}>\n'
        + "\n".join(activities)
        + "\n</iati-activities>\n"
    ).encode()


def parse_one(activity: str) -> Activity | Skipped:
    items = list(iter_activities(document(activity)))
    assert len(items) == 1
    return items[0]


def parse_activity(activity: str) -> Activity:
    item = parse_one(activity)
    assert isinstance(item, Activity), item
    return item


def parse_skipped(activity: str) -> Skipped:
    item = parse_one(activity)
    assert isinstance(item, Skipped), item
    return item
