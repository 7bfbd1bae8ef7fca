"""A fake Sonarr (v3 or v4) for the discovery pipeline, from sonarr-openapi-v3.json and the
behaviour of Sonarr's own controllers, sharing no code with the adapter it tests.

What it gets right because clients get it wrong: the key comes in ``X-Api-Key`` or
``?apikey=`` (401 otherwise); ``POST /series`` answers 201 (the spec says 200) and
refuses a known tvdbId with FluentValidation's JSON *array* of failures
(``errorCode: SeriesExistsValidator``), every failure at once; a body it cannot bind (an
unknown ``monitor`` value) is an ASP.NET problem object instead; a lookup that finds
nothing is an empty array, and a series already in the library comes back *with* its
``id``; v3 requires ``languageProfileId``, while v4 serves ``/languageprofile`` only as the
obsolete controller's stub (one profile named "Deprecated") and ignores the field; the
paged import-list-exclusion endpoint exists only from 4.0.3 (404 before, as an unknown
route). Tag labels are stored lower-case and adding a known label returns that tag.

Switches on the state make it go down (503), fail a route for the next N calls, or be slow.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from arrkestra.testing.fake_arr import answer_unknown_routes_bare, refused_key
from arrkestra.testing.fake_sonarr_state import (
    DEPRECATED_LANGUAGE_PROFILE,
    MONITOR_TYPES,
    V3_VERSION,
    V4_VERSION,
    Call,
    SonarrState,
    validation_failure,
)

__all__ = ["V3_VERSION", "V4_VERSION", "Call", "FakeSonarr", "SonarrState"]

API = "/api/v3"
Handler = Callable[[Request], Awaitable[Response]]


class FakeSonarr:
    """In-memory Sonarr; serve ``app`` with LoopbackServer or httpx.ASGITransport."""

    def __init__(self, api_key: str, *, version: str = V4_VERSION) -> None:
        self.api_key = api_key
        self.state = SonarrState(version=version)
        self.app = self._build_app()

    def reset(self, *, version: str | None = None) -> SonarrState:
        """A fresh install (same key; same version unless given)."""
        self.state = SonarrState(version=version or self.state.version)
        return self.state

    async def _gate(self, request: Request, call_next: Handler) -> Response:
        """Record the call, then apply the switches and the API key check."""
        state, path = self.state, request.url.path
        query = {k: v for k, v in request.query_params.items() if k.lower() != "apikey"}
        state.requests.append(Call(request.method, path, query))
        if state.delay:
            await asyncio.sleep(state.delay)
        if state.down:
            return PlainTextResponse("503 Service Unavailable", status_code=503)
        failure = state.take_failure(request.method, path)
        if failure is not None:
            retry = failure.retry_after
            headers = {} if retry is None else {"Retry-After": f"{retry:g}"}
            body = {"message": f"fake failure {failure.status}"}
            return JSONResponse(body, status_code=failure.status, headers=headers)
        return refused_key(request, self.api_key) or await call_next(request)

    def _build_app(self) -> FastAPI:
        app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
        app.middleware("http")(self._gate)
        answer_unknown_routes_bare(app)

        @app.get(f"{API}/system/status")
        async def status() -> dict[str, Any]:
            v3 = self.state.is_v3
            return {
                "appName": "Sonarr",
                "instanceName": "Sonarr",
                "version": self.state.version,
                "isDocker": True,
                "isNetCore": not v3,
                "authentication": "forms",
                "urlBase": "",
                "branch": "main",
                "runtimeName": "mono" if v3 else "netCore",
            }

        @app.get(f"{API}/rootfolder")
        async def root_folders() -> list[dict[str, Any]]:
            return self.state.root_folders

        @app.get(f"{API}/qualityprofile")
        async def quality_profiles() -> list[dict[str, Any]]:
            return self.state.quality_profiles

        @app.get(f"{API}/languageprofile")
        async def language_profiles() -> list[dict[str, Any]]:
            if self.state.is_v3:
                return self.state.language_profiles
            return [DEPRECATED_LANGUAGE_PROFILE]

        self._add_tag_routes(app)
        self._add_series_routes(app)
        self._add_exclusion_routes(app)
        return app

    def _add_tag_routes(self, app: FastAPI) -> None:
        @app.get(f"{API}/tag")
        async def tags() -> list[dict[str, Any]]:
            return self.state.tags

        @app.post(f"{API}/tag")
        async def create_tag(request: Request) -> Response:
            body = await _json(request)
            self.state.posts.append((request.url.path, body))
            label = body.get("label") if isinstance(body, dict) else None
            if not isinstance(label, str) or not label.strip():
                message = "'Label' must not be empty."
                error = validation_failure("Label", message, label, "NotEmptyValidator")
                return JSONResponse([error], status_code=400)
            tag_id = self.state.add_tag(label.strip())
            created = next(tag for tag in self.state.tags if tag["id"] == tag_id)
            return JSONResponse(created, status_code=201)

    def _add_series_routes(self, app: FastAPI) -> None:
        @app.get(f"{API}/series")
        async def all_series(request: Request) -> list[dict[str, Any]]:
            wanted = request.query_params.get("tvdbId")
            rows = [s for s in self.state.series if wanted in (None, str(s["tvdbId"]))]
            return [self.state.project(s) for s in rows]

        @app.get(f"{API}/series/lookup")
        async def lookup(request: Request) -> list[dict[str, Any]]:
            return self.state.lookup(request.query_params.get("term"))

        @app.post(f"{API}/series")
        async def add_series(request: Request) -> Response:
            body = await _json(request)
            self.state.series_posts.append(body)
            self.state.posts.append((request.url.path, body))
            if not isinstance(body, dict):
                return _problem("The JSON value could not be converted to SeriesResource.")
            options = body.get("addOptions")
            monitor = options.get("monitor", "unknown") if isinstance(options, dict) else "unknown"
            if monitor not in MONITOR_TYPES:
                return _problem(f"The JSON value could not be converted to MonitorTypes: {monitor}")
            failures = self.state.validate_new_series(body)
            if failures:
                return JSONResponse(failures, status_code=400)
            return JSONResponse(self.state.create_series(body), status_code=201)

    def _add_exclusion_routes(self, app: FastAPI) -> None:
        @app.get(f"{API}/importlistexclusion")
        async def exclusions() -> list[dict[str, Any]]:
            return self.state.exclusions  # deprecated in v4, still served

        @app.get(f"{API}/importlistexclusion/paged")
        async def paged(request: Request) -> Response:
            if not self.state.has_paged_exclusions:
                return Response(status_code=404)  # the route does not exist yet
            return JSONResponse(self.state.exclusion_page(dict(request.query_params)))


def _problem(detail: str) -> Response:
    """ASP.NET's answer to a body it cannot bind (not a FluentValidation array)."""
    body = {
        "type": "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        "title": "One or more validation errors occurred.",
        "status": 400,
        "errors": {"$": [detail]},
    }
    return JSONResponse(body, status_code=400)


async def _json(request: Request) -> Any:
    try:
        return json.loads(await request.body() or b"null")
    except ValueError:
        return None
