"""Sonarr webhook events (v3, v4, v5), one model per ``eventType`` and shape.

``Download`` has two shapes with the same ``eventType``: the per-file import
(:class:`SonarrDownload`: ``episodeFile``, ``isUpgrade``, ``deletedFiles[]``) and v4's "On
Import Complete" (:class:`SonarrImportComplete`: ``episodeFiles[]``, ``sourcePath``,
``destinationPath``), told apart by the presence of ``episodeFiles``. Library paths are
``series.path`` joined with ``relativePath`` (see :func:`library_path`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import ClassVar

from arrkestra.core.events.common import (
    ApplicationUpdateEvent,
    ArrKind,
    CustomFormatInfo,
    DownloadClientFields,
    Event,
    FileDeleteFields,
    Flag,
    HealthEvent,
    Image,
    Items,
    Language,
    Lenient,
    ManualInteractionFields,
    MediaFile,
    Release,
    WireModel,
    summarize,
)
from arrkestra.core.events.files import (
    ImportedFile,
    RenamedFile,
    ReplacedFile,
    library_path,
    path_problems,
    renamed_file,
    replaced_file,
)

SONARR: ArrKind = "sonarr"


class Series(WireModel):
    """``WebhookSeries``: ``tmdbId`` since v4.0.5; ``tvMazeId`` and ``tmdbId`` are 0 if unknown."""

    id: int | None = None
    title: str | None = None
    title_slug: Lenient[str] = None
    path: str | None = None
    tvdb_id: int | None = None
    tv_maze_id: int | None = None
    tmdb_id: int | None = None
    imdb_id: str | None = None
    type: Lenient[str] = None
    year: Lenient[int] = None
    genres: Lenient[tuple[str, ...]] = None
    images: Lenient[tuple[Image, ...]] = None
    tags: Lenient[tuple[str, ...]] = None
    original_language: Lenient[Language] = None


class Episode(WireModel):
    id: int | None = None
    episode_number: int | None = None
    season_number: int | None = None
    title: str | None = None
    overview: Lenient[str] = None
    air_date: Lenient[date] = None
    air_date_utc: Lenient[datetime] = None
    series_id: int | None = None
    tvdb_id: int | None = None
    finale_type: Lenient[str] = None

    @property
    def label(self) -> str | None:
        """``S01E02``, or ``None`` without both numbers."""
        if self.season_number is None or self.episode_number is None:
            return None
        return f"S{self.season_number:02d}E{self.episode_number:02d}"


class EpisodeFile(MediaFile):
    """``WebhookEpisodeFile``; also Sonarr v3's internal ``EpisodeFile`` (EpisodeFileDelete)."""

    series_id: Lenient[int] = None
    season_number: Lenient[int] = None


def episode_label(episodes: Sequence[Episode]) -> str | None:
    """``S01E02``, ``S06E01-E03`` for a run in one season, ``S01E10-S02E01`` across seasons."""
    numbered = sorted(
        (e.season_number, e.episode_number)
        for e in episodes
        if e.season_number is not None and e.episode_number is not None
    )
    if not numbered:
        return None
    (season, first), (last_season, last) = numbered[0], numbered[-1]
    label = f"S{season:02d}E{first:02d}"
    if (season, first) == (last_season, last):
        return label
    if season == last_season:
        return f"{label}-E{last:02d}"
    return f"{label}-S{last_season:02d}E{last:02d}"


def _first(*values: int | None) -> int | None:
    return next((value for value in values if value is not None), None)


def common_season(episodes: Sequence[Episode]) -> int | None:
    """The season all ``episodes`` belong to, or ``None`` when there is not exactly one."""
    seasons = {e.season_number for e in episodes if e.season_number is not None}
    return seasons.pop() if len(seasons) == 1 else None


