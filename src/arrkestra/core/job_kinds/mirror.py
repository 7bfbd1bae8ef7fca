"""Mirror's jobs: copy an imported file, delete or move a copy, scan a Plex folder.

One ``mirror`` job per file, told apart by ``action``: ``copy`` (an import; rows written
before ``action`` existed are copies), ``delete`` (``mirror.propagate_deletes``),
``rename`` (``mirror.propagate_renames``) and ``problem`` (an import event that names no
usable file: the job exists to fail visibly, naming what is missing). A copy that
changed something, a delete and a move queue a ``plex_scan`` job for their folder.

Keys: a copy by instance and library path, so the same file arriving twice ("On File
Import" and "On Import Complete") is one job while the first waits; a delete by the path
it removes (an upgrade's ``deletedFiles`` and the EpisodeFileDelete Sonarr sends for the
same file become one job); a rename by the path it moves away from; a scan by section
and folder (a burst of copies into one folder is one scan).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Tag, TypeAdapter, ValidationError

from arrkestra.core.job_kinds.base import JobParams, JobResult, unfit
from arrkestra.core.job_kinds.words import counted, duration, file_name, quoted, size
from arrkestra.core.jobs import JsonObject

MIRROR = "mirror"
PLEX_SCAN = "plex_scan"
MediaType = Literal["movie", "episode"]
SEASON_FOLDER = re.compile(r"(?i)^(season|series|specials)\b")


def _title_and_file(title: str | None, path: str) -> str:
    """``"The Show" (The Show - S01E02.mkv)``: what a delete or a move is about."""
    name = file_name(path)
    if not title:
        return quoted(name)
    return f"{quoted(title)} ({name})" if name else quoted(title)


class CopyParams(JobParams):
    """Copy one imported file (and its sidecars) to the destination."""

    pipeline: ClassVar[str] = MIRROR

    action: Literal["copy"] = "copy"
    instance: str
    library_path: str  # as Sonarr/Radarr name it
    replace_existing: bool = False  # an upgrade or Import Complete: a same-name copy goes
    title: str | None = None
    year: int | None = None
    season: int | None = None
    episodes: list[int] = []
    episode_titles: list[str] = []
    quality: str | None = None
    size: int | None = None
    media_type: MediaType | None = None  # a manual sync says; an import's instance tells
    manual: bool = False  # queued by hand (``arrkestra sync``, ``/sync/manual``)
    bulk: bool = False  # queued by reconcile: copied with its root's other bulk copies

    def key(self) -> str:
        return f"{self.instance}/{self.library_path}"

    def about(self) -> str:
        """``"Amélie (2001)"``, ``"The Show S01E02"``; the file's name without a title."""
        if not self.title:
            return quoted(file_name(self.library_path))
        if self.season is not None:
            numbers = "".join(f"E{n:02d}" for n in self.episodes)
            return quoted(f"{self.title} S{self.season:02d}{numbers}")
        if self.year and not self.title.endswith(f"({self.year})"):
            return quoted(f"{self.title} ({self.year})")
        return quoted(self.title)

    def task(self) -> str:
        return f"mirror {self.about()}"

    @property
    def folder_key_prefix(self) -> str | None:
        """The keys of copies into the same folder (what a batch run looks for)."""
        path = self.library_path
        cut = max(path.rfind("/"), path.rfind("\\"))
        return None if cut < 0 else f"{self.instance}/{path[: cut + 1]}"


class DeleteParams(JobParams):
    """Remove the copy of a file Sonarr/Radarr deleted (or an upgrade replaced)."""

    pipeline: ClassVar[str] = MIRROR

    action: Literal["delete"] = "delete"
    instance: str
    library_path: str
    title: str | None = None
    reason: str | None = None  # why Sonarr/Radarr deleted it (``upgrade``, ``manual`` ...)

    def key(self) -> str:
        return f"{self.instance}/delete/{self.library_path}"

    def about(self) -> str:
        return _title_and_file(self.title, self.library_path)

    def task(self) -> str:
        return f"delete the copy of {self.about()}"


