"""The audit hash chain: byte layout pinned by known answers, incremental chaining, ordering."""

from __future__ import annotations

import hashlib
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from projections.audit.chain import (
    GENESIS,
    Chain,
    LogRecord,
    chain_hash,
    from_hex,
    leaf_hash,
    leaf_input,
    to_hex,
)
from tests.support.audit_logs import make_log

KNOWN = LogRecord(
    position=258,
    stream_id=UUID("12345678-9abc-def0-1234-56789abcdef0"),
    version=7,
    topic="domain.needs:Need.Identified",
    state=b'{"a":1}',
)
KNOWN_INPUT = (
    b"\x00"  # leaf prefix
    + b"\x00\x00\x00\x00\x00\x00\x01\x02"  # u64be(258)
    + b"\x12\x34\x56\x78\x9a\xbc\xde\xf0\x12\x34\x56\x78\x9a\xbc\xde\xf0"  # stream id
    + b"\x00\x00\x00\x00\x00\x00\x00\x07"  # u64be(7)
    + b"\x00\x00\x00\x1c"  # u32be(28), the topic's UTF-8 length
    + b"domain.needs:Need.Identified"
    + b"\x00\x00\x00\x07"  # u32be(7), the state's length
    + b'{"a":1}'
)
KNOWN_LEAF = "23e595eb57013560add21e547232592877e8c45ff401a374111526881c334a73"
KNOWN_CHAIN_1 = "7b54f1878d9da28097a9daa3738353e0a7d62fa2de8bc4fdea567c24215ff386"
SECOND = LogRecord(259, UUID(int=0), 1, "domain.needs:Need.Révisée", b"")
SECOND_LEAF = "7db06445d57f8295a70e4038a5284c44c48f96525389eec61c98cc7830780f68"
KNOWN_CHAIN_2 = "dab314af9c571cb2bb92434b1c3b7fa5439215aec091fdda067fd6c5a3bee445"


def test_a_leaf_hashes_exactly_the_documented_bytes_of_a_known_record():
    # given a record whose leaf input is written out byte by byte from DESIGN 6
    # when the module builds and hashes it
    # then it hashes those very bytes, and the digest is the pinned known answer
    assert leaf_input(KNOWN) == KNOWN_INPUT
    assert hashlib.sha256(KNOWN_INPUT).hexdigest() == KNOWN_LEAF
    assert leaf_hash(KNOWN).hex() == KNOWN_LEAF


def test_a_topic_is_framed_by_its_utf8_byte_length_not_its_character_count():
    # given a topic with accented letters (25 characters, 27 UTF-8 bytes) and an empty state
    topic = SECOND.topic.encode("utf-8")
    by_hand = (
        b"\x00"
        + (259).to_bytes(8, "big")
        + bytes(16)
        + (1).to_bytes(8, "big")
        + (27).to_bytes(4, "big")
        + topic
        + (0).to_bytes(4, "big")
    )
    # when its leaf is computed
    # then the length prefix counts bytes
    assert len(SECOND.topic) == 25 and len(topic) == 27
    assert leaf_hash(SECOND).hex() == hashlib.sha256(by_hand).hexdigest() == SECOND_LEAF


def test_a_chain_hash_is_sha256_of_one_then_the_previous_head_then_the_leaf():
    # given the known leaf and the genesis head of 32 zero bytes
    leaf = bytes.fromhex(KNOWN_LEAF)
    # when they are chained
    head = chain_hash(GENESIS, leaf)
    # then the result is SHA-256(0x01 ‖ previous ‖ leaf), the pinned answer
    assert GENESIS == b"\x00" * 32
    assert head == hashlib.sha256(b"\x01" + b"\x00" * 32 + leaf).digest()
    assert head.hex() == KNOWN_CHAIN_1


def test_a_chain_of_two_known_records_reaches_the_pinned_head():
    # given an empty chain
    chain = Chain()
    # when the two known records are appended
    first = chain.append(KNOWN)
    second = chain.append(SECOND)
    # then each append returns (leaf, head) and the chain tracks head, position and count
    assert (first[0].hex(), first[1].hex()) == (KNOWN_LEAF, KNOWN_CHAIN_1)
    assert (second[0].hex(), second[1].hex()) == (SECOND_LEAF, KNOWN_CHAIN_2)
    assert (chain.head_hex, chain.position, chain.count) == (KNOWN_CHAIN_2, 259, 2)


