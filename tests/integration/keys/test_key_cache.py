"""The per-process key cache (api/http/key_cache.py) on both stores: a key is read once, and forgotten when its
events say so, whichever process wrote them; a read that raced a revocation is never kept; without a watcher
looking, every lookup reads the store.

"Another process" is a second Services on the same store: its own pool, recorder and key cache.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID

import pytest

from api.http.key_cache import TRUST, KeyCache
from api.root.services import Services
from domain import context
from domain.errors import NotFound

DEADLINE = 1.0  # a key revoked anywhere is refused by every process within a second


@pytest.fixture
def other(services: Services) -> Iterator[Services]:
    """Another process on the same store."""
    svc = Services(services.settings)
    try:
        yield svc
    finally:
        svc.close()


def issue(svc: Services, name: str = "a key") -> UUID:
    with context.recording(actor="test"):
        key, _ = svc.ledger.issue_key(name, "admin")
    return UUID(str(key.id))


def revoke(svc: Services, key_id: UUID) -> None:
    with context.recording(actor="test"):
        svc.ledger.revoke_key(key_id)


class Reads:
    """A load from the store that counts its calls."""

    def __init__(self, svc: Services) -> None:
        self.svc, self.count = svc, 0

    def __call__(self, key_id: UUID) -> Any:
        self.count += 1
        try:
            return self.svc.ledger.key(key_id)
        except NotFound:
            return None


def until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


def trusted(cache: KeyCache) -> KeyCache:
    cache.start()
    until(cache.trusted, 30, "the watcher's first look")
    return cache


def test_a_key_is_read_from_the_store_once_while_the_watcher_keeps_up(services: Services) -> None:
    # given a key and a cache whose watcher has looked
    key_id = issue(services)
    cache, reads = trusted(services.keys), Reads(services)
    # when it is asked for three times
    answers = [cache.get(key_id, reads) for _ in range(3)]
    # then the store was read once, and each answer is the key
    assert reads.count == 1
    assert all(a is not None and UUID(str(a.id)) == key_id and not a.revoked for a in answers)


def test_an_unknown_key_is_never_kept(services: Services) -> None:
    cache, reads = trusted(services.keys), Reads(services)
    unknown = UUID(int=12345)
    assert cache.get(unknown, reads) is None and cache.get(unknown, reads) is None
    assert reads.count == 2


def test_a_key_revoked_by_another_process_is_forgotten_within_a_second(services: Services, other: Services) -> None:
    # given a key this process holds
    key_id = issue(services)
    cache, reads = trusted(services.keys), Reads(services)
    assert not cache.get(key_id, reads).revoked
    # when another process revokes it
    revoke(other, key_id)
    revoked_at = time.monotonic()
    # then every lookup begun a second after the revocation answers it revoked, and one soon does
    while True:
        began = time.monotonic()
        if cache.get(key_id, reads).revoked:
            break
        assert began < revoked_at + DEADLINE, "a lookup begun a second after the revocation still found the key live"
        time.sleep(0.01)
    # and the store was read again for it: the held key was forgotten, not patched
    assert reads.count >= 2


def test_a_key_revoked_in_this_process_is_forgotten_before_the_revocation_answers(services: Services) -> None:
    # given a key this process holds
    key_id = issue(services)
    cache, reads = trusted(services.keys), Reads(services)
    assert not cache.get(key_id, reads).revoked
    # when this process revokes it, the next lookup already finds it revoked (no wait for the watcher)
    revoke(services, key_id)
    assert cache.get(key_id, reads).revoked


def test_a_read_that_raced_a_revocation_is_not_kept(services: Services, other: Services) -> None:
    # given a key, and a cache whose watcher has looked
    key_id = issue(services)
    cache = trusted(services.keys)
    reads = Reads(services)

    def stale_read(key: UUID) -> Any:
        # the key is read live; before the read is kept, another process revokes it and the watcher sees that
        found = reads(key)
        revoke(other, key)
        head = other.ledger.position()
        until(lambda: (cache.position or 0) >= head, 30, "the watcher's look past the revocation")
        return found

    # when a lookup reads the key while it is being revoked
    first = cache.get(key_id, stale_read)
    assert first is not None and not first.revoked  # the read itself was from before
    # then that read was not kept: the next lookup reads the store and finds the key revoked
    assert cache.get(key_id, reads).revoked
    assert reads.count == 2


def test_without_a_watcher_looking_every_lookup_reads_the_store(services: Services) -> None:
    # given a cache in use, holding a key
    key_id = issue(services)
    cache, reads = trusted(services.keys), Reads(services)
    cache.get(key_id, reads)
    # when its watcher stops looking (as when the store is away), for longer than the cache is trusted
    cache.stop()
    until(lambda: not cache.trusted(), TRUST + 30, "the cache to go out of use")
    # then each lookup reads the store
    for _ in range(3):
        assert cache.get(key_id, reads) is not None
    assert reads.count == 4
