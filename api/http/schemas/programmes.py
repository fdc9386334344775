"""Programmes: registration, linked needs, money, deliveries, status and period. Amounts reach the
domain as given, so its codes answer; a new amount's places are held to its currency's minor
units first (`Entered`), a revised one's in the route, where the commitment's currency is known."""

from __future__ import annotations

from datetime import date as Date
from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, Field, StringConstraints

from api.http.orgs import OrgRef
from api.http.schemas.bounds import SHARE, DeliveredDate, NonBlank, PlausibleDate, stated
from api.http.schemas.codelists import PARTY_CODES, ActivityStatus, DeliveryKind
from api.http.schemas.common import CurrencyText, DecimalText, Entered, In, Note, Short, Written

Day = Annotated[Date, PlausibleDate]  # 1990-01-01 … today + 15 years (date-out-of-range otherwise)


class ProgrammeCreate(In):
    title: Short
    description: Note = ""
    iati_identifier: Short | None = None
    reporting_org: OrgRef = Field(description="the reporting organisation: its id or IATI ref")
    funders: list[OrgRef] = Field(
        max_length=50, json_schema_extra={"minItems": 1}, description="organisation ids or IATI refs (IATI role 1)"
    )
    implementers: list[OrgRef] = Field(default=[], max_length=50, description="ids or IATI refs (IATI role 4)")
    states: list[Annotated[str, StringConstraints(max_length=3), PARTY_CODES]] = Field(
        max_length=200, json_schema_extra={"minItems": 1}
    )
    start: Day | None = None
    end: Day | None = Field(default=None, description="not before the start (end-before-start)")
    status: ActivityStatus


class NeedLink(In):
    need_id: UUID
    share: Annotated[DecimalText, stated(pattern=SHARE)] | None = Field(
        default=None, description="in (0, 1]; none: an equal split of the rest"
    )


class NeedUnlink(In):
    need_id: UUID


class MoneyCreate(Entered):
    commitment_id: Short | None = Field(default=None, description="generated when absent")
    funder: OrgRef
    amount: DecimalText
    currency: CurrencyText
    value_date: Day


class CommitmentDecreaseCreate(Entered):
    """A commitment decrease: `amount` is the positive amount taken off; the reason is the X-Reason header."""

    correction_id: Short | None = Field(default=None, description="generated when absent; unique on the programme")
    funder: OrgRef = Field(description="the funder whose commitment in `currency` decreases: its id or IATI ref")
    amount: DecimalText = Field(description="the positive amount taken off, never a negative one")
    currency: CurrencyText
    value_date: Day
    source_ref: Short | None = Field(default=None, description="the source's transaction ref (IATI transaction/@ref)")


class DisbursementCorrectionCreate(Entered):
    """A disbursement correction (a refund): `amount` is the positive amount taken off; the reason is X-Reason."""

    correction_id: Short | None = Field(default=None, description="generated when absent; unique on the programme")
    funder: OrgRef | None = None
    amount: DecimalText = Field(description="the positive amount taken off, never a negative one")
    currency: CurrencyText
    value_date: Day
    source_ref: Short | None = Field(default=None, description="the source's transaction ref (IATI transaction/@ref)")


class CommitmentRevise(In):
    amount: DecimalText


class DisbursementCreate(Entered):
    disbursement_id: Short | None = Field(default=None, description="generated when absent")
    funder: OrgRef | None = None
    amount: DecimalText
    currency: CurrencyText
    value_date: Day


class DeliveryCreate(In):
    delivery_id: Short | None = Field(default=None, description="generated when absent")
    kind: DeliveryKind
    date: Annotated[Date, DeliveredDate]
    need_ids: list[UUID] = Field(default=[], max_length=200, description="needs linked to the programme")
    description: Annotated[Note, NonBlank]
    participants: int | None = Field(default=None, le=10_000_000, json_schema_extra={"minimum": 0})
    outputs: Note | None = None
    lessons: Note | None = Field(default=None, description="lessons learned from it (resolution paras 1-2)")


class ReportDispute(In):
    reason: Annotated[Note, NonBlank] = Field(description="why the funder disputes the money reported in its name")


class StatusChange(In):
    status: ActivityStatus


class PeriodChange(In):
    start: Day | None
    end: Day | None = Field(description="not before the start (end-before-start)")


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
    lessons: str | None = None


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
