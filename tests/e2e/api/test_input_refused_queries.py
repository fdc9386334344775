"""Query input that must be refused or read one way, over real HTTP on both stores: unknown codes
in filters name the valid ones, `as_of` never overflows and a date alone is the end of that day
(UTC) for the API and the dashboard alike, no parameter carries a control character, and every
cursor the API hands out is short and accepted back, however long the titles it pages through.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from api.http.deps import MAX_CURSOR
from api.root.services import Services
from domain import context, dates
from tests.e2e.api import world
from tests.support.processes import ledger_on
from tests.support.servers import LiveServer, client_for

VIEWS = ["unmet-needs", "funding-gaps", "provider-overlap", "priority-areas", "programme-monitoring"]


@pytest.fixture
def w(services: Services, keys: dict[str, str]) -> world.World:
    built = world.build(services.ledger)
    services.runner.catch_up()
    return built


@pytest.fixture
def coordinator(server: LiveServer, keys: dict[str, str]) -> Iterator[httpx.Client]:
    with client_for(server, keys["coordinator"]) as client:
        yield client


def problem(r: httpx.Response, code: str) -> str:
    """The detail of a 422 problem with `code`."""
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == code, r.text
    return str(r.json()["detail"])


def page_refusal(r: httpx.Response) -> str:
    """A browser page's refusal of a filter: 422, HTML, the page still there (api/web/filters.py)."""
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("text/html")
    return r.text


def test_unknown_codes_in_filters_are_refused_naming_the_valid_ones(coordinator: httpx.Client, w: world.World) -> None:
    # when a view is narrowed by a code no list has (these answered 200 with nothing)
    for view in VIEWS:
        url = f"/v1/views/{view}"
        # then each is a 422 whose detail names the codes to choose from, or where they are listed
        assert "African" in problem(coordinator.get(url, params={"region": "Africa"}), "unknown-region")
        assert "OpenAPI" in problem(coordinator.get(url, params={"state": "XXX"}), "unknown-state")
        assert "capacity-building" in problem(coordinator.get(url, params={"ta_type": "magic"}), "unknown-ta-type")
        assert "III" in problem(coordinator.get(url, params={"chapter": "VII"}), "unknown-chapter")
    for url in ("/v1/needs", "/v1/programmes", "/v1/exports/iati"):
        problem(coordinator.get(url, params={"state": "XXX"}), "unknown-state")
    # the other code filters name theirs too (schema enums, listed in the problem's errors)
    r = coordinator.get("/v1/views/programme-monitoring", params={"flag": "late"})
    assert r.status_code == 422 and "stalled" in r.text
    # the dashboard refuses through the same validators, on a page a person reads (naming what is allowed)
    assert "African" in page_refusal(coordinator.get("/", params={"region": "Africa"}))
    # and known codes, in any case for states, are answered
    assert coordinator.get("/v1/views/unmet-needs", params={"state": "ken", "region": "African"}).status_code == 200


def test_as_of_beyond_any_position_is_refused_not_a_500(coordinator: httpx.Client, w: world.World) -> None:
    wrong = ("99999999999999999999999", "١٢", "2024-02-30", "0001-01-01T00:00:00+01:00")
    for url in ("/v1/views/unmet-needs", "/v1/views/programme-monitoring", "/v1/reports/irg/KEN"):
        for as_of in wrong:
            problem(coordinator.get(url, params={"as_of": as_of}), "invalid-as-of")
    for as_of in wrong:  # the dashboard: a page naming the field, not a 500
        assert "As of" in page_refusal(coordinator.get("/", params={"as_of": as_of}))


def test_control_characters_in_any_parameter_are_refused(
    coordinator: httpx.Client, services: Services, w: world.World, server: LiveServer, keys: dict[str, str]
) -> None:
    before = services.ledger.recorder.max_notification_id()
    # a NUL in a filter answered 500 on PostgreSQL
    for name in ("state", "region", "ta_type", "as_of", "cursor", "classification"):
        for value in ("\x00", "K\x00N", "KEN\r\n", "\x1b[31m"):
            problem(coordinator.get("/v1/views/unmet-needs", params={name: value}), "control-character")
    problem(coordinator.get("/v1/needs", params={"state": "\x00"}), "control-character")
    problem(coordinator.get("/", params={"state": "\x00"}), "control-character")
    # path parameters too, on reads and writes
    problem(coordinator.get("/v1/reports/irg/K%00N"), "control-character")
    with client_for(server, keys["provider"]) as provider:
        cancel = provider.post(f"/v1/programmes/{w.programme}/commitments/c%00/cancel")
    problem(cancel, "control-character")
    assert services.ledger.recorder.max_notification_id() == before