class RenameParams(JobParams):
    """Move the copy of a renamed file (and its sidecars) to the new name."""

    pipeline: ClassVar[str] = MIRROR

    action: Literal["rename"] = "rename"
    instance: str
    library_path: str  # the new name
    previous_path: str
    title: str | None = None

    def key(self) -> str:
        return f"{self.instance}/rename/{self.previous_path}"

    def about(self) -> str:
        """The title and the new name."""
        return _title_and_file(self.title, self.library_path)

    def task(self) -> str:
        return f"rename the copy of {self.about()}"

    def as_copy(self) -> CopyParams:
        """Nothing to move (the old copy never arrived): copy the new name instead."""
        return CopyParams(instance=self.instance, library_path=self.library_path, title=self.title)


class MirrorProblem(JobParams):
    """An event mirror cannot act on (malformed, no file path): it dies naming why."""

    pipeline: ClassVar[str] = MIRROR

    action: Literal["problem"] = "problem"
    instance: str | None = None  # rows from before this model have neither
    subject: str = ""  # what the key says it was about: ``malformed``, ``no-path/<title>``
    problems: list[str]

    def key(self) -> str:
        return f"{self.instance}/{self.subject}"

    def about(self) -> str:
        return quoted(self.subject) if self.subject else f"an event from {self.instance}"

    def task(self) -> str:
        return f"mirror {self.about()}"


MirrorParams = CopyParams | DeleteParams | RenameParams | MirrorProblem


def media_kind(params: MirrorParams) -> MediaType | None:
    """``movie`` or ``episode``: by the instance, else as a copy was told, else by a season
    (the mirror statistics count by the same rule)."""
    instance = params.instance or ""
    if instance.startswith(("radarr.", "sonarr.")):
        return "movie" if instance.startswith("radarr.") else "episode"
    if isinstance(params, CopyParams):
        if params.media_type is not None:
            return params.media_type
        return "episode" if params.season is not None else None
    return None


def _action(data: Any) -> str:
    if not isinstance(data, dict):
        return str(getattr(data, "action", "copy"))
    action = data.get("action")
    if action is None:  # rows from before ``action``: problems only, or a copy
        return "problem" if data.get("problems") else "copy"
    return str(action)


_MIRROR_PARAMS: TypeAdapter[MirrorParams] = TypeAdapter(
    Annotated[
        Annotated[CopyParams, Tag("copy")]
        | Annotated[DeleteParams, Tag("delete")]
        | Annotated[RenameParams, Tag("rename")]
        | Annotated[MirrorProblem, Tag("problem")],
        Discriminator(_action),
    ],
    config=ConfigDict(defer_build=True),
)


def load_mirror_params(data: JsonObject | None) -> MirrorParams:
    """A stored mirror job's params as their model; ``PermanentError`` when they fit none."""
    try:
        return _MIRROR_PARAMS.validate_python(data or {})
    except ValidationError as exc:
        raise unfit(f"{MIRROR} job", exc) from None


class BatchTotals(BaseModel):
    """On the job that led a batch run: the whole run's numbers."""

    model_config = ConfigDict(frozen=True)

    jobs: int
    files_transferred: int
    bytes_transferred: int


class CopyResult(JobResult):
    outcome: Literal["copied", "already_present", "dry_run"]
    source: str
    destination: str
    files: list[str]  # the media file and its sidecars, by name
    files_transferred: int
    bytes_transferred: int
    seconds: float
    note: str | None = None  # a retry found it complete; a rename copied instead
    batch: BatchTotals | None = None
    batch_of: int | None = None  # copied in the run another job led
    # How the copy was checked against its source after rsync (``mirror.verify``); None:
    # not checked (``verify: none``, a dry run, a result from before the field).
    verified: Literal["size", "checksum"] | None = None

    def in_words(self, about: str) -> str:
        """``mirrored "Amélie (2001)" 1.2 GiB in 8 s``; a skip or a dry run says so, and a
        copy verified by checksum (the size check is the default: not worth a word)."""
        if self.outcome == "already_present":
            return f"skipped {about}: already at the destination"
        if self.outcome == "dry_run":
            return f"dry run: would mirror {about} ({counted(len(self.files), 'file')})"
        said = f"mirrored {about} {size(self.bytes_transferred)} in {duration(self.seconds)}"
        if self.verified == "checksum":
            said += ", checksum verified"
        if self.batch_of is not None:
            said += f" (in the run of job {self.batch_of})"
        elif self.batch is not None and self.batch.jobs > 1:
            said += f" (leading a run of {self.batch.jobs} copies)"
        return f"{said}; {self.note}" if self.note else said


