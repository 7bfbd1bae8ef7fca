"""The dashboard: server-rendered pages under ``/ui/`` over what the store already records.

One module per page (``overview``, ``jobs``, ``events``, ``titles``, ``discovery``,
``reconcile``, ``settings``), each a router whose handlers read the store and render one
template; ``login`` trades credentials for a session; ``access`` says who may look and
checks CSRF tokens; ``headers`` adds the Content-Security-Policy; ``rendering`` holds the
templates' environment. :func:`install` adds all of it to the app in one visible list.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from arrkestra.web.dashboard import (
    discovery,
    events,
    jobs,
    login,
    overview,
    reconcile,
    settings,
    titles,
)
from arrkestra.web.dashboard.access import (
    CsrfRefused,
    DashboardDisabled,
    LoginRequired,
    login_url,
)
from arrkestra.web.dashboard.headers import SecurityHeadersMiddleware, applies
from arrkestra.web.dashboard.rendering import render
from arrkestra.web.deps import get_services
from arrkestra.web.errors import error_response, validation_detail

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

    @app.exception_handler(LoginRequired)
    async def to_login(_: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(login_url(exc.next_url), status_code=303)

    @app.exception_handler(DashboardDisabled)
    async def disabled(request: Request, _: DashboardDisabled) -> Response:
        return render(request, get_services(request), None, "disabled.html", status=403)

    @app.exception_handler(CsrfRefused)
    async def refused(request: Request, exc: CsrfRefused) -> Response:
        context = {"status": 403, "message": exc.reason}
        return render(request, get_services(request), None, "error.html", context, status=403)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if applies(request.url.path) and exc.status_code != 429:
            context = {"status": exc.status_code, "message": str(exc.detail)}
            return render(
                request, get_services(request), None, "error.html", context, status=exc.status_code
            )
        headers = dict(exc.headers) if exc.headers else None
        return error_response(exc.status_code, exc.detail, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if applies(request.url.path):
            where = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}"
                for e in validation_detail(exc)
            )
            context = {"status": 400, "message": f"this address is not valid: {where}"}
            return render(request, get_services(request), None, "error.html", context, status=400)
        return error_response(422, validation_detail(exc), error="invalid_request")
