"""Sonarr client for discovery: what is in the library, what is excluded, look a show up,
check where it should go, and add it.

Sonarr v3 and v4 both speak API v3 (sonarr-openapi-v3.json); where they differ the
caller passes the ``SonarrStatus`` it read at the start of a cycle: language profiles
exist only on v3 (v4 keeps ``/languageprofile`` as a stub and ignores the field), and
the paged exclusion list exists only on newer v4 releases.

Adding is idempotent from the caller's side: "already added" (Sonarr's
``SeriesExistsValidator`` in a 400, or a 409) is an outcome, not an error, and so is any
other refusal Sonarr explains in a 400. Everything else becomes the error taxonomy (see
DESIGN.md): a body that is not JSON (a proxy's page, a cut-off answer) is transient, JSON
of the wrong shape permanent; no retries happen here. The key travels only in the
``X-Api-Key`` header, and every message goes through the redactor.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TypeVar

import httpx
from pydantic import TypeAdapter, ValidationError

from arrkestra.adapters.http import (
    NO_ANSWER,
    no_answer,
    raise_for_upstream_status,
    validation_problem,
)
from arrkestra.adapters.sonarr_models import (
    CREATED,
    DETAIL_LIMIT,
    EXCLUSION_PAGE,
    EXCLUSION_ROWS,
    LOOKUP_ROWS,
    MONITOR_TYPES,
    PROFILES,
    ROOT_FOLDERS,
    SERIES_ROWS,
    STATUS,
    TAG,
    TAGS,
    AddKind,
    AddOutcome,
    ExistingSeries,
    LookupResult,
    ProfileRow,
    ResolvedTarget,
    SonarrStatus,
    new_series_body,
    pick_named,
    pick_root,
    refusal,
)
from arrkestra.core.errors import PermanentError, TransientError
from arrkestra.core.redact import Redactor

__all__ = [
    "AddKind",
    "AddOutcome",
    "ExistingSeries",
    "LookupResult",
    "ResolvedTarget",
    "SonarrClient",
    "SonarrStatus",
    "TargetSpec",
]

API_ROOT = "/api/v3"
# First release certain to serve GET /importlistexclusion/paged (Sonarr issue #6079, built
# during 4.0.2's development). Older releases have only the plain list, which v4 still
# serves (deprecated); a 404 from the paged one falls back to it too.
PAGED_EXCLUSIONS_SINCE = (4, 0, 3)
MAX_PAGES = 10_000  # a server that never reports its end must not loop forever
EXISTS_CODES = frozenset({"SeriesExistsValidator"})
EXISTS_PHRASES = ("already been added", "already exists")

T = TypeVar("T")


@dataclass(frozen=True)
class TargetSpec:
    """Where discovered shows go, by name (from config); ``resolve_target`` turns it into ids.

    A ``None`` root folder or profile means Sonarr's first one.
    """

    root_folder: str | None
    quality_profile: str | None
    language_profile: str | None  # Sonarr v3 only; ignored on v4
    monitor: str = "all"
    search_on_add: bool = True
    tags: tuple[str, ...] = ()
    create_tags: bool = False


class SonarrClient:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        client: httpx.AsyncClient,
        instance: str,
        redactor: Redactor,
        page_size: int = 500,
    ) -> None:
        root = base_url.rstrip("/")
        self._api = root if root.endswith(API_ROOT) else root + API_ROOT
        self._headers = {"X-Api-Key": api_key, "Accept": "application/json"}
        self._client = client
        self.instance = instance  # "sonarr.hd": the upstream named in auth errors
        # The key is masked even if the caller's redactor was built without it.
        self._redactor = Redactor.of([api_key, *redactor.secrets])
        self._page_size = max(1, page_size)

    # -- reading -----------------------------------------------------------------------

    async def system_status(self) -> SonarrStatus:
        body = await self._get("/system/status", STATUS)
        if body.appName and body.appName.lower() != "sonarr":
            raise PermanentError(self._text(f"{self._name} at {self._api} is {body.appName}"))
        major = body.version.split(".", 1)[0]
        if not major.isdigit():
            text = f"{self._name}: unexpected version {body.version!r} in /system/status"
            raise PermanentError(self._text(text))
        return SonarrStatus(body.version, int(major))

    async def existing_series(self) -> ExistingSeries:
        """The tvdb and TVMaze ids of every series in the library, from one request."""
        rows = await self._get("/series", SERIES_ROWS)
        return ExistingSeries(
            tvdb_ids=frozenset(r.tvdbId for r in rows if r.tvdbId and r.tvdbId > 0),
            tvmaze_ids=frozenset(r.tvMazeId for r in rows if r.tvMazeId and r.tvMazeId > 0),
        )

    async def excluded_tvdb_ids(self, status: SonarrStatus) -> frozenset[int]:
        """The import list exclusions: shows the user removed and does not want back."""
        if status.release[:3] >= PAGED_EXCLUSIONS_SINCE:
            paged = await self._paged_exclusions()
            if paged is not None:
                return paged
        rows = await self._get("/importlistexclusion", EXCLUSION_ROWS)
        return frozenset(r.tvdbId for r in rows if r.tvdbId and r.tvdbId > 0)

    async def _paged_exclusions(self) -> frozenset[int] | None:
        """Every page, oldest first (new exclusions land at the end); None if not served."""
        path, found, seen = "/importlistexclusion/paged", set[int](), 0
        for page in range(1, MAX_PAGES + 1):
            params = {"page": str(page), "pageSize": str(self._page_size)}
            params.update(sortKey="id", sortDirection="ascending")
            response = await self._send("GET", path, params=params)
            if page == 1 and response.status_code == 404:
                return None
            body = self._parse(EXCLUSION_PAGE, self._checked("GET", path, response))
            records = body.records or []
            found.update(r.tvdbId for r in records if r.tvdbId and r.tvdbId > 0)
            seen += len(records)
            total = body.totalRecords
            if not records or (total is not None and seen >= total):
                break
            if total is None and len(records) < self._page_size:
                break
        return frozenset(found)

    async def lookup_tvdb(self, tvdb_id: int) -> LookupResult | None:
        """Sonarr's lookup of one tvdb id; None when it finds nothing (or answers 404)."""
        if isinstance(tvdb_id, bool) or not isinstance(tvdb_id, int) or tvdb_id <= 0:
            raise PermanentError(f"{self._name}: invalid tvdb id {tvdb_id!r}")
        path = "/series/lookup"
        response = await self._send("GET", path, params={"term": f"tvdb:{tvdb_id}"})
        if response.status_code == 404:
            return None
        raw = self._json(self._checked("GET", path, response))
        rows = self._validate(LOOKUP_ROWS, raw, response)
        for row, resource in zip(rows, raw, strict=True):
            if row.tvdbId == tvdb_id:
                return LookupResult(
                    tvdb_id=row.tvdbId,
                    title=row.title,
                    tvmaze_id=row.tvMazeId or None,
                    series_id=row.id if row.id and row.id > 0 else None,
                    resource=MappingProxyType(copy.deepcopy(resource)),
                )
        return None

    # -- target ------------------------------------------------------------------------

    async def resolve_target(self, spec: TargetSpec, status: SonarrStatus) -> ResolvedTarget:
        """Check the target against this Sonarr, listing every problem in one PermanentError.

        Missing tags are created (``create_tags``) only once everything else is right, so
        a wrong setting never leaves half its changes behind.
        """
        problems: list[str] = []
        folders = await self._get("/rootfolder", ROOT_FOLDERS)
        root = pick_root(spec.root_folder, folders, problems)
        qualities = await self._get("/qualityprofile", PROFILES)
        quality = pick_named("quality profile", spec.quality_profile, qualities, problems)
        language: ProfileRow | None = None
        if status.major < 4:
            languages = await self._get("/languageprofile", PROFILES)
            language = pick_named("language profile", spec.language_profile, languages, problems)
        if spec.monitor not in MONITOR_TYPES:
            problems.append(f"monitor {spec.monitor!r} is not one of {', '.join(MONITOR_TYPES)}")
        tag_ids, missing = await self._known_tags(spec.tags)
        if missing and not spec.create_tags:
            have = ", ".join(sorted(tag_ids)) or "none"
            names = ", ".join(repr(label) for label in missing)
            noun = "tag" if len(missing) == 1 else "tags"
            problems.append(f"{noun} {names} not found (have: {have}) and create_tags is off")
        if problems or root is None or quality is None:
            raise PermanentError(self._text(f"{self._name}: " + "; ".join(problems)))
        for label in missing:
            tag_ids[label] = await self._create_tag(label)
        return ResolvedTarget(
            root_folder=root.path,
            quality_profile_id=quality.id,
            language_profile_id=language.id if language else None,
            monitor=spec.monitor,
            search_on_add=spec.search_on_add,
            tag_ids=tuple(dict.fromkeys(tag_ids[_tag_key(label)] for label in spec.tags)),
        )

    async def _known_tags(self, labels: Sequence[str]) -> tuple[dict[str, int], list[str]]:
        """(known label -> id, wanted labels Sonarr lacks); labels compare case-insensitively."""
        if not labels:
            return {}, []
        known = {_tag_key(tag.label): tag.id for tag in await self._get("/tag", TAGS)}
        wanted = dict.fromkeys(_tag_key(label) for label in labels)
        return known, [label for label in wanted if label not in known]

    async def _create_tag(self, label: str) -> int:
        path = "/tag"
        response = await self._send("POST", path, json={"label": label})
        return self._parse(TAG, self._checked("POST", path, response)).id

    # -- adding ------------------------------------------------------------------------

    async def add_series(self, lookup: LookupResult, target: ResolvedTarget) -> AddOutcome:
        """ADDED, EXISTS (someone was first: not an error) or FAILED with Sonarr's reasons.

        Only a 400/409 is an outcome; anything else unexpected raises, so the job queue
        retries (5xx, 429, timeouts), waits for a key (401/403) or gives up (other 4xx).
        """
        if lookup.series_id is not None:
            detail = f"{lookup.title} is already in Sonarr (series {lookup.series_id})"
            return AddOutcome(AddKind.EXISTS, lookup.series_id, detail)
        path = "/series"
        response = await self._send("POST", path, json=new_series_body(lookup, target))
        status = response.status_code
        if 200 <= status < 300:
            # The series exists now, whatever the answer looks like: never report a failure.
            try:
                series_id = CREATED.validate_json(response.content).id
            except ValidationError:
                series_id = None
            return AddOutcome(AddKind.ADDED, series_id, f"added {lookup.title}")
        if status in (400, 409):
            codes, messages = refusal(response)
            detail = self._text("; ".join(messages) or f"HTTP {status}")[:DETAIL_LIMIT]
            exists = status == 409 or bool(codes & EXISTS_CODES)
            if exists or any(p in m.lower() for m in messages for p in EXISTS_PHRASES):
                return AddOutcome(AddKind.EXISTS, None, detail)
            return AddOutcome(AddKind.FAILED, None, detail)
        self._checked("POST", path, response)
        raise PermanentError(self._describe("POST", path, response))  # 1xx: not HTTP as known

    # -- HTTP --------------------------------------------------------------------------

    @property
    def _name(self) -> str:
        return f"Sonarr {self.instance}"

    async def _get(self, path: str, adapter: TypeAdapter[T]) -> T:
        response = await self._send("GET", path)
        return self._parse(adapter, self._checked("GET", path, response))

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
    ) -> httpx.Response:
        url = self._api + path
        try:
            return await self._client.request(
                method, url, params=params, json=json, headers=self._headers
            )
        except NO_ANSWER as exc:
            raise no_answer(exc, f"{self._name} {method} {url}", self._text) from None

    def _checked(self, method: str, path: str, response: httpx.Response) -> httpx.Response:
        if not 200 <= response.status_code < 300:
            raise_for_upstream_status(
                response,
                self._describe(method, path, response),
                upstream=self.instance,
                credential=f"{self.instance}.api_key",
                redact=self._text,
            )
        return response

    def _describe(self, method: str, path: str, response: httpx.Response) -> str:
        _, messages = refusal(response)
        text = f"{self._name} {method} {self._api}{path}: HTTP {response.status_code}"
        detail = "; ".join(messages)[:DETAIL_LIMIT]
        return self._text(f"{text}: {detail}" if detail else text)

    def _parse(self, adapter: TypeAdapter[T], response: httpx.Response) -> T:
        return self._validate(adapter, self._json(response), response)

    def _json(self, response: httpx.Response) -> Any:
        """The body as JSON. One that is not JSON at all (a proxy's HTML page, a cut-off
        answer) is transient: the next attempt may well get Sonarr's own answer."""
        try:
            return response.json()
        except ValueError:
            raise TransientError(self._unexpected(response, "not JSON")) from None

    def _validate(self, adapter: TypeAdapter[T], data: Any, response: httpx.Response) -> T:
        try:
            return adapter.validate_python(data)
        except ValidationError as exc:
            problem = validation_problem(exc)
        raise PermanentError(self._unexpected(response, problem))

    def _unexpected(self, response: httpx.Response, problem: str) -> str:
        request = response.request
        text = f"{self._name} {request.method} {request.url.copy_with(query=None)}"
        return self._text(f"{text}: unexpected answer ({problem})")

    def _text(self, text: str) -> str:
        return self._redactor(text)


def _tag_key(label: str) -> str:
    return label.strip().lower()  # Sonarr stores tag labels in lower case
