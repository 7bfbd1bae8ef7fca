"""A reconcile run: compare each mapped root's source and destination, queue what is
missing, and (optionally) find titles Overseerr still shows that no instance has."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from arrkestra.core.job_kinds.base import JobParams, JobResult, StoredModel
from arrkestra.core.job_kinds.words import counted, size

RECONCILE = "reconcile"
ReconcileTrigger = Literal["schedule", "api", "cli", "dashboard"]
RunStatus = Literal["queued", "running", "done", "dry_run", "needs_confirmation", "failed"]
SAMPLE = 20  # paths kept per list in a run's report


class ReconcileParams(JobParams):
    """One run (its row in ``reconcile_runs``). ``confirm``: queue even above
    ``reconcile.confirm_above``; ``dry_run``: report only."""

    pipeline: ClassVar[str] = RECONCILE

    run_id: int
    dry_run: bool = False
    confirm: bool = False

    def key(self) -> str:
        # a request while the same kind of run waits is that run
        mode = "dry_run" if self.dry_run else "confirm" if self.confirm else "run"
        return f"reconcile/{mode}"

    def about(self) -> str:
        return f"reconcile run {self.run_id}" + (" (dry run)" if self.dry_run else "")

    def task(self) -> str:
        return f"complete {self.about()}"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class RootReport(_Frozen):
    """What one ``mirror.paths`` root held: counts, and a sample of each list."""

    source: str
    destination: str
    missing: int = 0
    different: int = 0
    extra: int = 0
    bytes: int = 0
    problem: str | None = None  # the root was not compared (a mount check failed)


class MissedDeletion(_Frozen):
    """A title Overseerr shows as available that no instance of its kind has any more."""

    media_type: Literal["tv", "movie"]
    media_id: int  # Overseerr's
    title: str | None = None
    tmdb_id: int | None = None
    tvdb_id: int | None = None
    imdb_id: str | None = None
    is_4k: bool = False
    action: Literal["listed", "queued"] = "listed"


class ReconcileReport(StoredModel):
    """The detail of a run (``reconcile_runs.report``)."""

    roots: list[RootReport] = []
    sample_missing: list[str] = []
    sample_different: list[str] = []
    sample_extra: list[str] = []
    missed_deletions: list[MissedDeletion] = []
    untrusted: list[str] = []  # instances whose library answer was empty, failed or partial
    cleanup_jobs: int = 0
    problems: list[str] = []


class ReconcileResult(JobResult):
    outcome: Literal["done", "dry_run", "needs_confirmation", "failed"]
    run_id: int
    missing: int = 0
    different: int = 0
    queued: int = 0
    extra: int = 0
    bytes: int = 0

    def in_words(self, about: str) -> str:
        """``reconcile run 3 done: 12 missing, 0 different, 12 queued (1.2 GiB), 4 extra``."""
        found = f"{self.missing} missing, {self.different} different"
        if self.outcome == "needs_confirmation":
            copies = counted(self.missing + self.different, "file")
            return f"reconcile run {self.run_id} waits for confirmation: {copies} to copy"
        if self.outcome == "failed":
            return f"reconcile run {self.run_id} failed: {self.summary or found}"
        if self.outcome == "dry_run":
            return f"reconcile run {self.run_id} (dry run): {found}, {self.extra} extra"
        return (
            f"reconcile run {self.run_id} done: {found}, {self.queued} queued "
            f"({size(self.bytes)}), {self.extra} extra"
        )
