"""The FastAPI application: every router (listed here), problem handlers, middleware, the projection runner."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import Depends, FastAPI

from api.http import docs, metrics, openapi, problems
from api.http.auth import authorize
from api.http.deps import plain_parameters
from api.http.idempotency import Clock, Idempotency, utc_now
from api.http.middleware import LocalOnly, RequestContext
from api.http.routes import (
    audit,
    corrections,
    events,
    health,
    iati,
    keys,
    money_reports,
    needs,
    organisations,
    programmes,
    rates,
    reports,
    search,
    views,
)
from api.root.logs import configure
from api.root.services import Services
from api.root.settings import Settings
from api.web import errors as web_errors
from api.web import (
    feeds,
    iati_forms,
    key_forms,
    need_forms,
    organisation_forms,
    pages,
    programme_forms,
    rate_forms,
    search_pages,
    sign_in,
    views_pages,
)
from api.web.i18n import Language

log = structlog.get_logger()

ROUTERS = [  # every route the app serves, in the order of the OpenAPI document
    audit.router,
    docs.router,
    events.router,
    health.router,
    iati.router,
    keys.router,
    metrics.router,
    needs.router,
    organisations.router,
    sign_in.router,
    need_forms.router,  # before pages: /needs/new is not a need's id
    programme_forms.router,  # before pages: /programmes/new is not a programme's id
    rate_forms.router,
    organisation_forms.router,
    key_forms.router,
    iati_forms.router,
    pages.router,
    programmes.router,
    money_reports.router,
    corrections.router,
    rates.router,
    reports.router,
    views.router,
    views_pages.router,
    feeds.router,  # Atom feeds of published needs and of a State's programme events
    search.router,  # GET /v1/search, /v1/lessons and lessons recorded on a delivery
    search_pages.router,  # /search (the dashboard's search box) and /lessons
]

DESCRIPTION = """The shared, append-only ledger of UNCAC technical-assistance needs and the
programmes that address them. Every write is an event; views are rebuilt from the log.
Errors are RFC 9457 problem+json with a stable `code`."""


def create_app(
    settings: Settings | None = None,
    services: Services | None = None,
    run_projections: bool = True,
    clock: Clock = utc_now,
) -> FastAPI:
    """The app; `clock` is the idempotency answers' (a test's own, to expire them without waiting)."""
    settings = settings or Settings()
    configure(settings.log_format)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        svc = app.state.services
        svc.keys.start()  # the key cache's watcher (api/http/key_cache.py), looking before the first key arrives
        if run_projections:
            svc.runner.start()
        if settings.demo_mode:
            log.warning("demo_mode", detail="anonymous local users read as coordinator (development only)")
        yield
        svc.runner.stop()

    app = FastAPI(
        title="UNCAC technical-assistance coordination ledger",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served from the package by api/http/docs.py, without a CDN
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        dependencies=[Depends(authorize), Depends(plain_parameters)],
    )
    app.state.services = services or Services(settings)
    app.state.settings = settings
    app.state.metrics = metrics.Metrics(app.state.services)
    problems.install(app)
    web_errors.install(app)  # a browser asking for a page gets its refusal as a page
    for router in ROUTERS:
        app.include_router(router)
    app.add_middleware(Idempotency, clock=clock)  # inside RequestContext: request ids and body limits come first
    app.add_middleware(Language)  # the reader's language for pages, reports and problem titles (api/web/i18n.py)
    if settings.demo_mode:
        app.add_middleware(LocalOnly)  # the demo's coordinator reads are for this machine's clients only
    app.add_middleware(
        RequestContext, max_body_bytes=settings.max_body_bytes, body_timeout_seconds=settings.body_timeout_seconds
    )
    app.add_middleware(metrics.RequestMetrics, metrics=app.state.metrics)  # outermost: every answer is counted
    openapi.install(app)
    return app