def imported_file(
    root: str | None,
    file: EpisodeFile,
    episodes: Sequence[Episode],
    *,
    is_upgrade: bool,
    season_number: int | None = None,
) -> ImportedFile:
    """``file`` as a pipeline sees it, with the numbers and titles of ``episodes`` (in it)."""
    season = common_season(episodes)
    return ImportedFile(
        library_path=library_path(root, file),
        relative_path=file.relative_path,
        file_id=file.id,
        size=file.size,
        quality=file.quality,
        quality_version=file.quality_version,
        source_path=file.source_path,
        scene_name=file.scene_name,
        release_group=file.release_group,
        is_upgrade=is_upgrade,
        season_number=_first(season, season_number, file.season_number),
        episode_numbers=tuple(e.episode_number for e in episodes if e.episode_number is not None),
        episode_titles=tuple(e.title for e in episodes if e.title is not None),
    )


class SeriesEvent(Event):
    """A Sonarr event about one series. ``series`` may be absent (then every id is ``None``)."""

    kind: ClassVar[ArrKind] = SONARR
    series: Series | None = None

    @property
    def series_id(self) -> int | None:
        return self.series.id if self.series else None

    @property
    def title(self) -> str | None:
        return self.series.title if self.series else None

    @property
    def tvdb_id(self) -> int | None:
        return self.series.tvdb_id if self.series else None

    @property
    def year(self) -> int | None:
        return (self.series.year or None) if self.series else None

    @property
    def tmdb_id(self) -> int | None:
        return self.series.tmdb_id if self.series else None

    @property
    def imdb_id(self) -> str | None:
        return self.series.imdb_id if self.series else None

    @property
    def series_path(self) -> str | None:
        """The series folder in Sonarr's own path form (``D:\\TV\\Show`` on Windows)."""
        return self.series.path if self.series else None

    @property
    def summary(self) -> str:
        return summarize(self.event_type, self.title or "unknown series")


class EpisodesEvent(SeriesEvent):
    """A Sonarr event about some episodes of a series."""

    episodes: Items[Episode] = ()

    def _summary(self, *details: str | None) -> str:
        subject = " ".join(
            filter(None, [self.title or "unknown series", episode_label(self.episodes)])
        )
        return summarize(self.event_type, subject, *details)

    @property
    def summary(self) -> str:
        return self._summary()


class SonarrTest(EpisodesEvent):
    """The "Test" button: fixed fake data (series id 1, tvdbId 1234); never act on it."""


class SonarrGrab(EpisodesEvent, DownloadClientFields):
    release: Lenient[Release] = None
    custom_format_info: Lenient[CustomFormatInfo] = None

    @property
    def summary(self) -> str:
        return self._summary(self.release.quality if self.release else None)


class SonarrDownload(EpisodesEvent, DownloadClientFields):
    """One imported file ("On File Import" / "On File Upgrade").

    ``deleted_files`` lists the files an upgrade replaced (only when ``is_upgrade``).
    """

    episode_file: EpisodeFile | None = None
    is_upgrade: Flag = False
    deleted_files: Items[EpisodeFile] = ()
    custom_format_info: Lenient[CustomFormatInfo] = None
    release: Lenient[Release] = None

    def imported_files(self) -> list[ImportedFile]:
        """The imported file (empty when ``episodeFile`` is absent)."""
        if self.episode_file is None:
            return []
        file, upgrade = self.episode_file, self.is_upgrade
        return [imported_file(self.series_path, file, self.episodes, is_upgrade=upgrade)]

    def replaced_files(self) -> list[ReplacedFile]:
        return [replaced_file(self.series_path, file) for file in self.deleted_files]

    def replaced_paths(self) -> list[str]:
        """Library paths of the files an upgrade replaced (those that can be known)."""
        return [f.library_path for f in self.replaced_files() if f.library_path is not None]

    def path_problems(self) -> list[str]:
        """Why the imported file has no library path (empty when it has one)."""
        return path_problems(self.series_path, "series.path", [("episodeFile", self.episode_file)])

    @property
    def summary(self) -> str:
        quality = self.episode_file.quality if self.episode_file else None
        return self._summary(quality, "upgrade" if self.is_upgrade else None)


