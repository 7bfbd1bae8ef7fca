"""A cleanup job: remove a title Sonarr/Radarr deleted from Overseerr/Jellyseerr."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from arrkestra.core.job_kinds.base import JobParams, JobResult
from arrkestra.core.job_kinds.words import counted, quoted

CLEANUP = "cleanup"
CleanupOutcome = Literal[
    "deleted", "not_in_overseerr", "kept_other_copy", "kept_blacklisted", "dry_run"
]


class CleanupParams(JobParams):
    """One SeriesDelete / MovieDelete. ``problems``: the event was malformed (the job
    exists to fail visibly, naming them)."""

    pipeline: ClassVar[str] = CLEANUP

    media_type: Literal["tv", "movie"]
    instance: str
    is_4k: bool = False
    tmdb_id: int | None = None
    tvdb_id: int | None = None
    arr_id: int | None = None
    title: str | None = None
    deleted_files: bool = False
    problems: list[str] | None = None

    def key(self) -> str:
        """Instance, type and ids: the same title deleted twice is one job while it waits."""
        if self.problems:
            ident = "malformed"
        else:
            ident = f"tmdb:{self.tmdb_id}/tvdb:{self.tvdb_id}/arr:{self.arr_id}"
        return f"{self.instance}/{self.media_type}/{ident}"

    def about(self) -> str:
        """The title quoted, else the ids the event carried (``movie tmdb:603``)."""
        if self.title:
            return quoted(self.title)
        pairs = (("tmdb", self.tmdb_id), ("tvdb", self.tvdb_id))
        ids = " ".join(f"{name}:{value}" for name, value in pairs if value)
        kind = "series" if self.media_type == "tv" else "movie"
        return f"{kind} {ids}" if ids else f"a {kind} from {self.instance}"

    def task(self) -> str:
        return f"remove {self.about()} from Overseerr"


class WouldDo(BaseModel):
    """Dry run: what a real run would have done."""

    model_config = ConfigDict(frozen=True)

    action: Literal["delete_media", "delete_requests"]
    request_ids: list[int] = []


class CleanupResult(JobResult):
    KEPT_WHEN_NONE = frozenset(
        {"instance", "media_type", "tmdb_id", "tvdb_id", "title", "media_id"}
    )

    outcome: CleanupOutcome
    instance: str | None = None
    media_type: Literal["tv", "movie"] | None = None
    tmdb_id: int | None = None
    tvdb_id: int | None = None
    title: str | None = None
    media_id: int | None = None  # Overseerr's row, when one was found
    removed_requests: list[int] | None = None  # kept_other_copy: this side's requests
    note: str | None = None
    would: WouldDo | None = None

    def in_words(self, about: str) -> str:
        """``removed "Show" from Overseerr``, ``skipped "Show": not in Overseerr`` ..."""
        title = quoted(self.title) if self.title else about
        if self.outcome == "deleted":
            return f"removed {title} from Overseerr"
        if self.outcome == "not_in_overseerr":
            gone = "not in Overseerr" if self.media_id is None else "already gone from Overseerr"
            return f"skipped {title}: {gone}"
        if self.outcome == "kept_other_copy":
            removed = counted(len(self.removed_requests or []), "request")
            return f"kept {title} in Overseerr for its other copy; removed {removed}"
        if self.outcome == "kept_blacklisted":
            return f"kept {title} in Overseerr: it is blacklisted"
        if self.would is not None and self.would.action == "delete_requests":
            requests = counted(len(self.would.request_ids), "request")
            return f"dry run: would remove {requests} of {title} from Overseerr"
        return f"dry run: would remove {title} from Overseerr"
