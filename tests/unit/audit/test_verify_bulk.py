"""Verify's fast path (leaves hashed a block at a time, the stored chain compared a run at a time, on worker
processes for a large log) answers exactly what the reference walk, one record at a time, answers: on random logs,
intact or tampered, with stored chains that lag, are spelled otherwise or were edited, and checkpoints anywhere."""

from __future__ import annotations

import random
from dataclasses import replace
from types import SimpleNamespace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projections.audit.chain import Chain, chain_hash, leaf_hash, leaf_input, sha256
from projections.audit.checkpoints import SigningKey
from projections.audit.leaves import LeafBlock, Rows, blocks, leaf_block, rows_of
from projections.audit.verify import verify_log
from tests.support.audit_logs import (
    altered,
    deleted,
    inserted,
    make_log,
    sign_every,
    stored_chain,
    swapped_contents,
    swapped_order,
)

KEY = SigningKey.generate()
EDITS = ["none", "alter", "delete", "insert", "swap contents", "swap order", "bad version", "short stream id"]
STORED = ["exact", "none", "lags", "uppercase", "bytes", "leaf edited", "chain edited", "entry dropped", "too long"]


def reference(records):
    """The records as objects that are not LogRecords: the walk takes them one at a time, as before the fast path."""
    return [
        SimpleNamespace(**{f: getattr(r, f) for f in ("position", "stream_id", "version", "topic", "state")})
        for r in records
    ]


def in_blocks(records, rng):
    """The records as Rows of random sizes (a record that is not one stays itself)."""
    out, i = [], 0
    while i < len(records):
        size = rng.randint(1, 7)
        out += list(rows_of(records[i : i + size], size=size))
        i += size
    return out


def edit(records, kind, i, j):
    if kind == "alter":
        return altered(records, i)
    if kind == "delete":
        return deleted(records, i)
    if kind == "insert":
        return inserted(records, i)
    if kind == "swap contents":
        return swapped_contents(records, i, j)
    if kind == "swap order":
        return swapped_order(records, min(i, len(records) - 2))
    if kind == "bad version":
        return records[:i] + [replace(records[i], version=-1)] + records[i + 1 :]
    if kind == "short stream id":  # not a LogRecord: a row whose id the layout cannot hold
        return records[:i] + [(records[i].position, b"\x00" * 15, 1, "t", b"{}", None, None)] + records[i + 1 :]
    return records


def stored(records, kind, i):
    chain = stored_chain(records)
    if kind == "none":
        return None
    if kind == "lags":
        return chain[:i]
    if kind == "uppercase":
        return [(p, leaf.upper(), head) for p, leaf, head in chain]
    if kind == "bytes":
        return [(p, bytes.fromhex(leaf), bytes.fromhex(head)) for p, leaf, head in chain]
    if kind == "leaf edited":
        return chain[:i] + [(chain[i][0], "0" * 64, chain[i][2])] + chain[i + 1 :]
    if kind == "chain edited":
        return chain[:i] + [(chain[i][0], chain[i][1], "f" * 64)] + chain[i + 1 :]
    if kind == "entry dropped":
        return chain[:i] + chain[i + 1 :]
    if kind == "too long":  # two adjacent entries whose hex, joined, still spells the right hashes
        a, b = chain[i], chain[(i + 1) % len(chain)]
        moved = [(a[0], a[1] + b[1][:1], a[2]), (b[0], b[1][1:], b[2])]
        return chain[:i] + moved + chain[i + 2 :] if i + 1 < len(chain) else chain
    return chain


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(2, 30),
    seed=st.integers(0, 2**32),
    kind=st.sampled_from(EDITS),
    kept=st.sampled_from(STORED),
    every=st.sampled_from([0, 1, 3, 7]),
    data=st.data(),
)
def test_the_fast_path_answers_what_the_reference_walk_answers(n, seed, kind, kept, every, data):
    # given a random log, perhaps tampered with, its stored chain as kept (or edited), and checkpoints every few
    records = make_log(n, seed)
    i = data.draw(st.integers(0, n - 1), label="i")
    j = data.draw(st.integers(0, n - 1), label="j")
    log = edit(records, kind, i, j)
    expected = stored(records, kept, i)
    checkpoints = sign_every(records, KEY, every) if every else []
    key = KEY.public_key_pem() if every else None
    # when verified one record at a time, and in blocks of random sizes
    slow = verify_log([r if type(r) is tuple else reference([r])[0] for r in log], checkpoints, key, expected)
    fast = verify_log(in_blocks(log, random.Random(seed)), checkpoints, key, expected)
    whole = verify_log(log, checkpoints, key, expected)
    # then every answer is the same, to the word
    assert fast == slow
    assert whole == slow


