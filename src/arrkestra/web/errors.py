"""Every error is ``{"error": ..., "detail": ...}`` with the right status, never a traceback."""

from __future__ import annotations

import logging
import uuid
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from arrkestra.web.responses import SafeJSONResponse

log = logging.getLogger("arrkestra.web")
# names that read better than the HTTP reason phrase (413's changed between Python versions)
ERROR_NAMES = {413: "payload_too_large", 422: "invalid_request"}


def error_response(
    status: int, detail: Any, *, headers: dict[str, str] | None = None, error: str | None = None
) -> JSONResponse:
    name = error or ERROR_NAMES.get(status) or HTTPStatus(status).phrase.lower().replace(" ", "_")
    return SafeJSONResponse({"error": name, "detail": detail}, status_code=status, headers=headers)


def validation_detail(exc: RequestValidationError) -> list[dict[str, Any]]:
    # only where and what: never echo the input, it may hold a secret
    return [
        {"loc": [str(p) for p in err.get("loc", ())], "msg": str(err.get("msg", ""))}
        for err in exc.errors()
    ]


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        headers = dict(exc.headers) if exc.headers else None
        return error_response(exc.status_code, exc.detail, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, validation_detail(exc), error="invalid_request")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        return unexpected_response(request, exc)


def log_unexpected(request: Request, exc: Exception) -> str:
    """Log a bug with its traceback under a fresh correlation id, which the answer names."""
    correlation = uuid.uuid4().hex[:12]
    log.error(
        "unexpected error %s on %s %s", correlation, request.method, request.url.path, exc_info=exc
    )
    return correlation


def unexpected_response(request: Request, exc: Exception) -> JSONResponse:
    correlation = log_unexpected(request, exc)
    return error_response(
        500,
        f"unexpected server error; look for {correlation} in the log",
        headers={"X-Correlation-Id": correlation},
    )
