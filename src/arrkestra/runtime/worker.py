"""The worker: claim -> run -> classify -> transition, for every registered pipeline.

One dispatcher task claims due jobs while their pipeline has free capacity and is not
paused; each claimed job runs in its own task whose lease is extended while it runs.
The dispatcher sleeps until woken (an enqueue), until the next job falls due, or
``poll_interval`` at the most (jobs enqueued by another process, e.g. the CLI).

Tests use burst mode instead of the dispatcher: :meth:`Worker.run_until_idle` runs every
due job (and those they queue) and returns once nothing is due or running, the way
arq's ``burst=True`` worker does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from arrkestra.core import jobs as machine
from arrkestra.core.errors import (
    DeferredError,
    MountDown,
    PermanentError,
    TransientError,
    UpstreamAuthError,
)
from arrkestra.core.job_kinds import JobParams, JobResult
from arrkestra.core.job_kinds.outcomes import told
from arrkestra.core.jobs import FailureKind, Job, JobUpdate, JsonObject
from arrkestra.core.retry import RandomSource, RetryPolicy
from arrkestra.runtime.clock import Clock
from arrkestra.runtime.logs import HISTORY_LOGGER, job_context
from arrkestra.runtime.metrics import Metrics
from arrkestra.store import jobs as job_store
from arrkestra.store import state as state_store
from arrkestra.store.database import Database

log = logging.getLogger("arrkestra.worker")
history = logging.getLogger(HISTORY_LOGGER)

P = TypeVar("P", bound=JobParams)
D = TypeVar("D")


async def _ignore_dead(job: Job) -> None:
    return None


async def _ignore_auth(pipeline: str, message: str) -> None:
    return None


@dataclass(frozen=True)
class WorkerHooks:
    """What the runtime does when a job dies or an upstream rejects its credentials."""

    job_dead: Callable[[Job], Awaitable[None]] = _ignore_dead
    auth_failed: Callable[[str, str], Awaitable[None]] = _ignore_auth


@dataclass(frozen=True)
class Pipeline(Generic[P, D]):
    """A pipeline as the worker sees it: ``run(job, params(job.params), deps)``, how many
    at once, how to retry. Params that fit no model fail the job (``PermanentError``)."""

    name: str
    params: Callable[[JsonObject], P]
    run: Callable[[Job, P, D], Awaitable[JobResult]]
    deps: D
    concurrency: int
    policy: RetryPolicy


@dataclass(frozen=True)
class Failure:
    kind: FailureKind
    message: str
    retry_after: float | None = None
    unexpected: bool = False  # not an error raised on purpose: a bug, logged with its traceback
    waiting_on: str | None = None  # deferred: the mount (a root's path) the job waits on


def classify(exc: BaseException) -> Failure:
    """Map an exception to what the queue does next (the tree in ``core/errors``)."""
    text = str(exc) or type(exc).__name__
    if isinstance(exc, TransientError):
        return Failure(FailureKind.TRANSIENT, text, exc.retry_after)
    if isinstance(exc, UpstreamAuthError):
        return Failure(FailureKind.AUTH, f"{exc.upstream}: {text}")
    if isinstance(exc, MountDown):  # not the job's failure: it waits on the mount
        return Failure(FailureKind.DEFERRED, text, exc.retry_after, waiting_on=exc.path)
    if isinstance(exc, DeferredError):
        return Failure(FailureKind.DEFERRED, text, exc.retry_after)
    if isinstance(exc, PermanentError):
        return Failure(FailureKind.PERMANENT, text)
    # A bug is not the job's fault: retry (bounded by the policy) rather than lose the work.
    message = f"unexpected {type(exc).__name__}: {text}"
    return Failure(FailureKind.TRANSIENT, message, unexpected=True)


def history_line(job: Job) -> str:
    """``SUCCEEDED mirror job 12 (2 attempt(s)): mirrored "Amélie (2001)" 1.2 GiB in 8 s``,
    ``DEAD cleanup job 3 (1 attempt(s)): could not remove "Show" from Overseerr: ...``."""
    status = job.status.value.upper()
    line = f"{status} {job.pipeline} job {job.id} ({job.attempts} attempt(s)): {told(job)}"
    return line.replace("\n", " ")


def log_outcome(job: Job) -> None:
    """The one line a job gets when an attempt ends, in words (``core/job_kinds/outcomes``):
    INFO when it succeeded (or was put back), WARNING when it will be retried, ERROR when
    it is dead; succeeded and dead jobs also get their history line. Logged in the job's
    own context (``[job=N pipeline=P]``), also for the jobs of a mirror batch."""
    level = {
        machine.JobStatus.DEAD: logging.ERROR,
        machine.JobStatus.FAILED: logging.WARNING,
    }.get(job.status, logging.INFO)
    token = job_context.set((job.id, job.pipeline))
    try:
        log.log(level, "%s", told(job))
        if job.status is machine.JobStatus.FAILED:
            due = datetime.fromtimestamp(job.next_attempt_at, UTC).strftime("%H:%M:%S UTC")
            log.debug("queue: attempt %d due at %s", job.attempts + 1, due)
        if job.status in (machine.JobStatus.SUCCEEDED, machine.JobStatus.DEAD):
            history.info("%s", history_line(job))
    finally:
        job_context.reset(token)


class Worker:
    def __init__(
        self,
        db: Database,
        pipelines: Mapping[str, Pipeline[Any, Any]],
        *,
        clock: Clock,
        rand: RandomSource,
        owner: str,
        lease: float,
        poll_interval: float,
        metrics: Metrics,
        hooks: WorkerHooks | None = None,
    ) -> None:
        self._db = db
        self._pipelines = dict(pipelines)
        self._clock = clock
        self._rand = rand
        self.owner = owner
        self._lease = lease
        self._poll_interval = poll_interval
        self._metrics = metrics
        self._hooks = hooks or WorkerHooks()
        self._wake = asyncio.Event()
        self._stopping = False
        self._dispatcher: asyncio.Task[None] | None = None
        self._running: dict[int, asyncio.Task[None]] = {}
        self._running_by_pipeline: dict[str, int] = dict.fromkeys(self._pipelines, 0)

    @property
    def pipelines(self) -> Mapping[str, Pipeline[Any, Any]]:
        return self._pipelines

    @property
    def running_jobs(self) -> list[int]:
        return sorted(self._running)

    def wake(self) -> None:
        """Something changed (enqueue, retry, resume): look for due jobs now."""
        self._wake.set()

    def add_pipeline(self, pipeline: Pipeline[Any, Any]) -> None:
        """Register a pipeline (before ``start``)."""
        self._pipelines[pipeline.name] = pipeline
        self._running_by_pipeline.setdefault(pipeline.name, 0)

    def set_hooks(self, hooks: WorkerHooks) -> None:
        self._hooks = hooks

    def abort(self, job_id: int) -> None:
        """Stop a job running here (it was cancelled); its status is already final."""
        task = self._running.get(job_id)
        if task is not None:
            task.cancel()

    def start(self) -> None:
        if self._dispatcher is None and self._pipelines:
            self._dispatcher = asyncio.create_task(self._dispatch(), name="arrkestra-dispatcher")

    async def stop(self, drain_timeout: float) -> list[int]:
        """Stop claiming, let running jobs finish for ``drain_timeout``, then release the rest.

        Returns the ids of the jobs whose leases were released (they run again later).
        """
        self._stopping = True
        self._wake.set()
        if self._dispatcher is not None:
            await self._dispatcher
            self._dispatcher = None
        tasks = list(self._running.values())
        if tasks:
            log.info("waiting up to %.0fs for %d running job(s)", drain_timeout, len(tasks))
            _, pending = await asyncio.wait(tasks, timeout=drain_timeout)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        released = await self._db.run(job_store.release_owned, self.owner, now=self._clock.now())
        if released:
            log.info("released %d unfinished job(s) for a later run: %s", len(released), released)
        return released

    async def run_until_idle(self) -> int:
        """Burst mode: claim and run due jobs (and the jobs they queue) until none is due
        and none runs; return how many attempts ran. Instead of ``start``, not beside it.

        Jobs due later (a backoff, a debounce) are left waiting: move the clock and call
        again.
        """
        assert self._dispatcher is None, "run_until_idle replaces the dispatcher"
        ran = 0
        while True:
            claimed = await self._claim_available()
            ran += claimed
            if self._running:
                await asyncio.wait(set(self._running.values()), return_when=asyncio.FIRST_COMPLETED)
            elif not claimed:
                return ran

    async def _dispatch(self) -> None:
        while not self._stopping:
            # Cleared before looking, so a wake-up that arrives while we look is not lost.
            self._wake.clear()
            try:
                claimed = await self._claim_available()
                if not claimed:
                    await self._sleep_until_due()
            except Exception:  # the dispatcher must outlive a locked or flaky database
                log.exception("job dispatcher error; retrying shortly")
                await self._sleep(min(self._poll_interval, 5.0))

    async def _free_pipelines(self) -> list[str]:
        paused = await self._db.run(state_store.paused_pipelines)
        return [
            name
            for name, pipeline in self._pipelines.items()
            if name not in paused and self._running_by_pipeline[name] < pipeline.concurrency
        ]

    async def _claim_available(self) -> int:
        """Claim as many due jobs as there is capacity for; how many were claimed."""
        claimed = 0
        while not self._stopping:
            free = await self._free_pipelines()
            job = await self._db.run(
                job_store.claim_next,
                free,
                now=self._clock.now(),
                owner=self.owner,
                lease=self._lease,
            )
            if job is None:
                return claimed
            claimed += 1
            self._start_job(job)
        return claimed

    async def _sleep_until_due(self) -> None:
        free = await self._free_pipelines()
        due = await self._db.run(job_store.next_due_time, free)
        delay = self._poll_interval
        if due is not None:
            delay = min(delay, max(due - self._clock.now(), 0.0))
        await self._sleep(delay)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=max(seconds, 0.01))

    def _start_job(self, job: Job) -> None:
        self._running_by_pipeline[job.pipeline] += 1
        task = asyncio.create_task(self._execute(job), name=f"job-{job.id}")
        self._running[job.id] = task

        def done(_: asyncio.Task[None]) -> None:
            self._running.pop(job.id, None)
            self._running_by_pipeline[job.pipeline] -= 1
            self._wake.set()  # capacity freed

        task.add_done_callback(done)

    async def _execute(self, job: Job) -> None:
        pipeline = self._pipelines[job.pipeline]
        token = job_context.set((job.id, job.pipeline))
        started = time.monotonic()
        keeper = asyncio.create_task(self._keep_lease(job, asyncio.current_task()))
        try:
            log.debug(
                "queue: claimed for attempt %d (due %.1f s ago, lease %.0f s)",
                job.attempts,
                max(job.updated_at - job.next_attempt_at, 0.0),
                self._lease,
            )
            params = pipeline.params(job.params)
            result = (await pipeline.run(job, params, pipeline.deps)).to_json()
            outcome = await self._finish(
                job, lambda j: machine.succeed(j, now=self._clock.now(), result=result)
            )
        except asyncio.CancelledError:
            # drain timeout or lease lost: the lease is released (or already taken) elsewhere
            self._metrics.observe_job(job.pipeline, "interrupted", time.monotonic() - started)
            raise
        except Exception as exc:
            failure = classify(exc)
            if failure.unexpected:
                log.exception("attempt %d crashed", job.attempts)
            outcome = await self._finish(job, lambda j: self._failed(j, failure, pipeline.policy))
            if failure.kind is FailureKind.AUTH:
                await self._run_hook(self._hooks.auth_failed(job.pipeline, failure.message))
        finally:
            keeper.cancel()
            job_context.reset(token)
        self._metrics.observe_job(job.pipeline, outcome, time.monotonic() - started)

    def _failed(self, job: Job, failure: Failure, policy: RetryPolicy) -> JobUpdate:
        return machine.fail(
            job,
            now=self._clock.now(),
            kind=failure.kind,
            error=failure.message,
            policy=policy,
            rand=self._rand,
            retry_after=failure.retry_after,
            waiting_on=failure.waiting_on,
        )

    async def _finish(self, job: Job, change: job_store.Transition) -> str:
        try:
            after = await self._db.run(job_store.transition, job.id, change, owner=self.owner)
        except job_store.LeaseLost as exc:
            log.warning("result discarded: %s", exc)
            return "lease_lost"
        log_outcome(after)
        if after.status is machine.JobStatus.DEAD:
            await self._run_hook(self._hooks.job_dead(after))
        return after.status.value

    async def _run_hook(self, hook: Awaitable[None]) -> None:
        try:
            await hook
        except Exception:  # an alert that fails must not disturb the queue
            log.exception("job hook failed")

    async def _keep_lease(self, job: Job, runner: asyncio.Task[object] | None) -> None:
        """Extend the lease at a third of its length; cancel the job if the lease is lost."""
        while True:
            await asyncio.sleep(self._lease / 3)
            try:
                await self._db.run(
                    job_store.transition,
                    job.id,
                    lambda j: machine.extend_lease(j, now=self._clock.now(), lease=self._lease),
                    owner=self.owner,
                )
            except job_store.LeaseLost:
                log.warning("job %d lost its lease (cancelled or reclaimed); stopping it", job.id)
                if runner is not None:
                    runner.cancel()
                return
            except Exception:
                log.exception("could not extend the lease of job %d", job.id)
