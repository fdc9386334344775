"""Client load for fault tests: writer threads that keep every answer, and checks of what they got.

A writer identifies needs and revises its own; each acknowledged write (2xx with a position) is
remembered with the version it produced, so the store can be held to it after the fault.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import httpx

from projections.query import FoldedRows
from tests.e2e.api.world import NEED


@dataclass
class Answer:
    kind: str  # identify | revise | commit
    status: int | None  # None: no HTTP answer (connection refused or dropped)
    started: float
    seconds: float
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    error: str = ""


class Writers:
    """n threads writing through HTTP until stopped; every answer and acknowledgement is kept."""

    def __init__(
        self,
        url: str,
        key: str,
        n: int = 4,
        pause: float = 0.02,
        timeout: float = 60,
        programme: tuple[str, str] | None = None,
        idempotent: bool = False,
    ) -> None:
        self.url, self.key, self.n, self.pause, self.timeout = url, key, n, pause, timeout
        self.idempotent = idempotent  # even writers send each new need under its own Idempotency-Key
        self.intents: set[str] = set()  # descriptions of needs sent under a key, retried until final
        self.programme = programme  # (programme id, funder id): every fourth write is a commitment to it
        self.answers: list[Answer] = []
        self.acknowledged: dict[str, int] = {}  # need id -> the version its last acknowledged write made
        self.commitments: set[str] = set()  # acknowledged commitment ids on the programme
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(n)]

    def __enter__(self) -> Writers:
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(self.timeout + 10)

    def _run(self, i: int) -> None:
        own: list[str] = []
        count = 0
        with httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {self.key}"}, timeout=self.timeout
        ) as client:
            while not self._stop.is_set():
                count += 1
                if self.programme and count % 4 == 0:
                    self._commit(client, f"w{i}-c{count}")
                elif own and count % 3 == 0:
                    self._revise(client, own[count % len(own)], f"writer {i} revision {count}")
                elif self.idempotent and i % 2 == 0:
                    created = self._identify_once(client, f"writer {i} need {count}")
                else:
                    created = self._identify(client, f"writer {i} need {count}")
                    if created:
                        own.append(created)
                time.sleep(self.pause)

    def _identify(self, client: httpx.Client, text: str) -> str | None:
        answer = self._send(client, "identify", "/v1/needs", {**NEED, "description": text}, {})
        return answer.body["id"] if answer.status == 201 else None

    def _identify_once(self, client: httpx.Client, text: str) -> str | None:
        """Send under one key until the answer is final, as a careful client does after a 503."""
        with self._lock:
            self.intents.add(text)
        while True:
            answer = self._send(
                client,
                "identify",
                "/v1/needs",
                {**NEED, "description": text},
                {"Idempotency-Key": text},
            )
            final = (
                answer.status is not None
                and answer.status != 503
                and not (answer.status == 409 and answer.body.get("code") == "idempotency-in-progress")
            )
            if final or self._stop.is_set():
                return answer.body["id"] if answer.status == 201 else None
            time.sleep(0.3)

    def _revise(self, client: httpx.Client, need_id: str, text: str) -> None:
        self._send(client, "revise", f"/v1/needs/{need_id}/revise", {"description": text}, {})

    def _commit(self, client: httpx.Client, commitment: str) -> None:
        assert self.programme is not None
        programme, funder = self.programme
        answer = self._send(
            client,
            "commit",
            f"/v1/programmes/{programme}/commitments",
            {
                "commitment_id": commitment,
                "funder": funder,
                "amount": "1000",
                "currency": "USD",
                "value_date": "2024-02-01",
            },
            {},
        )
        if answer.status == 201:
            with self._lock:
                self.commitments.add(commitment)

    def _send(self, client: httpx.Client, kind: str, path: str, body: dict, headers: dict) -> Answer:
        started = time.monotonic()
        try:
            r = client.post(path, json=body, headers=headers)
        except httpx.HTTPError as e:
            answer = Answer(kind, None, started, time.monotonic() - started, error=type(e).__name__)
        else:
            parsed = r.json() if r.headers.get("content-type", "").endswith("json") else r.text
            answer = Answer(kind, r.status_code, started, time.monotonic() - started, parsed, dict(r.headers))
        with self._lock:
            self.answers.append(answer)
            if answer.kind != "commit" and answer.status in (200, 201) and answer.body.get("position"):
                need = answer.body["id"]
                self.acknowledged[need] = max(self.acknowledged.get(need, 0), answer.body["version"])
        return answer

    def count(self, status: int | None) -> int:
        with self._lock:
            return sum(1 for a in self.answers if a.status == status)

    def statuses(self) -> set[int | None]:
        with self._lock:
            return {a.status for a in self.answers}

    def wait_for(self, condition: Any, timeout: float, what: str) -> float:
        """Wait until condition() holds; answers how long it took."""
        started = time.monotonic()
        while not condition():
            if time.monotonic() - started > timeout:
                raise AssertionError(f"not within {timeout} s: {what}")
            time.sleep(0.05)
        return time.monotonic() - started


def assert_acknowledged_writes_are_stored(ledger: Any, acknowledged: dict[str, int]) -> None:
    """Each acknowledged need is in the store, at least at the version it was acknowledged at,
    and whole: its version is exactly the number of its stored events."""
    assert acknowledged, "no write was acknowledged: the test proved nothing"
    for need_id, version in acknowledged.items():
        need = ledger.need(UUID(need_id))
        assert need.version >= version, (need_id, need.version, version)
        events = ledger.recorder.select_events(UUID(need_id))
        assert [e.originator_version for e in events] == list(range(1, need.version + 1)), need_id


def assert_acknowledged_commitments_are_stored(ledger: Any, programme: str, commitments: set[str]) -> None:
    assert commitments, "no commitment was acknowledged: the test proved nothing"
    stored = ledger.programme(UUID(programme))
    assert commitments <= set(stored.commitments)
    events = ledger.recorder.select_events(UUID(programme))
    assert [e.originator_version for e in events] == list(range(1, stored.version + 1))


def assert_no_intent_recorded_twice(svc: Any, intents: set[str]) -> None:
    """Needs sent under an Idempotency-Key, and again after a 503, are stored once at most."""
    assert intents, "no write was sent under a key: the test proved nothing"
    descriptions = [row["description"] for row in svc.durable.needs()]
    twice = {d for d in intents if descriptions.count(d) > 1}
    assert not twice, twice


def views(svc: Any) -> dict[str, Any]:
    """Everything the views read, in a comparable form."""
    return {
        "needs": svc.durable.needs(),
        "programmes": svc.durable.programmes(),
        "organisations": svc.durable.organisations(),
        "rates": svc.durable.rates(),
    }


def assert_views_equal_a_fresh_rebuild(svc: Any) -> None:
    """The durable views, as the runner left them caught up, are exactly what a rebuild gives."""
    assert svc.runner.lag() == 0, "the runner had not caught up"
    before = views(svc)
    svc.runner.rebuild(svc.views)
    assert views(svc) == before


def assert_views_are_the_fold_at_their_position(svc: Any) -> None:
    """No half batch: the views equal the log folded up to exactly the position they record."""
    position = svc.runner.position("views")
    folded = FoldedRows.of(svc.ledger, position, svc.currency)
    assert svc.durable.needs() == folded.needs()
    assert svc.durable.programmes() == folded.programmes()
