"""The fake Sonarr's state: what it serves, how it answers, and what it was asked.

Written from sonarr-openapi-v3.json and Sonarr's controllers (SeriesController's
validators, SeriesLookupController, the obsolete LanguageProfileController, the paged
ImportListExclusionController), independently of arrkestra's adapter.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

V3_VERSION = "3.0.10.1567"
V4_VERSION = "4.0.14.2939"
# Sonarr issue #6079 added GET /importlistexclusion/paged during 4.0.2's development
# (follow-ups #6593/#6596, March 2024); 4.0.3 is the first release certain to have it.
PAGED_EXCLUSIONS_SINCE = (4, 0, 3)
DEFAULT_QUALITY_PROFILES = ("Any", "SD", "HD-720p", "HD-1080p", "Ultra-HD", "HD - 720p/1080p")
MONITOR_TYPES = frozenset(
    {
        *("unknown", "all", "future", "missing", "existing", "firstSeason", "lastSeason"),
        *("latestSeason", "pilot", "recent", "monitorSpecials", "unmonitorSpecials", "none"),
        "skip",
    }
)
DEPRECATED_LANGUAGE_PROFILE = {
    "id": 1,
    "name": "Deprecated",
    "upgradeAllowed": True,
    "cutoff": {"id": 1, "name": "English"},
    "languages": [{"language": {"id": 1, "name": "English"}, "allowed": True}],
}
ADDED_AT = "2025-01-01T00:00:00Z"


class Call(NamedTuple):
    """One request as the fake saw it (an ``apikey`` query parameter is left out)."""

    method: str
    path: str
    query: dict[str, str]


@dataclass
class Failure:
    status: int
    remaining: int
    retry_after: float | None = None


def validation_failure(prop: str, message: str, value: Any, code: str) -> dict[str, Any]:
    """One FluentValidation failure, as Sonarr serializes it in a 400 answer's array."""
    spaced = re.sub(r"(?<!^)(?=[A-Z])", " ", prop)
    return {
        "propertyName": prop,
        "errorMessage": message,
        "attemptedValue": value,
        "severity": "error",
        "errorCode": code,
        "formattedMessagePlaceholderValues": {"propertyName": spaced, "propertyValue": value},
    }


def _folder(title: str) -> str:
    """The series folder Sonarr's default ``{Series Title}`` format gives."""
    return re.sub(r'[<>:"/\\|?*]', "", title)


