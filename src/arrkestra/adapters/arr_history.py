"""Reading Sonarr's or Radarr's history: what catch-up replays after arrkestra was down.

Webhooks are never retried by the apps, so whatever arrkestra missed is found in their
history (``shared/specs/history.md``). This client reads the records of some families
(imports, deletes, renames: ``core.history.EVENT_TYPES``) since a moment, plus the lookups
that fill a record's missing series/episode/movie and the library list that shows a
series or movie deleted while nobody listened. Decisions:

- Route: ``GET /history/since`` (one call per event type, an array oldest first). Versions
  without it answer 404; then the paged ``GET /history`` is read newest first, one
  ``eventType`` per request (Sonarr v3 reads only one), until a record older than the
  window, the reported end, or ``MAX_PAGES`` (a server that never ends must not loop).
- Event type on ``/since``: the camelCase name (the spec's string enum) on the apps'
  ASP.NET Core versions (major 4 and later); the v3 versions (Nancy) convert the value
  with ``Convert.ToInt32`` and fail on a name, so they get the number. The version comes
  from ``status()``, read once per client when ``history()`` needs it.
- Date: ISO 8601 in UTC with ``Z``, whole seconds rounded down (never later than asked),
  sent as a query parameter that httpx percent-encodes: an offset's ``+`` would otherwise
  arrive as a space and the app answers 400.
- Records that fail ``HistoryRecord`` validation are counted, not raised: one odd record
  must not block the rest. A library answer that is not a list of items raises: an empty
  or partial library would read as "everything was deleted".

Errors follow DESIGN.md: 401/403 ``UpstreamAuthError``, 5xx/timeouts/connection errors
and a body that is not JSON (a proxy's page, a cut-off answer) ``TransientError``, other
4xx and JSON of the wrong shape ``PermanentError``; no retries here. The key travels only
in the ``X-Api-Key`` header and every message goes through the redactor.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from arrkestra.adapters.http import (
    NO_ANSWER,
    no_answer,
    raise_for_upstream_status,
    validation_problem,
)
from arrkestra.core.errors import PermanentError, TransientError
from arrkestra.core.history import (
    EVENT_TYPES,
    ArrKind,
    Family,
    HistoryEpisode,
    HistoryMovie,
    HistoryRecord,
    HistorySeries,
)
from arrkestra.core.redact import Redactor

__all__ = ["MAX_PAGES", "ArrHistoryClient", "HistoryBatch", "LibraryItem"]

API_ROOT = "/api/v3"
MAX_PAGES = 1_000  # per event type: 250,000 records at the default page size
NAMES_ON_SINCE_FROM = 4  # first major version (ASP.NET Core) binding eventType by name
DETAIL_LIMIT = 300

Route = Literal["since", "paged"]
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class HistoryBatch:
    records: list[HistoryRecord]  # oldest first by (date, id), no id twice
    malformed: int  # records that failed validation (left out)
    route: Route


@dataclass(frozen=True)
class LibraryItem:
    """A series (Sonarr) or movie (Radarr) in the library; ids absent or 0 are ``None``."""

    id: int
    title: str | None
    tvdb_id: int | None
    tmdb_id: int | None
    imdb_id: str | None


class _Lenient(BaseModel):
    """An answer's fields under their wire (camelCase) names; extras ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class _Status(_Lenient):
    appName: str | None = None
    version: str


class _LibraryRow(_Lenient):
    id: int
    title: str | None = None
    tvdbId: int | None = None
    tmdbId: int | None = None
    imdbId: str | None = None


class _Page(_Lenient):
    pageSize: int | None = None
    totalRecords: int | None = None
    records: list[Any] | None = None


