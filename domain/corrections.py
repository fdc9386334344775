"""Corrections: money taken off a programme's books by an explicit event with a reason, never by a negative amount.

A commitment decrease (`CommitmentDecreased`, IATI type 2 with a negative value) lowers what a funder committed in
one currency; a disbursement correction (`DisbursementCorrected`, a refund: type 3 with a negative value) lowers
what was disbursed. Each names the positive magnitude taken off, its reason and, from an IATI file, the
transaction's ref (`source_ref`), and is kept by its `correction_id` (one book for both kinds), so a re-run of the
same id is refused like a duplicate money id. A decrease may exceed what is committed (real files do that): the
views show the net, negative if so, and programme-monitoring flags it. A correction in another funder's name by
the programme's reporting organisation is a third-party report (domain/third_party.py): counted nowhere until that
funder confirms it. The rules here are pure: the Programme aggregate calls them on its state. docs/corrections.md.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain import third_party
from domain.errors import NotFound

BOOK = "correction"  # the book corrections are kept in, for confirming or disputing a reported one
DECREASE, CORRECTION = "commitment-decrease", "disbursement-correction"
CORRECTS = {DECREASE: "commitment", CORRECTION: "disbursement"}  # the kind of money each kind takes off


def reporter(reporting_org: UUID, funder: UUID | None, reported_by: UUID | None) -> UUID | None:
    """Who reports the correction in another funder's name, or None when it is the funder's own (no reporter, the
    funder itself, or no funder named on a disbursement correction); a reporter must be the programme's reporter."""
    if reported_by is None or funder is None or reported_by == funder:
        return None
    third_party.check_reporter(reporting_org, funder, reported_by)
    return reported_by


def entry(
    kind: str,
    funder: UUID | None,
    amount: Decimal,
    currency: str,
    value_date: date,
    reason: str,
    source_ref: str | None,
    reported_by: UUID | None,
) -> dict[str, Any]:
    """A correction as the aggregate keeps it: its own (no `reported_by`, like money its funder recorded), or a
    third-party report, unconfirmed until its funder confirms it."""
    kept = {
        "kind": kind,
        "funder": funder,
        "amount": amount,
        "currency": currency,
        "value_date": value_date,
        "reason": reason,
        "source_ref": source_ref,
    }
    if reported_by is None:
        return kept
    return {**kept, "reported_by": reported_by, "confirmation": third_party.UNCONFIRMED, "dispute_reason": None}


def known(book: dict[str, dict[str, Any]], correction_id: str) -> None:
    """A correction to confirm or dispute exists."""
    if correction_id not in book:
        raise NotFound("unknown-correction", f"no correction {correction_id!r} on this programme")
