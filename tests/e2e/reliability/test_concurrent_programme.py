"""Many clients changing one programme through two servers at once, retrying as real clients do.

Two servers on one store means two group commits that really conflict. Each client means to
record some commitments without naming them (the server names them, so a duplicate would show),
sends each with its own Idempotency-Key, gives up early on some answers and sends them again.
In the end every acknowledged commitment is there, exactly once, and nothing else is.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import httpx
import pytest

from api.http.app import create_app
from api.root.services import Services
from api.root.settings import Settings
from tests.support.ledgers import kenyan_programme
from tests.support.servers import LiveServer

CLIENTS = 12
INTENTS = 5  # commitments each client means to record


@pytest.fixture
def two_servers(services: Services, settings: Settings) -> Iterator[list[LiveServer]]:
    other = Services(settings)
    try:
        with (
            LiveServer(create_app(settings, services=services)) as a,
            LiveServer(create_app(settings, services=other)) as b,
        ):
            yield [a, b]
    finally:
        other.close()


def programme(ledger: Any) -> tuple[UUID, UUID]:
    org = ledger.organisation_by_ref("GB-GOV-1").id
    return kenyan_programme(ledger, org, "Whistle-blower protection"), org


def record(
    client: httpx.Client, path: str, body: dict, intent: str, impatient: bool
) -> tuple[httpx.Response, list[str]]:
    """Send until there is a final answer; answers it and the story (for a failure message).

    A stored 409 concurrent-change is final for its key: the client decides again under a new key.
    """
    story: list[str] = []
    for attempt in range(10):
        answer = send(client, path, body, f"{intent}-{attempt}", impatient and attempt == 0, story)
        if not (answer.status_code == 409 and answer.json()["code"] == "concurrent-change"):
            break
    return answer, story


def send(client: httpx.Client, path: str, body: dict, key: str, impatient: bool, story: list[str]) -> httpx.Response:
    """One request under one key, sent again until its answer is final.

    An impatient client gives up before the first answer (as on a bad network); sending again
    with the same key then gets the stored answer, or "still running" while the first one runs.
    """
    deadline = time.monotonic() + 60
    first = True
    while True:
        try:
            r = client.post(
                path,
                json=body,
                headers={"Idempotency-Key": key},
                timeout=0.01 if first and impatient else 30,
            )
        except httpx.TimeoutException:
            story.append(f"{key}: gave up waiting")
            continue
        finally:
            first = False
        code = r.json().get("code", "") if r.status_code >= 400 else r.headers.get("idempotent-replayed", "")
        story.append(f"{key}: {r.status_code} {code}")
        transient = r.status_code == 503 or r.status_code == 409 and code == "idempotency-in-progress"
        if not transient or time.monotonic() > deadline:
            return r
        time.sleep(0.1)


def test_clients_retrying_with_idempotency_keys_record_each_commitment_exactly_once(
    two_servers: list[LiveServer], keys: dict[str, str], services: Services
) -> None:
    # Given one programme, and twelve clients split over two servers
    pid, org = programme(services.ledger)
    body = {"funder": str(org), "amount": "2500", "currency": "USD", "value_date": "2024-03-01"}
    finals: dict[str, tuple[httpx.Response, list[str]]] = {}
    replays: dict[str, httpx.Response] = {}
    start = threading.Barrier(CLIENTS)

    def client(i: int) -> None:
        server = two_servers[i % 2]
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {keys['admin']}"}) as c:
            start.wait(30)
            for j in range(INTENTS):
                intent = f"client{i}-commitment{j}"
                answer, story = record(c, f"/v1/programmes/{pid}/commitments", body, intent, j % 2 == 0)
                finals[intent] = (answer, story)
                # A response lost on the way: the same request sent once more, on the other server
                last_key = story[-1].split(":")[0]
                with httpx.Client(base_url=two_servers[(i + 1) % 2].url, headers=c.headers) as other:
                    replays[intent] = other.post(
                        f"/v1/programmes/{pid}/commitments",
                        json=body,
                        headers={"Idempotency-Key": last_key},
                        timeout=30,
                    )

    # When they all record their commitments at once
    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    assert len(finals) == CLIENTS * INTENTS

    # Then each intent ended in a success (or, rarely, a concurrent change given up after 10 tries)
    codes = {intent: a.status_code for intent, (a, _) in finals.items()}
    assert set(codes.values()) <= {201, 409}, {i: s for i, (a, s) in finals.items() if a.status_code not in (201, 409)}
    recorded = {intent: a.json()["recorded_id"] for intent, (a, _) in finals.items() if a.status_code == 201}
    assert len(recorded) >= CLIENTS * INTENTS * 0.9
    # And sending a final request again answers the very same answer, marked as a replay
    for intent, (answer, _) in finals.items():
        again = replays[intent]
        assert (again.status_code, again.json()) == (answer.status_code, answer.json()), intent
        assert again.headers["idempotent-replayed"] == "true"
    # And the programme holds exactly the acknowledged commitments: none lost, none twice
    stored = services.ledger.programme(pid)
    assert sorted(stored.commitments) == sorted(recorded.values())
    assert stored.version == 1 + len(recorded)
    sent = Counter(line.split(": ")[1] for _, story in finals.values() for line in story)
    print(f"\n{len(recorded)} of {len(finals)} commitments recorded; answers before the replays: {dict(sent)}")
