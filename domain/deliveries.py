"""Deliveries: what a programme delivered (a training, a mission, a draft law...), the needs it served, and the
lessons learned from it (resolution paras 1-2).

A delivery is recorded while the programme is in implementation or finalisation; its `lessons` (free text, at most
`MAX_LESSONS` characters) may come with it or later (`LessonsRecorded`, which replaces them): providers often write
lessons after the fact, after an evaluation, even once the programme is closed, so lessons are taken whatever the
programme's status. Old `DeliveryRecorded` events, from before lessons, fold with none. docs/lessons.md.
"""

from __future__ import annotations

from abc import abstractmethod
from datetime import date
from typing import Any
from uuid import UUID

from domain import dates, reference
from domain.errors import InvalidInput, NotFound, RuleBroken
from domain.events import LedgerAggregate

MAX_LESSONS = 10_000


def lessons_text(value: str | None) -> str | None:
    """Lessons as kept: stripped, None when blank, refused beyond MAX_LESSONS characters."""
    text = (value or "").strip()
    if len(text) > MAX_LESSONS:
        raise InvalidInput("lessons-too-long", f"lessons are at most {MAX_LESSONS} characters, got {len(text)}")
    return text or None


class DeliveryBook(LedgerAggregate):
    """The Programme aggregate's deliveries and their lessons: the commands, and the events they trigger (each
    redefined on Programme, so stored under its topic, as domain/corrections.py's)."""

    status: int
    links: dict[UUID, Any]
    deliveries: dict[str, dict[str, Any]]

    class DeliveryRecorded(LedgerAggregate.Event):
        delivery_id: str
        kind: str
        date: date
        need_ids: list[UUID]
        description: str
        participants: int | None
        outputs: str | None
        lessons: str | None = None  # events from before lessons fold with none

        def apply(self, aggregate: Any) -> None:
            aggregate.deliveries[self.delivery_id] = {
                "kind": self.kind,
                "date": self.date,
                "need_ids": list(self.need_ids),
                "description": self.description,
                "participants": self.participants,
                "outputs": self.outputs,
                "lessons": self.lessons,
            }

    class LessonsRecorded(LedgerAggregate.Event):
        delivery_id: str
        need_ids: list[UUID]  # the delivery's: whoever may not see one of them sees no lessons (as no delivery)
        lessons: str

        def apply(self, aggregate: Any) -> None:
            aggregate.deliveries[self.delivery_id]["lessons"] = self.lessons

    @abstractmethod
    def _require_open_for_money(self) -> None: ...

    @abstractmethod
    def _new_money_id(self, kind: str, key: str, book: dict[str, Any]) -> str: ...

    @abstractmethod
    def _require_delivering(self) -> None: ...

    def record_delivery(
        self,
        delivery_id: str,
        kind: str,
        on: date,
        need_ids: list[UUID],
        description: str,
        participants: int | None = None,
        outputs: str | None = None,
        lessons: str | None = None,
    ) -> None:
        self._require_open_for_money()
        self._require_delivering()
        self._new_money_id("delivery", delivery_id, self.deliveries)
        unlinked = [str(n) for n in need_ids if n not in self.links]
        if unlinked:
            raise RuleBroken("need-not-linked", f"need(s) not linked to this programme: {', '.join(unlinked)}")
        if participants is not None and participants < 0:
            raise InvalidInput("invalid-participants", "participants cannot be negative")
        self.trigger_event(
            self.DeliveryRecorded,
            delivery_id=delivery_id,
            kind=reference.one_of("invalid-delivery-kind", kind, reference.DELIVERY_KINDS),
            date=dates.delivered(on),
            need_ids=list(dict.fromkeys(need_ids)),
            description=reference.text("description-required", description, "description"),
            participants=participants,
            outputs=outputs,
            lessons=lessons_text(lessons),
        )

    def record_lessons(self, delivery_id: str, lessons: str) -> None:
        """Record (or replace) the lessons learned from a delivery, whatever the programme's status now."""
        delivery = self.deliveries.get(delivery_id)
        if delivery is None:
            raise NotFound("unknown-delivery", f"no delivery {delivery_id!r} on this programme")
        text = lessons_text(lessons)
        if text is None:
            raise InvalidInput("lessons-required", "the lessons must not be empty")
        if text == delivery.get("lessons"):
            raise RuleBroken("lessons-unchanged", f"delivery {delivery_id!r} already records these lessons")
        self.trigger_event(self.LessonsRecorded, delivery_id=delivery_id, need_ids=delivery["need_ids"], lessons=text)