def test_an_empty_chain_is_at_genesis_with_no_position():
    chain = Chain()
    assert (chain.head, chain.position, chain.count) == (GENESIS, None, 0)


def test_positions_may_have_gaps_but_must_strictly_increase():
    # given a chain holding position 10
    chain = Chain()
    chain.append(LogRecord(10, UUID(int=1), 1, "t", b"s"))
    # when a later position with a gap is appended, it is accepted
    chain.append(LogRecord(15, UUID(int=1), 2, "t", b"s"))
    assert (chain.position, chain.count) == (15, 2)
    # then an equal or earlier position is refused and leaves the chain untouched
    head = chain.head
    for position in (15, 14, 3):
        with pytest.raises(ValueError, match="does not follow"):
            chain.append(LogRecord(position, UUID(int=1), 3, "t", b"s"))
    assert (chain.head, chain.position, chain.count) == (head, 15, 2)


def test_a_chain_resumed_from_a_stored_head_continues_as_if_never_stopped():
    # given a log chained in one go
    records = make_log(20, seed=3)
    whole = Chain()
    for record in records:
        whole.append(record)
    # when a second chain resumes from the state stored after the first 12 records
    first = Chain()
    for record in records[:12]:
        first.append(record)
    resumed = Chain(head=first.head, position=first.position, count=first.count)
    for record in records[12:]:
        resumed.append(record)
    # then it ends at the same head, position and count
    assert (resumed.head, resumed.position, resumed.count) == (
        whole.head,
        whole.position,
        whole.count,
    )


@pytest.mark.parametrize(
    "record",
    [
        LogRecord(-1, UUID(int=1), 1, "t", b""),
        LogRecord(1, UUID(int=1), -1, "t", b""),
        LogRecord(2**64, UUID(int=1), 1, "t", b""),
    ],
    ids=["negative position", "negative version", "position beyond u64"],
)
def test_a_record_that_does_not_fit_the_byte_layout_is_refused(record):
    with pytest.raises(ValueError):
        Chain().append(record)


def test_hex_helpers_round_trip_lowercase_and_refuse_wrong_lengths():
    digest = bytes(range(32))
    assert to_hex(digest) == digest.hex() == to_hex(digest).lower()
    assert from_hex(to_hex(digest)) == digest
    assert from_hex(to_hex(digest).upper()) == digest
    for bad in ("ab" * 31, "ab" * 33, "zz" * 32, "ab" * 31 + "  ", None):
        with pytest.raises(ValueError):
            from_hex(bad)  # type: ignore[arg-type]


fields = st.tuples(
    st.integers(0, 2**64 - 1),
    st.uuids(),
    st.integers(0, 2**64 - 1),
    st.text(max_size=20),
    st.binary(max_size=40),
)


@given(fields, fields)
def test_different_records_never_share_a_leaf_input(a, b):
    # given two arbitrary records (length prefixes stop topic and state sliding into each other)
    # when their leaf inputs are built
    # then they are equal only when the records are
    ra, rb = LogRecord(*a), LogRecord(*b)
    assert (leaf_input(ra) == leaf_input(rb)) == (ra == rb)


@given(st.lists(fields, min_size=1, max_size=8))
def test_the_chain_equals_the_formula_applied_by_hand(rows):
    # given records in increasing positions
    records = [LogRecord(i * 3 + p % 3, *rest) for i, (p, *rest) in enumerate(rows)]
    # when chained, and when the DESIGN 6 formula is applied with hashlib alone
    chain = Chain()
    head = b"\x00" * 32
    for record in records:
        leaf, got = chain.append(record)
        topic = record.topic.encode()
        expected_leaf = hashlib.sha256(
            b"\x00"
            + record.position.to_bytes(8, "big")
            + record.stream_id.bytes
            + record.version.to_bytes(8, "big")
            + len(topic).to_bytes(4, "big")
            + topic
            + len(record.state).to_bytes(4, "big")
            + record.state
        ).digest()
        head = hashlib.sha256(b"\x01" + head + expected_leaf).digest()
        # then both agree at every step
        assert (leaf, got) == (expected_leaf, head)
