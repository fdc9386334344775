"""Mutation testing of the evidence: many random tamperings of a real store, one at a time, each
undone before the next; every single one must be detected at its own position."""

from __future__ import annotations

import random

from api.root.services import Services
from projections.audit.verify_store import verify_store
from tests.support import tamper

ROUNDS = 100
SEED = 20240611


def verified(svc: Services):
    return verify_store(svc.db, svc.ledger.recorder.events_table_name, svc.signing_key).result


def random_tampering(rng: random.Random, head: int) -> tuple[str, int, object]:
    kind = rng.choice(["altered", "deleted", "inserted", "swapped"])
    position = rng.randint(1, head - 1)
    if kind == "altered":
        offset = rng.randrange(10_000)
        return kind, position, lambda svc, p: tamper.alter_byte(svc, p, offset)
    if kind == "swapped":
        partner = rng.randint(position + 1, head)
        return kind, position, lambda svc, p: tamper.swap(svc, p, partner)
    return kind, position, tamper.TAMPERINGS[kind]


def test_every_random_tampering_of_a_stored_event_is_detected_at_its_position(
    demo: Services,
) -> None:
    # given the demo data set, which verifies
    rng = random.Random(SEED)
    head = demo.runner.head()
    assert verified(demo).ok
    missed = []
    for _ in range(ROUNDS):
        # when one random record is altered, deleted, preceded by a forgery or swapped
        kind, position, change = random_tampering(rng, head)
        undo = change(demo, position)
        try:
            result = verified(demo)
        finally:
            undo()
        # then verification fails at exactly that position
        if result.ok or result.first_bad_position != position:
            missed.append((kind, position, result.problem, result.first_bad_position))
    assert not missed, f"seed {SEED}: tamperings not located: {missed}"
    # and with every change undone the store verifies again
    assert verified(demo).ok
