"""What each programme form sends: the typed values made into the /v1 route's body, and that route's own function
called with them (api/http/routes/programmes.py, corrections.py), so a form writes exactly as the API does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from fastapi import Response

from api.http.auth import Principal
from api.http.routes import programmes as api
from api.http.schemas.programmes import (
    CommitmentDecreaseCreate,
    CommitmentRevise,
    DeliveryCreate,
    DisbursementCorrectionCreate,
    DisbursementCreate,
    MoneyCreate,
    NeedLink,
    PeriodChange,
    ProgrammeCreate,
    StatusChange,
)
from api.root.services import Services
from api.web.forms import Values


def blank(value: str) -> str | None:
    return value or None


def number(value: str) -> int | str | None:
    """A whole number typed: an int, or the text as typed for the schema to refuse in words."""
    return int(value) if value.isdigit() else blank(value)


Run = Callable[[Services, Principal, UUID, int | None, Values], dict[str, Any]]


def register(svc: Services, who: Principal, v: Values) -> dict[str, Any]:
    body = ProgrammeCreate.model_validate(
        {
            "title": v["title"],
            "description": v["description"],
            "iati_identifier": blank(v["iati_identifier"]),
            "reporting_org": v["reporting_org"],
            "funders": v["funders"],
            "implementers": v["implementers"],
            "states": v["states"],
            "start": blank(v["start"]),
            "end": blank(v["end"]),
            "status": number(v["status"]),
        }
    )
    return api.register(body, svc, who, Response())


def money(body: type[MoneyCreate] | type[DisbursementCreate], route: Callable[..., dict[str, Any]]) -> Run:
    def run(svc: Services, who: Principal, pid: UUID, version: int | None, v: Values) -> dict[str, Any]:
        sent = {"funder": blank(v["funder"]), **{k: v[k] for k in ("amount", "currency")}}
        checked = body.model_validate({**sent, "value_date": blank(v["value_date"])})
        return route(pid, checked, svc, who, version, Response())

    return run


def correction(
    body: type[CommitmentDecreaseCreate] | type[DisbursementCorrectionCreate], route: Callable[..., dict[str, Any]]
) -> Run:
    def run(svc: Services, who: Principal, pid: UUID, version: int | None, v: Values) -> dict[str, Any]:
        checked = body.model_validate(
            {
                "funder": blank(v["funder"]),
                "amount": v["amount"],
                "currency": v["currency"],
                "value_date": blank(v["value_date"]),
                "source_ref": blank(v["source_ref"]),
            }
        )
        return route(pid, checked, svc, who, version, Response())

    return run


def link(svc: Services, who: Principal, pid: UUID, version: int | None, v: Values) -> dict[str, Any]:
    body = NeedLink.model_validate({"need_id": v["need_id"], "share": blank(v["share"])})
    return api.link_need(pid, body, svc, who, version, Response())


def deliver(svc: Services, who: Principal, pid: UUID, version: int | None, v: Values) -> dict[str, Any]:
    body = DeliveryCreate.model_validate(
        {
            "kind": v["kind"],
            "date": blank(v["date"]),
            "need_ids": v["need_ids"],
            "description": v["description"],
            "participants": number(v["participants"]),
            "outputs": blank(v["outputs"]),
            "lessons": blank(v["lessons"]),
        }
    )
    return api.deliver(pid, body, svc, who, version, Response())


def revise(svc: Services, who: Principal, pid: UUID, version: int | None, v: Values) -> dict[str, Any]:
    body = CommitmentRevise.model_validate({"amount": v["amount"]})
    return api.revise_commitment(pid, v["commitment_id"], body, svc, who, version, Response())


def cancel(svc: Services, who: Principal, pid: UUID, version: int | None, v: Values) -> dict[str, Any]:
    return api.cancel_commitment(pid, v["commitment_id"], svc, who, version, Response())


def status(svc: Services, who: Principal, pid: UUID, version: int | None, v: Values) -> dict[str, Any]:
    body = StatusChange.model_validate({"status": number(v["status"])})
    return api.change_status(pid, body, svc, who, version, Response())


def period(svc: Services, who: Principal, pid: UUID, version: int | None, v: Values) -> dict[str, Any]:
    body = PeriodChange.model_validate({"start": blank(v["start"]), "end": blank(v["end"])})
    return api.change_period(pid, body, svc, who, version, Response())