def test_a_date_alone_in_as_of_is_the_end_of_that_day_for_the_api_and_the_dashboard(
    coordinator: httpx.Client, services: Services, w: world.World
) -> None:
    # given needs recorded today (the world's), and the position of the last of them
    today, yesterday = dates.today(), dates.today() - timedelta(days=1)
    now = coordinator.get("/v1/views/unmet-needs").json()
    assert now["count"] == 2
    # when the views are read as of today's date alone
    api = coordinator.get("/v1/views/unmet-needs", params={"as_of": today.isoformat()}).json()
    # then the day is read to its end: today's needs are in, at the log's position now
    assert (api["count"], api["position"]) == (2, services.runner.head())
    # and as of yesterday they are not yet recorded
    assert coordinator.get("/v1/views/unmet-needs", params={"as_of": yesterday.isoformat()}).json()["count"] == 0
    # and the dashboard reads the same date as the same position
    page = coordinator.get("/", params={"as_of": today.isoformat()}).text
    assert re.search(rf"As of log position {api['position']}\b", page), page[:2000]
    # and programme monitoring flags as of that day
    monitoring = coordinator.get("/v1/views/programme-monitoring", params={"as_of": today.isoformat()}).json()
    assert monitoring["today"] == today.isoformat()
    # and the CLI's report reads it the same way, and refuses what the API refuses
    done = ledger_on(services.settings, "report", "irg", "KEN", "--format", "json", "--as-of", today.isoformat())
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["position"] == api["position"]
    done = ledger_on(services.settings, "report", "irg", "KEN", "--as-of", "99999999999999999999999")
    assert done.returncode != 0 and "beyond any log position" in done.stderr, done.stderr


def long_titled_programmes(services: Services, w: world.World, count: int) -> list[str]:
    """`count` programmes whose 300-character titles share a 280-character beginning."""
    common = ("Strengthening the institutional capacity of anti-corruption bodies " * 5)[:280]
    titles = [f"{common} phase {i:03d} ".ljust(300, "x") for i in range(count)]
    with context.recording(actor="test"):
        for title in titles:
            services.ledger.register_programme(
                title=title,
                description="",
                reporting_org=w.org,
                funders=[w.org],
                implementers=[],
                states=["KEN"],
                start=date(2024, 1, 1),
                end=date(2026, 12, 31),
                status=2,
            )
    services.runner.catch_up()
    return titles


def paged(client: httpx.Client, **params: Any) -> tuple[list[str], list[str]]:
    """Every title programme-monitoring lists, a page at a time to the end, and the cursors used."""
    titles: list[str] = []
    cursors: list[str] = []
    cursor = None
    while True:
        more = {"cursor": cursor} if cursor else {}
        r = client.get("/v1/views/programme-monitoring", params={**params, "limit": 4, **more})
        assert r.status_code == 200, r.text
        answer = r.json()
        titles += [i["title"] for i in answer["items"]]
        cursor = answer["next_cursor"]
        if cursor is None:
            return titles, cursors
        cursors.append(cursor)
        assert len(cursors) < 50, "paging does not end"


def test_programme_monitoring_pages_to_the_end_through_300_character_titles(
    coordinator: httpx.Client, services: Services, w: world.World, server: LiveServer, keys: dict[str, str]
) -> None:
    titles = long_titled_programmes(services, w, 22)
    expected = sorted([*titles, "Procurement reform support", "Asset recovery training"], key=str.casefold)
    position = services.runner.head()
    # the kept rows (no filter), the rows filtered in memory (region), and a past fold (as_of)
    for params in ({}, {"region": "African"}, {"as_of": str(position)}):
        listed, cursors = paged(coordinator, **params)
        # then every programme is listed once, in title order, each cursor short and accepted back
        assert listed == expected, params
        assert cursors and all(len(c) <= MAX_CURSOR for c in cursors)
    # a State key (its scope: published needs and its own State's) pages through its list the same way
    with client_for(server, keys["state"]) as kenya:
        assert paged(kenya)[0] == expected
    # and a cursor this API never gave is refused, not guessed at
    for bad in ("AAAAAAAAAAAAAAAAAAAAAA", "not a cursor", "x" * MAX_CURSOR):
        r = coordinator.get("/v1/views/programme-monitoring", params={"cursor": bad})
        assert r.status_code == 422 and r.json()["code"] in ("invalid-cursor", "invalid-request"), r.text
