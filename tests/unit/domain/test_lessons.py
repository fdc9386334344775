"""Lessons learned from deliveries: given a programme's events, when lessons are recorded, then new events or a
domain error and nothing; old deliveries, from before lessons, read with none."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from domain.deliveries import MAX_LESSONS
from domain.errors import InvalidInput, NotFound, RuleBroken
from domain.programmes import CLOSED, IMPLEMENTATION, Programme
from tests.unit.domain.test_programmes import FUNDER, KEN_NEED, new_events, refused, register, settled

D = date(2024, 3, 1)


@pytest.fixture
def delivering() -> Programme:
    p = register(status=IMPLEMENTATION)
    p.link_need(KEN_NEED, "KEN")
    p.record_delivery("v1", "training", D, [KEN_NEED], "Judges' training")
    return settled(p)


def test_a_delivery_records_its_lessons_stripped_and_none_when_blank(delivering: Programme) -> None:
    delivering.record_delivery("v2", "workshop", D, [KEN_NEED], "Workshop", lessons="  Start with the judges.  ")
    delivering.record_delivery("v3", "study", D, [], "Study", lessons="   ")
    [v2, v3] = delivering.collect_events()
    assert (v2.lessons, v3.lessons) == ("Start with the judges.", None)
    assert delivering.deliveries["v2"]["lessons"] == "Start with the judges."
    assert delivering.deliveries["v1"]["lessons"] is None


def test_lessons_recorded_later_replace_the_deliverys_and_name_its_needs_even_once_closed(
    delivering: Programme,
) -> None:
    # Given the programme closed
    delivering.change_status(CLOSED)
    settled(delivering)
    # When lessons are recorded on its delivery after the fact
    delivering.record_lessons("v1", "Judges learn from judges.")
    # Then one event says so, naming the delivery's needs, and the delivery holds them
    [event] = delivering.collect_events()
    assert (type(event).__name__, event.delivery_id, event.need_ids, event.lessons) == (
        "LessonsRecorded",
        "v1",
        [KEN_NEED],
        "Judges learn from judges.",
    )
    assert delivering.deliveries["v1"]["lessons"] == "Judges learn from judges."


@pytest.mark.parametrize(
    ("delivery", "lessons", "error", "code"),
    [
        ("v9", "Anything", NotFound, "unknown-delivery"),
        ("v1", "   ", InvalidInput, "lessons-required"),
        ("v1", "x" * (MAX_LESSONS + 1), InvalidInput, "lessons-too-long"),
    ],
)
def test_lessons_are_refused_clearly(
    delivering: Programme, delivery: str, lessons: str, error: type[Exception], code: str
) -> None:
    refused(delivering, lambda p: p.record_lessons(delivery, lessons), error, code)  # type: ignore[arg-type]


def test_the_same_lessons_again_are_refused(delivering: Programme) -> None:
    delivering.record_lessons("v1", "Once.")
    settled(delivering)
    refused(delivering, lambda p: p.record_lessons("v1", " Once. "), RuleBroken, "lessons-unchanged")
    refused(
        delivering,
        lambda p: p.record_delivery("v2", "study", D, [], "Study", lessons="x" * (MAX_LESSONS + 1)),
        InvalidInput,
        "lessons-too-long",
    )


def test_a_delivery_event_from_before_lessons_reads_with_none() -> None:
    # Given a DeliveryRecorded as stored before lessons existed (no `lessons` in its state)
    p = register(status=IMPLEMENTATION)
    p.link_need(KEN_NEED, "KEN")
    p.record_delivery("v1", "training", D, [KEN_NEED], "Training")
    *_, event = p.collect_events()
    old = object.__new__(type(event))
    object.__setattr__(old, "__dict__", {k: v for k, v in vars(event).items() if k != "lessons"})
    # When it is read, then it has no lessons, and applied it leaves none
    assert old.lessons is None
    fresh = register(status=IMPLEMENTATION)
    fresh.link_need(KEN_NEED, "KEN")
    old.apply(fresh)
    assert fresh.deliveries["v1"]["lessons"] is None
    assert new_events(settled(fresh)) == [] and FUNDER in fresh.funders and uuid4() not in fresh.links
