"""A fake TVMaze API, written from specs/tvmaze.md, sharing no code with the adapter it tests.

What it gets right because clients get it wrong: the show index pages by *id*
(page N holds ids ``N*250 … N*250+249``, so pages are short or empty where shows were
deleted) and a page past the last answers 404; ``/shows`` alone is page 0; errors carry
TVMaze's ``{"name", "message", "code", "status"}`` body; ``/updates/shows`` maps id
*strings* to timestamps; at most ``rate_limit`` requests per ``per`` seconds are served
per client address, the rest get 429 (``Retry-After`` optional, as on the real server).

Switches: ``snapshot_index()`` makes ``/shows?page=N`` serve the catalogue as it was
(TVMaze's edge cache keeps the index up to 24 h) while ``/shows/{id}`` and
``/updates/shows`` stay live; ``fail_next`` forces answers (a 429, a 503 ...); ``delay``
makes every answer slow; ``credentials`` requires HTTP Basic auth. A small ``per``
"scales time": benchmarks make the same requests as production, only faster.

Every request is recorded (``requests``) with its low-cardinality ``route`` so tests can
assert exact counts: ``total``, ``count(route)``, ``rate_limited``.
"""

from __future__ import annotations

import asyncio
import base64
import json
import math
import re
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.exceptions import HTTPException

from arrkestra.testing.fake_tvmaze_catalogue import (
    PAGE_SIZE,
    SINCE_SECONDS,
    Catalogue,
    Show,
    generate_catalogue,
    index_page,
    make_show,
)

Handler = Callable[[Request], Awaitable[Response]]
ROUTES = (
    (re.compile(r"/shows/?"), "shows_page"),
    (re.compile(r"/shows/[^/]+"), "show"),
    (re.compile(r"/updates/shows/?"), "updates"),
    (re.compile(r"/lookup/shows/?"), "lookup"),
)
REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: str  # raw query string
    route: str  # shows_page, show, updates, lookup or other
    status: int
    at: float  # the fake's monotonic clock when the request arrived
    authorization: str | None


def route_of(path: str) -> str:
    for pattern, name in ROUTES:
        if pattern.fullmatch(path):
            return name
    return "other"


def error_body(status: int, message: str = "") -> JSONResponse:
    """TVMaze's error shape (the real 404 sample); ``singlesearch`` misses are not used."""
    name = REASONS.get(status, "Error")
    body = {"name": name, "message": message, "code": 0, "status": status}
    return JSONResponse(body, status_code=status)


