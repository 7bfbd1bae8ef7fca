"""What the mirror pipeline uses from outside: named here, built by its capability.

The two protocols are the runtime's side of a run: :class:`Siblings` leases, finishes and
releases the other jobs of a batch (the job store lives in the runtime), and
:class:`Transfers` takes a copy's live progress and its numbers (the progress board and
the metrics).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from arrkestra.adapters.mounts import MountChecker
from arrkestra.adapters.rsync import RsyncOptions
from arrkestra.adapters.rsync_output import Progress
from arrkestra.core.job_kinds import CopyResult, MirrorResult
from arrkestra.core.job_kinds.server_update import ChangeType
from arrkestra.core.jobs import Job
from arrkestra.core.paths import MappedPath, PathRule
from arrkestra.pipelines.budget import BudgetGuard
from arrkestra.pipelines.mirror.messages import Mirrored

BATCH_LIMIT = 1000  # siblings leased with one job


@dataclass(frozen=True)
class Claimed:
    """The siblings a batch run got, and which jobs come back from a released attempt."""

    jobs: list[Job]  # now running under the main job's lease owner
    # Of those and the main job: the attempt before this one was released (a drain, or a
    # failed batch run). Such a job "ran before" though its attempts may say 1.
    resumed: frozenset[int]


class Siblings(Protocol):
    """The job-store side of a batch run (``runtime/sibling_leases`` implements it)."""

    async def claim(
        self,
        main: Job,
        key_prefix: str | None,
        accept: Callable[[Job], bool],
        limit: int,
        params_match: Mapping[str, object] | None = None,
    ) -> Claimed:
        """Lease to the main job's owner up to ``limit`` due, pending jobs whose key starts
        with ``key_prefix``, whose params hold ``params_match`` (JSON path -> value) and
        that ``accept`` takes. No siblings when there is no prefix or the main job must run
        alone (``run_alone``: its last shared run failed)."""
        ...

    async def finish(self, main: Job, results: list[tuple[Job, CopyResult]]) -> set[int]:
        """The siblings succeeded; the ids of those still leased (not cancelled meanwhile)."""
        ...

    async def release(self, main: Job, jobs: list[Job], note: str | None) -> None:
        """Back to pending, the attempt given back. With a ``note`` (why the run failed)
        each runs alone next time."""
        ...


class Transfers(Protocol):
    """Where a mirror job's live progress and finished numbers go."""

    def progress(self, job_id: int, progress: Progress) -> None: ...

    def finished(self, job_id: int, result: MirrorResult | None) -> None:
        """The job's run ended (``None``: it failed); its progress is over."""
        ...


@dataclass(frozen=True)
class Changed:
    """A file that changed at the destination: what the media servers are told about
    (``Created`` by a copy, ``Deleted`` by a delete, both by a move)."""

    mapped: MappedPath
    change: ChangeType


@dataclass(frozen=True)
class Deps:
    rules: tuple[PathRule, ...]
    mounts: MountChecker
    anchor_file: str | None  # mirror.mounts.anchor_file, checked under both roots
    rsync: RsyncOptions
    # Queues each media server's scan of the changed files' folders (debounced per folder
    # by the caller); None: no media server is configured.
    tell_servers: Callable[[Sequence[Changed]], Awaitable[None]] | None
    announce: Callable[[Mirrored], Awaitable[None]]  # coalesced per series by the caller
    siblings: Siblings
    transfers: Transfers
    budget: BudgetGuard | None = None  # caps deletions at the destination
    # mirror.verify: how a copy is checked before it counts (``verification``); None: not
    verify: Literal["size", "checksum"] | None = "size"
    batch_limit: int = BATCH_LIMIT
    now: Callable[[], float] = time.time  # the queue's clock (job ages)
