"""A fake Overseerr (or Jellyseerr), written from overseerr-api.yml, jellyseerr-api.yml and
the server facts in specs/overseerr.md, sharing no code with the adapter it tests.

What it gets right because clients get it wrong: ``/status`` is public and everything
else needs ``X-Api-Key`` (403, not 401); a TMDB lookup of an id TMDB does not know is a
500, not a 404; a title TMDB knows but Overseerr has no row for comes back without
``mediaInfo``; media ids are not TMDB ids (they start at 1000); ``GET /media`` pages
with ``pageInfo`` and, like the real server, does not load ``requests``; deleting a
media row deletes its requests. Switches make it go down, fail, be slow, or lose TMDB.
"""

from __future__ import annotations

import asyncio
import itertools
import math
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.exceptions import HTTPException

API = "/api/v1"
PUBLIC = frozenset({f"{API}/status", f"{API}/status/appdata"})
FORBIDDEN = {"status": 403, "error": "You do not have permission to access this endpoint"}
ADMIN_USER = {
    "id": 1,
    "email": "admin@example.org",
    "username": "admin",
    "userType": 1,
    "permissions": 2,  # ADMIN
    "createdAt": "2024-01-01T00:00:00.000Z",
}
MEDIA_FILTERS = {
    "all": None,
    "available": {5},
    "partial": {4},
    "allavailable": {4, 5},
    "processing": {3},
    "pending": {2},
}
# GET /request: filter -> (request statuses, statuses of the request's side of the media)
REQUEST_FILTERS: dict[str, tuple[set[int], set[int]]] = {
    "all": ({1, 2, 3, 4}, {1, 2, 3, 4, 5}),
    "approved": ({2}, {1, 2, 3, 4, 5}),
    "available": ({2}, {5}),
    "pending": ({1}, {1, 2, 3, 4, 5}),
    "processing": ({2}, {1, 2, 3, 4}),
    "unavailable": ({1, 2}, {1, 2, 3, 4}),
    "failed": ({4}, {1, 2, 3, 4, 5}),
}
JELLYSEERR_REQUEST_FILTERS = {
    **REQUEST_FILTERS,
    "all": ({1, 2, 3, 4, 5}, {1, 2, 3, 4, 5, 7}),
    "available": ({5}, {5}),
    "completed": ({5}, {1, 2, 3, 4, 5, 7}),
    "deleted": ({5}, {7}),
}

UNSET_FIELDS = (
    *("serviceId", "serviceId4k", "externalServiceId", "externalServiceId4k"),
    *("externalServiceSlug", "externalServiceSlug4k", "ratingKey", "ratingKey4k"),
)
JELLYFIN_FIELDS = ("jellyfinMediaId", "jellyfinMediaId4k")
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
Handler = Callable[[Request], Awaitable[Response]]


