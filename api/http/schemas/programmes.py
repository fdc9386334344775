"""Programmes: registration, linked needs, money, deliveries, status and period. Amounts reach the
domain as given, so its codes answer; a new amount's places are held to its currency's minor
units first (`Entered`), a revised one's in the route, where the commitment's currency is known."""

from __future__ import annotations

from datetime import date as Date
from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, Field, StringConstraints

from api.http.schemas.codelists import STATE_CODES, ActivityStatus, DeliveryKind
from api.http.schemas.common import CurrencyText, DecimalText, Entered, In, Note, Short, Written


class ProgrammeCreate(In):
    title: Short
    description: Note = ""
    iati_identifier: Short | None = None
    reporting_org: UUID = Field(description="organisation id of the reporting organisation")
    funders: list[UUID] = Field(max_length=50, description="organisation ids (IATI role 1)")
    implementers: list[UUID] = Field(default=[], max_length=50, description="organisation ids (IATI role 4)")
    states: list[Annotated[str, StringConstraints(max_length=3), STATE_CODES]] = Field(max_length=200)
    start: Date | None = None
    end: Date | None = None
    status: ActivityStatus


class NeedLink(In):
    need_id: UUID
    share: DecimalText | None = Field(default=None, description="in (0, 1]; none: an equal split of the rest")


class NeedUnlink(In):
    need_id: UUID


class MoneyCreate(Entered):
    commitment_id: Short | None = Field(default=None, description="generated when absent")
    funder: UUID
    amount: DecimalText
    currency: CurrencyText
    value_date: Date


class CommitmentDecreaseCreate(Entered):
    """A commitment decrease: `amount` is the positive amount taken off; the reason is the X-Reason header."""

    correction_id: Short | None = Field(default=None, description="generated when absent; unique on the programme")
    funder: UUID = Field(description="the funder whose commitment in `currency` decreases")
    amount: DecimalText = Field(description="the positive amount taken off, never a negative one")
    currency: CurrencyText
    value_date: Date
    source_ref: Short | None = Field(default=None, description="the source's transaction ref (IATI transaction/@ref)")


class DisbursementCorrectionCreate(Entered):
    """A disbursement correction (a refund): `amount` is the positive amount taken off; the reason is X-Reason."""

    correction_id: Short | None = Field(default=None, description="generated when absent; unique on the programme")
    funder: UUID | None = None
    amount: DecimalText = Field(description="the positive amount taken off, never a negative one")
    currency: CurrencyText
    value_date: Date
    source_ref: Short | None = Field(default=None, description="the source's transaction ref (IATI transaction/@ref)")


class CommitmentRevise(In):
    amount: DecimalText


class DisbursementCreate(Entered):
    disbursement_id: Short | None = Field(default=None, description="generated when absent")
    funder: UUID | None = None
    amount: DecimalText
    currency: CurrencyText
    value_date: Date


class DeliveryCreate(In):
    delivery_id: Short | None = Field(default=None, description="generated when absent")
    kind: DeliveryKind
    date: Date
    need_ids: list[UUID] = Field(default=[], max_length=200)
    description: Note
    participants: int | None = Field(default=None, le=10_000_000)
    outputs: Note | None = None


class ReportDispute(In):
    reason: Note = Field(description="why the funder disputes the money reported in its name (required)")


class StatusChange(In):
    status: ActivityStatus


class PeriodChange(In):
    start: Date | None
    end: Date | None


# own: recorded by its funder; a third-party report is unconfirmed until its funder confirms or disputes it
Confirmation = Literal["own", "unconfirmed", "confirmed", "disputed"]


class LinkPublic(BaseModel):
    need_id: UUID
    share: str | None


class CommitmentPublic(BaseModel):
    commitment_id: str
    kind: str
    funder: UUID
    amount: str
    currency: str
    value_date: Date
    cancelled: bool
    reported_by: UUID | None = Field(
        default=None, description="a third-party report: the reporting organisation that recorded it for the funder"
    )
    confirmation: Confirmation = "own"
    dispute_reason: str | None = None
    note: str | None = Field(default=None, description='a report: "reported by X, not confirmed by Y"')


class DisbursementPublic(BaseModel):
    disbursement_id: str
    funder: UUID | None
    amount: str
    currency: str
    value_date: Date
    reported_by: UUID | None = None
    confirmation: Confirmation = "own"
    dispute_reason: str | None = None
    note: str | None = Field(default=None, description='a report: "reported by X, not confirmed by Y"')


class CorrectionPublic(BaseModel):
    correction_id: str
    kind: Literal["commitment-decrease", "disbursement-correction"]
    funder: UUID | None
    amount: str = Field(description="the positive amount taken off its book")
    currency: str
    value_date: Date
    reason: str
    source_ref: str | None = None
    reported_by: UUID | None = None
    confirmation: Confirmation = "own"
    dispute_reason: str | None = None
    note: str | None = Field(default=None, description='a report: "reported by X, not confirmed by Y"')


class DeliveryPublic(BaseModel):
    delivery_id: str
    kind: str
    date: Date
    need_ids: list[UUID]
    description: str
    participants: int | None
    outputs: str | None


class ProgrammePublic(BaseModel):
    id: UUID
    title: str
    description: str
    iati_identifier: str | None
    reporting_org: UUID
    funders: list[UUID]
    implementers: list[UUID]
    states: list[str]
    start: Date | None
    end: Date | None
    status: int
    status_name: str
    needs: list[LinkPublic]
    commitments: list[CommitmentPublic]
    disbursements: list[DisbursementPublic]
    corrections: list[CorrectionPublic] = Field(
        default=[], description="commitment decreases and disbursement corrections (docs/corrections.md)"
    )
    deliveries: list[DeliveryPublic]
    unpublished_needs: int = Field(
        default=0, description="linked needs the reader may not see: a count, never their ids or shares"
    )
    withheld_deliveries: int = Field(
        default=0, description="deliveries naming a need the reader may not see: a count, never their detail"
    )
    version: int
    created_on: datetime
    modified_on: datetime


class ProgrammeWritten(ProgrammePublic, Written):
    recorded_id: str | None = Field(
        default=None,
        description="the commitment, disbursement, correction or delivery this write recorded or changed",
    )