class ArrHistoryClient:
    def __init__(
        self,
        kind: ArrKind,
        url: str,
        api_key: str,
        *,
        client: httpx.AsyncClient,
        redactor: Redactor,
        upstream: str,
    ) -> None:
        if kind not in EVENT_TYPES:
            raise ValueError(f"kind must be 'sonarr' or 'radarr', not {kind!r}")
        root = url.rstrip("/")
        self.kind: ArrKind = kind
        self.upstream = upstream  # "sonarr.hd": the instance named in errors
        self._api = root if root.endswith(API_ROOT) else root + API_ROOT
        self._headers = {"X-Api-Key": api_key, "Accept": "application/json"}
        self._client = client
        # The key is masked even if the caller's redactor was built without it.
        self._redact = Redactor.of([api_key, *redactor.secrets])
        self._major: int | None = None  # from status(); 0 when it reported no number

    # -- probe -------------------------------------------------------------------------

    async def status(self) -> str:
        """The app's version (``/system/status``): proves the URL and the key work."""
        status = self._model(_Status, await self._get("/system/status"))
        if status.appName and status.appName.lower() != self.kind:
            raise PermanentError(self._text(f"{self._name} at {self._api} is {status.appName}"))
        major = status.version.split(".", 1)[0]
        self._major = int(major) if major.isdigit() else 0
        return status.version

    # -- history -----------------------------------------------------------------------

    async def history(
        self,
        since: datetime,
        families: Sequence[Family],
        *,
        page_size: int = 250,
        max_pages: int = MAX_PAGES,
    ) -> HistoryBatch:
        """Every record of ``families`` dated ``since`` or later, oldest first.

        ``since`` must be timezone-aware (a naive one is a bug, not UTC by guess).
        """
        if since.tzinfo is None or since.utcoffset() is None:
            raise ValueError("since must be a timezone-aware datetime")
        since = since.astimezone(UTC)
        wanted = [EVENT_TYPES[self.kind][family] for family in dict.fromkeys(families)]
        raw: list[Any] = []
        route: Route = "since"
        for name, number in wanted:
            found = await self._since(since, name, number)
            if found is None:
                route = "paged"
                break
            raw += found
        if route == "paged":
            raw = []
            for _, number in wanted:
                raw += await self._paged(since, number, max(1, page_size), max_pages)
        return self._batch(raw, since, {name for name, _ in wanted}, route)

    async def _since(self, since: datetime, name: str, number: int) -> list[Any] | None:
        """One event type from ``/history/since``; ``None`` when the route does not exist."""
        if self._major is None:
            await self.status()
        by_name = (self._major or NAMES_ON_SINCE_FROM) >= NAMES_ON_SINCE_FROM  # 0: unknown
        params = {"date": _iso(since), "eventType": name if by_name else str(number)}
        path = "/history/since"
        response = await self._send(path, params | self._includes)
        if response.status_code == 404:
            return None
        body = self._json(self._checked(path, response))
        if not isinstance(body, list):
            raise PermanentError(self._unexpected(response, "not a JSON array"))
        return body

    async def _paged(
        self, since: datetime, number: int, page_size: int, max_pages: int
    ) -> list[Any]:
        """One event type from the paged ``/history``, newest first, down to ``since``."""
        found: list[Any] = []
        for page in range(1, max_pages + 1):
            params = {
                "page": str(page),
                "pageSize": str(page_size),
                "sortKey": "date",
                "sortDirection": "descending",
                "eventType": str(number),
            }
            response = await self._get("/history", params | self._includes)
            answer = self._model(_Page, response)
            records = answer.records or []
            found += records
            served = answer.pageSize if answer.pageSize and answer.pageSize > 0 else page_size
            total = answer.totalRecords
            ended = not records or (total is not None and page * served >= total)
            if ended or _reaches(records, since):
                return found
        text = f"{self._name} GET {self._api}/history: no end after {max_pages} pages"
        raise PermanentError(self._text(text))

    def _batch(
        self, raw: list[Any], since: datetime, names: set[str], route: Route
    ) -> HistoryBatch:
        kept: dict[int, HistoryRecord] = {}
        malformed = 0
        for item in raw:
            when = _raw_date(item)
            if when is not None and when < since:
                continue  # a paged answer's older tail: outside the window, odd or not
            try:
                record = HistoryRecord.model_validate(item)
            except ValidationError:
                malformed += 1
                continue
            if record.date.tzinfo is None:  # the apps send Z; a bare time is UTC too
                record = record.model_copy(update={"date": record.date.replace(tzinfo=UTC)})
            if record.event_type in names and record.date >= since:
                kept[record.id] = record
        records = sorted(kept.values(), key=lambda r: (r.date, r.id))
        return HistoryBatch(records=records, malformed=malformed, route=route)

    @property
    def _includes(self) -> dict[str, str]:
        if self.kind == "sonarr":
            return {"includeSeries": "true", "includeEpisode": "true"}
        return {"includeMovie": "true"}

    # -- lookups and the library ---------------------------------------------------------

    async def series(self, series_id: int) -> HistorySeries:
        self._require("sonarr", "series")
        path = f"/series/{int(series_id)}"
        return self._model(HistorySeries, await self._get(path))

    async def episode(self, episode_id: int) -> HistoryEpisode:
        self._require("sonarr", "episode")
        path = f"/episode/{int(episode_id)}"
        return self._model(HistoryEpisode, await self._get(path))

    async def movie(self, movie_id: int) -> HistoryMovie:
        self._require("radarr", "movie")
        path = f"/movie/{int(movie_id)}"
        return self._model(HistoryMovie, await self._get(path))

    async def library(self) -> list[LibraryItem]:
        """Every series (Sonarr) or movie (Radarr); a bad answer raises, never ``[]``."""
        path = "/series" if self.kind == "sonarr" else "/movie"
        response = await self._get(path)
        body = self._json(response)
        if not isinstance(body, list):
            raise PermanentError(self._unexpected(response, "not a JSON array"))
        items = []
        for index, row in enumerate(body):
            try:
                item = _LibraryRow.model_validate(row)
            except ValidationError as exc:
                raise PermanentError(self._unexpected(response, _problem(exc, index))) from None
            items.append(
                LibraryItem(
                    id=item.id,
                    title=item.title,
                    tvdb_id=item.tvdbId or None,
                    tmdb_id=item.tmdbId or None,
                    imdb_id=item.imdbId or None,
                )
            )
        return items

    def _require(self, kind: ArrKind, what: str) -> None:
        if self.kind != kind:
            raise ValueError(f"{self._name} has no {what}: that is {kind.capitalize()}'s")

    # -- HTTP ----------------------------------------------------------------------------

    @property
    def _name(self) -> str:
        return f"{self.kind.capitalize()} {self.upstream}"

    async def _get(self, path: str, params: Mapping[str, str] | None = None) -> httpx.Response:
        return self._checked(path, await self._send(path, params))

    async def _send(self, path: str, params: Mapping[str, str] | None = None) -> httpx.Response:
        url = self._api + path
        try:
            return await self._client.get(url, params=params, headers=self._headers)
        except NO_ANSWER as exc:
            raise no_answer(exc, f"{self._name} GET {url}", self._text) from None

    def _checked(self, path: str, response: httpx.Response) -> httpx.Response:
        if not 200 <= response.status_code < 300:
            text = f"{self._name} GET {self._api}{path}: HTTP {response.status_code}"
            detail = _detail(response)
            raise_for_upstream_status(
                response,
                self._text(f"{text}: {detail}" if detail else text),
                upstream=self.upstream,
                credential=f"{self.upstream}.api_key",
                redact=self._text,
            )
        return response

    def _json(self, response: httpx.Response) -> Any:
        """The body as JSON. One that is not JSON at all (a proxy's HTML page, a cut-off
        answer) is transient: the next attempt may well get the app's own answer."""
        try:
            return response.json()
        except ValueError:
            raise TransientError(self._unexpected(response, "not JSON")) from None

    def _model(self, model: type[M], response: httpx.Response) -> M:
        try:
            return model.model_validate(self._json(response))
        except ValidationError as exc:
            raise PermanentError(self._unexpected(response, _problem(exc))) from None

    def _unexpected(self, response: httpx.Response, problem: str) -> str:
        url = response.request.url.copy_with(query=None)
        return self._text(f"{self._name} GET {url}: unexpected answer ({problem})")

    def _text(self, text: str) -> str:
        return self._redact(text)


def _iso(moment: datetime) -> str:
    """``2026-11-30T21:14:03Z``: UTC, whole seconds (rounded down, so nothing is missed)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _raw_date(record: Any) -> datetime | None:
    """A raw record's date when it has a readable one (validation judges the rest)."""
    value = record.get("date") if isinstance(record, dict) else None
    try:
        when = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when is not None and when.tzinfo is None else when


def _reaches(records: list[Any], since: datetime) -> bool:
    """Whether a newest-first page holds a record older than ``since`` (paging may stop)."""
    return any((when := _raw_date(r)) is not None and when < since for r in records)


def _problem(exc: ValidationError, index: int | None = None) -> str:
    return f"{'' if index is None else f'[{index}].'}{validation_problem(exc)}"


def _detail(response: httpx.Response) -> str:
    """The app's own words from an error answer: ``message``/``title``/``error``, or text."""
    try:
        body = response.json()
    except ValueError:
        text = " ".join(response.text.split())
        return text[:DETAIL_LIMIT] if text and not text.startswith("<") else ""
    if isinstance(body, dict):
        value = body.get("message") or body.get("title") or body.get("error")
        return str(value)[:DETAIL_LIMIT] if value else ""
    return ""
