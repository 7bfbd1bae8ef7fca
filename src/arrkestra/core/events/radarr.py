"""Radarr webhook events (application versions 3 to 6), one model per ``eventType``.

One movie has one file, so there is no multi-file import. Library paths are
``movie.folderPath`` joined with ``relativePath`` (see :func:`library_path`):
``movieFile.path`` held the download path before Radarr 5.10, and ``movie.filePath`` is
declared but never filled.
"""

from __future__ import annotations

from datetime import date
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

RADARR: ArrKind = "radarr"


class Movie(WireModel):
    """``WebhookMovie``. ``tmdbId`` is 0 in the Test payload; ``year`` can be 0."""

    id: int | None = None
    title: str | None = None
    year: Lenient[int] = None
    release_date: Lenient[date] = None
    folder_path: str | None = None
    tmdb_id: int | None = None
    imdb_id: str | None = None
    overview: Lenient[str] = None
    genres: Lenient[tuple[str, ...]] = None
    images: Lenient[tuple[Image, ...]] = None
    tags: Lenient[tuple[str, ...]] = None
    original_language: Lenient[Language] = None
    file_path: Lenient[str] = None


class RemoteMovie(WireModel):
    """``WebhookRemoteMovie``: the movie's metadata (fake ``tmdbId: 1234`` on Test)."""

    tmdb_id: int | None = None
    imdb_id: str | None = None
    title: str | None = None
    year: Lenient[int] = None


class MovieFile(MediaFile):
    """``WebhookMovieFile``. ``indexerFlags`` is a string here (``"0"``, ``"G_Freeleech"``)."""

    indexer_flags: Lenient[str] = None


def imported_file(root: str | None, file: MovieFile, *, is_upgrade: bool) -> ImportedFile:
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
    )


class MovieEvent(Event):
    """A Radarr event about one movie. ``movie`` may be absent (then every id is ``None``)."""

    kind: ClassVar[ArrKind] = RADARR
    movie: Movie | None = None

    @property
    def movie_id(self) -> int | None:
        return self.movie.id if self.movie else None

    @property
    def title(self) -> str | None:
        return self.movie.title if self.movie else None

    @property
    def year(self) -> int | None:
        return self.movie.year if self.movie else None

    @property
    def tmdb_id(self) -> int | None:
        return self.movie.tmdb_id if self.movie else None

    @property
    def imdb_id(self) -> str | None:
        return self.movie.imdb_id if self.movie else None

    @property
    def folder_path(self) -> str | None:
        """The movie folder in Radarr's own path form (``D:\\Movies\\Film (2001)`` on Windows)."""
        return self.movie.folder_path if self.movie else None

    def _summary(self, *details: str | None) -> str:
        subject = self.title or "unknown movie"
        if self.year:
            subject = f"{subject} ({self.year})"
        return summarize(self.event_type, subject, *details)

    @property
    def summary(self) -> str:
        return self._summary()


class RadarrTest(MovieEvent):
    """The "Test" button: fixed fake data (movie id 1, tmdbId 0); never act on it."""

    remote_movie: Lenient[RemoteMovie] = None
    release: Lenient[Release] = None


class RadarrGrab(MovieEvent, DownloadClientFields):
    remote_movie: Lenient[RemoteMovie] = None
    release: Lenient[Release] = None
    custom_format_info: Lenient[CustomFormatInfo] = None

    @property
    def summary(self) -> str:
        return self._summary(self.release.quality if self.release else None)


