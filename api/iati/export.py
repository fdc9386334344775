"""Write activities as IATI 2.03 XML (`write_activities` streams them, `export_bytes` answers bytes) and validate
XML against the shipped 2.03 schema (`validate`); the output reads back through `parse` to the same activities.
Specification, with the choices made where the model says less than IATI asks: docs/iati-export.md.
"""

from __future__ import annotations

import io
import threading
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal
from functools import cache
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from .model import Activity, OrgRef, Transaction, alpha2_by_alpha3

IATI_VERSION = "2.03"
ANTI_CORRUPTION_SECTOR = ("1", "15113")
SCHEMA_PATH = Path(__file__).parent / "schemas" / "iati-activities-schema.xsd"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_STARTED = frozenset({2, 3, 4, 6})
_ENDED = frozenset({3, 4})


def write_activities(activities: Iterable[Activity], out: BinaryIO, *, generated_at: datetime) -> int:
    """Stream the activities to `out` as one IATI 2.03 file; returns how many were written."""
    count = 0
    today = generated_at.date()
    attributes = {"version": IATI_VERSION, "generated-datetime": _datetime(generated_at)}
    with etree.xmlfile(out, encoding="utf-8") as xml:
        xml.write_declaration()
        with xml.element("iati-activities", attributes):
            for activity in activities:
                xml.write("\n", activity_element(activity, today), pretty_print=True)
                count += 1
    return count


def export_bytes(activities: Iterable[Activity], *, generated_at: datetime) -> bytes:
    buffer = io.BytesIO()
    write_activities(activities, buffer, generated_at=generated_at)
    return buffer.getvalue()


def activity_element(activity: Activity, today: date) -> etree._Element:
    """One <iati-activity>, children in the order the 2.03 schema requires."""
    if activity.start is None and activity.end is None:
        raise ValueError(f"{activity.iati_identifier}: IATI needs a start or an end date")
    attributes = {_XML_LANG: "en"}
    if activity.last_updated:
        attributes["last-updated-datetime"] = activity.last_updated
    if activity.default_currency:
        attributes["default-currency"] = activity.default_currency
    root = etree.Element("iati-activity", attributes)
    _sub(root, "iati-identifier").text = activity.iati_identifier
    reporter = activity.reporting_org
    _org(root, "reporting-org", reporter, type=reporter.org_type or "")
    _narrative(_sub(root, "title"), activity.title)
    _narrative(_sub(root, "description", type="1"), activity.description)
    _participants(root, activity)
    _sub(root, "activity-status", code=str(activity.status))
    _dates(root, activity, today)
    for alpha3, share in zip(activity.states, _shares(len(activity.states)), strict=True):
        _sub(root, "recipient-country", code=_alpha2(alpha3, activity), percentage=share)
    _sectors(root, activity.sectors)
    for article in activity.uncac_articles:
        tag = _sub(root, "tag", vocabulary="99", code=f"UNCAC-{article}")
        _narrative(tag, f"United Nations Convention against Corruption, article {article}")
    for transaction in activity.transactions:
        _transaction(root, transaction)
    return root


def _participants(root: etree._Element, activity: Activity) -> None:
    for role, orgs in (("1", activity.funders), ("4", activity.implementers)):
        for org in orgs:
            _org(root, "participating-org", org, role=role, type=org.org_type)
    if not activity.funders and not activity.implementers:
        reporter = activity.reporting_org
        _org(root, "participating-org", reporter, role="2", type=reporter.org_type)


def _org(root: etree._Element, tag: str, org: OrgRef, **attributes: str | None) -> None:
    element = _sub(root, tag, ref=org.ref, **attributes)
    # reporting-org must have a narrative; participating-org may go without.
    if org.name or tag == "reporting-org":
        _narrative(element, org.name)


def _dates(root: etree._Element, activity: Activity, today: date) -> None:
    start, end = activity.start, activity.end
    if start is not None:
        kind = "2" if activity.status in _STARTED and start <= today and not activity.planned else "1"
        _sub(root, "activity-date", type=kind, **{"iso-date": start.isoformat()})
    if end is not None:
        kind = "4" if activity.status in _ENDED and end <= today and not activity.planned else "3"
        _sub(root, "activity-date", type=kind, **{"iso-date": end.isoformat()})


def _sectors(root: etree._Element, sectors: list[tuple[str, str]]) -> None:
    """In the given order (reading keeps it); percentages are shares within each vocabulary."""
    if ANTI_CORRUPTION_SECTOR not in sectors:
        sectors = [*sectors, ANTI_CORRUPTION_SECTOR]
    per_vocabulary = Counter(vocabulary for vocabulary, _ in sectors)
    shares = {vocabulary: iter(_shares(n)) for vocabulary, n in per_vocabulary.items()}
    for vocabulary, code in sectors:
        _sub(root, "sector", vocabulary=vocabulary, code=code, percentage=next(shares[vocabulary]))


def _transaction(root: etree._Element, transaction: Transaction) -> None:
    element = _sub(root, "transaction", ref=transaction.ref)
    when = transaction.value_date.isoformat()
    _sub(element, "transaction-type", code=transaction.type_code)
    _sub(element, "transaction-date", **{"iso-date": when})
    value = _sub(element, "value", currency=transaction.currency, **{"value-date": when})
    value.text = format(transaction.amount, "f")  # xsd:decimal has no exponent
    if transaction.description:  # the schema's order: after value, before provider-org
        _narrative(_sub(element, "description"), transaction.description)
    if transaction.provider_ref:
        _sub(element, "provider-org", ref=transaction.provider_ref)


# --- helpers -----------------------------------------------------------------------------------


def _sub(parent: etree._Element, tag: str, **attributes: str | None) -> etree._Element:
    """A child element; attributes whose value is None are left out."""
    present = {name: value for name, value in attributes.items() if value is not None}
    return etree.SubElement(parent, tag, present)


def _narrative(parent: etree._Element, text: str) -> None:
    etree.SubElement(parent, "narrative", {_XML_LANG: "en"}).text = text


def _shares(count: int) -> list[str]:
    """`count` percentages with two decimals summing to exactly 100; the first takes the rest."""
    if count == 0:
        return []
    share = (Decimal(100) / count).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    first = Decimal(100) - share * (count - 1)
    return [format(first.normalize(), "f")] + [format(share.normalize(), "f")] * (count - 1)


def _alpha2(alpha3: str, activity: Activity) -> str:
    alpha2 = alpha2_by_alpha3().get(alpha3)
    if alpha2 is None:
        raise ValueError(f"{activity.iati_identifier}: state {alpha3!r} has no IATI country code")
    return alpha2


def _datetime(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


# --- validation --------------------------------------------------------------------------------

_schema_lock = threading.Lock()  # an XMLSchema's error log is shared by its callers


@cache
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def validate(xml_bytes: bytes) -> list[str]:
    """Problems found by the IATI 2.03 activities schema, as "line N: message"; [] when valid."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        document = etree.fromstring(xml_bytes, parser)
    except etree.XMLSyntaxError as error:
        return [f"line {error.lineno}: {error.msg}"]
    with _schema_lock:
        schema = _schema()
        if schema.validate(document):
            return []
        return [f"line {error.line}: {error.message}" for error in schema.error_log]
