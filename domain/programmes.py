"""Programmes: a provider's TA programme (an IATI activity), its money and its deliveries (domain/deliveries.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain import amounts, corrections, dates, deliveries, reference, third_party
from domain.errors import InvalidInput, NotFound, RuleBroken
from domain.events import LedgerAggregate

PIPELINE, IMPLEMENTATION, FINALISATION, CLOSED, CANCELLED, SUSPENDED = 1, 2, 3, 4, 5, 6
DELIVERING = (IMPLEMENTATION, FINALISATION)
PLEDGE, COMMITMENT = "pledge", "commitment"


def programme_id_for(iati_identifier: str) -> UUID:
    # One programme per IATI identifier: an import of the same activity finds it again.
    return uuid5(NAMESPACE_URL, f"urn:iati:activity:{iati_identifier.strip()}")


def share(value: object) -> Decimal | None:
    if value is None:
        return None
    d = amounts.plain(value, "invalid-share", "a share")
    if not (0 < d <= 1):
        raise InvalidInput("invalid-share", f"a share is in (0, 1], got {value!r}")
    return d


class Programme(corrections.CorrectionBook, deliveries.DeliveryBook):
    @staticmethod
    def create_id(iati_identifier: str | None = None, **_: object) -> UUID:
        from uuid import uuid4

        return programme_id_for(iati_identifier) if iati_identifier else uuid4()

    @classmethod
    def register(
        cls,
        title: str,
        description: str,
        reporting_org: UUID,
        funders: list[UUID],
        implementers: list[UUID],
        states: list[str],
        start: date | None,
        end: date | None,
        status: int,
        iati_identifier: str | None = None,
    ) -> Programme:
        """Organisations are checked to exist by the Ledger, which can see them."""
        if not funders:
            raise InvalidInput("funder-required", "a programme names at least one funder")
        if not states:
            raise InvalidInput("states-required", "a programme names at least one State party")
        start, end = dates.period(start, end)
        return cls._create(
            cls.ProgrammeRegistered,
            title=reference.text("title-required", title, "the title"),
            description=(description or "").strip(),
            iati_identifier=(iati_identifier or "").strip() or None,
            reporting_org=reporting_org,
            funders=list(dict.fromkeys(funders)),
            implementers=list(dict.fromkeys(implementers)),
            states=list(dict.fromkeys(reference.party(s).iso3 for s in states)),
            start=start,
            end=end,
            status=reference.activity_status(status),
        )

    class ProgrammeRegistered(LedgerAggregate.Created):
        title: str
        description: str
        iati_identifier: str | None
        reporting_org: UUID
        funders: list[UUID]
        implementers: list[UUID]
        states: list[str]
        start: date | None
        end: date | None
        status: int

    def __init__(
        self,
        title: str,
        description: str,
        iati_identifier: str | None,
        reporting_org: UUID,
        funders: list[UUID],
        implementers: list[UUID],
        states: list[str],
        start: date | None,
        end: date | None,
        status: int,
    ) -> None:
        self.title = title
        self.description = description
        self.iati_identifier = iati_identifier
        self.reporting_org = reporting_org
        self.funders = list(funders)
        self.implementers = list(implementers)
        self.states = list(states)
        self.start = start
        self.end = end
        self.status = status
        self.links: dict[UUID, Decimal | None] = {}
        self.commitments: dict[str, dict[str, Any]] = {}
        self.disbursements: dict[str, dict[str, Any]] = {}
        self.deliveries: dict[str, dict[str, Any]] = {}
        self.corrections: dict[str, dict[str, Any]] = {}  # by correction id (domain/corrections.py)

    # ---- rules shared by commands ----

    def _require_open_for_money(self) -> None:
        if self.status in (CLOSED, CANCELLED):
            name = reference.activity_statuses()[self.status].lower()
            raise RuleBroken("programme-closed", f"the programme is {name}: no more money or deliveries")

    def _require_funder(self, funder: UUID) -> None:
        if funder not in self.funders:
            raise RuleBroken("funder-not-on-programme", f"organisation {funder} is not a funder of this programme")

    def _new_money_id(self, kind: str, key: str, book: dict[str, Any]) -> str:
        key = reference.text(f"invalid-{kind}-id", key, f"the {kind} id")
        if key in book:
            raise RuleBroken(f"duplicate-{kind}", f"{kind} {key!r} is already recorded")
        return key

    # ---- needs ----

    def link_need(self, need_id: UUID, need_state: str, share_: object = None) -> None:
        if need_state not in self.states:
            raise RuleBroken(
                "need-state-not-on-programme",
                f"the need is of {need_state}, which is not among the programme's states",
            )
        if need_id in self.links:
            raise RuleBroken("need-already-linked", "the need is already linked to this programme")
        s = share(share_)
        explicit = sum((v for v in self.links.values() if v is not None), Decimal(0))
        if s is not None and explicit + s > 1:
            raise RuleBroken("shares-exceed-one", f"explicit shares would sum to {explicit + s} > 1")
        self._need_linked(need_id=need_id, share=s)

    def unlink_need(self, need_id: UUID) -> None:
        if need_id not in self.links:
            raise RuleBroken("need-not-linked", "the need is not linked to this programme")
        self._need_unlinked(need_id=need_id)

    # ---- money ----

    def record_pledge(self, commitment_id: str, funder: UUID, amount: object, currency: str, value_date: date) -> None:
        self._check_commitment(commitment_id, funder)
        self._pledge_recorded(
            commitment_id=commitment_id,
            funder=funder,
            amount=reference.amount(amount),
            currency=reference.currency(currency),
            value_date=dates.within(value_date, "the value date"),
        )

    def record_commitment(
        self, commitment_id: str, funder: UUID, amount: object, currency: str, value_date: date
    ) -> None:
        self._check_commitment(commitment_id, funder)
        self._commitment_recorded(
            commitment_id=commitment_id,
            funder=funder,
            amount=reference.amount(amount),
            currency=reference.currency(currency),
            value_date=dates.within(value_date, "the value date"),
        )

    def _check_commitment(self, commitment_id: str, funder: UUID) -> None:
        self._require_open_for_money()
        self._new_money_id("commitment", commitment_id, self.commitments)
        self._require_funder(funder)

    def _existing_commitment(self, commitment_id: str) -> dict[str, Any]:
        c = self.commitments.get(commitment_id)
        if c is None:
            raise NotFound("unknown-commitment", f"no commitment {commitment_id!r} on this programme")
        if c["cancelled"]:
            raise RuleBroken("commitment-cancelled", f"commitment {commitment_id!r} is cancelled")
        return c

    def revise_commitment(self, commitment_id: str, amount: object) -> None:
        self._require_open_for_money()
        c = self._existing_commitment(commitment_id)
        new = reference.amount(amount)
        if new == c["amount"]:
            raise RuleBroken("amount-unchanged", f"commitment {commitment_id!r} is already {new}")
        self._commitment_revised(commitment_id=commitment_id, amount=new)

    def cancel_commitment(self, commitment_id: str) -> None:
        self._existing_commitment(commitment_id)
        self._commitment_cancelled(commitment_id=commitment_id)

    def record_disbursement(
        self, disbursement_id: str, amount: object, currency: str, value_date: date, funder: UUID | None = None
    ) -> None:
        self._require_open_for_money()
        self._new_money_id("disbursement", disbursement_id, self.disbursements)
        if funder is not None:
            self._require_funder(funder)
        self._disbursement_recorded(
            disbursement_id=disbursement_id,
            funder=funder,
            amount=reference.amount(amount),
            currency=reference.currency(currency),
            value_date=dates.within(value_date, "the value date"),
        )

    def report_money(
        self, kind: str, money_id: str, funder: UUID, amount: object, currency: str, value_date: date, reported_by: UUID
    ) -> None:
        """The reporting organisation reports a pledge, commitment or disbursement in another funder's name: the
        reporter's word until the funder confirms it (the rules: domain/third_party.py)."""
        self._require_open_for_money()
        self._new_money_id(third_party.book_of(kind), money_id, third_party.entries(self, third_party.book_of(kind)))
        self._require_funder(funder)
        third_party.check_reporter(self.reporting_org, funder, reported_by)
        self._money_reported(
            kind=kind,
            money_id=money_id,
            funder=funder,
            amount=reference.amount(amount),
            currency=reference.currency(currency),
            value_date=dates.within(value_date, "the value date"),
            reported_by=reported_by,
        )

    def confirm(self, book: str, money_id: str) -> None:
        """The funder confirms a report of money in its name: from now on it counts like its own."""
        third_party.check_confirm(third_party.report(self._book(book, money_id), book, money_id), money_id)
        self._money_confirmed(book=book, money_id=money_id)

    def dispute(self, book: str, money_id: str, reason: str) -> None:
        """The funder disputes a report of money in its name, with a reason: it never counts."""
        entry = third_party.report(self._book(book, money_id), book, money_id)
        self._money_disputed(book=book, money_id=money_id, reason=third_party.check_dispute(entry, money_id, reason))

    # ---- deliveries, status, period ----

    def _require_delivering(self) -> None:
        if self.status not in DELIVERING:
            raise RuleBroken(
                "programme-not-delivering",
                "deliveries are recorded only while in implementation or finalisation",
            )

    def change_status(self, status: int) -> None:
        status = reference.activity_status(status)
        if status == self.status:
            raise RuleBroken("status-unchanged", f"the programme's status is already {status}")
        self._status_changed(status=status)

    def change_period(self, start: date | None, end: date | None) -> None:
        start, end = dates.period(start, end)
        if (start, end) == (self.start, self.end):
            raise RuleBroken("period-unchanged", "the programme already has this period")
        self._period_changed(start=start, end=end)

    # ---- events ----

    @event("NeedLinked")
    def _need_linked(self, need_id: UUID, share: Decimal | None) -> None:
        self.links[need_id] = share

    @event("NeedUnlinked")
    def _need_unlinked(self, need_id: UUID) -> None:
        del self.links[need_id]

    def _add_commitment(
        self, kind: str, commitment_id: str, funder: UUID, amount: Decimal, currency: str, value_date: date
    ) -> None:
        self.commitments[commitment_id] = {
            "kind": kind,
            "funder": funder,
            "amount": amount,
            "currency": currency,
            "value_date": value_date,
            "cancelled": False,
        }

    @event("PledgeRecorded")
    def _pledge_recorded(
        self, commitment_id: str, funder: UUID, amount: Decimal, currency: str, value_date: date
    ) -> None:
        self._add_commitment(PLEDGE, commitment_id, funder, amount, currency, value_date)

    @event("CommitmentRecorded")
    def _commitment_recorded(
        self, commitment_id: str, funder: UUID, amount: Decimal, currency: str, value_date: date
    ) -> None:
        self._add_commitment(COMMITMENT, commitment_id, funder, amount, currency, value_date)

    @event("CommitmentRevised")
    def _commitment_revised(self, commitment_id: str, amount: Decimal) -> None:
        c = self.commitments[commitment_id]
        c["amount"] = amount
        if "reported_by" in c:  # a revised report is the reporter's word again until its funder confirms it
            c.update(confirmation=third_party.UNCONFIRMED, dispute_reason=None)

    @event("CommitmentCancelled")
    def _commitment_cancelled(self, commitment_id: str) -> None:
        self.commitments[commitment_id]["cancelled"] = True

    @event("DisbursementRecorded")
    def _disbursement_recorded(
        self, disbursement_id: str, funder: UUID | None, amount: Decimal, currency: str, value_date: date
    ) -> None:
        self.disbursements[disbursement_id] = {
            "funder": funder,
            "amount": amount,
            "currency": currency,
            "value_date": value_date,
        }

    @event("MoneyReported")
    def _money_reported(
        self,
        kind: str,
        money_id: str,
        funder: UUID,
        amount: Decimal,
        currency: str,
        value_date: date,
        reported_by: UUID,
    ) -> None:
        third_party.entries(self, third_party.book_of(kind))[money_id] = third_party.entry(
            kind, funder, amount, currency, value_date, reported_by
        )

    @event("MoneyConfirmed")
    def _money_confirmed(self, book: str, money_id: str) -> None:
        self._book(book)[money_id].update(confirmation=third_party.CONFIRMED, dispute_reason=None)

    @event("MoneyDisputed")
    def _money_disputed(self, book: str, money_id: str, reason: str) -> None:
        self._book(book)[money_id].update(confirmation=third_party.DISPUTED, dispute_reason=reason)

    @event("ProgrammeStatusChanged")
    def _status_changed(self, status: int) -> None:
        self.status = status

    @event("ProgrammePeriodChanged")
    def _period_changed(self, start: date | None, end: date | None) -> None:
        self.start = start
        self.end = end