def test_leaves_hashed_in_a_block_are_the_chain_s_leaves_byte_for_byte():
    # given a log with a non-ASCII topic, an empty state and an empty topic
    records = [*make_log(50, seed=3)]
    records[7] = replace(records[7], state=b"")
    records[9] = replace(records[9], topic="")
    # when its leaves are hashed as one block
    (rows,) = rows_of(records)
    block = leaf_block(rows)
    # then they are the reference leaves, and a row the layout cannot hold leaves the block to the reference walk
    assert block == b"".join(sha256(leaf_input(r)).digest() for r in records)
    assert leaf_block(replace(rows, stream_ids=[b"\x00" * 17, *rows.stream_ids[1:]])) is None
    assert leaf_block(replace(rows, versions=[-1, *rows.versions[1:]])) is None
    assert leaf_block(replace(rows, states=["text", *rows.states[1:]])) is None


def test_a_large_log_hashed_on_worker_processes_verifies_as_on_one():
    # given a log in many blocks, and the same log with one record altered
    records = make_log(3000, seed=11)
    tampered = altered(records, 2345)
    expected = stored_chain(records)
    checkpoints = sign_every(records, KEY, every=500)
    for log in (records, tampered):
        items = list(rows_of(log, size=97))
        # when the leaves are hashed by two worker processes from the first block on
        parallel = list(blocks(items, workers=2, parallel_from=0))
        assert all(type(b) is LeafBlock for b in parallel) and sum(len(b.rows) for b in parallel) == len(log)
        # then verification answers as it does on one process, and as the reference walk
        on_workers = verify_log(parallel, checkpoints, KEY.public_key_pem(), expected)
        assert on_workers == verify_log(items, checkpoints, KEY.public_key_pem(), expected, workers=0)
        assert on_workers == verify_log(reference(log), checkpoints, KEY.public_key_pem(), expected)
    assert verify_log(records, expected=expected).ok
    assert verify_log(tampered, expected=expected).first_bad_position == records[2345].position


def test_rows_keep_their_order_among_other_lines():
    # given records interleaved with other items (an export's checkpoints, say)
    records = make_log(10, seed=5)
    items = [records[0], "a", *records[1:4], "b", *records[4:]]
    # when gathered
    out = list(rows_of(items, size=2))
    # then the items stay where they were and the records become Rows of at most 2, in order
    assert [x for x in out if type(x) is str] == ["a", "b"]
    assert [type(x) is Rows or x for x in out] == [True, "a", True, True, "b", True, True, True]
    assert [p for x in out if type(x) is Rows for p in x.positions] == [r.position for r in records]


def test_a_record_inserted_right_after_a_block_is_named_as_the_walk_names_it():
    # given a stored chain that skips record 5 (an extra record whose own entry was chained on the one before it),
    # the log's first block ending with that record
    records = make_log(12, seed=1)
    chain = Chain()
    kept = []
    for i, r in enumerate(records):
        if i == 5:
            leaf = leaf_hash(r)
            kept.append((r.position, leaf.hex(), chain_hash(chain.head, leaf).hex()))
        else:
            leaf, head = chain.append(r)
            kept.append((r.position, leaf.hex(), head.hex()))
    items = [*rows_of(records[:6], size=6), *rows_of(records[6:], size=6)]
    # when verified in blocks and one record at a time
    fast, slow = verify_log(items, expected=kept), verify_log(reference(records), expected=kept)
    # then both name the inserted record: the block left the head before its last record for the next row's check
    assert fast == slow
    assert (slow.problem, slow.first_bad_position) == ("record inserted", records[5].position)
