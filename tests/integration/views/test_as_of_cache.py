"""`as_of` reads that the versions cannot serve keep the last folded positions (Services.rows, FoldCache): a
position read twice folds once, the answers are those of a fold every time, a later write changes no kept past (and a
position past the head is the head: a later write shows), the cache holds at most LEDGER_AS_OF_CACHE positions (0:
every read folds), two requests for one position fold it once and two folds never run at once. Real HTTP, both
stores."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.demo.load import load
from api.http.app import create_app
from api.root.services import FoldCache, Services
from api.root.settings import Settings
from domain.needs import money, source
from projections import model
from projections.query import FoldedRows
from projections.store.snapshots import decode_entries
from projections.versioned import VersionedRows
from tests.support.servers import LiveServer, client_for
from tests.support.stores import wipe

VIEWS = (
    "unmet-needs?limit=5",
    "funding-gaps?group_by=region",
    "funding-gaps?group_by=chapter&format=csv",
    "provider-overlap?limit=5",
    "priority-areas?group_by=article",
    "programme-monitoring?limit=5",
    "programme-monitoring?format=csv",
)


class Folds:
    """FoldedRows.of wrapped: the positions folded, and the most folds that ran at once."""

    def __init__(self, delay: float = 0.0) -> None:
        self.positions: list[int] = []
        self.running = 0
        self.most = 0
        self.delay = delay
        self.lock = threading.Lock()
        self.cache: FoldCache | None = None  # when set: how many positions it kept as each fold began
        self.kept_then: list[int] = []


@pytest.fixture
def folds(monkeypatch: pytest.MonkeyPatch) -> Folds:
    seen = Folds()
    original = FoldedRows.of

    def counted(ledger: Any, position: int, *args: Any, **kwargs: Any) -> FoldedRows:
        with seen.lock:
            seen.positions.append(position)
            seen.running += 1
            seen.most = max(seen.most, seen.running)
            if seen.cache is not None:
                seen.kept_then.append(len(seen.cache.kept))
        try:
            time.sleep(seen.delay)
            return original(ledger, position, *args, **kwargs)
        finally:
            with seen.lock:
                seen.running -= 1

    monkeypatch.setattr(FoldedRows, "of", counted)
    # What is kept here is the fold a past read falls back to when the versions cannot serve it (a rate since the point
    # versioned, the runner far behind: test_versions.py): these reads are made to fall back.
    monkeypatch.setattr(VersionedRows, "at", classmethod(lambda cls, *args, **kwargs: None))
    return seen


@pytest.fixture
def key(demo: Services) -> str:
    return str(demo.ledger.issue_key("test coordinator", "coordinator")[1])


@pytest.fixture
def http(server: LiveServer, key: str) -> Iterator[httpx.Client]:
    """A coordinator's client (the demo's data: the shared `keys` would register an organisation it has)."""
    with client_for(server, key) as c:
        yield c


def three_needs(svc: Services) -> None:
    for article in (5, 6, 9):
        svc.ledger.identify_need(
            state="KEN",
            article=article,
            ta_types=["legislative-drafting"],
            description="A need written after the past read",
            horizon="current",
            priority="high",
            source=source("self-assessment", "SA"),
            estimated_cost=money("125000", "USD", date(2024, 1, 1)),
        )


def read(http: httpx.Client, position: int, view: str = VIEWS[0]) -> Any:
    answer = http.get(f"/v1/views/{view}", params={"as_of": position})
    assert answer.status_code == 200, answer.text
    return answer.text if "format=csv" in view else answer.json()


def every_view(http: httpx.Client, position: int) -> list[Any]:
    return [read(http, position, view) for view in VIEWS]


def uncached(services: Services, http: httpx.Client, position: int) -> list[Any]:
    kept, services.folds = services.folds, FoldCache(0)
    try:
        return every_view(http, position)
    finally:
        services.folds = kept


def test_a_position_read_twice_folds_once_and_answers_as_a_fold_every_time_does(
    demo: Services, http: httpx.Client, folds: Folds
) -> None:
    head = demo.runner.head()
    past = head // 2
    first = every_view(http, past)
    assert folds.positions == [past]  # every view, one fold
    assert every_view(http, past) == first
    assert folds.positions == [past]
    assert uncached(demo, http, past) == first  # the same answers from a fold of their own
    assert len(folds.positions) == 1 + len(VIEWS)
    # nothing a view did changed the rows it was given: they are still those of a fresh fold
    [kept] = [rows for (position, _), rows in demo.folds.kept.items() if position == past]
    fresh = FoldedRows.of(demo.ledger, past, demo.currency, db=demo.db)
    kinds = (model.NEED, model.PROGRAMME, model.ORG, model.RATES)
    assert (kept._needs, kept._programmes, [list(kept.state.all(k)) for k in kinds]) == (
        fresh._needs,
        fresh._programmes,
        [list(fresh.state.all(k)) for k in kinds],
    )


def test_a_later_write_changes_no_kept_past_and_a_position_past_the_head_reads_the_head(
    demo: Services, http: httpx.Client, folds: Folds
) -> None:
    head = demo.runner.head()
    past, beyond = head - 100, head + 1000
    before, at_beyond = every_view(http, past), every_view(http, beyond)
    assert folds.positions == [past, head]  # past the head is the head
    three_needs(demo)
    demo.runner.catch_up()
    assert every_view(http, past) == before  # kept
    assert every_view(http, past) == uncached(demo, http, past)  # and what a fold answers
    now = every_view(http, beyond)
    assert now != at_beyond  # the new needs show
    assert now == uncached(demo, http, beyond)


def test_a_log_not_the_one_folded_is_folded_again(demo: Services, server: LiveServer, folds: Folds) -> None:
    # Given a past read, kept
    past = demo.runner.head() // 2
    with client_for(server, demo.ledger.issue_key("before", "coordinator")[1]) as http:
        before = every_view(http, past)
    # When the store is wiped and written again (tests do; a store restored under a running server would be too)
    wipe(demo)
    three_needs(demo)  # first, so that the events up to `past` are not the same
    load(demo.ledger)
    demo.runner.catch_up()
    with client_for(server, demo.ledger.issue_key("after", "coordinator")[1]) as http:
        after = every_view(http, past)
        # Then the same position is folded again: the answer is that of the log now
        assert folds.positions == [past, past]
        assert after == uncached(demo, http, past)
    assert after != before


def test_the_cache_holds_at_most_its_size_the_least_recently_read_going_first(
    demo: Services, http: httpx.Client, folds: Folds, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert demo.settings.as_of_cache == 1  # the default: one state held
    monkeypatch.setattr(demo.folds, "size", 2)  # two, to see which one goes first
    folds.cache = demo.folds
    a, b, c = 400, 600, 800
    for position in (a, b, a, c):  # c drops b, the least recently read
        read(http, position)
    assert folds.positions == [a, b, c]
    assert [position for position, _ in demo.folds.kept] == [a, c]
    assert folds.kept_then == [0, 1, 1]  # b let go before c was folded: two states at most
    read(http, a)
    read(http, b)
    assert folds.positions == [a, b, c, b]
    assert folds.kept_then == [0, 1, 1, 1]
    assert len(demo.folds.kept) == 2


def test_two_requests_for_one_position_fold_it_once_and_two_folds_never_run_at_once(
    demo: Services, server: LiveServer, key: str, folds: Folds
) -> None:
    folds.delay = 0.5  # each fold long enough for the other request to arrive meanwhile
    answers: list[Any] = []

    def ask(position: int) -> None:
        with client_for(server, key) as http:
            answers.append((position, read(http, position)))

    for positions in ((500, 500), (700, 900)):
        threads = [threading.Thread(target=ask, args=(p,)) for p in positions]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(folds.positions) == [500, 700, 900]  # 500 once
    assert folds.most == 1
    assert answers[0] == answers[1]


@pytest.fixture
def uncached_server(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[httpx.Client]:
    monkeypatch.setenv("LEDGER_AS_OF_CACHE", "0")
    settings = Settings(database_url=database_url, signing_key_file=tmp_path / "key.pem", log_format="json")
    svc = Services(settings)
    try:
        load(svc.ledger)
        svc.runner.catch_up()
        key = svc.ledger.issue_key("test coordinator", "coordinator")[1]
        with LiveServer(create_app(settings, services=svc)) as live, client_for(live, key) as http:
            yield http
    finally:
        svc.close()


def test_with_the_cache_off_every_read_folds(uncached_server: httpx.Client, folds: Folds) -> None:
    first = read(uncached_server, 500)
    assert read(uncached_server, 500) == first
    assert folds.positions == [500, 500]


def test_a_snapshot_decodes_to_the_values_json_reads_integers_past_64_bits_and_nan_too() -> None:
    docs = [
        {"amount": "12.50", "n": 3, "x": 0.1, "name": "Côte d’Ivoire", "nested": [{"a": None, "b": True}]},
        {"big": 123456789012345678901234567890, "negative": -98765432109876543210},
        {"nan": float("nan"), "inf": float("inf")},
    ]
    text = json.dumps([["need", str(i), json.dumps(doc)] for i, doc in enumerate(docs)]).encode()
    decoded = decode_entries(text)
    expected = [(kind, key, json.loads(doc)) for kind, key, doc in json.loads(text)]
    assert repr(decoded) == repr(expected)  # repr: NaN is not equal to itself, and 1e29 == 10**29 is not the question
    assert type(decoded[1][2]["big"]) is int
    no_long_integer = json.dumps([["need", "a", json.dumps(docs[0])], ["need", "c", json.dumps(docs[2])]]).encode()
    assert repr(decode_entries(no_long_integer)) == repr([("need", "a", docs[0]), ("need", "c", docs[2])])
