"""What a browser shows of needs its reader may not see, in headless Chromium, on both stores:
a programme page counts them and names none; the public dashboard has no programme monitoring
and names organisations, not API keys.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from api.root.services import Services
from tests.e2e.api.test_visibility import Hidden, hidden  # noqa: F401 (the fixture)
from tests.e2e.browser.conftest import Watched
from tests.support.servers import LiveServer


@pytest.fixture
def as_reader(chromium: Any, server: LiveServer) -> Iterator[Any]:
    """Opens a page as one principal: its key sent with every request, or none."""
    contexts: list[Any] = []

    def open_as(key: str | None) -> Watched:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        context = chromium.new_context(viewport={"width": 1600, "height": 900}, extra_http_headers=headers)
        contexts.append(context)
        return Watched(context.new_page(), server.url)

    yield open_as
    for context in contexts:
        context.close()


def test_a_state_reads_a_programme_page_with_another_states_unpublished_need_as_a_count(
    as_reader: Any,
    keys: dict[str, str],
    hidden: Hidden,  # noqa: F811
) -> None:
    # given Kenya's state key and a programme linked to Kenya's need and Uganda's unpublished one
    kenya = as_reader(keys["state"])
    # when it opens the programme's page
    kenya.open(f"/programmes/{hidden.w.programme}")
    # then one linked need is listed, the other is a count, and nothing on the page names it
    rows = kenya.page.locator("section[aria-labelledby=needs-h] tbody tr")
    assert rows.count() == 1
    assert kenya.page.inner_text("#unpublished-needs").startswith("1 unpublished need ")
    html = kenya.page.content()
    assert str(hidden.need) not in html and "Asset recovery course" not in html
    # and a coordinator sees both needs and no count
    coordinator = as_reader(keys["coordinator"])
    coordinator.open(f"/programmes/{hidden.w.programme}")
    assert coordinator.page.locator("section[aria-labelledby=needs-h] tbody tr").count() == 2
    assert coordinator.page.locator("#unpublished-needs").count() == 0


def test_the_public_dashboard_shows_no_programme_monitoring_and_no_key_names(
    as_reader: Any,
    keys: dict[str, str],
    hidden: Hidden,  # noqa: F811
    server: LiveServer,
    services: Services,
) -> None:
    # given Kenya's need published by Kenya's focal point
    kenya = as_reader(keys["state"])
    published = kenya.page.request.post(f"{server.url}/v1/needs/{hidden.w.need}/publish", data={})
    assert published.ok and services.runner.wait_for(published.json()["position"], 10)
    public = as_reader(None)
    # when an anonymous reader opens the dashboard
    public.open("/")
    # then programme monitoring is for key holders, as in the API, and events name Kenya
    assert public.page.locator("#attn-keyed").count() == 1
    events = public.page.inner_text("table.events")
    assert "Kenya focal point" not in events and "world-builder" not in events
    assert "KEN" in events
