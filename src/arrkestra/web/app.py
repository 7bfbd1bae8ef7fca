"""``create_app(settings, services=None)``: the FastAPI application (no module-level app).

Without ``services`` the app opens them itself on start-up (the daemon). Either way the
lifespan starts them and, on shutdown, stops them: the worker drains for
``server.drain_timeout``, releases unfinished leases, and the store is closed.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from arrkestra import __version__
from arrkestra.config import Settings
from arrkestra.runtime.services import Services, open_services
from arrkestra.web import (
    api,
    catchup_api,
    compat,
    dashboard,
    discovery_api,
    events_api,
    health,
    mirror_api,
    notify_api,
    reconcile_api,
    webhooks,
)
from arrkestra.web.errors import install_error_handlers
from arrkestra.web.limits import BodyLimitMiddleware
from arrkestra.web.ratelimit import RateLimiter, RateLimitMiddleware, TokenBuckets
from arrkestra.web.responses import SafeJSONResponse

log = logging.getLogger("arrkestra")


def create_app(settings: Settings, services: Services | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        running = services if services is not None else open_services(settings, daemon=True)
        app.state.services = running
        await running.start()
        log.info("arrkestra %s ready", __version__)
        try:
            yield
        finally:
            log.info("shutting down: draining running jobs")
            await running.stop()
            log.info("shutdown complete")

    app = FastAPI(
        title="arrkestra",
        version=__version__,
        description="Keeps Sonarr, Radarr, Overseerr/Jellyseerr and Plex in step.",
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
        lifespan=lifespan,
        default_response_class=SafeJSONResponse,
    )
    if services is not None:
        app.state.services = services
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, limit=settings.server.body_limit)
    limit = settings.server.rate_limit
    app.state.rate_limiter = None
    if limit is not None:  # added last: runs first, before any body is read
        limiter = RateLimiter(
            TokenBuckets(limit.requests, limit.per), settings.server.trusted_proxies
        )
        app.state.rate_limiter = limiter  # webhooks charge it only when they refuse
        app.add_middleware(RateLimitMiddleware, limiter=limiter)
    app.include_router(health.router)
    app.include_router(webhooks.router)
    app.include_router(api.router)
    app.include_router(events_api.router)
    app.include_router(notify_api.router)
    app.include_router(discovery_api.router)
    app.include_router(mirror_api.router)
    app.include_router(catchup_api.router)
    app.include_router(reconcile_api.router)
    app.include_router(compat.router)  # sync-webhook's /stats, /jobs, /sync/manual ...
    dashboard.install(app)  # /ui/: pages, their static files, error pages and headers
    return app
