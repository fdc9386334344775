"""Plain data of the IATI layer, what one IATI activity means to the ledger, and the code tables the layer needs
(the transaction types the ledger records; ISO 3166-1 alpha-2 <-> alpha-3 and the IATI Currency codelist, loaded
once from files shipped next to this module). Nothing here knows the domain: `parse` turns IATI XML into these
objects and `export` turns them back; the importer and the exporter translate between them and the domain.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache, cached_property
from pathlib import Path
from types import MappingProxyType

from lxml import etree

_HERE = Path(__file__).parent

# The IATI TransactionType codes the ledger records, and the entry each becomes on a programme.
# Other types are read, then only counted by the importer.
TRANSACTION_KINDS: Mapping[str, str] = MappingProxyType({"12": "pledge", "2": "commitment", "3": "disbursement"})
TRANSACTION_TYPE_OF: Mapping[str, str] = MappingProxyType({kind: code for code, kind in TRANSACTION_KINDS.items()})
# IATI 1.x TransactionType codes, still written in 2.0x files, and the 2.x code IATI's own upgrade maps each to.
TRANSACTION_TYPE_1X: Mapping[str, str] = MappingProxyType(
    {"IF": "1", "C": "2", "D": "3", "E": "4", "IR": "5", "LR": "6", "R": "7", "QP": "8", "QS": "9", "CG": "10"}
)
# The ledger's books of entries from transactions, each with its own ids: pledges and commitments share one,
# and negative commitments and disbursements are corrections (docs/iati-import.md, "Transaction identity").
COMMITMENTS, DISBURSEMENTS, CORRECTIONS = "commitments", "disbursements", "corrections"
# The decimal places the ledger keeps (domain.amounts.MAX_DECIMAL_PLACES); finer values are rounded half-even.
DECIMAL_PLACES = 10


@dataclass(frozen=True)
class OrgRef:
    """An organisation as an activity names it; `ref` is its IATI organisation identifier."""

    ref: str | None
    name: str
    org_type: str | None  # IATI OrganisationType code, e.g. "10" government


@dataclass(frozen=True)
class Transaction:
    """One transaction; `ref` is its id in the ledger's book, unique within the activity (docs/iati-import.md,
    "Transaction identity"): the publisher's ref when no other transaction of that book carries it, else derived.
    """

    ref: str
    type_code: str  # IATI TransactionType code; the ledger records those of TRANSACTION_KINDS
    amount: Decimal
    currency: str  # ISO 4217, always resolved (the activity's default-currency applied)
    value_date: date
    provider_ref: str | None
    description: str | None = None  # exported for third-party reports: "reported by X, not confirmed by Y"
    # How reading identified it (not what it says, so not compared): the publisher's @ref (None when absent), and
    # the id the other rule of identity gives it, under which a ledger may hold it.
    given_ref: str | None = field(default=None, compare=False)
    aliases: tuple[str, ...] = field(default=(), compare=False)

    @cached_property
    def book(self) -> str | None:
        """The ledger's book the transaction goes to, or None when the ledger does not record it (worked out once
        per transaction: the importer asks it several times)."""
        return book_of(self.type_code, self.amount)


def book_of(type_code: str, amount: Decimal) -> str | None:
    """`Transaction.book` of a transaction of this type and amount."""
    kind = TRANSACTION_KINDS.get(type_code)
    if kind is None or amount == 0 or (kind == "pledge" and amount < 0):
        return None
    if amount < 0:
        return CORRECTIONS
    return DISBURSEMENTS if kind == "disbursement" else COMMITMENTS


@dataclass(frozen=True)
class Activity:
    """One IATI activity, i.e. one technical-assistance programme."""

    iati_identifier: str
    title: str
    description: str  # "" when the activity has none
    reporting_org: OrgRef  # always has a ref
    funders: list[OrgRef]  # participating-org role 1
    implementers: list[OrgRef]  # participating-org role 4
    states: list[str]  # recipient countries as ISO alpha-3
    start: date | None  # actual start if reported, else planned start (docs/iati-import.md, "Dates")
    end: date | None  # actual end if reported, else planned end
    status: int  # IATI ActivityStatus 1..6
    sectors: list[tuple[str, str]] = field(default_factory=list)  # (vocabulary, code)
    uncac_articles: list[int] = field(default_factory=list)  # 5..62
    transactions: list[Transaction] = field(default_factory=list)
    default_currency: str | None = None
    last_updated: str | None = None  # the activity's last-updated-datetime, as written
    # By-products of reading and writing, not what the activity says (so not compared): what reading changed or
    # left out, for the import report; the type codes of malformed transactions of types not recorded, left out;
    # and, for the export, dates that are planned ones (types 1 and 3) whatever the status.
    notes: list[str] = field(default_factory=list, compare=False)
    unread: list[str] = field(default_factory=list, compare=False)
    planned: bool = field(default=False, compare=False)


@dataclass(frozen=True)
class Skipped:
    """An activity that cannot be imported whole; `index` is its 0-based position in the file."""

    iati_identifier: str | None
    index: int
    reason: str  # "<code>: <detail>", e.g. "bad-date: activity-date type 1 iso-date '2012-13-01'"

    @property
    def code(self) -> str:
        """The stable part of the reason, for counting and filtering."""
        return self.reason.split(":", 1)[0]


class IatiFileError(Exception):
    """The file as a whole cannot be read; `code` is stable (iati-version-unsupported, iati-xml-malformed,
    iati-xml-dtd-forbidden, iati-empty, iati-not-activities), the message is for people.
    """

    def __init__(self, code: str, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.line = line


# --- code tables -------------------------------------------------------------------------------


@cache
def alpha3_by_alpha2() -> Mapping[str, str]:
    """ISO 3166-1 alpha-2 -> alpha-3 for every code of the IATI Country codelist."""
    with open(_HERE / "countries.csv", newline="", encoding="utf-8") as rows:
        return {row["alpha2"]: row["alpha3"] for row in csv.DictReader(rows)}


@cache
def alpha2_by_alpha3() -> Mapping[str, str]:
    return {alpha3: alpha2 for alpha2, alpha3 in alpha3_by_alpha2().items()}


@cache
def currency_codes() -> frozenset[str]:
    """Every code of the IATI Currency codelist, withdrawn ones included: old data uses them."""
    codelist = etree.parse(str(_HERE / "codelists" / "Currency.xml"))
    return frozenset(code.strip() for code in codelist.xpath("//codelist-item/code/text()"))
