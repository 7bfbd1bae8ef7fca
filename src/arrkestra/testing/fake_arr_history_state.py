"""What the fake Sonarr/Radarr history serves: its library, its history records, and the
selections its routes answer with.

Written from sonarr-openapi-v3.json / radarr-openapi-v3.json (``HistoryResource``,
``SeriesResource``, ``EpisodeResource``, ``MovieResource``) and shared/specs/history.md,
independently of arrkestra's adapter. Records are kept in their wire form: ``eventType``
the camelCase name, ``date`` like ``2026-11-30T21:14:03Z``, ``data`` an object of strings
(numbers too), ``quality`` nested as the apps nest it. As in the apps, deleting a series
or movie deletes its history too.
"""

from __future__ import annotations

import copy
import itertools
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any, NamedTuple

SONARR_V3 = "3.0.10.1567"
SONARR_V4 = "4.0.14.2939"
RADARR_V3 = "3.2.2.5080"
RADARR_V5 = "5.14.0.9383"
DEFAULT_VERSIONS = {"sonarr": SONARR_V4, "radarr": RADARR_V5}
EVENT_TYPES = {
    "sonarr": {
        **{"unknown": 0, "grabbed": 1, "seriesFolderImported": 2, "downloadFolderImported": 3},
        **{"downloadFailed": 4, "episodeFileDeleted": 5, "episodeFileRenamed": 6},
        "downloadIgnored": 7,
    },
    "radarr": {
        **{"unknown": 0, "grabbed": 1, "downloadFolderImported": 3, "downloadFailed": 4},
        **{"movieFileDeleted": 6, "movieFolderImported": 8, "movieFileRenamed": 9},
        "downloadIgnored": 10,
    },
}
# name -> (id, Sonarr source, Radarr source, resolution), from the apps' quality tables
QUALITIES = {
    "HDTV-720p": (4, "television", "tv", 720),
    "HDTV-1080p": (9, "television", "tv", 1080),
    "WEBDL-1080p": (3, "web", "webdl", 1080),
    "Bluray-1080p": (7, "bluray", "bluray", 1080),
    "Bluray-2160p": (19, "bluray", "bluray", 2160),
}
DOWNLOAD_CLIENT = "SABnzbd"
FAR_FUTURE = datetime.max.replace(tzinfo=UTC)


class Call(NamedTuple):
    """One request as the fake saw it (an ``apikey`` query parameter is left out)."""

    method: str
    path: str
    query: dict[str, str]


def stamp(moment: datetime | str) -> str:
    """A record's ``date`` as the apps write it: UTC, whole seconds, ``Z``."""
    when = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def record_date(record: dict[str, Any]) -> datetime | None:
    value = record.get("date")
    try:
        when = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when and when.tzinfo is None else when


def _order(record: dict[str, Any]) -> tuple[datetime, int]:
    """Oldest first by (date, id); a record without a readable date goes last."""
    ident = record.get("id")
    return record_date(record) or FAR_FUTURE, ident if isinstance(ident, int) else 0


