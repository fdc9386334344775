"""The whole ledger's heatmap kept drawn and rendered per log prefix of the views (api/web/heatmaps.py): the
dashboard is byte for byte the page drawn per request, for every reader, language and filter; an append shows
on the next page once the runner applied it, and a log written anew to the same position shows its own; at most
one entry per language and scope is held. On the demo, both stores."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from api.http.app import create_app
from api.http.auth import Principal
from api.root.services import Services
from api.web import dashboard
from api.web.heatmaps import HEATMAPS
from domain.needs import money, source
from tests.support.stores import wipe

LANGUAGES = ("en", "fr", "es")
FILTERS: tuple[dict[str, str], ...] = (
    {},
    {"chapter": "III"},
    {"region": "African"},
    {"state": "KEN"},
    {"as_of": "2025-01-01"},
)


@pytest.fixture
def client(demo: Services) -> Iterator[TestClient]:
    with TestClient(create_app(demo.settings, services=demo, run_projections=False)) as c:
        yield c
    HEATMAPS.enabled = True


def page(client: TestClient, key: str | None, language: str, kept: bool, **filters: str) -> bytes:
    """`/` as this reader sees it, the heatmap kept (or drawn for this request alone, as before it was kept)."""
    HEATMAPS.enabled = kept
    headers = {"Accept-Language": language, **({"Authorization": f"Bearer {key}"} if key else {})}
    got = client.get("/", params=filters, headers=headers)
    assert got.status_code == 200, got.text[:300]
    return got.content


def test_the_page_with_the_heatmap_kept_is_the_page_drawn_per_request(demo: Services, client: TestClient) -> None:
    # Given the demo, caught up, and a key per scope (a provider's of the demo's GB-GOV-1, a State's of Kenya)
    ledger = demo.ledger
    readers = {
        "anonymous": None,
        "coordinator": ledger.issue_key("coordinator", "coordinator")[1],
        "provider": ledger.issue_key("FCDO", "provider", organisation=ledger.organisation_by_ref("GB-GOV-1").id)[1],
        "state": ledger.issue_key("Kenya", "state", state="KEN")[1],
    }
    demo.runner.catch_up()
    for role, key in readers.items():
        for language in LANGUAGES:
            for filters in FILTERS:
                # When the page is drawn per request, then twice with the heatmap kept (drawn, then held)
                drawn = page(client, key, language, False, **filters)
                assert page(client, key, language, True, **filters) == drawn, (role, language, filters)
                # Then every one is the same page, byte for byte
                assert page(client, key, language, True, **filters) == drawn, (role, language, filters)
    # And the pages of the whole ledger were served from what was kept: one entry per language and scope
    assert HEATMAPS.held(demo) == 2 * len(LANGUAGES)


def test_an_append_shows_on_the_next_page_once_applied(demo: Services, client: TestClient) -> None:
    # Given the anonymous page with the heatmap kept, in English and French, and a State without any published need
    demo.runner.catch_up()
    before = page(client, None, "fr", True)
    assert b'data-state="ISL"' not in before and b'data-state="ISL"' not in page(client, None, "en", True)
    # When a need of it is published, and the runner has not yet applied it
    need = demo.ledger.identify_need(
        state="ISL",
        article=5,
        ta_types=["legislative-assistance"],
        description="A need of Iceland",
        horizon="current",
        priority="high",
        source=source("self-assessment", "SA"),
        estimated_cost=money("250000", "USD", date(2024, 1, 1)),
    )
    demo.ledger.change_need(need.id, lambda n: n.publish())
    # Then the page is the one the views hold until then
    assert page(client, None, "fr", True) == before == page(client, None, "fr", False)
    # And once the runner applied it, the next page shows it in each language: the same as drawn for it alone
    demo.runner.catch_up()
    for language in ("en", "fr"):
        after = page(client, None, language, True)
        assert b'data-state="ISL"' in after and after == page(client, None, language, False), language


def test_at_most_one_entry_per_language_and_scope_of_the_last_position(demo: Services, client: TestClient) -> None:
    # Given pages read in every language by both scopes, over three positions of the views
    coordinator = demo.ledger.issue_key("coordinator", "coordinator")[1]
    for n in range(3):
        demo.ledger.record_rate("EUR", date(2001, 1, 1 + n), "1.1")
        demo.runner.catch_up()
        for language in LANGUAGES:
            for key in (None, coordinator):
                page(client, key, language, True)
        # Then only the last position's are held: one per language and scope
        assert HEATMAPS.held(demo) == 2 * len(LANGUAGES)
    # And the kept panels of a reader hand the page that HTML; drawn per request, none
    with demo.db.transaction(commit=False) as tx:
        anonymous = Principal("anonymous", "anonymous")
        assert dashboard.kept_panels(demo, tx, anonymous, date.today())["heat_html"]
        HEATMAPS.enabled = False
        assert dashboard.kept_panels(demo, tx, anonymous, date.today())["heat_html"] is None


def test_a_log_written_anew_to_the_same_position_shows_its_own_heatmap(demo: Services, client: TestClient) -> None:
    # Given the demo's anonymous page, its heatmap kept at the demo's last position
    demo.runner.catch_up()
    position = demo.runner.position()
    assert b'class="cell' in page(client, None, "en", True)
    # When the store is emptied and other events written (SQLite numbers them from 1 again: up to that position)
    wipe(demo)
    rates = 0
    while rates == 0 or demo.runner.head() < position:  # a rate a day, each a new event
        rates += 1
        demo.ledger.record_rate("EUR", date(2001, 1, 1) + timedelta(days=rates), "1.1")
    demo.runner.catch_up()
    # Then the page shows the new log's heatmap (none: no need), as drawn for that request alone
    after = page(client, None, "en", True)
    assert b'class="cell' not in after and after == page(client, None, "en", False)