class FakeTvmaze:
    """In-memory TVMaze; serve ``app`` with LoopbackServer or httpx.ASGITransport.

    ``monotonic`` times the rate limit window (inject a fake clock to test pacing
    without waiting); the catalogue has its own wall clock for ``updated``.
    """

    def __init__(
        self,
        catalogue: Catalogue | None = None,
        *,
        rate_limit: int | None = 20,
        per: float = 10.0,
        retry_after: bool = True,
        monotonic: Callable[[], float] = time.monotonic,
        credentials: tuple[str, str] | None = None,
    ) -> None:
        self.catalogue = catalogue if catalogue is not None else Catalogue()
        self.rate_limit = rate_limit  # None: no limit
        self.per = per
        self.retry_after = retry_after  # send Retry-After with rate-limit 429s
        self.monotonic = monotonic
        self.credentials = credentials  # (user, key) required as HTTP Basic, or None
        self.delay = 0.0  # seconds before answering anything
        self.requests: list[RecordedRequest] = []
        self._windows: dict[str, deque[float]] = {}
        self._forced: deque[tuple[int, float | None]] = deque()
        self._snapshot: dict[int, Show] | None = None
        self._snapshot_last = 0
        self._snapshot_pages: dict[int, bytes] = {}
        self._live_pages: dict[int, tuple[int, bytes]] = {}
        self.app = self._build_app()

    # -- switches --------------------------------------------------------------------

    def snapshot_index(self) -> None:
        """From now on ``/shows?page=N`` serves the catalogue as it is at this moment."""
        self._snapshot = self.catalogue.snapshot()
        self._snapshot_last = self.catalogue.last_id()
        self._snapshot_pages = {}

    def live_index(self) -> None:
        """The edge cache expired: ``/shows?page=N`` serves live data again."""
        self._snapshot = None
        self._snapshot_pages = {}

    def fail_next(self, status: int, count: int = 1, *, retry_after: float | None = None) -> None:
        """The next ``count`` requests answer ``status`` (with ``Retry-After`` if given)."""
        self._forced.extend([(status, retry_after)] * count)

    def clear_failures(self) -> None:
        """Forget forced answers that were not used up."""
        self._forced.clear()

    def reset_counters(self) -> None:
        self.requests.clear()

    # -- counters --------------------------------------------------------------------

    @property
    def total(self) -> int:
        return len(self.requests)

    @property
    def by_route(self) -> Counter[str]:
        return Counter(r.route for r in self.requests)

    @property
    def rate_limited(self) -> int:
        """How many answers were 429 (the limit's and forced ones)."""
        return sum(1 for r in self.requests if r.status == 429)

    def count(self, route: str, status: int | None = None) -> int:
        return sum(
            1 for r in self.requests if r.route == route and (status is None or r.status == status)
        )

    # -- gate: record, forced failures, auth, rate limit -----------------------------

    async def _gate(self, request: Request, call_next: Handler) -> Response:
        arrived = self.monotonic()
        if self.delay:
            await asyncio.sleep(self.delay)
        response = self._refusal(request, arrived) or await call_next(request)
        path = request.url.path
        self.requests.append(
            RecordedRequest(
                method=request.method,
                path=path,
                query=request.url.query,
                route=route_of(path),
                status=response.status_code,
                at=arrived,
                authorization=request.headers.get("authorization"),
            )
        )
        return response

    def _refusal(self, request: Request, arrived: float) -> Response | None:
        if self._forced:
            status, retry_after = self._forced.popleft()
            response = error_body(status, "Forced by the test")
            if retry_after is not None:
                response.headers["Retry-After"] = f"{retry_after:g}"
            return response
        if self.credentials is not None and not _authorized(request, *self.credentials):
            return error_body(401, "Your request was made with invalid credentials.")
        return self._over_limit(request.client.host if request.client else "?", arrived)

    def _over_limit(self, client: str, now: float) -> Response | None:
        """A sliding window of admitted requests per client; refused ones do not count."""
        if self.rate_limit is None:
            return None
        window = self._windows.setdefault(client, deque())
        while window and window[0] + self.per <= now:
            window.popleft()
        if len(window) < self.rate_limit:
            window.append(now)
            return None
        response = error_body(429, "Rate limit exceeded")
        if self.retry_after:
            wait = max(window[0] + self.per - now, 0.0)
            # whole seconds at real scale (as HTTP has it); fractions when time is scaled
            whole = str(math.ceil(wait))
            response.headers["Retry-After"] = whole if self.per >= 10 else f"{wait:.3f}"
        return response

    # -- pages -----------------------------------------------------------------------

    def _page(self, page: int) -> bytes | None:
        """The serialised index page, cached until a show on it changes."""
        if self._snapshot is not None:
            if page not in self._snapshot_pages:
                shows = index_page(self._snapshot, page, self._snapshot_last)
                if shows is None:
                    return None
                self._snapshot_pages[page] = _dump(shows)
            return self._snapshot_pages[page]
        version = self.catalogue.version(page)
        cached = self._live_pages.get(page)
        if cached is None or cached[0] != version:
            shows = index_page(self.catalogue.view(), page, self.catalogue.last_id())
            if shows is None:
                return None
            cached = (version, _dump(shows))
            self._live_pages[page] = cached
        return cached[1]

    def _lookup(self, request: Request) -> Response:
        query = request.query_params
        for key in ("thetvdb", "imdb", "tvrage"):
            wanted = query.get(key)
            if wanted is None:
                continue
            for show in self.catalogue:
                if str((show.get("externals") or {}).get(key)) == wanted:
                    location = f"{str(request.base_url).rstrip('/')}/shows/{show['id']}"
                    return RedirectResponse(location, status_code=302)
            return error_body(404)
        return error_body(400, "Missing required parameters: thetvdb, imdb or tvrage")

    # -- the app ---------------------------------------------------------------------

    def _build_app(self) -> FastAPI:
        app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
        app.middleware("http")(self._gate)

        @app.exception_handler(HTTPException)
        async def no_route(request: Request, exc: HTTPException) -> Response:
            return error_body(exc.status_code, "Page not found.")

        @app.get("/shows")
        async def shows_page(page: str = "0") -> Response:
            if not page.isdigit():
                return error_body(400, 'Invalid data received for parameter "page".')
            body = self._page(int(page))
            if body is None:
                return error_body(404)
            return Response(body, media_type="application/json; charset=UTF-8")

        @app.get("/shows/{tvmaze_id}")
        async def show(tvmaze_id: str) -> Response:
            found = self.catalogue.get(int(tvmaze_id)) if tvmaze_id.isdigit() else None
            if found is None:
                return error_body(404)
            return Response(_dump(found), media_type="application/json; charset=UTF-8")

        @app.get("/updates/shows")
        async def updates(since: str | None = None) -> Response:
            if since is not None and since not in SINCE_SECONDS:
                return error_body(400, 'Invalid data received for parameter "since".')
            return JSONResponse(self.catalogue.updates(since))

        @app.get("/lookup/shows")
        async def lookup(request: Request) -> Response:
            return self._lookup(request)

        return app


def _authorized(request: Request, user: str, key: str) -> bool:
    """HTTP Basic, TVMaze username and API key (how the premium API authenticates)."""
    expected = base64.b64encode(f"{user}:{key}".encode()).decode()
    return request.headers.get("authorization") == f"Basic {expected}"


def _dump(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


__all__ = [
    "PAGE_SIZE",
    "Catalogue",
    "FakeTvmaze",
    "RecordedRequest",
    "generate_catalogue",
    "make_show",
    "route_of",
]
