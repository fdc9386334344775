"""Signed checkpoints every N events or T seconds, each signing the chain stored at its position."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from api.root.services import Services
from api.root.settings import Settings
from projections.audit import projection as audit
from projections.audit.checkpoints import SigningKey, verify_checkpoint
from projections.audit.store import checkpoints


@pytest.fixture
def cadenced(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Services]:
    svc = Services(settings.model_copy(update=request.param))
    try:
        yield svc
    finally:
        svc.close()


def register(svc: Services, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        svc.ledger.register_organisation(f"XM-TEST-{i:04d}", f"Provider {i}", "21")


def stored(svc: Services) -> tuple[list, dict[int, str]]:
    with svc.db.transaction(commit=False) as tx:
        heads = {
            r["position"]: r["chain_hash"] for r in tx.execute("SELECT position, chain_hash FROM audit_log").fetchall()
        }
        return checkpoints(tx), heads


@pytest.mark.parametrize("cadenced", [{"checkpoint_every_events": 25, "runner_batch_size": 10}], indirect=True)
def test_a_checkpoint_follows_every_n_events_and_signs_the_stored_chain(cadenced: Services) -> None:
    # given 95 events chained in batches of 10, a checkpoint due every 25 events
    register(cadenced, 95)
    cadenced.runner.catch_up()
    found, heads = stored(cadenced)
    positions = [c.position for c in found]
    # then the first batch is signed at once and then, at the end of a batch, every 25 or more
    assert positions == [10, 40, 70, 95]
    # and each one signs the count and chain head stored at its position, with the ledger's key
    for c in found:
        assert c.count == c.position and c.chain_hash == heads[c.position]
        assert verify_checkpoint(c, cadenced.signing_key.public_key)
        assert not verify_checkpoint(c, SigningKey.generate().public_key)  # a wrong key fails


BY_TIME_ONLY = {"checkpoint_every_events": 0, "checkpoint_every_seconds": 0.5}


@pytest.mark.parametrize("cadenced", [BY_TIME_ONLY], indirect=True)
def test_a_quiet_log_gets_its_tail_signed_after_t_seconds_and_nothing_more(
    cadenced: Services,
) -> None:
    # given a running ledger that checkpoints by time only, every half second
    cadenced.runner.start()
    register(cadenced, 3)
    # then the tail is signed, though no further event arrives to trigger a batch
    last = wait_for_checkpoint_at(cadenced, 3)
    # when one more event is recorded, it is signed within the period too
    register(cadenced, 1, start=3)
    assert wait_for_checkpoint_at(cadenced, 4).time > last.time
    signed = stored(cadenced)[0]
    # and a quiet log is not re-signed: an unchanged head proves nothing new
    time.sleep(1.5)
    assert stored(cadenced)[0] == signed


def wait_for_checkpoint_at(svc: Services, position: int, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with svc.db.transaction(commit=False) as tx:
            last = audit.last_checkpoint(tx)
        if last is not None and last.position == position:
            return last
        time.sleep(0.05)
    raise AssertionError(f"no checkpoint at {position} within {timeout} s (last: {last})")
