"""The dashboard's error pages: what goes wrong under ``/ui`` answers as a page, not JSON.

A missing session redirects to the login form; no credential configured shows how to
enable one; a refused CSRF token, an HTTP error, an invalid address and a bug (with the
correlation id the log has) each render ``error.html``. Outside ``/ui`` the API's JSON
answers are kept (``web/errors``); a 429 stays the rate limiter's own answer.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException

from arrkestra.web.dashboard.access import (
    CsrfRefused,
    DashboardDisabled,
    LoginRequired,
    login_url,
)
from arrkestra.web.dashboard.headers import applies
from arrkestra.web.dashboard.rendering import render
from arrkestra.web.deps import get_services
from arrkestra.web.errors import (
    error_response,
    log_unexpected,
    unexpected_response,
    validation_detail,
)


def install(app: FastAPI) -> None:
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

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        if not applies(request.url.path):
            return unexpected_response(request, exc)
        correlation = log_unexpected(request, exc)
        message = f"Something went wrong on our side; look for {correlation} in the log."
        context = {"status": 500, "message": message}
        page = render(request, get_services(request), None, "error.html", context, status=500)
        page.headers["X-Correlation-Id"] = correlation
        return page

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
