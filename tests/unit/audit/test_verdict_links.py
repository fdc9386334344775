"""Checkpoints remember each other (v2): each signs the previous one's position and chain hash, so verify_log finds
a deleted checkpoint ("signed link missing") and one outside the signed sequence ("checkpoint out of sequence"),
with or without a key; an identical copy of a checkpoint counts once."""

from __future__ import annotations

import pytest

from projections.audit.checkpoints import FIRST, Checkpoint, SigningKey
from projections.audit.verify import verify_log
from projections.audit.verify_result import LINK_MISSING, OUT_OF_SEQUENCE
from tests.support.audit_logs import hashes, make_log, sign_every, stored_chain

KEY = SigningKey.generate()
LOG = make_log(40)
HEADS = [head.hex() for _, head in hashes(LOG)]
LINKED = sign_every(LOG, KEY, every=5)  # 8 checkpoints, each naming the one before


def verified(checkpoints: list[Checkpoint], key: SigningKey | None = KEY):
    return verify_log(LOG, checkpoints, None if key is None else key.public_key_pem(), stored_chain(LOG))


def failed_at(result) -> tuple[str | None, int | None]:
    return result.problem, result.first_bad_position


def test_linked_checkpoints_verify_and_name_each_other():
    assert LINKED[0].prev == FIRST
    assert all(c.prev == (p.position, p.chain_hash) for p, c in zip(LINKED, LINKED[1:], strict=False))
    result = verified(LINKED)
    assert result.ok and result.checkpoints_verified == len(LINKED) and result.checkpoints_unlinked == 0


@pytest.mark.parametrize("gone", [0, 3, 6])
def test_a_deleted_checkpoint_is_named_by_the_next_ones_signed_link(gone):
    # given the checkpoints with one deleted (the first, or one in the middle)
    kept = LINKED[:gone] + LINKED[gone + 1 :]
    # then the next checkpoint's link names the deleted one's position, with or without a key
    assert failed_at(verified(kept)) == (LINK_MISSING, LINKED[gone].position)
    assert failed_at(verified(kept, key=None)) == (LINK_MISSING, LINKED[gone].position)


def test_deleting_the_last_checkpoints_leaves_no_broken_link():
    # what only the cadence (an unsigned tail) or an auditor's saved checkpoint can show
    assert verified(LINKED[:-2]).ok


def test_a_checkpoint_signed_outside_the_sequence_is_out_of_sequence():
    # given a genuine-key checkpoint on the chain between two linked ones, which the next one does not name
    i = 12  # between LINKED[1] (position of record 10) and LINKED[2] (record 15)
    extra = KEY.sign(LOG[i].position, i + 1, HEADS[i], prev=(LINKED[1].position, LINKED[1].chain_hash))
    result = verified(sorted([*LINKED, extra], key=lambda c: c.position))
    # then the checkpoint after it names it as not in the signed sequence
    assert failed_at(result) == (OUT_OF_SEQUENCE, extra.position)


def test_a_link_to_another_history_is_out_of_sequence():
    # given the second checkpoint re-signed naming the first position with another chain hash
    second = LINKED[1]
    forged = KEY.sign(second.position, second.count, second.chain_hash, second.time, (LINKED[0].position, "ee" * 32))
    result = verified([LINKED[0], forged, *LINKED[2:]])
    assert failed_at(result) == (OUT_OF_SEQUENCE, LINKED[0].position)


def test_an_identical_copy_counts_once_and_breaks_no_link():
    # given the auditor's saved copies of two stored checkpoints, given again
    result = verified([*LINKED, LINKED[3], LINKED[-1]])
    assert result.ok and result.checkpoints_verified == len(LINKED)


def test_v1_checkpoints_of_an_older_ledger_are_read_and_the_first_v2_one_links_to_the_last_v1():
    # given an older ledger's v1 checkpoints, then v2 ones after the upgrade
    old = [KEY.sign(LOG[i].position, i + 1, HEADS[i], prev=None) for i in (4, 9)]
    new = KEY.sign(LOG[14].position, 15, HEADS[14], prev=(old[-1].position, old[-1].chain_hash))
    result = verified([*old, new])
    assert result.ok and result.checkpoints_unlinked == 2 and result.checkpoints_verified == 3
    # but a v1 checkpoint after a v2 one is out of sequence (a ledger never signs v1 again)
    late = KEY.sign(LOG[19].position, 20, HEADS[19], prev=None)
    assert failed_at(verified([*old, new, late])) == (OUT_OF_SEQUENCE, late.position)