def _stamp(n: int) -> str:
    return (EPOCH + timedelta(seconds=n)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class FakeOverseerr:
    """In-memory Overseerr; serve ``app`` with LoopbackServer or httpx.ASGITransport."""

    def __init__(self, api_key: str, *, jellyseerr: bool = False) -> None:
        self._initial_key = api_key
        self.jellyseerr = jellyseerr
        self.version = "2.7.3" if jellyseerr else "1.34.0"
        self.reset()
        self.app = self._build_app()

    def reset(self) -> None:
        """Back to an empty server with the original key and every switch off."""
        self.api_key = self._initial_key
        self.media: dict[int, dict[str, Any]] = {}
        self.requests: dict[int, dict[str, Any]] = {}
        self.known_tmdb: set[tuple[str, int]] = set()  # (media type, tmdb id) TMDB resolves
        self.titles: dict[tuple[str, int], str] = {}
        self.external_tvdb: dict[int, int] = {}  # tv tmdb id -> TMDB's externalIds.tvdbId
        self.calls: list[tuple[str, str, dict[str, str]]] = []
        self.down = False  # every request answers 503, as a reverse proxy would
        self.fail_with: int | None = None  # every request answers this status
        self.fail_paths: dict[str, int] = {}  # path prefix -> status those requests answer
        self.retry_after: float | None = None  # Retry-After on those failures
        self.delay = 0.0  # seconds before answering anything
        self.slow_paths: dict[str, float] = {}  # path prefix -> seconds before answering
        self.tmdb_failing = False  # lookups answer 500 even for known ids; /media works
        self.index_with_requests = False  # True: GET /media rows carry requests (not real)
        self._media_ids = itertools.count(1000)
        self._request_ids = itertools.count(5000)
        self._tick = itertools.count(1)

    # -- state -----------------------------------------------------------------------

    def add_tmdb(
        self, media_type: str, tmdb_id: int, *, title: str | None = None, tvdb_id: int | None = None
    ) -> None:
        """A title TMDB knows, whether or not Overseerr has a media row for it."""
        key = (media_type, tmdb_id)
        self.known_tmdb.add(key)
        if title is not None:
            self.titles[key] = title
        if tvdb_id is not None:
            self.external_tvdb[tmdb_id] = tvdb_id

    def add_media(
        self,
        *,
        media_type: str,
        tmdb_id: int,
        tvdb_id: int | None = None,
        status: int = 5,
        status4k: int = 1,
        title: str | None = None,
        requests: Iterable[tuple[bool, int]] = (),
    ) -> int:
        """A media row (and its TMDB title); ``requests`` are (is_4k, status) pairs."""
        if media_type not in ("movie", "tv"):
            raise ValueError(f"media_type must be movie or tv, not {media_type!r}")
        # 6/7 are Jellyseerr's; allowed in either mode so tests can seed any row
        if status not in range(1, 8) or status4k not in range(1, 8):
            raise ValueError("media status must be 1..7")
        self.add_tmdb(
            media_type, tmdb_id, title=title or f"{media_type} {tmdb_id}", tvdb_id=tvdb_id
        )
        media_id = next(self._media_ids)
        stamp = _stamp(next(self._tick))
        self.media[media_id] = {
            "id": media_id,
            "mediaType": media_type,
            "tmdbId": tmdb_id,
            "tvdbId": tvdb_id,
            "imdbId": None,
            "status": status,
            "status4k": status4k,
            "createdAt": stamp,
            "updatedAt": stamp,
            "lastSeasonChange": stamp,
            "mediaAddedAt": stamp if status in (4, 5) else None,
            **dict.fromkeys(UNSET_FIELDS + (JELLYFIN_FIELDS if self.jellyseerr else ())),
        }
        for is_4k, request_status in requests:
            self.add_request(media_id, is_4k=is_4k, status=request_status)
        return media_id

    def add_request(self, media_id: int, *, is_4k: bool = False, status: int = 2) -> int:
        if media_id not in self.media:
            raise KeyError(f"no media {media_id}")
        if status not in range(1, 6):  # 5 COMPLETED is Jellyseerr's
            raise ValueError(f"invalid request status {status}")
        request_id = next(self._request_ids)
        stamp = _stamp(next(self._tick))
        self.requests[request_id] = {
            "id": request_id,
            "status": status,
            "is4k": is_4k,
            "type": self.media[media_id]["mediaType"],
            "mediaId": media_id,  # internal; answers carry a "media" object instead
            "createdAt": stamp,
            "updatedAt": stamp,
            "serverId": None,
            "profileId": None,
            "rootFolder": None,
        }
        return request_id

    def has_media(self, media_id: int) -> bool:
        return media_id in self.media

    def requests_of(self, media_id: int) -> list[dict[str, Any]]:
        return [dict(r) for r in self.requests.values() if r["mediaId"] == media_id]

    # -- JSON shapes -----------------------------------------------------------------

    def _media_json(self, row: dict[str, Any], *, with_requests: bool) -> dict[str, Any]:
        data = {**row, "seasons": [], "downloadStatus": [], "downloadStatus4k": []}
        if with_requests:
            data["requests"] = [self._request_json(r) for r in self.requests_of(row["id"])]
        return data

    def _request_json(self, request: dict[str, Any], *, media: bool = False) -> dict[str, Any]:
        data = {k: v for k, v in request.items() if k != "mediaId"}
        data.update(requestedBy=ADMIN_USER, modifiedBy=None, seasons=[])
        if media:
            data["media"] = self._media_json(self.media[request["mediaId"]], with_requests=False)
        return data

    def _lookup(self, media_type: str, raw_id: str) -> Response:
        tmdb_id = int(raw_id) if raw_id.isdigit() else -1
        if self.tmdb_failing or (media_type, tmdb_id) not in self.known_tmdb:
            what = "movie" if media_type == "movie" else "series"
            return JSONResponse({"message": f"Unable to retrieve {what}."}, status_code=500)
        title = self.titles.get((media_type, tmdb_id), f"TMDB {media_type} {tmdb_id}")
        rows = [
            r
            for r in self.media.values()
            if r["mediaType"] == media_type and r["tmdbId"] == tmdb_id
        ]
        body: dict[str, Any] = {"id": tmdb_id, "overview": "", "posterPath": None}
        if media_type == "movie":
            body.update(title=title, originalTitle=title, imdbId=None)
        else:
            tvdb = self.external_tvdb.get(tmdb_id)
            body.update(name=title, originalName=title, externalIds={"tvdbId": tvdb})
        if rows:
            body["mediaInfo"] = self._media_json(rows[0], with_requests=True)
        return JSONResponse(body)

    # -- list endpoints --------------------------------------------------------------

    def _list_media(self, request: Request) -> Response:
        query = request.query_params
        invalid = _invalid(query, self._media_enums(), ("take", "skip"))
        if invalid:
            return invalid
        take, skip = _paging(query, 20)
        wanted = MEDIA_FILTERS.get(query.get("filter") or "all")
        rows = [r for r in self.media.values() if wanted is None or r["status"] in wanted]
        order = {"modified": "updatedAt", "mediaAdded": "mediaAddedAt"}.get(query.get("sort", ""))
        if order == "mediaAddedAt":
            rows = [r for r in rows if r["mediaAddedAt"]]
        rows.sort(key=lambda r: (r[order], r["id"]) if order else r["id"], reverse=True)
        page = [
            self._media_json(r, with_requests=self.index_with_requests) for r in rows[skip:][:take]
        ]
        return JSONResponse({"pageInfo": _page_info(len(rows), take, skip), "results": page})

    def _media_enums(self) -> dict[str, set[str]]:
        filters = set(MEDIA_FILTERS) | ({"deleted"} if self.jellyseerr else set())
        return {"filter": filters, "sort": {"added", "modified", "mediaAdded"}}

    def _list_requests(self, request: Request) -> Response:
        query = request.query_params
        table = JELLYSEERR_REQUEST_FILTERS if self.jellyseerr else REQUEST_FILTERS
        enums = {"filter": set(table), "sort": {"added", "modified"}}
        if self.jellyseerr:
            enums.update(sortDirection={"asc", "desc"}, mediaType={"movie", "tv", "all"})
        invalid = _invalid(query, enums, ("take", "skip", "requestedBy"))
        if invalid:
            return invalid
        take, skip = _paging(query, 10 if self.jellyseerr else 20)
        statuses, media_statuses = table[query.get("filter") or "all"]
        kind = query.get("mediaType", "all")
        rows = [
            r
            for r in self.requests.values()
            if r["status"] in statuses
            and self.media[r["mediaId"]]["status4k" if r["is4k"] else "status"] in media_statuses
            and kind in ("all", r["type"])
        ]
        key = "updatedAt" if query.get("sort") == "modified" else "id"
        rows.sort(key=lambda r: (r[key], r["id"]), reverse=query.get("sortDirection") != "asc")
        page = [self._request_json(r, media=True) for r in rows[skip:][:take]]
        return JSONResponse({"pageInfo": _page_info(len(rows), take, skip), "results": page})

    # -- the app ---------------------------------------------------------------------

    def _failure(self, path: str) -> int | None:
        if self.fail_with is not None:
            return self.fail_with
        matches = [code for prefix, code in self.fail_paths.items() if path.startswith(prefix)]
        return matches[0] if matches else None

    async def _gate(self, request: Request, call_next: Handler) -> Response:
        """Record the call, then apply the switches and the API key check."""
        self.calls.append((request.method, request.url.path, dict(request.query_params)))
        path = request.url.path
        delay = self.delay + max(
            (s for prefix, s in self.slow_paths.items() if path.startswith(prefix)), default=0.0
        )
        if delay:
            await asyncio.sleep(delay)
        if self.down:
            return PlainTextResponse("503 Service Unavailable", status_code=503)
        failure = self._failure(request.url.path)
        if failure is not None:
            retry = {} if self.retry_after is None else {"Retry-After": f"{self.retry_after:g}"}
            body = {"message": f"fake failure {failure}"}
            return JSONResponse(body, status_code=failure, headers=retry)
        if request.url.path not in PUBLIC and request.headers.get("x-api-key") != self.api_key:
            return JSONResponse(FORBIDDEN, status_code=403)
        return await call_next(request)

    def _build_app(self) -> FastAPI:
        app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
        app.middleware("http")(self._gate)

        @app.exception_handler(HTTPException)
        async def no_route(request: Request, exc: HTTPException) -> Response:
            # the OpenAPI validator in front of Overseerr's routes answers this shape
            message = "not found" if exc.status_code == 404 else str(exc.detail).lower()
            errors = [{"path": request.url.path, "message": message}]
            return JSONResponse({"message": message, "errors": errors}, status_code=exc.status_code)

        @app.get(f"{API}/status")
        async def status() -> dict[str, Any]:
            return {
                "version": self.version,
                "commitTag": "local",
                "updateAvailable": False,
                "commitsBehind": 0,
                "restartRequired": False,
            }

        @app.get(f"{API}/status/appdata")
        async def appdata() -> dict[str, Any]:
            return {"appData": True, "appDataPath": "/app/config"}

        @app.get(f"{API}/auth/me")
        async def me() -> dict[str, Any]:
            return ADMIN_USER

        @app.get(API + "/movie/{tmdb_id}")
        async def movie(tmdb_id: str) -> Response:
            return self._lookup("movie", tmdb_id)

        @app.get(API + "/tv/{tmdb_id}")
        async def tv(tmdb_id: str) -> Response:
            return self._lookup("tv", tmdb_id)

        self._add_media_routes(app)
        self._add_request_routes(app)
        return app

    def _add_media_routes(self, app: FastAPI) -> None:
        @app.get(f"{API}/media")
        async def list_media(request: Request) -> Response:
            return self._list_media(request)

        @app.delete(API + "/media/{media_id}")
        async def delete_media(media_id: str) -> Response:
            row = self.media.pop(_number(media_id), None)
            if row is None:
                return JSONResponse({"message": "Media not found"}, status_code=404)
            for request_id in [r["id"] for r in self.requests_of(row["id"])]:
                del self.requests[request_id]  # cascade, as the real entities do
            return Response(status_code=204)

        if self.jellyseerr:

            @app.delete(API + "/media/{media_id}/file")
            async def delete_file(media_id: str) -> Response:
                # asks Radarr/Sonarr to remove the files; the media row stays
                if _number(media_id) not in self.media:
                    return JSONResponse({"message": "Media not found"}, status_code=404)
                return Response(status_code=204)

    def _add_request_routes(self, app: FastAPI) -> None:
        @app.get(f"{API}/request")
        async def list_requests(request: Request) -> Response:
            return self._list_requests(request)

        @app.get(API + "/request/{request_id}")
        async def get_request(request_id: str) -> Response:
            found = self.requests.get(_number(request_id))
            if found is None:
                return JSONResponse({"message": "Request not found."}, status_code=404)
            return JSONResponse(self._request_json(found, media=True))

        @app.delete(API + "/request/{request_id}")
        async def delete_request(request_id: str) -> Response:
            if self.requests.pop(_number(request_id), None) is None:
                return JSONResponse({"message": "Request not found."}, status_code=404)
            return Response(status_code=204)


def _number(raw: str) -> int:
    return int(raw) if raw.isdigit() else -1


def _page_info(total: int, take: int, skip: int) -> dict[str, Any]:
    pages = math.ceil(total / take) if take > 0 else None  # JS: Infinity -> null
    page = math.ceil(skip / take) + 1 if take > 0 else None
    return {"pages": pages, "pageSize": take, "results": total, "page": page}


def _paging(query: Any, default_take: int) -> tuple[int, int]:
    return int(float(query.get("take") or default_take)), int(float(query.get("skip") or 0))


def _invalid(query: Any, enums: dict[str, set[str]], numbers: Iterable[str]) -> Response | None:
    """A 400 like Overseerr's OpenAPI request validator gives, or None when all is valid."""
    for name, value in query.items():
        if name in numbers and not _is_number(value):
            problem = "must be number"
        elif name in enums and value not in enums[name]:
            problem = "must be equal to one of the allowed values: " + ", ".join(
                sorted(enums[name])
            )
        else:
            continue
        errors = [{"path": f".query.{name}", "message": problem}]
        return JSONResponse({"message": f"request/query/{name} {problem}", "errors": errors}, 400)
    return None


def _is_number(value: str) -> bool:
    try:
        return math.isfinite(float(value)) and float(value) >= 0
    except ValueError:
        return False
