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

from abc import abstractmethod
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain import context, dates, reference, third_party
from domain.errors import NotFound
from domain.events import LedgerAggregate

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


def kept(kind: str, e: Any) -> dict[str, Any]:
    """The entry a correction event leaves in the programme's book."""
    return entry(kind, e.funder, e.amount, e.currency, e.value_date, e.reason, e.source_ref, e.reported_by)


def known(book: dict[str, dict[str, Any]], correction_id: str) -> None:
    """A correction to confirm or dispute exists."""
    if correction_id not in book:
        raise NotFound("unknown-correction", f"no correction {correction_id!r} on this programme")


class CorrectionBook(LedgerAggregate):
    """The Programme aggregate's corrections, kept with their rules: the commands, and the events they trigger (each
    redefined on Programme, so stored under its topic). The rules they share with ordinary money (an open programme,
    a new id, a funder of it) are the Programme's."""

    reporting_org: UUID
    corrections: dict[str, dict[str, Any]]

    # A correction's `reason` is the event's own (the audit trail's why), set from the command's through the context.
    class CommitmentDecreased(LedgerAggregate.Event):
        correction_id: str
        funder: UUID | None
        amount: Decimal
        currency: str
        value_date: date
        source_ref: str | None
        reported_by: UUID | None

        def apply(self, aggregate: Any) -> None:
            aggregate.corrections[self.correction_id] = kept(DECREASE, self)

    class DisbursementCorrected(LedgerAggregate.Event):
        correction_id: str
        funder: UUID | None
        amount: Decimal
        currency: str
        value_date: date
        source_ref: str | None
        reported_by: UUID | None

        def apply(self, aggregate: Any) -> None:
            aggregate.corrections[self.correction_id] = kept(CORRECTION, self)

    @abstractmethod
    def _require_open_for_money(self) -> None: ...

    @abstractmethod
    def _require_funder(self, funder: UUID) -> None: ...

    @abstractmethod
    def _new_money_id(self, kind: str, key: str, book: dict[str, Any]) -> str: ...

    def _book(self, book: str, money_id: str | None = None) -> dict[str, dict[str, Any]]:
        """A book of money: commitments (pledges with them), disbursements, or corrections (`money_id` known)."""
        if book != BOOK:
            return third_party.entries(self, book)
        if money_id is not None:
            known(self.corrections, money_id)
        return self.corrections

    def decrease_commitment(
        self,
        correction_id: str,
        funder: UUID,
        amount: object,
        currency: str,
        value_date: date,
        reason: str,
        source_ref: str | None = None,
        reported_by: UUID | None = None,
    ) -> None:
        """Take `amount` off what `funder` committed in `currency` (IATI: a negative commitment); the net may go
        below zero, which the views show and programme-monitoring flags."""
        fields = self._correction(correction_id, funder, amount, currency, value_date, source_ref, reported_by)
        with context.recording(reason=reference.text("reason-required", reason, "the reason for the correction")):
            self.trigger_event(self.CommitmentDecreased, **fields)

    def correct_disbursement(
        self,
        correction_id: str,
        amount: object,
        currency: str,
        value_date: date,
        reason: str,
        funder: UUID | None = None,
        source_ref: str | None = None,
        reported_by: UUID | None = None,
    ) -> None:
        """Take `amount` off what was disbursed in `currency` (IATI: a negative disbursement, a refund)."""
        fields = self._correction(correction_id, funder, amount, currency, value_date, source_ref, reported_by)
        with context.recording(reason=reference.text("reason-required", reason, "the reason for the correction")):
            self.trigger_event(self.DisbursementCorrected, **fields)

    def _correction(
        self,
        correction_id: str,
        funder: UUID | None,
        amount: object,
        currency: str,
        value_date: date,
        source_ref: str | None,
        reported_by: UUID | None,
    ) -> dict[str, Any]:
        """A correction's fields, checked as ordinary money is (the id first, so a re-run is a duplicate)."""
        self._require_open_for_money()
        key = self._new_money_id("correction", correction_id, self.corrections)
        if funder is not None:
            self._require_funder(funder)
        return {
            "correction_id": key,
            "funder": funder,
            "amount": reference.amount(amount),
            "currency": reference.currency(currency),
            "value_date": dates.within(value_date, "the value date"),
            "source_ref": (source_ref or "").strip() or None,
            "reported_by": reporter(self.reporting_org, funder, reported_by),
        }
