"""Sonarr/Radarr history records, and the webhook each one stands for (what catch-up replays).

Catch-up turns a history record into the body of the webhook the app would have sent
(:func:`webhook_body`), so the record goes through the same parser and the same routing
table as a live webhook and queues the same jobs. Facts from ``shared/specs/history.md``:

- ``data`` values are strings; an import's library file is ``data.importedPath``
  (``droppedPath`` is the download folder: never the mirror's source);
- a delete's file is the record's ``sourceTitle`` (a relative one is relative to the
  series/movie folder); a rename carries ``sourcePath``/``path`` and their relative forms;
- there is no ``isUpgrade`` on an import: an upgrade writes a ``*FileDeleted`` record with
  reason ``Upgrade`` for the same episode/movie beside it (:func:`upgraded_imports`), which
  is how a same-name upgrade is known to replace the copy;
- a record's ``series``/``episode``/``movie`` are there only when asked for
  (``include*``); the pipeline looks them up by id when they are missing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from arrkestra.core.events.files import is_inside, is_windows_path

ArrKind = Literal["sonarr", "radarr"]
Family = Literal["import", "delete", "rename"]

EVENT_TYPES: dict[ArrKind, dict[Family, tuple[str, int]]] = {
    # the camelCase name (what records carry, and /since takes) and the enum value (/history)
    "sonarr": {
        "import": ("downloadFolderImported", 3),
        "delete": ("episodeFileDeleted", 5),
        "rename": ("episodeFileRenamed", 6),
    },
    "radarr": {
        "import": ("downloadFolderImported", 3),
        "delete": ("movieFileDeleted", 6),
        "rename": ("movieFileRenamed", 9),
    },
}
UPGRADE_PAIRING = 600.0  # an upgrade's delete record is written seconds from its import's


class HistoryModel(BaseModel):
    """A JSON object as the apps serve it: camelCase, extras ignored, nothing required."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        extra="ignore",
        frozen=True,
        defer_build=True,
    )


class HistorySeries(HistoryModel):
    """What an event needs of ``SeriesResource`` (a record's ``series``, or a lookup)."""

    id: int | None = None
    title: str | None = None
    path: str | None = None
    year: int | None = None
    tvdb_id: int | None = None
    tmdb_id: int | None = None
    imdb_id: str | None = None


class HistoryEpisode(HistoryModel):
    id: int | None = None
    season_number: int | None = None
    episode_number: int | None = None
    title: str | None = None


class HistoryMovie(HistoryModel):
    """What an event needs of ``MovieResource``: its folder is ``path``."""

    id: int | None = None
    title: str | None = None
    path: str | None = None
    year: int | None = None
    tmdb_id: int | None = None
    imdb_id: str | None = None


class HistoryRecord(HistoryModel):
    """One ``HistoryResource``. Only ``id``, ``eventType`` and ``date`` are required."""

    id: int
    event_type: str
    date: datetime
    source_title: str | None = None
    download_id: str | None = None
    data: dict[str, str | None] = Field(default_factory=dict)
    series_id: int | None = None
    episode_id: int | None = None
    movie_id: int | None = None
    series: HistorySeries | None = None
    episode: HistoryEpisode | None = None
    movie: HistoryMovie | None = None
    quality: dict[str, Any] | None = None

    @property
    def timestamp(self) -> float:
        return self.date.timestamp()

    def datum(self, key: str) -> str | None:
        value = self.data.get(key)
        return value if value else None

    @property
    def quality_name(self) -> str | None:
        inner = (self.quality or {}).get("quality")
        name = inner.get("name") if isinstance(inner, dict) else None
        return name if isinstance(name, str) else None


@dataclass(frozen=True)
class Skipped:
    """A record that stands for no webhook, and why (counted, never raised)."""

    reason: Literal["other_event", "malformed"]
    detail: str


def family_of(kind: ArrKind, event_type: str) -> Family | None:
    for family, (name, _) in EVENT_TYPES[kind].items():
        if name == event_type:
            return family
    return None