class SonarrImportComplete(EpisodesEvent, DownloadClientFields):
    """Sonarr v4.0.6+ "On Import Complete": every file of one release (e.g. a season pack).

    It has no ``isUpgrade`` and no ``deletedFiles``: replaced files arrive with the per-file
    ``Download`` events, when those are enabled.
    """

    episode_files: Items[EpisodeFile] = ()
    file_count: Lenient[int] = None
    source_path: str | None = None
    destination_path: str | None = None
    release: Lenient[Release] = None

    def imported_files(self) -> list[ImportedFile]:
        """Every imported file. Episode numbers per file only when there is one file.

        The payload does not say which episode is in which file, so with several files
        each :class:`ImportedFile` gets the season (when the release has one) but no
        episode numbers; :attr:`episodes` lists them all.
        """
        episodes = self.episodes if len(self.episode_files) == 1 else ()
        season = common_season(self.episodes)
        return [
            imported_file(self.series_path, file, episodes, is_upgrade=False, season_number=season)
            for file in self.episode_files
        ]

    def replaced_files(self) -> list[ReplacedFile]:
        return []

    def replaced_paths(self) -> list[str]:
        return []

    def path_problems(self) -> list[str]:
        if not self.episode_files:
            return ["episodeFiles is empty"]
        named = [(f"episodeFiles[{i}]", f) for i, f in enumerate(self.episode_files)]
        return path_problems(self.series_path, "series.path", list(named))

    @property
    def summary(self) -> str:
        count = len(self.episode_files)
        return self._summary(f"{count} file{'s' if count != 1 else ''}")


class SonarrRename(SeriesEvent):
    renamed_episode_files: Items[EpisodeFile] = ()

    def renamed_files(self) -> list[RenamedFile]:
        """Each renamed file with its previous and new library path."""
        return [renamed_file(self.series_path, file) for file in self.renamed_episode_files]

    @property
    def summary(self) -> str:
        count = len(self.renamed_episode_files)
        return summarize(
            self.event_type,
            self.title or "unknown series",
            f"{count} file{'s' if count != 1 else ''}",
        )


class SonarrSeriesAdd(SeriesEvent):
    """Sonarr v4+: a series was added."""


class SonarrSeriesDelete(SeriesEvent):
    """A series was deleted. ``deleted_files``: the user also deleted its folder.

    The wire key is ``deletedFiles`` (a boolean here, a list on Download). When absent it
    is ``False``: never assume files are gone without the sender saying so.
    """

    deleted_files: Flag = False

    @property
    def summary(self) -> str:
        return summarize(
            self.event_type,
            self.title or "unknown series",
            "files deleted" if self.deleted_files else None,
        )


class SonarrEpisodeFileDelete(EpisodesEvent, FileDeleteFields):
    """An episode file was deleted; ``delete_reason`` is e.g. ``manual`` or ``upgrade``."""

    episode_file: EpisodeFile | None = None

    @property
    def library_path(self) -> str | None:
        """The deleted file's library path (``None`` when it cannot be known for sure)."""
        return library_path(self.series_path, self.episode_file) if self.episode_file else None

    def path_problems(self) -> list[str]:
        return path_problems(self.series_path, "series.path", [("episodeFile", self.episode_file)])

    @property
    def summary(self) -> str:
        return self._summary(self.delete_reason)


class SonarrHealth(HealthEvent):
    kind: ClassVar[ArrKind] = SONARR


class SonarrHealthRestored(HealthEvent):
    kind: ClassVar[ArrKind] = SONARR


class SonarrApplicationUpdate(ApplicationUpdateEvent):
    kind: ClassVar[ArrKind] = SONARR


class SonarrManualInteractionRequired(EpisodesEvent, ManualInteractionFields):
    """Sonarr v4+: a download needs a human to import it. ``series`` may be absent."""

    @property
    def summary(self) -> str:
        return self._summary(self.stuck_title)


SONARR_EVENTS: dict[str, type[Event]] = {
    "Test": SonarrTest,
    "Grab": SonarrGrab,
    "Download": SonarrDownload,
    "Rename": SonarrRename,
    "SeriesAdd": SonarrSeriesAdd,
    "SeriesDelete": SonarrSeriesDelete,
    "EpisodeFileDelete": SonarrEpisodeFileDelete,
    "Health": SonarrHealth,
    "HealthRestored": SonarrHealthRestored,
    "ApplicationUpdate": SonarrApplicationUpdate,
    "ManualInteractionRequired": SonarrManualInteractionRequired,
}
"""eventType -> model; ``Download`` with ``episodeFiles`` is :class:`SonarrImportComplete`."""
