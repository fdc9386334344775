"""Signed checkpoints: the signed message, Ed25519 signatures, the key file, the policy."""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from projections.audit.checkpoints import (
    FIRST,
    Checkpoint,
    CheckpointPolicy,
    SigningKey,
    link_break,
    signed_bytes,
    verify_checkpoint,
)

HEAD = "ab" * 32
TIME = "2025-11-28T12:00:00.000000Z"


@pytest.fixture(scope="module")
def key_a() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture(scope="module")
def key_b() -> SigningKey:
    return SigningKey.generate()


def test_the_signed_message_is_the_documented_line_format():
    # given a checkpoint's fields
    # when its canonical message is built
    # then it is the versioned header and one LF-terminated ASCII line per field
    assert signed_bytes(1200, 1187, HEAD, TIME) == (
        b"uncac-ledger-checkpoint-v1\n1200\n1187\n" + HEAD.encode() + b"\n" + TIME.encode() + b"\n"
    )
    # and v2 adds the previous checkpoint's position and chain hash, under its own header
    assert signed_bytes(1200, 1187, HEAD, TIME, (1100, "cd" * 32)) == (
        b"uncac-ledger-checkpoint-v2\n1200\n1187\n" + HEAD.encode() + b"\n" + TIME.encode() + b"\n"
        b"1100\n" + b"cd" * 32 + b"\n"
    )


@pytest.mark.parametrize(
    ("position", "count", "head", "time"),
    [
        (-1, 0, HEAD, TIME),
        (1, True, HEAD, TIME),
        (1, 1, "AB" * 32, TIME),
        (1, 1, "ab" * 31, TIME),
        (1, 1, HEAD, "2025-11-28 12:00:00"),
        (1, 1, HEAD, "2025-11-28T12:00:00+01:00"),
        (1, 1, HEAD, TIME + "\n1"),
    ],
    ids=["negative", "bool", "uppercase", "short hash", "no T", "not UTC", "newline"],
)
def test_fields_that_would_make_the_message_ambiguous_are_refused(position, count, head, time):
    with pytest.raises(ValueError):
        signed_bytes(position, count, head, time)


def test_a_checkpoint_signed_with_a_key_verifies_with_that_key(key_a):
    # given a checkpoint signed with key A
    checkpoint = key_a.sign(42, 40, HEAD, TIME)
    # when it is verified with A's public key in each accepted form
    forms = [
        key_a.public_key_pem(),
        key_a.public_key_pem().decode(),
        key_a.public_key_raw_hex(),
        bytes.fromhex(key_a.public_key_raw_hex()),
        key_a.public_key,
    ]
    # then it verifies, and names A by the first 16 hex of SHA-256 of A's raw public key
    assert all(verify_checkpoint(checkpoint, form) for form in forms)
    raw = bytes.fromhex(key_a.public_key_raw_hex())
    assert checkpoint.key_id == key_a.key_id == hashlib.sha256(raw).hexdigest()[:16]
    assert (checkpoint.position, checkpoint.count, checkpoint.chain_hash) == (42, 40, HEAD)


def test_a_checkpoint_signed_with_key_a_fails_against_key_b(key_a, key_b):
    # given a checkpoint signed with key A
    checkpoint = key_a.sign(42, 40, HEAD, TIME)
    # when it is verified with key B
    # then it is refused, without raising
    assert verify_checkpoint(checkpoint, key_b.public_key_pem()) is False
    assert verify_checkpoint(checkpoint, key_b.public_key_raw_hex()) is False


@pytest.mark.parametrize(
    "change",
    [
        {"position": 43},
        {"count": 41},
        {"chain_hash": "cd" * 32},
        {"time": "2025-11-28T12:00:01.000000Z"},
        {"signature": "00" * 64},
        {"signature": "not hex"},
        {"signature": "ab"},
        {"chain_hash": "not a hash"},
        {"time": None},
    ],
    ids=lambda c: next(iter(c)) + "=" + str(next(iter(c.values())))[:12],
)
def test_any_edit_to_a_signed_checkpoint_makes_it_fail_without_raising(key_a, change):
    # given a good checkpoint
    checkpoint = key_a.sign(42, 40, HEAD, TIME)
    # when any signed field or the signature is changed, even into nonsense
    edited = replace(checkpoint, **change)
    # then verification answers False
    assert verify_checkpoint(edited, key_a.public_key_pem()) is False


