"""Read IATI activity XML (versions 2.01-2.03), one activity at a time.

API::

    reader = ActivityReader(source, sectors={"15113"})   # sectors: None = everything
    for item in reader:             # Activity or Skipped, in file order
        ...
    reader.seen, reader.filtered_out, reader.yielded, reader.skipped    # counters, live

    iter_activities(source, sectors=None)   # the same items, when the counters are not needed

`source` is a path (str or PathLike), the file's bytes, or a binary stream (not closed here).

Memory is bounded by one activity: the file is read with lxml's iterparse and every activity is
dropped from the tree once read. Iterate a reader once; the counters restart on a new iteration.

File-level problems raise `IatiFileError` (see model): the version is checked when the root element
starts, before anything is yielded. Broken XML after some activities raises "iati-xml-malformed"
once the parser reaches it; the activities already yielded stay valid and the caller decides
whether to keep them.

One bad activity never raises: it is yielded as `Skipped(identifier, index, "<code>: <detail>")`
naming the first problem found. Decisions on ambiguous input:

- Version: 2.01, 2.02 and 2.03 are read. 1.x and anything else are refused. A root without a
  `version` attribute is read as 2.0x: 1.x-shaped activities in it then fail the per-activity
  checks (no narratives, no reporting-org ref) and are skipped with reasons.
- Sector filter: an activity is kept when one of its sectors (activity- or transaction-level) of a
  DAC vocabulary (1 five-digit, 2 three-digit) equals a wanted code; a wanted three-digit code also
  keeps the five-digit codes under it ("151" keeps "15113"). Filtered-out activities are counted,
  never yielded, never validated. `None` or an empty set keeps everything.
- Narratives: the first non-empty English one (xml:lang "en", possibly inherited from the parent or
  the activity), else the first non-empty one; whitespace stripped.
- Dates: "YYYY-MM-DD", with an optional time and zone after it (real files write datetimes).
- Amounts: xsd:decimal syntax. A negative pledge (12), commitment (2) or disbursement (3) is
  skipped as "negative-amount": IATI allows negative corrections but the ledger records corrections
  as revisions, and guessing which entry one corrects would import a wrong book. Negative values of
  other transaction types (only counted by the importer) are kept.
- Transactions without `@ref` get a ref derived from the activity identifier, type, value date,
  amount, currency and ordinal among identical transactions, so re-reading a file gives the same
  refs. Two transactions with the same ref skip the activity (the book would be ambiguous).
- Elements the ledger does not import (budgets, results, locations, ...) are not checked.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from itertools import chain
from typing import BinaryIO

from lxml import etree

from .model import (
    TRANSACTION_KINDS,
    Activity,
    IatiFileError,
    OrgRef,
    Skipped,
    Transaction,
    alpha3_by_alpha2,
    currency_codes,
)

Source = str | os.PathLike[str] | bytes | BinaryIO

SUPPORTED_VERSIONS = ("2.01", "2.02", "2.03")
DAC_VOCABULARIES = frozenset({"1", "2"})
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_ZONE = r"(?:Z|[+-]\d{2}:\d{2})?"
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:T[0-9:.]+)?" + _ZONE, re.ASCII)
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?" + _ZONE, re.ASCII)
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)
_UNCAC_TAG = re.compile(r"UNCAC-(\d+)(?:\([^()]*\))*", re.IGNORECASE | re.ASCII)


_CHUNK = 1 << 16  # bytes fed to the parser at a time


class ActivityReader:
    """Iterate the activities of one IATI file; counts what it saw. See the module docstring."""

    def __init__(self, source: Source, sectors: Iterable[str] | None = None) -> None:
        self._source = source
        self._sectors = frozenset(code.strip() for code in sectors or ())
        self.seen = self.filtered_out = self.yielded = self.skipped = 0

    def __iter__(self) -> Iterator[Activity | Skipped]:
        self.seen = self.filtered_out = self.yielded = self.skipped = 0
        for index, element in enumerate(_activity_elements(self._source)):
            self.seen += 1
            if self._sectors and not _in_sectors(element, self._sectors):
                self.filtered_out += 1
                continue
            item = read_activity(element, index)
            if isinstance(item, Skipped):
                self.skipped += 1
            else:
                self.yielded += 1
            yield item


def iter_activities(source: Source, sectors: Iterable[str] | None = None) -> Iterator[Activity | Skipped]:
    return iter(ActivityReader(source, sectors))


def check_file(source: str | os.PathLike[str] | bytes) -> int:
    """Raise the file's `IatiFileError` (if any) before anything is imported; counts activities.

    One cheap pass (XML only, activities not read), so an importer can refuse a broken file whole
    instead of keeping the activities before the break. Needs a source it can read twice.
    """
    return sum(1 for _ in _activity_elements(source))


# --- the file ----------------------------------------------------------------------------------


def _activity_elements(source: Source) -> Iterator[etree._Element]:
    """Yield each complete <iati-activity>, then free it before reading on.

    The file is fed to a pull parser a chunk at a time and the events parsed before a syntax
    error are drained before the error is raised, so the activities before a break come out
    whatever lxml's own buffering (lxml 6 reports the error before iterparse yields them).
    """
    parser = etree.XMLPullParser(
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        remove_comments=True,
        remove_pis=True,
    )
    state: dict[str, etree._Element] = {}
    with ExitStack() as stack:
        stream = _open(source, stack)
        try:
            while chunk := stream.read(_CHUNK):
                parser.feed(chunk)
                yield from _finished_activities(parser, state)
            parser.close()
        except etree.XMLSyntaxError as error:
            yield from _finished_activities(parser, state)
            raise _syntax_error(error, started="root" in state) from error
        yield from _finished_activities(parser, state)


def _finished_activities(parser: etree.XMLPullParser, state: dict[str, etree._Element]) -> Iterator[etree._Element]:
    for event, element in parser.read_events():
        root = state.get("root")
        if root is None:
            state["root"] = element
            _check_root(element)
        elif event == "end" and element.getparent() is root:
            if element.tag == "iati-activity":
                yield element
            # Free the finished child and anything before it: memory stays one activity.
            element.clear(keep_tail=False)
            while element.getprevious() is not None:
                del root[0]


def _open(source: Source, stack: ExitStack) -> BinaryIO:
    if isinstance(source, bytes):
        return io.BytesIO(source)
    if isinstance(source, str | os.PathLike):
        return stack.enter_context(open(source, "rb"))
    return source


def _check_root(root: etree._Element) -> None:
    if root.tag != "iati-activities":
        raise IatiFileError(
            "iati-not-activities",
            f"the root element is <{root.tag}>, not <iati-activities>: not an IATI activity file",
            root.sourceline,
        )
    version = (root.get("version") or "").strip()
    if not version or version in SUPPORTED_VERSIONS:
        return
    if version.startswith("1"):
        message = (
            f"the file is IATI version {version} (1.x); only IATI versions 2.01–2.03 are "
            "accepted. Ask the publisher for the activities in a 2.0x file."
        )
    else:
        message = f"the file is IATI version {version}; only IATI versions 2.01–2.03 are accepted"
    raise IatiFileError("iati-version-unsupported", message, root.sourceline)


def _syntax_error(error: etree.XMLSyntaxError, started: bool) -> IatiFileError:
    line = error.lineno or None
    # libxml2 reports "no element found" (1) or "start tag expected" (4) when there is no element.
    if not started and error.code in (1, 4):
        return IatiFileError("iati-empty", "the file contains no XML element (empty or not XML)")
    return IatiFileError("iati-xml-malformed", f"the file is not well-formed XML at line {line}: {error.msg}", line)


def _in_sectors(activity: etree._Element, wanted: frozenset[str]) -> bool:
    for sector in chain(activity.iterfind("sector"), activity.iterfind("transaction/sector")):
        vocabulary = _attr(sector, "vocabulary") or "1"
        code = _attr(sector, "code")
        if vocabulary not in DAC_VOCABULARIES or code is None:
            continue
        if code in wanted or (vocabulary == "1" and code[:3] in wanted):
            return True
    return False


# --- one activity ------------------------------------------------------------------------------


class _Reject(Exception):
    """Raised by the readers below: the activity cannot be imported whole."""


def read_activity(element: etree._Element, index: int) -> Activity | Skipped:
    """Read one <iati-activity> element; never raises for bad content."""
    identifier = _text(element.find("iati-identifier")) or None
    try:
        return _activity(element, identifier)
    except _Reject as reject:
        return Skipped(identifier, index, str(reject))


def _activity(element: etree._Element, identifier: str | None) -> Activity:
    if identifier is None:
        raise _Reject("missing-identifier: <iati-identifier> is missing or empty")
    title = _narrative(element.find("title"))
    if not title:
        raise _Reject("missing-title: <title> has no narrative text")
    reporting_org = _reporting_org(element.find("reporting-org"))
    default_currency = _attr(element, "default-currency")
    if default_currency is not None:
        default_currency = _currency(default_currency, "activity default-currency")
    start, end = _period(element)
    return Activity(
        iati_identifier=identifier,
        title=title,
        description=_description(element),
        reporting_org=reporting_org,
        funders=_participants(element, "1"),
        implementers=_participants(element, "4"),
        states=_states(element),
        start=start,
        end=end,
        status=_status(element),
        sectors=_sectors(element),
        uncac_articles=_articles(element),
        transactions=_transactions(element, identifier, default_currency),
        default_currency=default_currency,
        last_updated=_last_updated(element),
    )


def _reporting_org(element: etree._Element | None) -> OrgRef:
    ref = _attr(element, "ref")
    if element is None or ref is None:
        raise _Reject("missing-reporting-org-ref: <reporting-org> has no ref")
    return OrgRef(ref, _narrative(element), _attr(element, "type"))


def _participants(activity: etree._Element, role: str) -> list[OrgRef]:
    orgs: list[OrgRef] = []
    for element in activity.iterfind("participating-org"):
        if _attr(element, "role") != role:
            continue
        org = OrgRef(_attr(element, "ref"), _narrative(element), _attr(element, "type"))
        if org not in orgs:
            orgs.append(org)
    return orgs


def _description(activity: etree._Element) -> str:
    """The general description (type 1 or untyped) if there is one, else the first."""
    descriptions = activity.findall("description")
    general = [d for d in descriptions if _attr(d, "type") in (None, "1")]
    return _narrative((general or descriptions or [None])[0])


def _states(activity: etree._Element) -> list[str]:
    states: list[str] = []
    for element in activity.iterfind("recipient-country"):
        code = (element.get("code") or "").strip().upper()
        alpha3 = alpha3_by_alpha2().get(code)
        if alpha3 is None:
            raise _Reject(f"unknown-country: recipient-country code {code!r}")
        if alpha3 not in states:
            states.append(alpha3)
    return states


def _period(activity: etree._Element) -> tuple[date | None, date | None]:
    """Start and end; an actual date (types 2, 4) wins over a planned one (types 1, 3)."""
    dates: dict[str, date] = {}
    for element in activity.iterfind("activity-date"):
        kind = _attr(element, "type")
        if kind in ("1", "2", "3", "4"):
            when = _date(element.get("iso-date"), f"activity-date type {kind} iso-date")
            dates.setdefault(kind, when)
    return dates.get("2") or dates.get("1"), dates.get("4") or dates.get("3")


def _status(activity: etree._Element) -> int:
    code = _attr(activity.find("activity-status"), "code")
    if code is None:
        raise _Reject("missing-status: <activity-status> is missing or has no code")
    if code not in ("1", "2", "3", "4", "5", "6"):
        raise _Reject(f"bad-status: activity-status code {code!r} is not 1-6")
    return int(code)


def _sectors(activity: etree._Element) -> list[tuple[str, str]]:
    """Activity-level sectors; IATI allows reporting them per transaction instead."""
    return _sector_list(activity.findall("sector")) or _sector_list(activity.findall("transaction/sector"))


def _sector_list(elements: list[etree._Element]) -> list[tuple[str, str]]:
    sectors: list[tuple[str, str]] = []
    for element in elements:
        code = _attr(element, "code")
        pair = (_attr(element, "vocabulary") or "1", code or "")
        if code is not None and pair not in sectors:
            sectors.append(pair)
    return sectors


def _articles(activity: etree._Element) -> list[int]:
    articles: list[int] = []
    for tag in activity.iterfind("tag"):
        code = _attr(tag, "code") or ""
        if _attr(tag, "vocabulary") != "99" or not code.upper().startswith("UNCAC"):
            continue  # another publisher-defined tag: not ours
        match = _UNCAC_TAG.fullmatch(code)
        article = int(match.group(1)) if match else 0
        if not 5 <= article <= 62:
            raise _Reject(f"unknown-article: tag code {code!r} is not UNCAC-<5..62>")
        if article not in articles:
            articles.append(article)
    return articles


def _last_updated(activity: etree._Element) -> str | None:
    """Metadata only: a malformed value is dropped rather than skipping the activity."""
    value = (activity.get("last-updated-datetime") or "").strip()
    if not _DATETIME.fullmatch(value):
        return None
    try:
        datetime.fromisoformat(value)  # a real moment, not 2024-13-45T99:00:00
    except ValueError:
        return None
    return value


# --- transactions ------------------------------------------------------------------------------


def _transactions(activity: etree._Element, identifier: str, default_currency: str | None) -> list[Transaction]:
    transactions: list[Transaction] = []
    refs: set[str] = set()
    ordinals: Counter[tuple[str, ...]] = Counter()
    for position, element in enumerate(activity.iterfind("transaction"), start=1):
        transaction = _transaction(element, f"transaction {position}", default_currency)
        ref = _attr(element, "ref")
        if ref is None:
            key = (
                identifier,
                transaction.type_code,
                transaction.value_date.isoformat(),
                _plain(transaction.amount),
                transaction.currency,
            )
            ref = _derived_ref(key, ordinals[key])
            ordinals[key] += 1
        if ref in refs:
            raise _Reject(f"duplicate-transaction-ref: two transactions have ref {ref!r}")
        refs.add(ref)
        transactions.append(replace(transaction, ref=ref))
    return transactions


def _transaction(element: etree._Element, where: str, default_currency: str | None) -> Transaction:
    """The transaction with an empty ref: the caller assigns refs, which depend on siblings."""
    type_code = _attr(element.find("transaction-type"), "code")
    if type_code is None:
        raise _Reject(f"missing-transaction-type: {where} has no transaction-type code")
    value = element.find("value")
    text = _text(value)
    if not text:
        raise _Reject(f"bad-amount: {where} has no value")
    if not _DECIMAL.fullmatch(text):
        raise _Reject(f"bad-amount: {where} value {text!r} is not a decimal number")
    amount = Decimal(text)
    if amount < 0 and type_code in TRANSACTION_KINDS:
        raise _Reject(f"negative-amount: {where} (type {type_code}) value {text!r}")
    currency = _attr(value, "currency") or default_currency
    if currency is None:
        raise _Reject(f"missing-currency: {where} has no currency and no default-currency")
    return Transaction(
        ref="",
        type_code=type_code,
        amount=amount,
        currency=_currency(currency, f"{where} value"),
        value_date=_value_date(element, value, where),
        provider_ref=_attr(element.find("provider-org"), "ref"),
    )


def _value_date(element: etree._Element, value: etree._Element | None, where: str) -> date:
    """The value-date, else the transaction-date: both say when the money moved."""
    if (raw := _attr(value, "value-date")) is not None:
        return _date(raw, f"{where} value-date")
    if (raw := _attr(element.find("transaction-date"), "iso-date")) is not None:
        return _date(raw, f"{where} transaction-date iso-date")
    raise _Reject(f"missing-value-date: {where} has neither value-date nor transaction-date")


def _derived_ref(key: tuple[str, ...], ordinal: int) -> str:
    digest = hashlib.sha256("\x1f".join((*key, str(ordinal))).encode()).hexdigest()
    return f"tx-{digest[:20]}"


def _plain(amount: Decimal) -> str:
    """One spelling per amount ("1000", "1000.00" and "1E+3" alike), without exponent."""
    text = format(amount.normalize(), "f")
    return "0" if text in ("-0", "0") else text


# --- small readers -----------------------------------------------------------------------------


def _attr(element: etree._Element | None, name: str) -> str | None:
    """An attribute's stripped value; absent, empty and missing element all read as None."""
    if element is None:
        return None
    return (element.get(name) or "").strip() or None


def _text(element: etree._Element | None) -> str:
    return "".join(element.itertext()).strip() if element is not None else ""


def _narrative(element: etree._Element | None) -> str:
    if element is None:
        return ""
    narratives = [(n, text) for n in element.iterfind("narrative") if (text := _text(n))]
    english = [text for n, text in narratives if _language(n).startswith("en")]
    return english[0] if english else (narratives[0][1] if narratives else "")


def _language(element: etree._Element) -> str:
    """xml:lang is inherited: the narrative's, else its parent's, ..., else the activity's."""
    node: etree._Element | None = element
    while node is not None:
        if (language := node.get(_XML_LANG)) is not None:
            return language.strip().lower()
        node = node.getparent()
    return ""


def _date(raw: str | None, where: str) -> date:
    match = _DATE.fullmatch((raw or "").strip())
    try:
        if match:
            return date(*(int(part) for part in match.groups()))
    except ValueError:
        pass
    raise _Reject(f"bad-date: {where} {raw!r}" if raw else f"bad-date: {where} is missing")


def _currency(code: str, where: str) -> str:
    normalised = code.strip().upper()
    if normalised not in currency_codes():
        raise _Reject(f"unknown-currency: {where} currency {code!r}")
    return normalised
