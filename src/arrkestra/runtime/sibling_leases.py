"""The job-store side of a mirror batch (``pipelines/mirror/batch``): lease, renew, finish.

:class:`SiblingLeases` is the runtime's ``Siblings`` (``pipelines/mirror/deps``).

The worker claimed one job and keeps its lease; the jobs claimed with it (its siblings)
are leased to the same owner here, in one transaction, with their own attempt rows. Until
the batch ends their leases are renewed like the worker renews its job's (a third of the
lease), so the reclaimer never hands them to another run while rsync copies them. They
finish in one transaction, with a history line and metrics each; on failure or
cancellation they are released (pending again, the attempt given back). A sibling
cancelled meanwhile is skipped and logged: its result is discarded, like the worker
discards the result of a job whose lease was lost.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from arrkestra.core import jobs as machine
from arrkestra.core.job_kinds import MIRROR, CopyResult
from arrkestra.core.jobs import Job
from arrkestra.pipelines.mirror.deps import Claimed
from arrkestra.runtime.clock import Clock
from arrkestra.runtime.metrics import Metrics
from arrkestra.runtime.worker import log_outcome
from arrkestra.store import job_batches
from arrkestra.store.database import Database
from arrkestra.store.job_batches import Applied
from arrkestra.store.jobs import Transition

log = logging.getLogger("arrkestra.mirror")


@dataclass
class _Held:
    owner: str
    ids: set[int]
    keeper: asyncio.Task[None] | None = None


@dataclass
class SiblingLeases:
    db: Database
    clock: Clock
    metrics: Metrics
    lease: float  # queue.lease, as the worker uses it
    _held: dict[int, _Held] = field(default_factory=dict)  # main job id -> its siblings

    async def claim(
        self,
        main: Job,
        key_prefix: str | None,
        accept: Callable[[Job], bool],
        limit: int,
        params_match: Mapping[str, object] | None = None,
    ) -> Claimed:
        owner = main.lease_owner
        assert owner is not None, "the main job is running, so it is leased"

        def work(conn: sqlite3.Connection) -> tuple[list[Job], set[int]]:
            resumed = job_batches.released_before(conn, [main])
            if key_prefix is None or limit <= 0 or main.run_alone:
                return [], resumed  # run_alone: its last batch failed, it runs on its own
            jobs = job_batches.claim_matching(
                conn,
                MIRROR,
                key_prefix=key_prefix,
                accept=accept,
                limit=limit,
                now=self.clock.now(),
                owner=owner,
                lease=self.lease,
                params_match=params_match,
            )
            return jobs, resumed | job_batches.released_before(conn, jobs)

        jobs, resumed = await self.db.run(work)
        if jobs:
            held = _Held(owner, {j.id for j in jobs})
            held.keeper = asyncio.create_task(self._keep_leases(main.id, held))
            self._held[main.id] = held
            log.info("job %d copies %d waiting job(s) of its folder with it", main.id, len(jobs))
        return Claimed(jobs, frozenset(resumed))

    async def finish(self, main: Job, results: list[tuple[Job, CopyResult]]) -> set[int]:
        """The siblings succeeded: one transaction, then a log line (with its history line)
        and metrics each."""
        by_id = {job.id: result for job, result in results}

        def succeed(result: CopyResult) -> Transition:
            stored = result.to_json()
            return lambda j: machine.succeed(j, now=self.clock.now(), result=stored)

        applied = await self._apply(main, [(i, succeed(r)) for i, r in by_id.items()])
        for job in applied.jobs:
            result = by_id[job.id]
            log_outcome(job)
            self.metrics.observe_job(MIRROR, job.status.value, result.seconds)
            self.metrics.observe_transfer(result.outcome, result.bytes_transferred, 0.0)
        for job_id, why in applied.skipped:
            log.warning("result of job %d (copied with job %d) discarded: %s", job_id, main.id, why)
        return {job.id for job in applied.jobs}

    async def release(self, main: Job, jobs: list[Job], note: str | None) -> None:
        """Back to pending, the attempt given back: they run again soon (with a note: alone)."""
        held = self._held.get(main.id)
        owner = held.owner if held is not None else (main.lease_owner or "")
        ids = [job.id for job in jobs]
        try:
            applied = await self.db.run(
                job_batches.release_many, ids, owner=owner, now=self.clock.now(), note=note
            )
        finally:
            self._forget(main.id, ids)
        if applied.jobs:
            done = [j.id for j in applied.jobs]
            log.info("job %d released %d job(s) it was to copy: %s", main.id, len(done), done)
        for job_id, why in applied.skipped:
            log.info("job %d (copied with job %d) was not released: %s", job_id, main.id, why)

    async def _apply(self, main: Job, changes: list[tuple[int, Transition]]) -> Applied:
        """Apply the changes to siblings of ``main``; they are then no longer held."""
        held = self._held.get(main.id)
        owner = held.owner if held is not None else (main.lease_owner or "")
        try:
            return await self.db.run(job_batches.transition_many, changes, owner=owner)
        finally:
            self._forget(main.id, [job_id for job_id, _ in changes])

    def _forget(self, main_id: int, ids: list[int]) -> None:
        held = self._held.get(main_id)
        if held is not None:
            held.ids.difference_update(ids)
            if not held.ids:
                self._stop(main_id)

    def _stop(self, main_id: int) -> None:
        held = self._held.pop(main_id, None)
        if held is not None and held.keeper is not None:
            held.keeper.cancel()

    async def _keep_leases(self, main_id: int, held: _Held) -> None:
        """Renew the siblings' leases at a third of their length, as the worker does."""
        while held.ids:
            await asyncio.sleep(self.lease / 3)

            def extend(job: Job) -> machine.JobUpdate:
                return machine.extend_lease(job, now=self.clock.now(), lease=self.lease)

            changes: list[tuple[int, Transition]] = [(i, extend) for i in sorted(held.ids)]
            try:
                applied = await self.db.run(job_batches.transition_many, changes, owner=held.owner)
            except Exception:
                log.exception("could not renew the leases of job %d's batch", main_id)
                continue
            for job_id, why in applied.skipped:
                log.warning("job %d (copied with job %d) lost its lease: %s", job_id, main_id, why)
                held.ids.discard(job_id)
