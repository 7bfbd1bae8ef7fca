"""Overseerr / Jellyseerr client: find a title's media row, delete it or its requests.

Finding is the dangerous part. The media id comes only from ``mediaInfo.id`` or from a
row of ``GET /media``: never from a TMDB id (ArrSync used the TMDB id when ``mediaInfo``
was missing and deleted an unrelated item). Overseerr answers 500 both for a TMDB id
TMDB does not know and when TMDB itself fails, so a failed lookup is checked against the
media index (``GET /media``, paged, no TMDB involved) before anything is called absent.
There is no tvdbId endpoint, so series known only by tvdbId go to the index directly.

The index is read once for a burst of deletions: it is cached for ``index_ttl``, a
deletion takes its row out of the cached copy (no re-read), and a search that misses in
a cached copy reads it again once (the title may have been added since), unless this
client deleted that title's row itself.

Status codes become the error taxonomy (see DESIGN.md); no retries happen here, the job
queue owns them. Every message is redacted: the API key must never reach a log.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from arrkestra.adapters.http import (
    NO_ANSWER,
    no_answer,
    raise_for_upstream_status,
    validation_problem,
)
from arrkestra.adapters.overseerr_models import (
    MEDIA_STATUS,
    REQUEST_STATUS,
    Item,
    LookupBody,
    Media,
    MediaInfoBody,
    MediaRequest,
    MediaStatus,
    MediaType,
    Page,
    RequestBody,
    RequestStatus,
    ServerStatus,
    StatusBody,
    UserBody,
    match_row,
)
from arrkestra.core.errors import PermanentError, TransientError
from arrkestra.core.redact import Redactor

__all__ = [
    "MEDIA_STATUS",
    "REQUEST_STATUS",
    "Media",
    "MediaRequest",
    "MediaStatus",
    "OverseerrClient",
    "RequestStatus",
    "ServerStatus",
]

UPSTREAM = "overseerr"
API_ROOT = "/api/v1"
# How Overseerr fails a lookup of a TMDB id it cannot resolve: 500 (404 kept for forks).
LOOKUP_FALLBACK = frozenset({404, 500})
MAX_PAGES = 10_000  # a server that never reports its last page must not loop forever
DETAIL_LIMIT = 200

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


@dataclass(frozen=True)
class _Snapshot(Generic[T]):
    taken_at: float
    value: T


@dataclass(frozen=True)
class _Lookup:
    body: LookupBody | None  # None: the lookup failed the way unknown TMDB ids fail
    failure: str = ""


class OverseerrClient:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        client: httpx.AsyncClient,
        redactor: Redactor,
        clock: Callable[[], float],
        index_ttl: float = 60.0,
        page_size: int = 100,
    ) -> None:
        root = base_url.rstrip("/")
        self._api = root if root.endswith(API_ROOT) else root + API_ROOT
        self._headers = {"X-Api-Key": api_key, "Accept": "application/json"}
        self._client = client
        # The key is masked even if the caller's redactor was built without it.
        self._redactor = Redactor.of([api_key, *redactor.secrets])
        self._clock = clock
        self._ttl = index_ttl
        self._page_size = max(1, page_size)
        self._media: _Snapshot[tuple[MediaInfoBody, ...]] | None = None
        self._deleted: list[MediaInfoBody] = []  # rows taken out of the cached index
        self._requests: _Snapshot[dict[int, tuple[MediaRequest, ...]]] | None = None
        self._media_lock = asyncio.Lock()
        self._requests_lock = asyncio.Lock()

    # -- public API ------------------------------------------------------------------

    async def status(self) -> ServerStatus:
        """Public ``GET /status``: answers whenever the server is up, whatever the key."""
        body = await self._get_model("/status", StatusBody)
        return ServerStatus(body.version)

    async def check_auth(self) -> None:
        """``GET /auth/me`` with the key: UpstreamAuthError when Overseerr rejects it."""
        await self._get_model("/auth/me", UserBody)

    async def find_movie(self, tmdb_id: int) -> Media | None:
        if not tmdb_id or tmdb_id < 0:
            raise PermanentError(f"cannot look up a movie without a TMDB id (got {tmdb_id!r})")
        return await self._find("movie", tmdb_id, None)

    async def find_tv(self, *, tmdb_id: int | None, tvdb_id: int | None) -> Media | None:
        """None only when neither the TMDB lookup nor the media index knows the series."""
        if not tmdb_id and not tvdb_id:
            raise PermanentError("cannot look up a series without a TMDB or TVDB id")
        return await self._find("tv", tmdb_id or None, tvdb_id or None)

    async def all_media(self) -> list[Media]:
        """Every media row (``GET /media``, paged, read fresh), without requests or titles:
        what reconcile compares with the instances' libraries."""
        self._media = None
        rows = await self._media_index()
        found = []
        for row in rows:
            if row.mediaType == "movie":
                found.append(row.value("movie", (), None))
            elif row.mediaType == "tv":
                found.append(row.value("tv", (), None))
        return found

    async def requests_for(self, media_id: int) -> tuple[MediaRequest, ...]:
        """The requests of a media row, from ``GET /request`` (paged, cached like the index).

        The server's default filter leaves out requests whose side of the row Jellyseerr
        has blacklisted (status 6); cleanup never deletes such rows anyway.
        """
        grouped = await self._request_index()
        return grouped.get(media_id, ())

    async def delete_media(self, media_id: int) -> bool:
        """True: deleted (its requests go with it); False: it was already absent (404)."""
        deleted = await self._delete(f"/media/{_positive(media_id, 'media')}")
        if self._media is not None:
            rows = tuple(row for row in self._media.value if row.id != media_id)
            self._deleted += [row for row in self._media.value if row.id == media_id]
            self._media = _Snapshot(self._media.taken_at, rows)
        if self._requests is not None:
            grouped = {k: v for k, v in self._requests.value.items() if k != media_id}
            self._requests = _Snapshot(self._requests.taken_at, grouped)
        return deleted

    async def delete_request(self, request_id: int) -> bool:
        """True: deleted; False: it was already absent (404)."""
        deleted = await self._delete(f"/request/{_positive(request_id, 'request')}")
        if self._requests is not None:
            grouped = {
                media_id: tuple(r for r in requests if r.id != request_id)
                for media_id, requests in self._requests.value.items()
            }
            self._requests = _Snapshot(self._requests.taken_at, grouped)
        return deleted

    def invalidate_index(self) -> None:
        """Forget the cached media and request indexes; the next search pages again."""
        self._media = None
        self._requests = None

    # -- finding ---------------------------------------------------------------------

    async def _find(
        self, kind: MediaType, tmdb_id: int | None, tvdb_id: int | None
    ) -> Media | None:
        lookup = await self._lookup(kind, tmdb_id) if tmdb_id else None
        body = lookup.body if lookup else None
        if body is not None and body.mediaInfo is not None:
            info = body.mediaInfo
            if info.mediaType in (None, kind) and info.tmdbId in (None, tmdb_id):
                return await self._complete(info, kind, body.display_title)
            # a mediaInfo for another title or type (old servers keyed rows by tmdbId
            # alone, and movie and TV ids overlap): trust only the index
        if body is not None and kind == "tv" and tvdb_id is None:
            tvdb_id = body.tvdb_id
        try:
            cached = self._media
            row = match_row(await self._media_index(), kind, tmdb_id, tvdb_id)
            known_gone = match_row(tuple(self._deleted), kind, tmdb_id, tvdb_id) is not None
            if row is None and cached is not None and self._media is cached and not known_gone:
                # a miss in a cached index: the title may be newer than the copy
                row = match_row(await self._media_index(reread=cached), kind, tmdb_id, tvdb_id)
        except TransientError as exc:
            if lookup is None or lookup.body is not None:
                raise
            message = f"{lookup.failure}; the media index could not be read either: {exc}"
            raise TransientError(message, retry_after=exc.retry_after) from None
        if row is None:
            return None
        return await self._complete(row, kind, body.display_title if body else None)

    async def _lookup(self, kind: MediaType, tmdb_id: int) -> _Lookup:
        path = f"/{kind}/{tmdb_id}"
        response = await self._send("GET", path)
        if response.status_code in LOOKUP_FALLBACK:
            return _Lookup(None, self._describe_failure("GET", path, response))
        self._raise_for_status("GET", path, response)
        return _Lookup(self._parse(LookupBody, response, "GET", path))

    async def _complete(self, info: MediaInfoBody, kind: MediaType, title: str | None) -> Media:
        """The Media value with its requests (fetched when the answer did not carry them)."""
        if info.requests is not None:
            requests: tuple[MediaRequest, ...] = tuple(r.value() for r in info.requests)
        else:
            requests = await self.requests_for(info.id)
        return info.value(kind, requests, title)

    # -- indexes ---------------------------------------------------------------------

    def _fresh(self, snapshot: _Snapshot[T] | None) -> bool:
        if snapshot is None:
            return False
        age = self._clock() - snapshot.taken_at
        return 0 <= age < self._ttl

    async def _media_index(
        self, *, reread: _Snapshot[tuple[MediaInfoBody, ...]] | None = None
    ) -> tuple[MediaInfoBody, ...]:
        """The cached index, paged again when stale (or when it is still ``reread``)."""
        async with self._media_lock:  # concurrent searches share one paging
            again = reread is not None and self._media is reread
            if self._media is None or not self._fresh(self._media) or again:
                taken_at = self._clock()
                rows = await self._page_all("/media", Page[MediaInfoBody])
                self._media = _Snapshot(taken_at, tuple(rows))
                self._deleted = []
            return self._media.value

    async def _request_index(self) -> dict[int, tuple[MediaRequest, ...]]:
        async with self._requests_lock:
            if self._requests is None or not self._fresh(self._requests):
                taken_at = self._clock()
                grouped: dict[int, list[MediaRequest]] = {}
                for request in await self._page_all("/request", Page[RequestBody]):
                    if request.media is not None and request.media.id is not None:
                        grouped.setdefault(request.media.id, []).append(request.value())
                frozen = {k: tuple(v) for k, v in grouped.items()}
                self._requests = _Snapshot(taken_at, frozen)
            return self._requests.value

    async def _page_all(self, path: str, model: type[Page[Item]]) -> list[Item]:
        """Every item of a paged list, newest first; a row seen twice is kept once.

        ``skip`` advances by what actually came back, so a server that caps ``take``
        still has every row read; the end is the reported total (or page count).
        """
        seen: dict[int, Item] = {}
        skip = 0
        for number in range(MAX_PAGES):
            params = {"take": str(self._page_size), "skip": str(skip), "filter": "all"}
            page = await self._get_model(path, model, {**params, "sort": "added"})
            for item in page.results:
                seen.setdefault(item.id, item)
            skip += len(page.results)
            total, pages = page.pageInfo.results, page.pageInfo.pages
            if not page.results or (total is not None and skip >= total):
                break
            if total is None and pages is not None and number + 1 >= pages:
                break
        return list(seen.values())

    # -- HTTP ------------------------------------------------------------------------

    async def _get_model(
        self, path: str, model: type[M], params: Mapping[str, str] | None = None
    ) -> M:
        response = await self._send("GET", path, params)
        self._raise_for_status("GET", path, response)
        return self._parse(model, response, "GET", path)

    async def _delete(self, path: str) -> bool:
        response = await self._send("DELETE", path)
        if response.status_code == 404:
            return False
        self._raise_for_status("DELETE", path, response)
        return True

    async def _send(
        self, method: str, path: str, params: Mapping[str, str] | None = None
    ) -> httpx.Response:
        url = self._api + path
        try:
            return await self._client.request(method, url, params=params, headers=self._headers)
        except NO_ANSWER as exc:
            raise no_answer(exc, f"Overseerr {method} {url}", self._text) from None

    def _raise_for_status(self, method: str, path: str, response: httpx.Response) -> None:
        if 200 <= response.status_code < 300:
            return
        message = self._describe_failure(method, path, response)
        raise_for_upstream_status(
            response, message, upstream=UPSTREAM, credential="overseerr.api_key", redact=self._text
        )

    def _describe_failure(self, method: str, path: str, response: httpx.Response) -> str:
        detail = _server_message(response)
        text = f"Overseerr {method} {self._api}{path}: HTTP {response.status_code}"
        return self._text(f"{text}: {detail}" if detail else text)

    def _parse(self, model: type[M], response: httpx.Response, method: str, path: str) -> M:
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            problem = validation_problem(exc)
        text = f"Overseerr {method} {self._api}{path}: unexpected answer ({problem})"
        raise TransientError(self._text(text))

    def _text(self, text: str) -> str:
        return self._redactor(text)


def _positive(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise PermanentError(f"invalid Overseerr {what} id {value!r}")
    return value


def _server_message(response: httpx.Response) -> str:
    """Overseerr's own explanation (``message``, or ``error`` for 403), shortened."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        text = body.get("message") or body.get("error") or ""
    else:
        text = response.text if "json" not in response.headers.get("content-type", "") else ""
    text = " ".join(str(text).split())
    return text[:DETAIL_LIMIT] + ("..." if len(text) > DETAIL_LIMIT else "")
