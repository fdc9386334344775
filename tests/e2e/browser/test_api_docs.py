"""/docs in headless Chromium: Swagger UI renders every operation from the package's own assets, with
no request to any other host (each is intercepted and refused) and nothing refused by the page's CSP."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.servers import LiveServer

pytestmark = pytest.mark.browser


def test_the_api_docs_render_offline_with_no_request_to_another_host(chromium: Any, live: LiveServer) -> None:
    # given a browser that refuses, and remembers, every request to a host other than the ledger
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    elsewhere: list[str] = []

    def only_local(route: Any) -> None:
        url = route.request.url
        if url.startswith((live.url, "data:", "blob:")):
            route.continue_()
        else:
            elsewhere.append(url)
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    troubles: list[str] = []
    page.on("console", lambda m: troubles.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: troubles.append(str(e)))
    try:
        # when /docs is opened
        response = page.goto(live.url + "/docs")
        assert response is not None and response.ok
        # then the operations are rendered, the need endpoints among them
        block = page.locator("#operations-needs-create_need_v1_needs_post, .opblock-post:has-text('/v1/needs')")
        block.first.wait_for(state="visible", timeout=30_000)
        assert page.locator(".opblock").count() > 40
        assert page.locator(".opblock-summary-path", has_text="/v1/events").count() == 1
        # and nothing was asked of any other host, and the page's policy refused nothing
        assert elsewhere == []
        assert not [t for t in troubles if "Content Security Policy" in t or "Refused" in t], troubles
    finally:
        context.close()


def test_the_docs_page_has_no_inline_script_and_a_strict_policy(live: LiveServer) -> None:
    # given the page as served
    page = httpx.get(live.url + "/docs")
    policy = page.headers["content-security-policy"]
    # then scripts come from this server only, and every script tag names a file
    assert "script-src 'self';" in policy and "default-src 'none'" in policy
    assert page.text.count("<script") == page.text.count("<script src=")
    # and the assets it names are served, pinned in the package; anything else is 404
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "docs-init.js"):
        assert httpx.get(f"{live.url}/docs/assets/{asset}").status_code == 200, asset
    assert httpx.get(live.url + "/docs/assets/..%2Fdocs.py").status_code == 404
    assert httpx.get(live.url + "/redoc").status_code == 404