def test_an_unreadable_public_key_is_the_callers_error():
    checkpoint = SigningKey.generate().sign(1, 1, HEAD, TIME)
    for key in (
        "not a key",
        b"\x00" * 31,
        "-----BEGIN PUBLIC KEY-----\nxx\n-----END PUBLIC KEY-----",
    ):
        with pytest.raises(ValueError):
            verify_checkpoint(checkpoint, key)


def test_signing_takes_the_time_as_given_a_utc_datetime_or_now(key_a):
    # given the three ways to give the time
    given = key_a.sign(1, 1, HEAD, "2025-11-28T12:00:00+00:00")
    aware = key_a.sign(1, 1, HEAD, datetime(2025, 11, 28, 13, 0, tzinfo=timezone(timedelta(hours=1))))
    before = datetime.now(UTC)
    now = key_a.sign(1, 1, HEAD)
    # then a string is kept verbatim, a datetime is written in UTC with Z, and now is now
    assert given.time == "2025-11-28T12:00:00+00:00"
    assert aware.time == "2025-11-28T12:00:00.000000Z"
    assert abs(datetime.fromisoformat(now.time) - before) < timedelta(seconds=5)
    assert all(verify_checkpoint(c, key_a.public_key) for c in (given, aware, now))
    with pytest.raises(ValueError, match="timezone"):
        key_a.sign(1, 1, HEAD, datetime(2025, 11, 28, 12, 0))


def test_a_chain_head_given_as_bytes_is_signed_as_lowercase_hex(key_a):
    checkpoint = key_a.sign(1, 1, bytes.fromhex(HEAD), TIME)
    assert checkpoint.chain_hash == HEAD and verify_checkpoint(checkpoint, key_a.public_key)


@pytest.mark.parametrize(
    ("prev", "link"),
    [
        ((1100, "cd" * 32), {"prev_position": 1100, "prev_chain_hash": "cd" * 32}),
        (None, {}),
    ],
    ids=["v2 linked to the previous checkpoint", "v1 (older ledgers)"],
)
def test_a_checkpoint_round_trips_through_its_json_form(key_a, prev, link):
    # given a signed checkpoint, v2 (naming the checkpoint before it) or v1
    checkpoint = key_a.sign(1200, 1187, HEAD, TIME, prev=prev)
    # when written as a dict and read back
    data = checkpoint.to_dict()
    # then it carries kind "checkpoint" (and the link on v2), reads back equal, and still verifies
    assert data == {
        "kind": "checkpoint",
        "position": 1200,
        "count": 1187,
        "chain_hash": HEAD,
        "time": TIME,
        "signature": checkpoint.signature,
        "key_id": key_a.key_id,
        **link,
    }
    assert Checkpoint.from_dict(data) == checkpoint
    assert Checkpoint.from_dict({k: v for k, v in data.items() if k != "kind"}) == checkpoint
    assert verify_checkpoint(Checkpoint.from_dict(data), key_a.public_key_pem())
    # and a link edited after signing no longer verifies
    if prev is not None:
        moved = Checkpoint.from_dict({**data, "prev_position": 1099})
        assert verify_checkpoint(moved, key_a.public_key_pem()) is False


@pytest.mark.parametrize(
    "change",
    [
        {"kind": "event"},
        {"position": "1200"},
        {"count": 1.0},
        {"chain_hash": 7},
        {"signature": "AB" * 64},
        {"key_id": "xyz"},
        {"time": "yesterday"},
    ],
    ids=str,
)
def test_a_malformed_checkpoint_dict_is_refused_with_a_value_error(key_a, change):
    data = {**key_a.sign(1, 1, HEAD, TIME).to_dict(), **change}
    with pytest.raises(ValueError):
        Checkpoint.from_dict(data)


def test_a_checkpoint_dict_missing_a_field_is_refused(key_a):
    data = key_a.sign(1, 1, HEAD, TIME).to_dict()
    del data["signature"]
    with pytest.raises(ValueError, match="signature"):
        Checkpoint.from_dict(data)


