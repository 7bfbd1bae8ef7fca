"""A discovery cycle: refresh the TVMaze catalogue and add what passes to Sonarr."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from arrkestra.core.job_kinds.base import JobParams, JobResult, StoredModel

DISCOVERY = "discovery"


class CycleParams(JobParams):
    """A cycle takes no parameters: there is one catalogue, and one cycle at a time."""

    pipeline: ClassVar[str] = DISCOVERY

    def key(self) -> str:
        return "discovery/cycle"  # a trigger while one waits or runs is the same job


class Refiltered(BaseModel):
    """The cache judged again with changed filters."""

    model_config = ConfigDict(frozen=True)

    evaluated: int
    changed: int


class CycleResult(JobResult):
    outcome: Literal["synced", "paused"]
    reason: str | None = None  # paused: why Sonarr cannot take shows
    refiltered: Refiltered | None = None
    mode: Literal["full", "resync", "incremental"] | None = None
    requests: int | None = None  # to TVMaze
    pages: int | None = None
    shows_saved: int | None = None
    changed: int | None = None  # incremental: shows the updates list named
    window: str | None = None  # incremental: the updates period asked for
    results: dict[str, int] | None = None  # synced: shows processed, by result (added ...)


class LastRun(StoredModel):
    """The last cycle as the state table keeps it (TVMaze-Sync's ``/state`` and metrics)."""

    started: float
    duration: float
    outcome: str  # synced, paused, failed
    results: dict[str, int] = {}
