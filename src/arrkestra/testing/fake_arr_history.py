"""A fake Sonarr or Radarr for catch-up: history, lookups, the library. Written from
sonarr-openapi-v3.json / radarr-openapi-v3.json, shared/specs/history.md and the apps'
HistoryController/HistoryModule, sharing no code with arrkestra's adapter.

What it gets right because clients get it wrong:

- the key comes in ``X-Api-Key`` or ``?apikey=`` (401 otherwise);
- ``/history/since`` parses ``date`` as ISO 8601 with ``Z`` or an offset: an offset's
  ``+`` sent unencoded arrives as a space, and the app answers 400; it answers a JSON
  array oldest first, ``series``/``episode``/``movie`` only with ``include*=true``;
- ``eventType``: v4+ (ASP.NET Core) binds ``/since``'s by name (any case) or number and
  ``/history``'s as an integer array (repeated allowed, a name is a 400); v3 (Nancy)
  converts with ``Convert.ToInt32`` (a name is a 500) and ``/history`` reads one value;
- ``/history`` pages with ``page``/``pageSize``/``sortDirection`` (date order; the
  default is descending) and answers ``{page, pageSize, sortKey, sortDirection,
  totalRecords, records}``;
- an unknown id is a 404; a route of the other app does not exist.

Switches: ``since_route`` (False: ``/history/since`` is 404, as before it existed),
``down`` (every ``/api`` route 503), ``fail_library`` (500 on the library list), and
``api_key`` (change it to make the client's key wrong). ``calls`` records every request.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from arrkestra.testing.fake_arr import answer_unknown_routes_bare, refused_key
from arrkestra.testing.fake_arr_history_state import (
    DEFAULT_VERSIONS,
    EVENT_TYPES,
    RADARR_V3,
    RADARR_V5,
    SONARR_V3,
    SONARR_V4,
    ArrLibrary,
    Call,
)

__all__ = ["RADARR_V3", "RADARR_V5", "SONARR_V3", "SONARR_V4", "Call", "FakeArr"]

API = "/api/v3"
Handler = Callable[[Request], Awaitable[Response]]
INTEGER = re.compile(r"-?\d+")


class Refused(Exception):
    """An answer other than 200 (the app's own words in ``message``)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


class FakeArr(ArrLibrary):
    """In-memory Sonarr or Radarr; serve ``app`` with LoopbackServer or httpx.ASGITransport."""

    def __init__(self, kind: str, api_key: str, *, version: str | None = None) -> None:
        super().__init__(kind, version or DEFAULT_VERSIONS.get(kind, ""))
        self.api_key = api_key
        self.since_route = True
        self.down = False
        self.fail_library = False
        self.calls: list[Call] = []
        self.raw_queries: list[str] = []  # as sent, percent-encoding and all
        self.app = self._build_app()

    # -- request parsing -------------------------------------------------------------------

    def _event_type(self, value: str, *, by_name: bool) -> int:
        """One ``eventType`` value as the app binds it (see the module docstring)."""
        if INTEGER.fullmatch(value):
            return int(value)
        if self.is_v3:
            raise Refused(500, "Input string was not in a correct format.")
        if by_name:
            for name, number in EVENT_TYPES[self.kind].items():
                if name.lower() == value.lower():
                    return number
        raise Refused(400, f"The value '{value}' is not valid.")

    def _includes(self, request: Request) -> tuple[bool, bool]:
        """(include the series or movie, include the episode), from ``include*=true``."""
        item = "includeSeries" if self.kind == "sonarr" else "includeMovie"
        return _flag(request, item), self.kind == "sonarr" and _flag(request, "includeEpisode")

    # -- the app ---------------------------------------------------------------------------

    async def _gate(self, request: Request, call_next: Handler) -> Response:
        """Record the call, then apply the switches and the API key check."""
        path = request.url.path
        query = {k: v for k, v in request.query_params.items() if k.lower() != "apikey"}
        self.calls.append(Call(request.method, path, query))
        self.raw_queries.append(request.url.query)
        if not path.startswith("/api/"):
            return await call_next(request)
        if self.down:
            return PlainTextResponse("503 Service Unavailable", status_code=503)
        return refused_key(request, self.api_key) or await call_next(request)

    def _build_app(self) -> FastAPI:
        app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
        app.middleware("http")(self._gate)
        answer_unknown_routes_bare(app)

        @app.exception_handler(Refused)
        async def refused(request: Request, exc: Refused) -> Response:
            return JSONResponse({"message": exc.message}, status_code=exc.status)

        @app.get(f"{API}/system/status")
        async def status() -> dict[str, Any]:
            name = self.kind.capitalize()
            return {
                "appName": name,
                "instanceName": name,
                "version": self.version,
                "isDocker": True,
                "authentication": "forms",
                "urlBase": "",
                "branch": "main" if self.kind == "sonarr" else "master",
            }

        self._add_history_routes(app)
        if self.kind == "sonarr":
            self._add_series_routes(app)
        else:
            self._add_movie_routes(app)
        return app

    def _add_history_routes(self, app: FastAPI) -> None:
        @app.get(f"{API}/history/since")
        async def since(request: Request) -> Response:
            if not self.since_route:
                return Response(status_code=404)  # the route does not exist yet
            value = request.query_params.get("date")
            if value is None:
                raise Refused(400, "date is missing")
            moment = _parse_date(value)
            wanted = request.query_params.get("eventType")
            types = None if wanted is None else {self._event_type(wanted, by_name=True)}
            item, episode = self._includes(request)
            rows = self.select(types, moment)
            return JSONResponse([self.project(r, item=item, episode=episode) for r in rows])

        @app.get(f"{API}/history")
        async def paged(request: Request) -> dict[str, Any]:
            return self._page(request)

    def _page(self, request: Request) -> dict[str, Any]:
        page, size = _integer(request, "page", 1), _integer(request, "pageSize", 10)
        if page < 1 or size < 1:
            raise Refused(400, "page and pageSize must be positive")
        direction = request.query_params.get("sortDirection", "default")
        if direction not in ("default", "ascending", "descending"):
            raise Refused(400, f"The value '{direction}' is not valid.")
        values = request.query_params.getlist("eventType")
        values = values[:1] if self.is_v3 else values  # Nancy reads one filter value
        types = {self._event_type(v, by_name=False) for v in values} or None
        rows = self.select(types, None)  # oldest first; "default" is newest first
        if direction != "ascending":
            rows.reverse()
        item, episode = self._includes(request)
        start = (page - 1) * size
        return {
            "page": page,
            "pageSize": size,
            "sortKey": "date",  # the only key history sorts by here
            "sortDirection": "ascending" if direction == "ascending" else "descending",
            "totalRecords": len(rows),
            "records": [
                self.project(r, item=item, episode=episode) for r in rows[start : start + size]
            ],
        }

    def _add_series_routes(self, app: FastAPI) -> None:
        @app.get(f"{API}/series")
        async def all_series() -> Response:
            if self.fail_library:
                return JSONResponse({"message": "fake failure 500"}, status_code=500)
            return JSONResponse(list(self.series.values()))

        @app.get(f"{API}/series/{{ident}}")
        async def one_series(ident: str) -> dict[str, Any]:
            return _found(self.series, ident)

        @app.get(f"{API}/episode/{{ident}}")
        async def one_episode(ident: str) -> dict[str, Any]:
            return _found(self.episodes, ident)

    def _add_movie_routes(self, app: FastAPI) -> None:
        @app.get(f"{API}/movie")
        async def all_movies() -> Response:
            if self.fail_library:
                return JSONResponse({"message": "fake failure 500"}, status_code=500)
            return JSONResponse(list(self.movies.values()))

        @app.get(f"{API}/movie/{{ident}}")
        async def one_movie(ident: str) -> dict[str, Any]:
            return _found(self.movies, ident)


def _parse_date(value: str) -> datetime:
    """ISO 8601 with ``Z`` or an offset; one without is UTC (the apps store UTC)."""
    if " " in value:  # "+02:00" sent unencoded: the app cannot read "... 02:00"
        raise Refused(400, f"The value '{value}' is not valid.")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise Refused(400, f"The value '{value}' is not valid.") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _flag(request: Request, name: str) -> bool:
    return request.query_params.get(name, "").lower() == "true"


def _integer(request: Request, name: str, default: int) -> int:
    value = request.query_params.get(name)
    if value is None:
        return default
    if not INTEGER.fullmatch(value):
        raise Refused(400, f"The value '{value}' is not valid.")
    return int(value)


def _found(table: dict[int, dict[str, Any]], ident: str) -> dict[str, Any]:
    row = table.get(int(ident)) if INTEGER.fullmatch(ident) else None
    if row is None:
        raise Refused(404, "NotFound")
    return row
