"""A catch-up run: replay one instance's history since its high-water mark."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from arrkestra.core.job_kinds.base import JobParams, JobResult
from arrkestra.core.job_kinds.words import counted

CATCHUP = "catchup"
CatchupTrigger = Literal["startup", "interval", "api", "cli"]


class CatchupParams(JobParams):
    """One instance (``sonarr.hd``); ``since`` (unix seconds) reads from there instead of
    from the mark (``POST /api/v1/catchup`` with ``since``)."""

    pipeline: ClassVar[str] = CATCHUP

    instance: str
    since: float | None = None
    trigger: CatchupTrigger = "interval"

    def key(self) -> str:
        # one run per instance at a time; an explicit window is its own run
        return self.instance if self.since is None else f"{self.instance}/since/{self.since:.0f}"

    def about(self) -> str:
        return self.instance

    def task(self) -> str:
        return f"catch up {self.instance}"


class Skips(BaseModel):
    """Records read but not queued, by why."""

    model_config = ConfigDict(frozen=True)

    already_received: int = 0  # a webhook (or an earlier run) queued the same job since
    seen: int = 0  # an earlier catch-up stored this very record
    unmapped: int = 0  # outside every ``mirror.paths`` root
    other_event: int = 0  # an event type catch-up does not replay
    malformed: int = 0  # the record could not be read, or names no file
    not_routed: int = 0  # routing queued nothing for it (e.g. renames off)


class CatchupResult(JobResult):
    outcome: Literal["caught_up", "auth_failed"]
    instance: str
    since: float | None = None  # unix seconds the window started at
    mark: str | None = None  # the high-water mark afterwards (the app's clock, ISO 8601)
    route: Literal["since", "paged"] | None = None
    records: int = 0
    queued: int = 0  # jobs created
    events: int = 0  # records stored as events
    skipped: Skips = Skips()

    def in_words(self, about: str) -> str:
        """``caught up sonarr.hd: 12 history records read, 3 jobs queued, 9 skipped``."""
        if self.outcome == "auth_failed":
            return f"could not catch up {self.instance}: its credentials were rejected"
        skipped = sum(self.skipped.model_dump().values())
        said = (
            f"caught up {self.instance}: {counted(self.records, 'history record')} read, "
            f"{counted(self.queued, 'job')} queued"
        )
        return f"{said}, {skipped} skipped" if skipped else said