def test_the_key_file_is_created_private_and_reloads_as_the_same_key(tmp_path):
    # given no key file, in a directory that does not exist yet
    path = tmp_path / "keys" / "nested" / "ledger-signing.pem"
    # when the key is loaded or created twice
    first = SigningKey.load_or_create(path)
    second = SigningKey.load_or_create(path)
    # then the file is a PKCS#8 PEM readable by its owner only, and it reloads as the same key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert second.public_key_raw_hex() == first.public_key_raw_hex()
    assert second.public_key_pem() == first.public_key_pem()
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left
    # and a checkpoint signed by one verifies with the other's public key
    assert verify_checkpoint(first.sign(1, 1, HEAD, TIME), second.public_key_raw_hex())


def test_the_key_file_is_private_even_under_a_permissive_umask(tmp_path):
    old = os.umask(0o000)
    try:
        path = tmp_path / "key.pem"
        SigningKey.load_or_create(path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_signing_key_never_shows_its_private_half(tmp_path):
    # given a key
    key = SigningKey.load_or_create(tmp_path / "key.pem")
    private_pem = (tmp_path / "key.pem").read_bytes().decode()
    secret = "".join(private_pem.splitlines()[1:-1])
    # when it is printed or formatted
    shown = repr(key) + str(key) + f"{key!r}"
    # then only its key id appears
    assert key.key_id in shown and secret not in shown and "PRIVATE" not in shown


def test_a_file_that_is_not_an_ed25519_private_key_is_refused(tmp_path):
    path = tmp_path / "key.pem"
    path.write_bytes(SigningKey.generate().public_key_pem())
    with pytest.raises(ValueError):
        SigningKey.load_or_create(path)


@pytest.mark.parametrize(
    ("since_count", "since_seconds", "due"),
    [
        (0, 10_000.0, False),  # nothing new: nothing to sign, however long it has been
        (1, 0.0, False),
        (99, 59.9, False),
        (100, 0.0, True),  # enough events
        (1, 60.0, True),  # long enough
        (250, 600.0, True),
    ],
)
def test_a_checkpoint_is_due_after_n_events_or_t_seconds_with_something_new(since_count, since_seconds, due):
    assert CheckpointPolicy(every_events=100, every_seconds=60).due(since_count, since_seconds) is due


def test_a_zero_interval_turns_that_trigger_off():
    by_time_only = CheckpointPolicy(every_events=0, every_seconds=60)
    by_count_only = CheckpointPolicy(every_events=100, every_seconds=0)
    assert not by_time_only.due(10**9, 59) and by_time_only.due(1, 60)
    assert not by_count_only.due(99, 10**9) and by_count_only.due(100, 0)
    assert not CheckpointPolicy(0, 0).due(10**9, 10**9)
    with pytest.raises(ValueError):
        CheckpointPolicy(every_events=-1, every_seconds=60)


def _linked(position: int, prev: tuple[int, str] | None) -> Checkpoint:
    named = {} if prev is None else {"prev_position": prev[0], "prev_chain_hash": prev[1]}
    return Checkpoint(position, position, "a" * 64, "2026-01-01T00:00:00Z", "0" * 128, "0" * 16, **named)


@pytest.mark.parametrize(
    ("prev", "expected", "linked", "kind"),
    [
        (FIRST, FIRST, False, None),
        ((10, "b" * 64), (10, "b" * 64), True, None),
        (None, (10, "b" * 64), False, None),  # an older ledger's v1 checkpoints, before any v2 one
        (None, (10, "b" * 64), True, "unlinked"),
        ((20, "b" * 64), (10, "b" * 64), True, "missing"),
        ((5, "b" * 64), (10, "b" * 64), True, "skipped"),
        ((10, "c" * 64), (10, "b" * 64), True, "fork"),
        ((0, "c" * 64), FIRST, False, "fork"),
    ],
)
def test_link_break_is_the_one_rule_verify_and_the_witness_share(prev, expected, linked, kind):
    brk = link_break(_linked(30, prev), expected, linked)
    assert (brk.kind if brk else None) == kind
    if brk is not None:
        assert (brk.at, brk.named, brk.expected) == (30, prev[0] if prev else None, expected[0])