class DeleteResult(JobResult):
    KEPT_WHEN_NONE = frozenset({"reason"})

    outcome: Literal["deleted", "kept_source_present", "already_absent", "dry_run"]
    destination: str
    reason: str | None = None
    deleted: list[str] | None = None
    kept: list[str] | None = None  # at the source again: not ours to delete
    would_delete: list[str] | None = None

    def in_words(self, about: str) -> str:
        """``deleted the copy of "The Show" (The Show - S01E02.mkv); reason: upgrade``."""
        if self.outcome == "kept_source_present":
            return f"kept the copy of {about}: the file is at the source again"
        if self.outcome == "already_absent":
            return f"skipped {about}: no copy at the destination"
        if self.outcome == "dry_run":
            files = counted(len(self.would_delete or []), "file")
            return f"dry run: would delete the copy of {about} ({files})"
        said = f"deleted the copy of {about}"
        return f"{said}; reason: {self.reason}" if self.reason else said


class RenameResult(JobResult):
    outcome: Literal["renamed", "dry_run"]
    moved: list[list[str]] | None = None  # [from, to] per file
    would_move: list[list[str]] | None = None

    def in_words(self, about: str) -> str:
        """``renamed the copy of "The Show" (The Show - S01E02 - Pilot.mkv), 2 files moved``."""
        if self.outcome == "dry_run":
            return f"dry run: would rename the copy of {about}"
        return f"renamed the copy of {about}, {counted(len(self.moved or []), 'file')} moved"


MirrorResult = CopyResult | DeleteResult | RenameResult


def _result_kind(data: Any) -> str:
    if isinstance(data, CopyResult | DeleteResult | RenameResult):
        return {CopyResult: "copy", DeleteResult: "delete"}.get(type(data), "rename")
    if not isinstance(data, dict):
        return "delete"
    if "files" in data:
        return "copy"
    return "rename" if "moved" in data or "would_move" in data else "delete"


_MIRROR_RESULT: TypeAdapter[MirrorResult] = TypeAdapter(
    Annotated[
        Annotated[CopyResult, Tag("copy")]
        | Annotated[DeleteResult, Tag("delete")]
        | Annotated[RenameResult, Tag("rename")],
        Discriminator(_result_kind),
    ],
    config=ConfigDict(defer_build=True),
)


def load_mirror_result(data: JsonObject | None) -> MirrorResult | None:
    """A finished mirror job's result as its model; None when there is none (or it fits
    none: the row predates the field, and nothing can be said about it)."""
    if not data:
        return None
    try:
        return _MIRROR_RESULT.validate_python(data)
    except ValidationError:
        return None


class ScanParams(JobParams):
    """Scan one folder of the media server's library."""

    pipeline: ClassVar[str] = PLEX_SCAN

    folder: str
    section: int | str | None = None  # None: the section whose location holds the folder

    def key(self) -> str:
        return f"{self.section or 'auto'}:{self.folder}"

    def about(self) -> str:
        """The folder's name (with its show's for a season folder): ``"The Show/Season 01"``."""
        parts = [p for p in self.folder.replace("\\", "/").split("/") if p]
        if not parts:
            return quoted(self.folder or "/")
        if len(parts) > 1 and SEASON_FOLDER.match(parts[-1]):
            return quoted("/".join(parts[-2:]))
        return quoted(parts[-1])

    def task(self) -> str:
        return f"scan {self.about()} in Plex"


class ScanResult(JobResult):
    outcome: Literal["scanned"]
    section: int | str | None = None
    folder: str

    def in_words(self, about: str) -> str:
        """``scanned Plex section 2 for "Amélie (2001)"``."""
        where = "Plex" if self.section is None else f"Plex section {self.section}"
        return f"scanned {where} for {about}"