@dataclass
class SonarrState:
    """Everything the fake serves; tests set it up and inspect it directly."""

    version: str = V4_VERSION
    series: list[dict[str, Any]] = field(default_factory=list)
    catalogue: dict[int, dict[str, Any]] = field(default_factory=dict)  # tvdbId -> lookup
    root_folders: list[dict[str, Any]] = field(default_factory=list)
    quality_profiles: list[dict[str, Any]] = field(default_factory=list)
    language_profiles: list[dict[str, Any]] = field(default_factory=list)  # served on v3
    tags: list[dict[str, Any]] = field(default_factory=list)
    exclusions: list[dict[str, Any]] = field(default_factory=list)
    requests: list[Call] = field(default_factory=list)
    series_posts: list[Any] = field(default_factory=list)  # every POST /series body
    posts: list[tuple[str, Any]] = field(default_factory=list)  # (path, body) of every POST
    failures: dict[str, Failure] = field(default_factory=dict)  # "METHOD /path" or "/path"
    down: bool = False  # every request answers 503, as a reverse proxy would
    delay: float = 0.0  # seconds before answering anything
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        for name in DEFAULT_QUALITY_PROFILES:  # what a fresh install has
            self.add_quality_profile(name)
        self.add_language_profile("English")

    # -- versions --------------------------------------------------------------------

    @property
    def version_tuple(self) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", self.version)[:4])

    @property
    def is_v3(self) -> bool:
        return self.version_tuple[:1] < (4,)

    @property
    def has_paged_exclusions(self) -> bool:
        return self.version_tuple[:3] >= PAGED_EXCLUSIONS_SINCE

    # -- seeding ---------------------------------------------------------------------

    def next_id(self) -> int:
        return next(self._ids)

    def add_root_folder(self, path: str) -> int:
        new_id = self.next_id()
        self.root_folders.append(
            {"id": new_id, "path": path, "accessible": True, "freeSpace": 10**12}
            | {"unmappedFolders": []}
        )
        return new_id

    def add_quality_profile(self, name: str) -> int:
        new_id = self.next_id()
        self.quality_profiles.append(
            {"id": new_id, "name": name, "upgradeAllowed": False, "cutoff": 1, "items": []}
        )
        return new_id

    def add_language_profile(self, name: str) -> int:
        new_id = self.next_id()
        english = {"id": 1, "name": "English"}
        self.language_profiles.append(
            {"id": new_id, "name": name, "upgradeAllowed": False, "cutoff": english}
            | {"languages": [{"language": english, "allowed": True}]}
        )
        return new_id

    def add_tag(self, label: str) -> int:
        """Like TagService.Add: a known label (any case) returns the existing tag."""
        for tag in self.tags:
            if tag["label"].lower() == label.lower():
                return int(tag["id"])
        new_id = self.next_id()
        self.tags.append({"id": new_id, "label": label.lower()})
        return new_id

    def add_exclusion(self, tvdb_id: int, title: str = "") -> int:
        new_id = self.next_id()
        self.exclusions.append({"id": new_id, "tvdbId": tvdb_id, "title": title})
        return new_id

    def add_to_catalogue(
        self, tvdb_id: int, title: str, *, tvmaze_id: int = 0, year: int = 2020, seasons: int = 2
    ) -> dict[str, Any]:
        """A show Sonarr's metadata source knows: what ``/series/lookup`` answers for it."""
        art = f"https://artworks.thetvdb.com/banners/posters/{tvdb_id}-1.jpg"
        resource: dict[str, Any] = {
            "title": title,
            "sortTitle": title.lower(),
            "status": "continuing",
            "ended": False,
            "overview": f"The story of {title}.",
            "network": "HBO",
            "images": [{"coverType": "poster", "url": art, "remoteUrl": art}],
            "remotePoster": art,
            "seasons": [{"seasonNumber": n, "monitored": n > 0} for n in range(seasons + 1)],
            "year": year,
            "qualityProfileId": 0,
            "seasonFolder": False,
            "monitored": False,
            "runtime": 45,
            "tvdbId": tvdb_id,
            "tvRageId": 0,
            "tvMazeId": tvmaze_id,
            "firstAired": f"{year}-01-01T00:00:00Z",
            "seriesType": "standard",
            "cleanTitle": re.sub(r"[^a-z0-9]", "", title.lower()),
            "imdbId": f"tt{tvdb_id:07d}",
            "titleSlug": re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-"),
            "genres": ["Drama"],
            "tags": [],
            "added": "0001-01-01T00:00:00Z",
            "ratings": {"votes": 0, "value": 0.0},
            "statistics": {"seasonCount": seasons, "episodeCount": 0, "sizeOnDisk": 0},
        }
        self.catalogue[tvdb_id] = resource
        return resource

    def add_series(self, tvdb_id: int, title: str, *, tvmaze_id: int = 0, **extra: Any) -> int:
        """A series already in the library (and in the catalogue)."""
        known = self.catalogue.get(tvdb_id) or self.add_to_catalogue(
            tvdb_id, title, tvmaze_id=tvmaze_id
        )
        new_id = self.next_id()
        self.series.append(
            {**known, "id": new_id, "path": f"/tv/{_folder(title)}", "monitored": True}
            | {"added": ADDED_AT, **extra}
        )
        return new_id

    def fail(
        self,
        path: str,
        status: int,
        *,
        times: int = 1,
        method: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        """The next ``times`` requests to ``path`` (e.g. /api/v3/series) answer ``status``."""
        key = f"{method.upper()} {path}" if method else path
        self.failures[key] = Failure(status, times, retry_after)

    def take_failure(self, method: str, path: str) -> Failure | None:
        for key in (f"{method} {path}", path):
            failure = self.failures.get(key)
            if failure is not None and failure.remaining > 0:
                failure.remaining -= 1
                return failure
        return None

    # -- answers ---------------------------------------------------------------------

    def project(self, resource: dict[str, Any]) -> dict[str, Any]:
        """A series resource with the fields this version has (and without those it lacks)."""
        data = dict(resource)
        if self.is_v3:
            data.setdefault("languageProfileId", 0)
        else:
            data.pop("languageProfileId", None)
            data.setdefault("tmdbId", 0)
            data.setdefault("monitorNewItems", "all")
            data["folder"] = _folder(data.get("title") or "")
        return data

    def lookup(self, term: str | None) -> list[dict[str, Any]]:
        """``tvdb:ID`` finds one show (the library's copy first); other terms match titles."""
        term = (term or "").strip()
        library = {s["tvdbId"]: s for s in self.series}
        if term.lower().startswith("tvdb:"):
            raw = term[5:].strip()
            tvdb_id = int(raw) if raw.isdigit() else -1
            found = library.get(tvdb_id) or self.catalogue.get(tvdb_id)
            return [self.project(found)] if found else []
        if not term:
            return []
        hits = [r for r in self.catalogue.values() if term.lower() in r["title"].lower()]
        return [self.project(library.get(r["tvdbId"], r)) for r in hits]

    def validate_new_series(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        """SeriesController's PostValidator (and v3's language profile rule), all at once."""
        errors = []
        profile_id = body.get("qualityProfileId") or 0
        if profile_id == 0:
            message = "'Quality Profile Id' must not be equal to '0'."
            errors.append(validation_failure("QualityProfileId", message, 0, "NotEqualValidator"))
        elif profile_id not in {p["id"] for p in self.quality_profiles}:
            message, code = "Quality Profile does not exist", "ProfileExistsValidator"
            errors.append(validation_failure("QualityProfileId", message, profile_id, code))
        language_id = body.get("languageProfileId") or 0
        if self.is_v3 and language_id not in {p["id"] for p in self.language_profiles}:
            message, code = "Language profile does not exist", "LanguageProfileExistsValidator"
            errors.append(validation_failure("LanguageProfileId", message, language_id, code))
        root = body.get("rootFolderPath") or body.get("path") or ""
        if not isinstance(root, str) or not root.startswith("/"):
            errors.append(
                validation_failure("RootFolderPath", "Invalid Path", root, "PathValidator")
            )
        if not str(body.get("title") or "").strip():
            message = "'Title' must not be empty."
            errors.append(
                validation_failure("Title", message, body.get("title"), "NotEmptyValidator")
            )
        tvdb_id = body.get("tvdbId") or 0
        if not isinstance(tvdb_id, int) or tvdb_id <= 0:
            message = "'Tvdb Id' must be greater than '0'."
            errors.append(validation_failure("TvdbId", message, tvdb_id, "GreaterThanValidator"))
        elif tvdb_id in {s["tvdbId"] for s in self.series}:
            message, code = "This series has already been added", "SeriesExistsValidator"
            errors.append(validation_failure("TvdbId", message, tvdb_id, code))
        return errors

    def create_series(self, body: dict[str, Any]) -> dict[str, Any]:
        """Store a validated new series (metadata from the catalogue, as Sonarr refreshes it)."""
        known = self.catalogue.get(body["tvdbId"], {})
        root = str(body.get("rootFolderPath") or "")
        path = body.get("path") or f"{root.rstrip('/')}/{_folder(body['title'])}"
        given = {k: v for k, v in body.items() if k not in ("addOptions", "rootFolderPath")}
        series = {**known, **given, "id": self.next_id(), "path": path, "added": ADDED_AT}
        series["tags"] = sorted(set(body.get("tags") or []))
        if not self.is_v3:
            series.pop("languageProfileId", None)
        self.series.append(series)
        return {**self.project(series), "rootFolderPath": root}

    def exclusion_page(self, query: dict[str, str]) -> dict[str, Any]:
        """A page as PagingResource answers it: 1-based, sorted by id descending by default."""
        page = max(1, _int(query.get("page"), 1))
        size = max(0, _int(query.get("pageSize"), 10))
        key = query.get("sortKey") if query.get("sortKey") in ("id", "title", "tvdbId") else "id"
        ascending = query.get("sortDirection") == "ascending"
        rows = sorted(self.exclusions, key=lambda e: (e[str(key)], e["id"]), reverse=not ascending)
        return {
            "page": page,
            "pageSize": size,
            "sortKey": key,
            "sortDirection": "ascending" if ascending else "descending",
            "totalRecords": len(rows),
            "records": rows[(page - 1) * size :][:size],
        }


def _int(raw: str | None, default: int) -> int:
    try:
        return int(raw) if raw is not None else default
    except ValueError:
        return default
