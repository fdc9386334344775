"""Third-party reports: money a programme's reporting organisation records in another funder's name.

IATI lets an implementer report the funds it receives, so the ledger accepts such a report, but it is the
reporter's word, not the funder's: it is kept `unconfirmed` (counted in no total) until the funder confirms
it (`confirmed`: then it counts like the funder's own money) or disputes it with a reason (`disputed`:
never counted, shown with the reason). Money recorded by its funder (or on its behalf by an admin) has no
`reported_by` and is `own`. The rules here are pure: the Programme aggregate calls them on its state.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain import reference
from domain.errors import NotFound, RuleBroken

OWN, UNCONFIRMED, CONFIRMED, DISPUTED = "own", "unconfirmed", "confirmed", "disputed"
COUNTED = (OWN, CONFIRMED)  # the confirmations whose money counts in totals, allocations, gaps and HHI
BOOKS = ("commitment", "disbursement")
KINDS = ("pledge", "commitment", "disbursement")


def confirmation(entry: dict[str, Any]) -> str:
    """An entry's confirmation; money recorded before third-party reports existed is its funder's own."""
    return str(entry.get("confirmation", OWN))


def counted(entry: dict[str, Any]) -> bool:
    """Whether an entry's money counts in totals: its funder's own, or a report the funder confirmed."""
    return confirmation(entry) in COUNTED


def book_of(kind: str) -> str:
    """The book a kind of money is kept in: pledges and commitments together, disbursements apart."""
    return "disbursement" if reference.one_of("invalid-money-kind", kind, KINDS) == "disbursement" else "commitment"


def entries(programme: Any, book: str) -> dict[str, dict[str, Any]]:
    """A programme's commitments (pledges with them) or its disbursements."""
    return programme.commitments if book == "commitment" else programme.disbursements  # type: ignore[no-any-return]


def entry(
    kind: str, funder: UUID, amount: Decimal, currency: str, value_date: date, reported_by: UUID
) -> dict[str, Any]:
    """A reported entry as the aggregate keeps it: the money, who reported it, and that its funder has not
    confirmed it (a commitment's entry has its kind and is not cancelled)."""
    money = {"funder": funder, "amount": amount, "currency": currency, "value_date": value_date}
    if kind != "disbursement":
        money = {"kind": kind, **money, "cancelled": False}
    return {**money, "reported_by": reported_by, "confirmation": UNCONFIRMED, "dispute_reason": None}


def check_reporter(reporting_org: UUID, funder: UUID, reported_by: UUID) -> None:
    """Only the programme's reporting organisation may report another funder's money (IATI incoming funds);
    a funder's own money is recorded as its own, not reported."""
    if reported_by == funder:
        raise RuleBroken("report-by-funder", "a funder records its own money; it reports nothing in its own name")
    if reported_by != reporting_org:
        raise RuleBroken(
            "third-party-not-reporter",
            "money in another funder's name may be reported only by the programme's reporting organisation",
        )


def report(book: dict[str, Any], kind: str, money_id: str) -> dict[str, Any]:
    """The third-party report `money_id` of a book, to be confirmed or disputed."""
    found: dict[str, Any] | None = book.get(money_id)
    if found is None and kind == "commitment":
        raise NotFound("unknown-commitment", f"no commitment {money_id!r} on this programme")
    if found is None:
        raise NotFound("unknown-disbursement", f"no disbursement {money_id!r} on this programme")
    if confirmation(found) == OWN:
        raise RuleBroken("not-a-third-party-report", f"{kind} {money_id!r} was recorded by its funder")
    return found


def check_confirm(entry: dict[str, Any], money_id: str) -> None:
    if confirmation(entry) == CONFIRMED:
        raise RuleBroken("report-already-confirmed", f"{money_id!r} is already confirmed by its funder")


def check_dispute(entry: dict[str, Any], money_id: str, reason: str) -> str:
    """A dispute needs a reason; a confirmed report is the funder's word already, a disputed one stays so."""
    if confirmation(entry) == CONFIRMED:
        raise RuleBroken("report-already-confirmed", f"{money_id!r} is already confirmed by its funder")
    if confirmation(entry) == DISPUTED:
        raise RuleBroken("report-already-disputed", f"{money_id!r} is already disputed by its funder")
    return reference.text("reason-required", reason, "the reason for disputing")
