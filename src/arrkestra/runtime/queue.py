"""Queue operations shared by the HTTP API and the CLI: enqueue, retry, cancel, resume.

Each is one transaction in the store plus a wake-up of the in-process worker (when
there is one), so a retried job starts at once instead of at the next poll.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from arrkestra.core import jobs as machine
from arrkestra.core.jobs import Job, JobSpec
from arrkestra.runtime.clock import Clock
from arrkestra.store import jobs as job_store
from arrkestra.store import state as state_store
from arrkestra.store.connection import write_transaction
from arrkestra.store.database import Database

log = logging.getLogger("arrkestra.queue")

DAY = 86_400.0
CHUNK = 2_000  # jobs committed at a time by enqueue_many


@dataclass(frozen=True)
class Enqueued:
    """What :meth:`Queue.enqueue_many` did: every job, in the specs' order, and how many
    are new (the others were waiting already)."""

    jobs: tuple[Job, ...]
    created: int


def _insert_many(
    conn: sqlite3.Connection, specs: Sequence[JobSpec], *, now: float
) -> list[tuple[Job, bool]]:
    with write_transaction(conn):
        return job_store.insert_jobs(conn, specs, now=now)


class Queue:
    def __init__(
        self, db: Database, clock: Clock, wake: Callable[[], None], abort: Callable[[int], None]
    ) -> None:
        self._db = db
        self._clock = clock
        self._wake = wake
        self._abort = abort

    async def enqueue(self, spec: JobSpec) -> tuple[Job, bool]:
        job, created = await self._db.run(job_store.enqueue, spec, now=self._clock.now())
        if created:
            self._wake()
        return job, created

    async def enqueue_many(self, specs: Sequence[JobSpec]) -> Enqueued:
        """Enqueue many jobs (a folder's copies), ``CHUNK`` at a time, each chunk committed
        on its own and handed to the worker at once: the first copy starts while the rest
        are still being queued."""
        jobs: list[Job] = []
        created = 0
        for start in range(0, len(specs), CHUNK):
            chunk = specs[start : start + CHUNK]
            inserted = await self._db.run(_insert_many, chunk, now=self._clock.now())
            jobs += [job for job, _ in inserted]
            fresh = sum(1 for _, new in inserted if new)
            created += fresh
            if fresh:
                self._wake()
        return Enqueued(tuple(jobs), created)

    def wake(self) -> None:
        """Something may be due now: the worker looks at once instead of at its next poll."""
        self._wake()

    async def run_waiting_now(self, pipeline: str) -> int:
        """An upstream came back: the pipeline's failed jobs run now, not at their backoff."""
        due = await self._db.run(job_store.make_due, pipeline, now=self._clock.now())
        self._wake()
        return due

    async def run_now(self, job_id: int) -> bool:
        """A waiting job runs now rather than at its scheduled time (a manual trigger)."""
        moved = await self._db.run(job_store.run_now, job_id, now=self._clock.now())
        if moved:
            self._wake()
        return moved

    async def get(self, job_id: int) -> tuple[Job, list[job_store.Attempt]]:
        job = await self._db.run(job_store.get_job, job_id)
        return job, await self._db.run(job_store.list_attempts, job_id)

    async def list_jobs(self, query: job_store.JobFilter) -> list[Job]:
        return await self._db.run(job_store.list_jobs, query)

    async def retry(self, job_id: int) -> Job:
        job = await self._db.run(
            job_store.transition, job_id, lambda j: machine.retry(j, now=self._clock.now())
        )
        log.info("job %d queued again by hand", job_id)
        self._wake()
        return job

    async def cancel(self, job_id: int) -> Job:
        job = await self._db.run(
            job_store.transition, job_id, lambda j: machine.cancel(j, now=self._clock.now())
        )
        self._abort(job_id)
        log.info("job %d cancelled by hand", job_id)
        return job

    async def retry_failed(self, within: float = DAY) -> list[int]:
        """Retry every failed or dead job updated in the last ``within`` seconds."""
        candidates = await self._db.run(job_store.retryable_since, self._clock.now() - within)
        retried = []
        for job in candidates:
            try:
                await self.retry(job.id)
            except (machine.InvalidTransition, job_store.JobNotFound):
                continue  # changed meanwhile (e.g. a worker already retried it)
            retried.append(job.id)
        return retried

    async def paused(self) -> dict[str, dict[str, Any]]:
        return await self._db.run(state_store.paused_pipelines)

    async def pause(self, pipeline: str, reason: str) -> None:
        await self._db.run(state_store.pause_pipeline, pipeline, reason, now=self._clock.now())
        log.warning("pipeline %s paused: %s", pipeline, reason)

    async def resume(self, pipeline: str) -> bool:
        resumed = await self._db.run(state_store.resume_pipeline, pipeline, now=self._clock.now())
        if resumed:
            log.info("pipeline %s resumed", pipeline)
            self._wake()
        return resumed
