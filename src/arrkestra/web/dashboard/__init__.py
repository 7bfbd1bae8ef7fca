"""The dashboard: server-rendered pages under ``/ui/`` over what the store already records.

One module per page (``overview``, ``jobs``, ``events``, ``titles``, ``discovery``,
``reconcile``, ``settings``), each a router whose handlers read the store and render one
template; ``login`` trades credentials for a session; ``access`` says who may look and
checks CSRF tokens; ``headers`` adds the Content-Security-Policy; ``error_pages`` answers
errors as pages; ``rendering`` holds the templates' environment; ``filter_form`` and
``notices`` are what the pages' GET forms and post-button messages share. :func:`install`
adds all of it to the app in one visible list.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from arrkestra.web.dashboard import (
    discovery,
    error_pages,
    events,
    jobs,
    login,
    overview,
    reconcile,
    settings,
    titles,
)
from arrkestra.web.dashboard.headers import SecurityHeadersMiddleware

PAGES = (login, overview, jobs, events, titles, discovery, reconcile, settings)
STATIC = Path(str(files("arrkestra.web.dashboard") / "static"))


def install(app: FastAPI) -> None:
    """Add the pages, their static files, their error pages and their headers to ``app``."""
    for page in PAGES:
        app.include_router(page.router)
    app.mount("/ui/static", StaticFiles(directory=STATIC), name="dashboard-static")
    app.add_middleware(SecurityHeadersMiddleware)

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/ui/", status_code=303)

    @app.get("/ui", include_in_schema=False)
    async def ui_root() -> RedirectResponse:
        return RedirectResponse("/ui/", status_code=308)

    error_pages.install(app)
