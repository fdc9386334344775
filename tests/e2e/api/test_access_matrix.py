"""Every role against every route the app serves, over real HTTP: allowed or refused exactly as
POLICY says. The routes come from the app itself, so a new endpoint cannot escape the matrix.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.http.app import create_app
from api.http.auth import ANONYMOUS, COORDINATOR, POLICY, READS, allowed_roles
from api.http.openapi import api_routes, other_routes
from api.root.services import Services
from api.root.settings import Settings
from tests.e2e.api import world
from tests.support.servers import LiveServer, client_for

ROLES = ("anonymous", "admin", "coordinator", "state", "provider", "auditor")
DOCS = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}  # served without a key, by design
BAD_KEY = "lk_00000000000000000000000000000000_not-a-key"


def bare_app(tmp_path: Path) -> Any:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/ledger.db", signing_key_file=tmp_path / "k.pem")
    return create_app(settings, run_projections=False)


def url_for(path: str, values: dict[str, str]) -> str:
    names = re.findall(r"{(\w+)(?::\w+)?}", path)
    missing = [n for n in names if n not in values]
    assert not missing, f"add a real value for path parameter {missing} of {path} to tests/e2e/api/world.py"
    return re.sub(r"{(\w+)(?::\w+)?}", lambda m: values[m.group(1)], path)


def call(client: httpx.Client, method: str, url: str) -> httpx.Response:
    # An empty JSON body: refused roles never reach the body, allowed ones get past the table.
    return client.request(method, url, json={} if method not in READS else None)


def verdict(role: str, method: str, path: str, r: httpx.Response) -> str | None:
    """None when the answer is what the table says, else what went wrong."""
    if role in allowed_roles(method, path):
        if r.status_code in (401, 403) or r.status_code >= 500:
            return f"{role} {method} {path}: allowed by POLICY, got {r.status_code} {r.text[:200]}"
        return None
    status, code = (401, "unauthenticated") if role == ANONYMOUS else (403, "forbidden")
    if r.status_code != status or r.json().get("code") != code:
        return f"{role} {method} {path}: refused by POLICY, expected {status}, got {r.status_code} {r.text[:200]}"
    return None


def test_every_route_the_app_serves_is_in_the_access_table(tmp_path: Path) -> None:
    # given the app as it is built, with every router discovered
    app = bare_app(tmp_path)
    # when its routes are compared with POLICY
    served = list(api_routes(app))
    missing = sorted({(m, p) for m, p, _ in served if (m, p) not in POLICY})
    # then each one is listed (a route not listed is admin-only: a forgotten entry, not a choice)
    assert served and not missing, f"add these routes to api/auth.py POLICY: {missing}"


def test_no_route_is_served_outside_the_authorising_dependency(tmp_path: Path) -> None:
    # given the app's routes
    app = bare_app(tmp_path)
    # then every FastAPI route is looked up under the path it is served at
    assert all(p == route.path for _, p, route in api_routes(app))
    # and nothing but the API documentation is served around FastAPI's dependencies
    assert {getattr(r, "path", repr(r)) for r in other_routes(app)} <= DOCS


def test_each_role_is_allowed_or_refused_on_each_route_as_the_table_says(
    server: LiveServer, services: Services, keys: dict[str, str]
) -> None:
    # given a small world where the state key's need and the provider key's programme exist
    values = world.build(services.ledger).path_values()
    routes = sorted({(m, p) for m, p, _ in api_routes(server.server.config.app)})
    # when every role calls every route (and a bad key too)
    wrong: list[str] = []
    for role in ROLES:
        with client_for(server, keys.get(role)) as client:
            for method, path in routes:
                problem = verdict(role, method, path, call(client, method, url_for(path, values)))
                wrong += [problem] if problem else []
    with client_for(server, BAD_KEY) as client:
        for method, path in routes:
            r = call(client, method, url_for(path, values))
            if r.status_code != 401 or r.json().get("code") != "invalid-credentials":
                wrong.append(f"bad key {method} {path}: expected 401, got {r.status_code}")
    # then every answer is the one the table gives
    assert not wrong, "\n".join(wrong)


@pytest.fixture
def demo_server(tmp_path: Path, keys: dict[str, str], services: Services) -> Any:
    settings = services.settings.model_copy(update={"demo_mode": True})
    with LiveServer(create_app(settings, services=services)) as live:
        yield live


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_demo_lets_an_anonymous_visitor_read_as_coordinator_and_write_nothing(
    demo_server: LiveServer, services: Services
) -> None:
    # given the embedded demo and a visitor without a key
    values = world.build(services.ledger).path_values()
    routes = sorted({(m, p) for m, p, _ in api_routes(demo_server.server.config.app)})
    wrong = []
    with client_for(demo_server, None) as visitor:
        for method, path in routes:
            # when the visitor calls each route
            r = call(visitor, method, url_for(path, values))
            # then it reads what a coordinator reads, and every write asks for a key
            if method in READS and COORDINATOR in allowed_roles(method, path):
                ok = r.status_code not in (401, 403) and r.status_code < 500
            elif method in READS:
                ok = r.status_code == 403
            elif ANONYMOUS in allowed_roles(method, path):  # signing in (and out): open to anyone, the visitor too
                ok = r.status_code not in (401, 403) and r.status_code < 500
            else:
                ok = r.status_code == 401 and r.json()["code"] == "unauthenticated"
            if not ok:
                wrong.append(f"demo visitor {method} {path}: got {r.status_code} {r.text[:200]}")
    assert not wrong, "\n".join(wrong)