def _size(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _split(path: str, folder: str | None) -> tuple[str, str]:
    """``(folder, relative path)`` of a library file: inside its item's folder when it is
    there, else its own directory (the folder may have moved since the record)."""
    if folder and is_inside(path, folder):
        sep = "\\" if is_windows_path(folder) else "/"
        return folder, path[len(folder.rstrip(sep)) + 1 :]
    sep = "\\" if is_windows_path(path) else "/"
    cut = path.rfind(sep)
    return (path[:cut] or sep, path[cut + 1 :]) if cut >= 0 else ("", path)


def _absolute(path: str, folder: str | None) -> str | None:
    """A delete's ``sourceTitle``: full in current versions, else relative to the folder."""
    if path.startswith(("/", "\\\\")) or (is_windows_path(path) and ":" in path[:3]):
        return path
    if not folder:
        return None
    sep = "\\" if is_windows_path(folder) else "/"
    return f"{folder.rstrip(sep)}{sep}{path.lstrip(sep)}"


def _item(kind: ArrKind, record: HistoryRecord, folder: str) -> dict[str, Any]:
    if kind == "sonarr":
        series = record.series or HistorySeries(id=record.series_id)
        body = series.model_dump(by_alias=True, exclude_none=True) | {"path": folder}
        episodes = (
            [record.episode.model_dump(by_alias=True, exclude_none=True)] if record.episode else []
        )
        return {"series": body, "episodes": episodes}
    movie = record.movie or HistoryMovie(id=record.movie_id)
    body = movie.model_dump(by_alias=True, exclude_none=True, exclude={"path"})
    return {"movie": body | {"folderPath": folder}}


def _folder(kind: ArrKind, record: HistoryRecord) -> str | None:
    item = record.series if kind == "sonarr" else record.movie
    return item.path if item is not None else None


def webhook_body(
    kind: ArrKind, record: HistoryRecord, *, upgrade: bool = False
) -> dict[str, Any] | Skipped:
    """The webhook body the app would have sent for ``record`` (camelCase, as on the wire)."""
    family = family_of(kind, record.event_type)
    if family is None:
        return Skipped("other_event", record.event_type)
    file_key = "episodeFile" if kind == "sonarr" else "movieFile"
    folder = _folder(kind, record)
    if family == "import":
        imported = record.datum("importedPath")
        if imported is None:
            return Skipped("malformed", f"record {record.id} has no importedPath")
        root, relative = _split(imported, folder)
        file = {"relativePath": relative, "path": imported, "size": _size(record.datum("size"))}
        if record.datum("fileId"):
            file["id"] = _size(record.datum("fileId"))
        if record.quality_name:
            file["quality"] = record.quality_name
        body = {"eventType": "Download", file_key: file, "isUpgrade": upgrade}
        body["downloadId"] = record.download_id
        body["downloadClient"] = record.datum("downloadClientName") or record.datum(
            "downloadClient"
        )
        return {k: v for k, v in (body | _item(kind, record, root)).items() if v is not None}
    if family == "delete":
        deleted = _absolute(record.source_title or "", folder)
        if deleted is None:
            return Skipped("malformed", f"record {record.id} names no deleted file")
        root, relative = _split(deleted, folder)
        reason = record.datum("reason")
        event = "EpisodeFileDelete" if kind == "sonarr" else "MovieFileDelete"
        body = {"eventType": event, file_key: {"relativePath": relative, "path": deleted}}
        if reason:
            body["deleteReason"] = reason[:1].lower() + reason[1:]  # Upgrade -> upgrade
        return body | _item(kind, record, root)
    new, old = record.datum("path"), record.datum("sourcePath")
    if new is None:
        return Skipped("malformed", f"record {record.id} has no renamed path")
    root, relative = _split(new, folder)
    renamed: dict[str, Any] = {"relativePath": relative, "path": new}
    if old is not None:
        renamed["previousPath"] = old
        if is_inside(old, root):
            renamed["previousRelativePath"] = _split(old, root)[1]
    files_key = "renamedEpisodeFiles" if kind == "sonarr" else "renamedMovieFiles"
    return {"eventType": "Rename", files_key: [renamed]} | _item(kind, record, root)


def upgraded_imports(kind: ArrKind, records: Iterable[HistoryRecord]) -> set[int]:
    """Ids of the import records an upgrade wrote: a delete with reason ``Upgrade`` of the
    same episode (or movie) lies within ``UPGRADE_PAIRING`` seconds of them."""
    names = EVENT_TYPES[kind]
    item = "episode_id" if kind == "sonarr" else "movie_id"
    upgrades: dict[int, list[float]] = {}
    imports = []
    for record in records:
        owner = getattr(record, item)
        if owner is None:
            continue
        if record.event_type == names["delete"][0] and record.datum("reason") == "Upgrade":
            upgrades.setdefault(owner, []).append(record.timestamp)
        elif record.event_type == names["import"][0]:
            imports.append((record.id, owner, record.timestamp))
    return {
        record_id
        for record_id, owner, when in imports
        if any(abs(when - t) <= UPGRADE_PAIRING for t in upgrades.get(owner, ()))
    }
