"""A discovery cycle: refresh the TVMaze catalogue and add what passes to Sonarr."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from arrkestra.core.job_kinds.base import JobParams, JobResult, StoredModel
from arrkestra.core.job_kinds.words import counted, listed
from arrkestra.core.jobs import JsonObject

DISCOVERY = "discovery"


class CycleParams(JobParams):
    """A cycle takes no parameters: there is one catalogue, and one cycle at a time.

    ``follow_up``: a cycle asked for while one runs that may have made its last adding
    pass already (a show approved in review mode): it waits for that one, then runs.
    """

    pipeline: ClassVar[str] = DISCOVERY
    follow_up: bool = False

    def key(self) -> str:
        if self.follow_up:
            return "discovery/cycle/follow-up"
        return "discovery/cycle"  # a trigger while one waits or runs is the same job

    def to_json(self) -> JsonObject:
        return self.model_dump(mode="json", exclude_defaults=True)  # a plain cycle: {}

    def about(self) -> str:
        return "the discovery cycle"

    def task(self) -> str:
        return "run the discovery cycle"


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
    added: list[str] | None = None  # synced: the titles added to Sonarr

    def in_words(self, about: str) -> str:
        """``discovery (incremental sync): 3 TVMaze requests; added "Show" to Sonarr; 2 exists``."""
        if self.outcome == "paused":
            return f"discovery paused: {self.reason or 'Sonarr cannot take shows'}"
        requests = counted(self.requests or 0, "TVMaze request")
        said = f"discovery ({self.mode or 'a'} sync): {requests}"
        if self.added:
            said += f"; added {listed(self.added)} to Sonarr"
        results = sorted((self.results or {}).items())
        others = [f"{n} {k}" for k, n in results if not (k == "added" and self.added)]
        return f"{said}; {', '.join(others)}" if others else said


class LastRun(StoredModel):
    """The last cycle as the state table keeps it (TVMaze-Sync's ``/state`` and metrics)."""

    started: float
    duration: float
    outcome: str  # synced, paused, failed
    results: dict[str, int] = {}
