"""A fake Sonarr or Radarr (API v3), from sonarr-openapi-v3.json / radarr-openapi-v3.json.

Auth as the real servers do it: ``X-Api-Key`` header or ``?apikey=`` query; a missing or
wrong key is 401. Only what arrkestra calls is implemented; later capabilities add routes.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException


def refused_key(request: Request, api_key: str) -> JSONResponse | None:
    """How Sonarr and Radarr check a call under ``/api/``: the key in ``X-Api-Key`` or
    ``?apikey=``, else 401 (None: the call may go on). Shared by every fake *arr."""
    given = request.headers.get("x-api-key") or request.query_params.get("apikey")
    if request.url.path.startswith("/api/") and given != api_key:
        return JSONResponse({"error": "Unauthorized"}, status_code=401)
    return None


def answer_unknown_routes_bare(app: FastAPI) -> None:
    """ASP.NET answers an unknown route (or a refused method) with its status and no body."""

    @app.exception_handler(HTTPException)
    async def no_route(request: Request, exc: HTTPException) -> Response:
        return Response(status_code=exc.status_code)


def create_fake_arr(kind: str, api_key: str, *, version: str = "4.0.14.2939") -> FastAPI:
    app = FastAPI()
    app_name = kind.capitalize()

    @app.middleware("http")
    async def require_key(request: Request, call_next: Any) -> Any:
        return refused_key(request, api_key) or await call_next(request)

    @app.get("/api/v3/system/status")
    async def system_status() -> dict[str, Any]:
        # a subset of SystemResource, with the spec's field names
        return {
            "appName": app_name,
            "instanceName": app_name,
            "version": version,
            "isDocker": True,
            "authentication": "forms",
            "urlBase": "",
            "branch": "main",
        }

    return app
