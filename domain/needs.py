"""Needs: a State party's technical-assistance need under one UNCAC article."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain import dates, reference
from domain.errors import InvalidInput, RuleBroken
from domain.events import LedgerAggregate
from domain.stakeholders import stakeholder_list

OPEN, MET, WITHDRAWN = reference.NEED_STATUSES


def money(amount: object, currency: str, value_date: date) -> dict[str, Any]:
    return {
        "amount": reference.amount(amount),
        "currency": reference.currency(currency),
        "value_date": dates.within(value_date, "the value date"),
    }


def source(kind: str, reference_: str, cycle: int | None = None, on: date | None = None) -> dict[str, Any]:
    if cycle is not None and cycle not in reference.review_cycles():
        raise InvalidInput("unknown-cycle", f"review cycle {cycle!r} does not exist (1 or 2)")
    return {
        "kind": reference.one_of("invalid-source", kind, reference.SOURCE_KINDS),
        "reference": reference.text("invalid-source", reference_, "the source's reference"),
        "cycle": cycle,
        "date": None if on is None else dates.within(on, "the source's date"),
    }


class Need(LedgerAggregate):
    @classmethod
    def identify(
        cls,
        state: str,
        article: int,
        ta_types: list[str],
        description: str,
        horizon: str,
        priority: str,
        source: dict[str, Any],
        paragraph: str | None = None,
        estimated_cost: dict[str, Any] | None = None,
        need_id: UUID | None = None,
        stakeholders: list[dict[str, Any]] | None = None,
        assistance_provided: dict[str, Any] | None = None,
    ) -> Need:
        """`need_id` lets a loader that must not repeat itself (the demo) choose a stable id. `assistance_provided`
        comes from `stakeholders.assistance` (the Ledger checks its programme exists)."""
        art = reference.article(article)
        return cls._create(
            cls.NeedIdentified,
            id=need_id,
            state=reference.party(state).iso3,
            article=art.number,
            paragraph=reference.paragraph(art.number, paragraph),
            ta_types=reference.ta_type_list(ta_types),
            description=reference.text("description-required", description, "description"),
            horizon=reference.one_of("invalid-horizon", horizon, reference.HORIZONS),
            priority=reference.one_of("invalid-priority", priority, reference.PRIORITIES),
            source=source,
            estimated_cost=estimated_cost,
            stakeholders=stakeholder_list(stakeholders),
            assistance_provided=assistance_provided,
        )

    class NeedIdentified(LedgerAggregate.Created):
        state: str
        article: int
        paragraph: str | None
        ta_types: list[str]
        description: str
        horizon: str
        priority: str
        source: dict[str, Any]
        estimated_cost: dict[str, Any] | None
        stakeholders: list[dict[str, str]]
        assistance_provided: dict[str, Any] | None

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Needs identified before stakeholders and assistance already provided were recorded: none known."""
            state["stakeholders"] = []
            state["assistance_provided"] = None

    def __init__(
        self,
        state: str,
        article: int,
        paragraph: str | None,
        ta_types: list[str],
        description: str,
        horizon: str,
        priority: str,
        source: dict[str, Any],
        estimated_cost: dict[str, Any] | None,
        stakeholders: list[dict[str, str]],
        assistance_provided: dict[str, Any] | None,
    ) -> None:
        self.state = state
        self.article = article
        self.paragraph = paragraph
        self.ta_types = list(ta_types)
        self.description = description
        self.horizon = horizon
        self.priority = priority
        self.source = source
        self.estimated_cost = estimated_cost
        self.stakeholders = [dict(s) for s in stakeholders]
        self.assistance_provided = assistance_provided
        self.status = OPEN
        self.published = False

    # ---- commands: decide here, apply in the @event methods below ----

    def _require_open(self) -> None:
        if self.status != OPEN:
            raise RuleBroken("need-closed", f"the need is {self.status}; reopen it first")

    def revise(
        self,
        description: str | None = None,
        ta_types: list[str] | None = None,
        paragraph: str | None = None,
        horizon: str | None = None,
    ) -> None:
        self._require_open()
        if description is None and ta_types is None and paragraph is None and horizon is None:
            raise InvalidInput("nothing-to-revise", "name at least one field to revise")
        self._revised(
            description=None
            if description is None
            else reference.text("description-required", description, "description"),
            ta_types=None if ta_types is None else reference.ta_type_list(ta_types),
            paragraph=None if paragraph is None else reference.paragraph(self.article, paragraph),
            horizon=None if horizon is None else reference.one_of("invalid-horizon", horizon, reference.HORIZONS),
        )

    def prioritise(self, priority: str) -> None:
        self._require_open()
        self._prioritised(reference.one_of("invalid-priority", priority, reference.PRIORITIES))

    def estimate(self, amount: object, currency: str, value_date: date) -> None:
        self._require_open()
        cost = money(amount, currency, value_date)
        self._cost_estimated(cost["amount"], cost["currency"], cost["value_date"])

    def record_stakeholders(self, stakeholders: list[dict[str, Any]]) -> None:
        """Replace who took part in identifying the need (an empty list: nobody besides the State)."""
        self._require_open()
        found = stakeholder_list(stakeholders)
        if found == self.stakeholders:
            raise RuleBroken("stakeholders-unchanged", "these are the need's stakeholders already")
        self._stakeholders_recorded(found)

    def record_assistance(self, assistance_provided: dict[str, Any]) -> None:
        """Replace what the need says of the assistance already being provided (`stakeholders.assistance`)."""
        self._require_open()
        if assistance_provided == self.assistance_provided:
            raise RuleBroken("assistance-unchanged", "the need says this of the assistance provided already")
        self._assistance_recorded(assistance_provided)

    def publish(self) -> None:
        if self.published:
            raise RuleBroken("need-already-published", "the need is already published")
        self._published()

    def mark_met(self, reason: str) -> None:
        self._require_open()
        self._met(reference.text("reason-required", reason, "the reason"))

    def withdraw(self, reason: str) -> None:
        self._require_open()
        self._withdrawn(reference.text("reason-required", reason, "the reason"))

    def reopen(self, reason: str) -> None:
        if self.status == OPEN:
            raise RuleBroken("need-not-closed", "the need is open already")
        self._reopened(reference.text("reason-required", reason, "the reason"))

    # ---- events: state changes only, replayed as they are ----

    @event("NeedRevised")
    def _revised(
        self,
        description: str | None,
        ta_types: list[str] | None,
        paragraph: str | None,
        horizon: str | None,
    ) -> None:
        if description is not None:
            self.description = description
        if ta_types is not None:
            self.ta_types = list(ta_types)
        if paragraph is not None:
            self.paragraph = paragraph
        if horizon is not None:
            self.horizon = horizon

    @event("NeedPrioritised")
    def _prioritised(self, priority: str) -> None:
        self.priority = priority

    @event("NeedCostEstimated")
    def _cost_estimated(self, amount: Decimal, currency: str, value_date: date) -> None:
        self.estimated_cost = {"amount": amount, "currency": currency, "value_date": value_date}

    @event("NeedStakeholdersRecorded")
    def _stakeholders_recorded(self, stakeholders: list[dict[str, str]]) -> None:
        self.stakeholders = [dict(s) for s in stakeholders]

    @event("NeedAssistanceProvidedRecorded")
    def _assistance_recorded(self, assistance_provided: dict[str, Any]) -> None:
        self.assistance_provided = assistance_provided

    @event("NeedPublished")
    def _published(self) -> None:
        self.published = True

    @event("NeedMet")
    def _met(self, reason: str) -> None:
        self.status = MET

    @event("NeedWithdrawn")
    def _withdrawn(self, reason: str) -> None:
        self.status = WITHDRAWN

    @event("NeedReopened")
    def _reopened(self, reason: str) -> None:
        self.status = OPEN