class RadarrDownload(MovieEvent, DownloadClientFields):
    """The movie's file was imported; with ``is_upgrade``, ``deleted_files`` were replaced."""

    remote_movie: Lenient[RemoteMovie] = None
    movie_file: MovieFile | None = None
    is_upgrade: Flag = False
    deleted_files: Items[MovieFile] = ()
    custom_format_info: Lenient[CustomFormatInfo] = None
    release: Lenient[Release] = None

    def imported_files(self) -> list[ImportedFile]:
        """The imported file (empty when ``movieFile`` is absent)."""
        if self.movie_file is None:
            return []
        return [imported_file(self.folder_path, self.movie_file, is_upgrade=self.is_upgrade)]

    def replaced_files(self) -> list[ReplacedFile]:
        return [replaced_file(self.folder_path, file) for file in self.deleted_files]

    def replaced_paths(self) -> list[str]:
        """Library paths of the files an upgrade replaced (those that can be known)."""
        return [f.library_path for f in self.replaced_files() if f.library_path is not None]

    def path_problems(self) -> list[str]:
        """Why the imported file has no library path (empty when it has one)."""
        return path_problems(self.folder_path, "movie.folderPath", [("movieFile", self.movie_file)])

    @property
    def summary(self) -> str:
        quality = self.movie_file.quality if self.movie_file else None
        return self._summary(quality, "upgrade" if self.is_upgrade else None)


class RadarrRename(MovieEvent):
    """Files were renamed. Radarr 3 sent ``movie`` only, so the list can be empty."""

    renamed_movie_files: Items[MovieFile] = ()

    def renamed_files(self) -> list[RenamedFile]:
        """Each renamed file with its previous and new library path."""
        return [renamed_file(self.folder_path, file) for file in self.renamed_movie_files]

    @property
    def summary(self) -> str:
        count = len(self.renamed_movie_files)
        return self._summary(f"{count} file{'s' if count != 1 else ''}")


class RadarrMovieAdded(MovieEvent):
    """Radarr 4.2+: a movie was added; ``add_method`` is ``manual``, ``list`` or ``collection``."""

    add_method: Lenient[str] = None


class RadarrMovieDelete(MovieEvent):
    """A movie was deleted. ``deleted_files``: the user also deleted its files.

    The wire key is ``deletedFiles`` (a boolean here, a list on Download); absent means
    ``False``. ``movie_folder_size`` (4.3.1+) is 0 unless files were deleted.
    """

    deleted_files: Flag = False
    movie_folder_size: int | None = None

    @property
    def summary(self) -> str:
        return self._summary("files deleted" if self.deleted_files else None)


class RadarrMovieFileDelete(MovieEvent, FileDeleteFields):
    """The movie's file was deleted; ``delete_reason`` is e.g. ``manual`` or ``upgrade``."""

    movie_file: MovieFile | None = None

    @property
    def library_path(self) -> str | None:
        """The deleted file's library path (``None`` when it cannot be known for sure)."""
        return library_path(self.folder_path, self.movie_file) if self.movie_file else None

    def path_problems(self) -> list[str]:
        return path_problems(self.folder_path, "movie.folderPath", [("movieFile", self.movie_file)])

    @property
    def summary(self) -> str:
        return self._summary(self.delete_reason)


class RadarrHealth(HealthEvent):
    kind: ClassVar[ArrKind] = RADARR


class RadarrHealthRestored(HealthEvent):
    kind: ClassVar[ArrKind] = RADARR


class RadarrApplicationUpdate(ApplicationUpdateEvent):
    kind: ClassVar[ArrKind] = RADARR


class RadarrManualInteractionRequired(MovieEvent, ManualInteractionFields):
    """Radarr 4.5.1+: a download needs a human to import it."""

    @property
    def summary(self) -> str:
        return self._summary(self.stuck_title)


RADARR_EVENTS: dict[str, type[Event]] = {
    "Test": RadarrTest,
    "Grab": RadarrGrab,
    "Download": RadarrDownload,
    "Rename": RadarrRename,
    "MovieAdded": RadarrMovieAdded,
    "MovieDelete": RadarrMovieDelete,
    "MovieFileDelete": RadarrMovieFileDelete,
    "Health": RadarrHealth,
    "HealthRestored": RadarrHealthRestored,
    "ApplicationUpdate": RadarrApplicationUpdate,
    "ManualInteractionRequired": RadarrManualInteractionRequired,
}
"""eventType -> model."""
