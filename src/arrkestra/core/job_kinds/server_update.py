"""Jellyfin's and Emby's jobs: tell the server exactly which paths of one folder changed.

Plex is asked to scan a folder (``plex_scan``); Jellyfin and Emby are told which files
were created, modified or deleted (``POST /Library/Media/Updated``), and they refresh the
items those paths belong to, never a whole library. One job per server and folder
(``jellyfin_scan``, ``emby_scan``), debounced like a Plex scan: every change to the
folder within ``scan_debounce`` joins the waiting job (:func:`gather_changes`), so a
season pack is one request naming each of its files.

A folder that collects more than ``CHANGES_LIMIT`` paths before its job runs is sent as
the folder itself (``Modified``): the server then looks at the folder once, which is what
it would do for each of those paths anyway, and the request stays small.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Literal, get_args

from pydantic import BaseModel, ConfigDict, ValidationError

from arrkestra.core.job_kinds.base import JobParams, JobResult
from arrkestra.core.job_kinds.mirror import ScanParams
from arrkestra.core.job_kinds.words import counted
from arrkestra.core.jobs import JobSpec, JsonObject

JELLYFIN_SCAN = "jellyfin_scan"
EMBY_SCAN = "emby_scan"
ServerKind = Literal["jellyfin", "emby"]
SERVER_KINDS: tuple[ServerKind, ...] = get_args(ServerKind)
ChangeType = Literal["Created", "Modified", "Deleted"]
CHANGES_LIMIT = 100
"""Paths one request names; past it the folder itself is named (see the module doc)."""


class MediaChange(BaseModel):
    """One path as the server sees it and what happened to it (its ``UpdateType``)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    path: str
    type: ChangeType


class ServerUpdateParams(JobParams):
    """Tell one Jellyfin or Emby server (``server``: ``jellyfin.default``, as on /health)
    about the changes in ``folder`` (a path as that server sees it)."""

    kind: ClassVar[ServerKind]

    server: str
    folder: str
    changes: list[MediaChange]

    def key(self) -> str:
        return f"{self.server}:{self.folder}"

    def about(self) -> str:
        """The folder's name, with its show's for a season folder (as a Plex scan's)."""
        return ScanParams(folder=self.folder).about()

    def task(self) -> str:
        return f"tell {self.server} about {self.about()}"

    def spec(self, *, delay: float = 0.0, debounce: bool = True) -> JobSpec:
        """The job, debounced: a repeat within ``delay`` joins it (:func:`gather_changes`)."""
        return JobSpec(
            self.pipeline,
            self.key(),
            self.to_json(),
            delay=delay,
            debounce=debounce,
            gather=gather_changes,
        )

    def sent(self) -> list[MediaChange]:
        """What the request names: each change, or past ``CHANGES_LIMIT`` the folder."""
        if len(self.changes) > CHANGES_LIMIT:
            return [MediaChange(path=self.folder, type="Modified")]
        return list(self.changes)


class JellyfinScanParams(ServerUpdateParams):
    pipeline: ClassVar[str] = JELLYFIN_SCAN
    kind: ClassVar[ServerKind] = "jellyfin"


class EmbyScanParams(ServerUpdateParams):
    pipeline: ClassVar[str] = EMBY_SCAN
    kind: ClassVar[ServerKind] = "emby"


PARAMS: dict[ServerKind, type[ServerUpdateParams]] = {
    "jellyfin": JellyfinScanParams,
    "emby": EmbyScanParams,
}


class _Changes(BaseModel):
    model_config = ConfigDict(extra="ignore")

    changes: list[MediaChange] = []


def merged(waiting: Sequence[MediaChange], new: Sequence[MediaChange]) -> list[MediaChange]:
    """``waiting`` with ``new`` joined: one entry per path, the latest change winning (a
    file created then deleted before the job ran is ``Deleted``), in first-seen order."""
    out = {change.path: change for change in waiting}
    for change in new:
        out.pop(change.path, None)  # moved to the end: the latest change is the last said
        out[change.path] = change
    return list(out.values())


def gather_changes(waiting: JsonObject, repeat: JsonObject) -> JsonObject:
    """A waiting job's params with a repeat's changes joined (``JobSpec.gather``). Params
    that fit no model are left as they are: the job then dies naming why, as it would."""
    try:
        have = _Changes.model_validate(waiting).changes
        more = _Changes.model_validate(repeat).changes
    except ValidationError:
        return waiting
    joined = merged(have, more)
    return {**waiting, "changes": [change.model_dump() for change in joined]}


class ServerUpdateResult(JobResult):
    outcome: Literal["reported"]
    server: str
    folder: str
    paths: int  # how many paths the request named
    changes: int  # how many changes the job had gathered

    def in_words(self, about: str) -> str:
        """``told jellyfin.default about "The Show/Season 01" (3 paths)``."""
        return f"told {self.server} about {about} ({counted(self.paths, 'path')})"
