"""`X-Reason`, over real HTTP on both stores: stored as the person wrote it (UTF-8, raw or
percent-encoded), at most 500 characters once decoded, and refused (422, nothing written) with
control characters or bidirectional overrides, which would make the audit log read otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import httpx
import pytest

from api.root.services import Services
from tests.e2e.api import world
from tests.support.servers import LiveServer, client_for


@pytest.fixture
def kenya(server: LiveServer, keys: dict[str, str]) -> Iterator[httpx.Client]:
    with client_for(server, keys["state"]) as client:
        yield client


def stored_reason(services: Services, stream: str) -> Any:
    ledger = services.ledger
    [first, *_] = ledger.recorder.select_events(UUID(stream))
    return ledger.mapper.to_domain_event(first).reason


def identify(kenya: httpx.Client, reason: str | bytes) -> httpx.Response:
    return kenya.post("/v1/needs", json=world.NEED, headers={"X-Reason": reason})


@pytest.mark.parametrize(
    "sent",
    [
        "Évaluation".encode(),  # raw UTF-8 bytes: Starlette reads them as latin-1 (was stored 'Ã\x89valuation')
        "%C3%89valuation",  # percent-encoded UTF-8
    ],
)
def test_a_non_ascii_reason_is_stored_as_written(kenya: httpx.Client, services: Services, sent: str | bytes) -> None:
    r = identify(kenya, sent)
    assert r.status_code == 201, r.text
    assert stored_reason(services, r.json()["id"]) == "Évaluation"


def test_a_reason_of_500_characters_is_stored_and_one_more_is_refused(kenya: httpx.Client, services: Services) -> None:
    # 500 characters after decoding, though the header itself is longer (percent-encoded é is 6 bytes)
    r = identify(kenya, "%C3%A9" * 500)
    assert r.status_code == 201, r.text
    assert stored_reason(services, r.json()["id"]) == "é" * 500
    before = services.ledger.recorder.max_notification_id()
    for too_long in ("x" * 501, "%C3%A9" * 501):
        refused = identify(kenya, too_long)
        assert (refused.status_code, refused.json()["code"]) == (422, "invalid-reason"), refused.text
        assert "500" in refused.json()["detail"]
    assert services.ledger.recorder.max_notification_id() == before


@pytest.mark.parametrize(
    "sent",
    [
        "line one%0D%0Aforged: entry",  # CR LF
        "nul%00byte",
        "tab%09bed",
        "escape%1B[31m",
        "%E2%80%AEreversed",  # RIGHT-TO-LEFT OVERRIDE, percent-encoded
        "\u202ereversed".encode(),  # the same, raw
        "isolate\u2066x\u2069".encode(),  # LEFT-TO-RIGHT ISOLATE … POP DIRECTIONAL ISOLATE
        "line%E2%80%A8separator",
        b"\xc9valuation",  # latin-1, not UTF-8
        "%C3%28",  # percent-encoded bytes that are not UTF-8
    ],
)
def test_a_reason_with_control_or_bidi_characters_or_not_utf8_is_refused(
    kenya: httpx.Client, services: Services, sent: str | bytes
) -> None:
    before = services.ledger.recorder.max_notification_id()
    r = identify(kenya, sent)
    assert (r.status_code, r.json()["code"]) == (422, "invalid-reason"), r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert services.ledger.recorder.max_notification_id() == before
