"""One <iati-activity> element as an `Activity`, or as `Skipped` naming the first problem found; never raises for
bad content. The decisions on ambiguous input (narratives, dates, amounts, transaction identity, 1.x codes) are
specified in docs/iati-import.md; what reading changed or left out is noted on the activity.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from itertools import chain

from lxml import etree

from .model import (
    DECIMAL_PLACES,
    TRANSACTION_KINDS,
    TRANSACTION_TYPE_1X,
    Activity,
    OrgRef,
    Skipped,
    Transaction,
    alpha2_by_alpha3,
    alpha3_by_alpha2,
    book_of,
    currency_codes,
)

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_ZONE = r"(?:Z|[+-]\d{2}:\d{2})?"
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:T[0-9:.]+)?" + _ZONE, re.ASCII)
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?" + _ZONE, re.ASCII)
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)
_UNCAC_TAG = re.compile(r"UNCAC-(\d+)(?:\([^()]*\))*", re.IGNORECASE | re.ASCII)
_QUANTUM = Decimal(1).scaleb(-DECIMAL_PLACES)


class _Reject(Exception):
    """Raised by the readers below: the activity cannot be imported whole."""


def read_activity(element: etree._Element, index: int) -> Activity | Skipped:
    """Read one <iati-activity> element; never raises for bad content."""
    identifier = all_text(element.find("iati-identifier")) or None
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
    default_currency = attr(element, "default-currency")
    if default_currency is not None:
        default_currency = _currency(default_currency, "activity default-currency")
    notes: list[str] = []
    start, end = _period(element, notes)
    transactions, unread = _transactions(element, identifier, default_currency, notes)
    return Activity(
        iati_identifier=identifier,
        title=title,
        description=_description(element),
        reporting_org=reporting_org,
        funders=_participants(element, "1"),
        implementers=_participants(element, "4"),
        states=_states(element, notes),
        start=start,
        end=end,
        status=_status(element),
        sectors=_sectors(element),
        uncac_articles=_articles(element),
        transactions=transactions,
        default_currency=default_currency,
        last_updated=_last_updated(element),
        notes=notes,
        unread=unread,
    )


def _reporting_org(element: etree._Element | None) -> OrgRef:
    ref = attr(element, "ref")
    if element is None or ref is None:
        raise _Reject("missing-reporting-org-ref: <reporting-org> has no ref")
    return OrgRef(ref, _narrative(element), attr(element, "type"))


def _participants(activity: etree._Element, role: str) -> list[OrgRef]:
    orgs: list[OrgRef] = []
    for element in activity.iterfind("participating-org"):
        if attr(element, "role") != role:
            continue
        org = OrgRef(attr(element, "ref"), _narrative(element), attr(element, "type"))
        if org not in orgs:
            orgs.append(org)
    return orgs


def _description(activity: etree._Element) -> str:
    """The general description (type 1 or untyped) if there is one, else the first."""
    descriptions = activity.findall("description")
    general = [d for d in descriptions if attr(d, "type") in (None, "1")]
    return _narrative((general or descriptions or [None])[0])


def _states(activity: etree._Element, notes: list[str]) -> list[str]:
    """The activity's recipient countries and its transactions' (IATI 2.x allows either), as alpha-3, each once."""
    states: list[str] = []
    on_activity = len(activity.findall("recipient-country"))
    for position, element in enumerate(
        chain(activity.iterfind("recipient-country"), activity.iterfind("transaction/recipient-country"))
    ):
        code = (element.get("code") or "").strip().upper()
        if not code:
            _note(notes, "a recipient-country without a code was ignored")
            continue
        alpha3 = alpha3_by_alpha2().get(code)
        if alpha3 is None and code in alpha2_by_alpha3():
            alpha3 = code
            _note(notes, f"recipient-country code {code!r} read as ISO alpha-3")
        if alpha3 is None:
            raise _Reject(f"unknown-country: recipient-country code {code!r}")
        if alpha3 not in states:
            states.append(alpha3)
            if position >= on_activity:
                _note(notes, f"recipient country {alpha3} read from a transaction")
    return states


def _period(activity: etree._Element, notes: list[str]) -> tuple[date | None, date | None]:
    """Start and end; an actual date (types 2, 4) wins over a planned one (types 1, 3). An element without a date
    is ignored; dates are compared like with like, and a planned bound that contradicts an actual one is left open
    (a delayed project: docs/iati-import.md, "Dates")."""
    dates: dict[str, date] = {}
    for element in activity.iterfind("activity-date"):
        kind = attr(element, "type")
        if kind not in ("1", "2", "3", "4"):
            continue
        if attr(element, "iso-date") is None:
            _note(notes, f"an activity-date type {kind} without a date was ignored")
            continue
        dates.setdefault(kind, _date(element.get("iso-date"), f"activity-date type {kind} iso-date"))
    for first, last, which in (("1", "3", "planned"), ("2", "4", "actual")):
        if first in dates and last in dates and dates[last] < dates[first]:
            raise _Reject(f"end-before-start: the {which} end {dates[last]} is before the {which} start {dates[first]}")
    start, end = dates.get("2") or dates.get("1"), dates.get("4") or dates.get("3")
    if start is not None and end is not None and end < start:
        if "2" in dates:  # an actual start after the planned end: the project is late, its end unknown
            _note(notes, f"the actual start {start} is after the planned end {end}: the end is left open")
            return start, None
        _note(notes, f"the actual end {end} is before the planned start {start}: the start is left open")
        return None, end
    return start, end


def _status(activity: etree._Element) -> int:
    code = attr(activity.find("activity-status"), "code")
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
        code = attr(element, "code")
        pair = (attr(element, "vocabulary") or "1", code or "")
        if code is not None and pair not in sectors:
            sectors.append(pair)
    return sectors


def _articles(activity: etree._Element) -> list[int]:
    articles: list[int] = []
    for tag in activity.iterfind("tag"):
        code = attr(tag, "code") or ""
        if attr(tag, "vocabulary") != "99" or not code.upper().startswith("UNCAC"):
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


def _transactions(
    activity: etree._Element, identifier: str, default_currency: str | None, notes: list[str]
) -> tuple[list[Transaction], list[str]]:
    """The transactions read, with their ids; and the type codes of malformed ones of types the ledger does not
    record, left out (noted). A malformed transaction of a recorded type rejects the activity."""
    read: list[_Money] = []
    unread: list[str] = []
    mapped: Counter[str] = Counter()
    for position, element in enumerate(activity.iterfind("transaction"), start=1):
        type_code = attr(element.find("transaction-type"), "code")
        if type_code is not None and type_code in TRANSACTION_TYPE_1X:
            mapped[type_code] += 1
            type_code = TRANSACTION_TYPE_1X[type_code]
        try:
            read.append(_transaction(element, type_code, f"transaction {position}", default_currency, notes))
        except _Reject as reject:
            if type_code in TRANSACTION_KINDS:
                raise
            unread.append(type_code or "none")
            why = f"the ledger does not record type {type_code}" if type_code else "a transaction without a type"
            notes.append(f"{reject}; ignored: {why}")
    if mapped:
        codes = ", ".join(f"{old} → {TRANSACTION_TYPE_1X[old]} ({n})" for old, n in sorted(mapped.items()))
        notes.append(f"IATI 1.x transaction type codes read as 2.x: {codes}")
    return _identified(identifier, read), unread


# What `_transaction` read of one transaction: type code, amount, currency, value date, provider ref, @ref.
_Money = tuple[str, Decimal, str, date, str | None, str | None]


def _identified(identifier: str, read: list[_Money]) -> list[Transaction]:
    """Each transaction with its id in its book: the publisher's ref when no other transaction of the book carries
    it, else a key derived from (type, ref, date, value, currency, ordinal); a transaction without a ref gets the
    key derived from the same less the ref (unchanged since the first release, so ledgers keep their ids)."""
    books = [book_of(money[0], money[1]) for money in read]
    shared: Counter[tuple[str | None, str]] = Counter(
        (book, m[5]) for m, book in zip(read, books, strict=True) if book is not None and m[5] is not None
    )
    ordinals: Counter[tuple[str, ...]] = Counter()
    identified: list[Transaction] = []
    for (type_code, amount, currency, value_date, provider_ref, given_ref), book in zip(read, books, strict=True):
        aliases: tuple[str, ...] = ()
        if given_ref is not None and book is None:
            ref = given_ref  # a type the ledger does not record: no key derived
        else:
            key = (identifier, type_code, value_date.isoformat(), _plain(amount), currency)
            if given_ref is None:
                ref = _derived_ref(key, ordinals)
            elif shared[(book, given_ref)] == 1:
                ref, aliases = given_ref, (_derived_ref((*key, given_ref), Counter()),)
            else:
                ref, aliases = _derived_ref((*key, given_ref), ordinals), (given_ref,)
        identified.append(
            Transaction(ref, type_code, amount, currency, value_date, provider_ref, None, given_ref, aliases)
        )
    return identified


def _transaction(
    element: etree._Element, type_code: str | None, where: str, default_currency: str | None, notes: list[str]
) -> _Money:
    """What the transaction says; the caller assigns ids, which depend on siblings."""
    if type_code is None:
        raise _Reject(f"missing-transaction-type: {where} has no transaction-type code")
    value = element.find("value")
    text = all_text(value)
    if not text:
        raise _Reject(f"bad-amount: {where} has no value")
    if not _DECIMAL.fullmatch(text):
        raise _Reject(f"bad-amount: {where} value {text!r} is not a decimal number")
    amount = Decimal(text)
    if _places(amount) > DECIMAL_PLACES:  # float noise, e.g. 25690.199999999997
        amount = amount.quantize(_QUANTUM, rounding=ROUND_HALF_EVEN)
        notes.append(f"{where} value {text!r} rounded to {_plain(amount)} ({DECIMAL_PLACES} decimal places)")
    if amount < 0 and type_code == "12":
        notes.append(f"{where}: a negative pledge ({text}) is not recorded: the ledger takes no pledge off")
    currency = attr(value, "currency") or default_currency
    if currency is None:
        raise _Reject(f"missing-currency: {where} has no currency and no default-currency")
    code = currency.strip().upper()
    if code not in currency_codes():
        raise _Reject(f"unknown-currency: {where} value currency {currency!r}")
    value_date = _value_date(element, value, where)
    return type_code, amount, code, value_date, attr(element.find("provider-org"), "ref"), attr(element, "ref")


def _value_date(element: etree._Element, value: etree._Element | None, where: str) -> date:
    """The value-date, else the transaction-date: both say when the money moved."""
    if (raw := attr(value, "value-date")) is not None:
        return _date(raw, f"{where} value-date")
    if (raw := attr(element.find("transaction-date"), "iso-date")) is not None:
        return _date(raw, f"{where} transaction-date iso-date")
    raise _Reject(f"missing-value-date: {where} has neither value-date nor transaction-date")


def _derived_ref(key: tuple[str, ...], ordinals: Counter[tuple[str, ...]]) -> str:
    """`tx-` and 20 hex digits of SHA-256 over the key and its ordinal among identical keys (then counted)."""
    digest = hashlib.sha256("\x1f".join((*key, str(ordinals[key]))).encode()).hexdigest()
    ordinals[key] += 1
    return f"tx-{digest[:20]}"


def _places(amount: Decimal) -> int:
    exponent = amount.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _plain(amount: Decimal) -> str:
    """One spelling per amount ("1000", "1000.00" and "1E+3" alike), without exponent."""
    text = format(amount.normalize(), "f")
    return "0" if text in ("-0", "0") else text


# --- small readers -----------------------------------------------------------------------------


def _note(notes: list[str], note: str) -> None:
    if note not in notes:
        notes.append(note)


def attr(element: etree._Element | None, name: str) -> str | None:
    """An attribute's stripped value; absent, empty and missing element all read as None."""
    if element is None:
        return None
    value = element.get(name)
    return (value.strip() or None) if value else None


def all_text(element: etree._Element | None) -> str:
    """All the text in the element, stripped; "" for a missing one."""
    if element is None:
        return ""
    if not len(element):  # no child: its own text is all of it (itertext's join, without the iterator)
        return (element.text or "").strip()
    return "".join(element.itertext()).strip()


def _narrative(element: etree._Element | None) -> str:
    if element is None:
        return ""
    narratives = [(n, text) for n in element.iterfind("narrative") if (text := all_text(n))]
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
            year, month, day = match.groups()
            return date(int(year), int(month), int(day))
    except ValueError:
        pass
    raise _Reject(f"bad-date: {where} {raw!r}" if raw else f"bad-date: {where} is missing")


def _currency(code: str, where: str) -> str:
    normalised = code.strip().upper()
    if normalised not in currency_codes():
        raise _Reject(f"unknown-currency: {where} currency {code!r}")
    return normalised