class ArrLibrary:
    """The series/episodes (Sonarr) or movies (Radarr) and the history of one fake app."""

    def __init__(self, kind: str, version: str) -> None:
        if kind not in EVENT_TYPES:
            raise ValueError(f"kind must be 'sonarr' or 'radarr', not {kind!r}")
        self.kind, self.version = kind, version
        self.series: dict[int, dict[str, Any]] = {}
        self.episodes: dict[int, dict[str, Any]] = {}
        self.movies: dict[int, dict[str, Any]] = {}
        self.records: list[dict[str, Any]] = []
        self._ids = itertools.count(1)
        self._record_ids = itertools.count(1)
        self._file_ids = itertools.count(1)

    @property
    def is_v3(self) -> bool:
        """Nancy-era versions (before 4): ``eventType`` only as a number."""
        major = self.version.split(".", 1)[0]
        return major.isdigit() and int(major) < 4

    # -- the library ---------------------------------------------------------------------

    def add_series(
        self,
        title: str,
        *,
        path: str,
        tvdb_id: int,
        tmdb_id: int = 0,
        imdb_id: str = "",
        year: int = 2020,
    ) -> int:
        ident = next(self._ids)
        slug = "-".join(title.lower().split())
        self.series[ident] = {
            "id": ident,
            "title": title,
            "sortTitle": title.lower(),
            "status": "continuing",
            "path": path,
            "year": year,
            "tvdbId": tvdb_id,
            "tmdbId": tmdb_id,
            "imdbId": imdb_id,
            "titleSlug": slug,
            "monitored": True,
            "seasonFolder": True,
            "qualityProfileId": 1,
            "added": "2025-01-01T00:00:00Z",
        }
        return ident

    def add_episode(self, series_id: int, season: int, number: int, *, title: str = "") -> int:
        ident = next(self._ids)
        self.episodes[ident] = {
            "id": ident,
            "seriesId": series_id,
            "episodeFileId": 0,
            "seasonNumber": season,
            "episodeNumber": number,
            "title": title or f"Episode {number}",
            "hasFile": False,
            "monitored": True,
        }
        return ident

    def add_movie(
        self, title: str, *, path: str, tmdb_id: int, imdb_id: str = "", year: int = 2020
    ) -> int:
        ident = next(self._ids)
        self.movies[ident] = {
            "id": ident,
            "title": title,
            "sortTitle": title.lower(),
            "path": path,
            "year": year,
            "tmdbId": tmdb_id,
            "imdbId": imdb_id,
            "titleSlug": f"{title.lower().replace(' ', '-')}-{tmdb_id}",
            "hasFile": False,
            "monitored": True,
            "qualityProfileId": 1,
            "added": "2025-01-01T00:00:00Z",
        }
        return ident

    def remove_series(self, series_id: int) -> None:
        """The series, its episodes and (as Sonarr does) its history records go."""
        self.series.pop(series_id, None)
        self.episodes = {k: e for k, e in self.episodes.items() if e["seriesId"] != series_id}
        self.records = [r for r in self.records if r.get("seriesId") != series_id]

    def remove_movie(self, movie_id: int) -> None:
        """The movie and (as Radarr does) its history records go."""
        self.movies.pop(movie_id, None)
        self.records = [r for r in self.records if r.get("movieId") != movie_id]

    # -- history records -----------------------------------------------------------------

    def add_import(
        self,
        item_id: int,
        episode_id: int | None,
        imported_path: str,
        *,
        date: datetime | str,
        download_id: str | None = None,
        size: int = 1_500_000_000,
        quality: str = "WEBDL-1080p",
        release_group: str = "GROUP",
        dropped_path: str | None = None,
    ) -> int:
        """A ``downloadFolderImported`` record: the library file is ``importedPath``."""
        name = PurePosixPath(imported_path).name
        data = {
            "fileId": str(next(self._file_ids)),
            "droppedPath": dropped_path or f"/downloads/complete/{name}",
            "importedPath": imported_path,
            "downloadClient": DOWNLOAD_CLIENT,
            "downloadClientName": DOWNLOAD_CLIENT,
            "releaseGroup": release_group,
            "size": str(size),
            "customFormatScore": "0",
            "indexerFlags": "0",
        }
        title = PurePosixPath(name).stem
        return self._append(
            "downloadFolderImported", item_id, episode_id, date, title, data, quality, download_id
        )

    def add_delete(
        self,
        item_id: int,
        episode_id: int | None,
        path: str,
        reason: str,
        *,
        date: datetime | str,
        size: int | None = None,
        quality: str = "WEBDL-1080p",
    ) -> int:
        """A file-deleted record; its ``sourceTitle`` is the deleted file's full path."""
        data = {"reason": reason, "releaseGroup": "GROUP"}
        if size is not None:
            data["size"] = str(size)
        event = "episodeFileDeleted" if self.kind == "sonarr" else "movieFileDeleted"
        return self._append(event, item_id, episode_id, date, path, data, quality, None)

    def add_rename(
        self,
        item_id: int,
        episode_id: int | None,
        source_path: str,
        path: str,
        *,
        date: datetime | str,
        quality: str = "WEBDL-1080p",
    ) -> int:
        """A file-renamed record (``sourcePath``/``path`` and their relative forms)."""
        data = {
            "sourcePath": source_path,
            "sourceRelativePath": self._relative(item_id, source_path),
            "path": path,
            "relativePath": self._relative(item_id, path),
        }
        event = "episodeFileRenamed" if self.kind == "sonarr" else "movieFileRenamed"
        return self._append(event, item_id, episode_id, date, source_path, data, quality, None)

    def add_grab(
        self,
        item_id: int,
        episode_id: int | None,
        title: str,
        *,
        date: datetime | str,
        download_id: str | None = None,
    ) -> int:
        """A ``grabbed`` record: history that is none of catch-up's business."""
        data = {"indexer": "Indexer", "downloadClient": DOWNLOAD_CLIENT, "size": "1000"}
        return self._append("grabbed", item_id, episode_id, date, title, data, None, download_id)

    def add_record(self, raw: dict[str, Any]) -> Any:
        """A record exactly as given (malformed ones too); returns its ``id`` as given."""
        ident = raw.get("id")
        if isinstance(ident, int):
            self._record_ids = itertools.count(max(next(self._record_ids), ident + 1))
        self.records.append(copy.deepcopy(raw))
        return ident

    def _append(
        self,
        event: str,
        item_id: int,
        episode_id: int | None,
        date: datetime | str,
        source_title: str,
        data: dict[str, str],
        quality: str | None,
        download_id: str | None,
    ) -> int:
        if self.kind == "sonarr" and episode_id is None:
            raise ValueError("a Sonarr history record belongs to an episode")
        ident = next(self._record_ids)
        owner = {"episodeId": episode_id, "seriesId": item_id}
        record: dict[str, Any] = {"id": ident, **(owner if self.kind == "sonarr" else {})}
        if self.kind == "radarr":
            record["movieId"] = item_id
        record |= {"sourceTitle": source_title, **self._language()}
        record |= {"quality": self._quality(quality or "WEBDL-1080p"), "customFormats": []}
        record |= {"customFormatScore": 0, "qualityCutoffNotMet": False, "date": stamp(date)}
        if download_id is not None:
            record["downloadId"] = download_id  # the apps leave nulls out
        record |= {"eventType": event, "data": dict(data)}
        self.records.append(record)
        return ident

    def _language(self) -> dict[str, Any]:
        english = {"id": 1, "name": "English"}
        if self.kind == "sonarr" and self.is_v3:
            return {"language": english}  # v3 had one language per record
        return {"languages": [english]}

    def _quality(self, name: str) -> dict[str, Any]:
        ident, tv_source, movie_source, resolution = QUALITIES[name]
        quality: dict[str, Any] = {"id": ident, "name": name, "resolution": resolution}
        quality["source"] = tv_source if self.kind == "sonarr" else movie_source
        if self.kind == "radarr":
            quality["modifier"] = "none"
        revision = {"version": 1, "real": 0, "isRepack": False}
        return {"quality": quality, "revision": revision}

    def _relative(self, item_id: int, path: str) -> str:
        item = (self.series if self.kind == "sonarr" else self.movies).get(item_id)
        folder = PurePosixPath(item["path"]) if item else None
        file = PurePosixPath(path)
        if folder is not None and file.is_relative_to(folder):
            return str(file.relative_to(folder))
        return file.name

    # -- what the routes answer ----------------------------------------------------------

    def select(self, event_types: set[int] | None, since: datetime | None) -> list[dict[str, Any]]:
        """Records of those event types (all when ``None``) dated ``since`` or later
        (a record without a readable date is always served), oldest first."""
        numbers = EVENT_TYPES[self.kind]
        found = []
        for record in self.records:
            event = record.get("eventType")
            number = numbers.get(event, -1) if isinstance(event, str) else -1
            if event_types is not None and number not in event_types:
                continue
            when = record_date(record)
            if since is not None and when is not None and when < since:
                continue
            found.append(record)
        return sorted(found, key=_order)

    def project(self, record: dict[str, Any], *, item: bool, episode: bool) -> dict[str, Any]:
        """A record as served: ``series``/``episode``/``movie`` only when asked for (and
        known: the apps leave a null out)."""
        served = copy.deepcopy(record)
        sonarr = self.kind == "sonarr"
        table = self.series if sonarr else self.movies
        found = _by_id(table, record.get("seriesId" if sonarr else "movieId"))
        if item and found is not None:
            served["series" if sonarr else "movie"] = copy.deepcopy(found)
        shown = _by_id(self.episodes, record.get("episodeId"))
        if episode and sonarr and shown is not None:
            served["episode"] = copy.deepcopy(shown)
        return served


def _by_id(table: dict[int, dict[str, Any]], ident: Any) -> dict[str, Any] | None:
    return table.get(ident) if isinstance(ident, int) else None
