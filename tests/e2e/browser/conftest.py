"""Browser fixtures: one live server with the demo loaded per module, and headless Chromium.

Chromium is Debian's (/usr/bin/chromium), driven by Playwright through `executable_path`; no
browser is downloaded. Without it (or without playwright) the tests skip outside CI and fail in CI.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.demo.load import load as load_demo
from api.http.app import create_app
from api.root.services import Services
from api.root.settings import Settings
from tests import paths
from tests.support.ci import unavailable
from tests.support.servers import LiveServer

CHROMIUM = Path(os.environ.get("LEDGER_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = paths.ARTIFACTS
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _unavailable() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install playwright)"
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium, or set LEDGER_CHROMIUM)"
    return None


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    reason = _unavailable()
    if reason is not None:
        unavailable(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def demo_services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    """The demo world on SQLite, with the views caught up before any page is read."""
    tmp = tmp_path_factory.mktemp("browser")
    settings = Settings(
        database_url=f"sqlite:///{tmp}/ledger.db", signing_key_file=tmp / "key.pem", log_format="json", demo_mode=True
    )
    svc = Services(settings)
    load_demo(svc.ledger)
    svc.runner.catch_up()
    yield svc
    svc.close()


@pytest.fixture(scope="module")
def live(demo_services: Services) -> Iterator[LiveServer]:
    with LiveServer(create_app(demo_services.settings, services=demo_services)) as server:
        yield server


class Watched:
    """A page that remembers its console messages, page errors and every request's URL."""

    def __init__(self, page: Any, base: str) -> None:
        self.page, self.base = page, base
        self.console: list[str] = []
        self.requests: list[str] = []
        page.on(
            "console", lambda m: self.console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None
        )
        page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        page.on("request", lambda r: self.requests.append(r.url))

    def open(self, path: str) -> Any:
        response = self.page.goto(self.base + path)
        status = response.status if response is not None else None
        assert response is not None and response.ok, f"{path} answered {status}"
        return response

    def shot(self, name: str, height: int | None = None) -> Path:
        """The whole page, or its top `height` pixels (what a projector shows first)."""
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        clip = {"x": 0, "y": 0, "width": 1600, "height": height} if height else None
        self.page.screenshot(path=str(path), full_page=True, clip=clip)
        return path

    def external(self) -> list[str]:
        return [u for u in self.requests if not u.startswith((self.base, "data:", "about:"))]


@pytest.fixture
def browse(chromium: Any, live: LiveServer) -> Iterator[Watched]:
    """A fresh projector-sized page (1600×900) against the live server."""
    context = chromium.new_context(viewport={"width": 1600, "height": 900})
    try:
        yield Watched(context.new_page(), live.url)
    finally:
        context.close()
