"""The worker against a real SQLite file, with small pipelines defined here."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import ClassVar

import pytest
from pydantic import ConfigDict
from tests.conftest import eventually

from arrkestra.core.errors import PermanentError, TransientError, UpstreamAuthError
from arrkestra.core.job_kinds import JobParams, JobResult
from arrkestra.core.jobs import Job, JobSpec, JobStatus, JsonObject
from arrkestra.core.redact import Redactor
from arrkestra.core.retry import RetryPolicy
from arrkestra.runtime.clock import SystemClock
from arrkestra.runtime.logs import configure_history
from arrkestra.runtime.metrics import Metrics
from arrkestra.runtime.queue import Queue
from arrkestra.runtime.worker import Pipeline, Worker, classify
from arrkestra.store import jobs as job_store
from arrkestra.store.database import Database

FAST = RetryPolicy(max_attempts=3, base=0.0, cap=0.0)
Runner = Callable[[Job], Awaitable[JsonObject]]


class AnyParams(JobParams):
    """Whatever the test stored: its runners read ``job.params`` themselves."""

    model_config = ConfigDict(extra="allow", frozen=True)
    pipeline: ClassVar[str] = "p"


class Done(JobResult):
    model_config = ConfigDict(extra="allow", frozen=True)
    outcome: str = "done"


def pipeline(name: str, runner: Runner, concurrency: int, policy: RetryPolicy) -> Pipeline:  # type: ignore[type-arg]
    async def run(job: Job, params: AnyParams, deps: None) -> Done:
        return Done(**await runner(job))

    return Pipeline(name, AnyParams.load, run, None, concurrency, policy)


class Harness:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.worker: Worker | None = None
        self.queue: Queue | None = None

    def start(
        self,
        runners: dict[str, Runner],
        *,
        concurrency: int = 2,
        policy: RetryPolicy = FAST,
        lease: float = 30.0,
        poll: float = 3600.0,
    ) -> Queue:
        pipelines = {n: pipeline(n, r, concurrency, policy) for n, r in runners.items()}
        self.worker = Worker(
            self.db,
            pipelines,
            clock=SystemClock(),
            rand=lambda: 0.5,
            owner="test-worker",
            lease=lease,
            poll_interval=poll,
            metrics=Metrics("test"),
        )
        self.queue = Queue(self.db, SystemClock(), self.worker.wake, self.worker.abort)
        self.worker.start()
        return self.queue

    async def job(self, job_id: int) -> Job:
        return await self.db.run(job_store.get_job, job_id)

    async def wait_status(self, job_id: int, *statuses: JobStatus) -> Job:
        async def reached() -> bool:
            return (await self.job(job_id)).status in statuses

        await eventually(reached)
        return await self.job(job_id)


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    db = Database.open(tmp_path / "arrkestra.db")
    h = Harness(db)
    yield h
    if h.worker is not None:
        await h.worker.stop(drain_timeout=1)
    db.close()


async def test_enqueue_wakes_the_worker_and_the_result_is_stored(harness: Harness) -> None:
    async def ok(job: Job) -> JsonObject:
        return {"echo": job.params["n"]}

    queue = harness.start({"p": ok}, poll=3600)  # no polling: only the wake-up can start it
    job, _ = await queue.enqueue(JobSpec("p", "k", {"n": 7}))
    done = await harness.wait_status(job.id, JobStatus.SUCCEEDED)
    assert done.result == {"echo": 7, "outcome": "done"}
    assert done.attempts == 1 and done.lease_owner is None
    attempts = await harness.db.run(job_store.list_attempts, job.id)
    assert [(a.attempt, a.outcome) for a in attempts] == [(1, "succeeded")]


async def test_transient_failures_are_retried_until_success(harness: Harness) -> None:
    calls: list[int] = []

    async def flaky(job: Job) -> JsonObject:
        calls.append(job.attempts)
        if len(calls) < 3:
            raise TransientError("upstream timed out", retry_after=0)
        return {}

    queue = harness.start({"p": flaky})
    job, _ = await queue.enqueue(JobSpec("p", "k", {}))
    done = await harness.wait_status(job.id, JobStatus.SUCCEEDED)
    assert calls == [1, 2, 3] and done.attempts == 3


@pytest.mark.parametrize(
    ("error", "status"),
    [(PermanentError("bad request"), JobStatus.DEAD), (TransientError("down"), JobStatus.DEAD)],
)
async def test_permanent_errors_die_at_once_transient_after_the_budget(
    harness: Harness, error: Exception, status: JobStatus
) -> None:
    async def failing(job: Job) -> JsonObject:
        raise error

    queue = harness.start({"p": failing})
    job, _ = await queue.enqueue(JobSpec("p", "k", {}))
    dead = await harness.wait_status(job.id, status)
    expected_attempts = 1 if isinstance(error, PermanentError) else FAST.max_attempts
    assert dead.attempts == expected_attempts
    assert dead.last_error is not None and str(error) in dead.last_error


def test_classification() -> None:
    assert classify(TransientError("t", retry_after=9)).retry_after == 9
    assert classify(UpstreamAuthError("403", upstream="overseerr")).kind == "auth"
    assert classify(PermanentError("p")).kind == "permanent"
    surprise = classify(KeyError("x"))
    assert surprise.kind == "transient" and "KeyError" in surprise.message
    assert surprise.unexpected  # decided by type: logged with its traceback
    assert not classify(TransientError("unexpected EOF from Plex")).unexpected  # not by text


async def test_concurrency_limit_per_pipeline(harness: Harness) -> None:
    release = asyncio.Event()
    running, peak = 0, 0

    async def blocking(job: Job) -> JsonObject:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await release.wait()
        running -= 1
        return {}

    queue = harness.start({"p": blocking}, concurrency=2)
    ids = [(await queue.enqueue(JobSpec("p", str(i), {})))[0].id for i in range(6)]

    async def two_running() -> bool:
        return running == 2

    await eventually(two_running)
    counts = await harness.db.run(job_store.count_by_pipeline_status)
    assert counts == {("p", "running"): 2, ("p", "pending"): 4}
    release.set()
    for job_id in ids:
        await harness.wait_status(job_id, JobStatus.SUCCEEDED)
    assert peak == 2


async def test_a_paused_pipeline_keeps_its_jobs_pending_until_resumed(harness: Harness) -> None:
    async def ok(job: Job) -> JsonObject:
        return {}

    queue = harness.start({"p": ok})
    await queue.pause("p", "deletion budget exceeded")
    job, _ = await queue.enqueue(JobSpec("p", "k", {}))
    other, _ = await queue.enqueue(JobSpec("p", "k2", {}))
    assert (await harness.job(job.id)).status is JobStatus.PENDING
    assert await queue.paused() == {
        "p": {"reason": "deletion budget exceeded", "since": pytest.approx(0, abs=1e10)}
    }
    assert await queue.resume("p")
    await harness.wait_status(job.id, JobStatus.SUCCEEDED)
    await harness.wait_status(other.id, JobStatus.SUCCEEDED)


async def test_drain_lets_quick_jobs_finish_and_releases_slow_ones(harness: Harness) -> None:
    started = asyncio.Event()

    async def timed(job: Job) -> JsonObject:
        started.set()
        await asyncio.sleep(job.params["seconds"])
        return {}

    queue = harness.start({"p": timed}, concurrency=2)
    quick, _ = await queue.enqueue(JobSpec("p", "quick", {"seconds": 0.2}))
    slow, _ = await queue.enqueue(JobSpec("p", "slow", {"seconds": 60}))

    async def both_running() -> bool:
        return harness.worker is not None and len(harness.worker.running_jobs) == 2

    await eventually(both_running)
    assert harness.worker is not None
    released = await harness.worker.stop(drain_timeout=1.0)
    harness.worker = None
    assert released == [slow.id]
    assert (await harness.job(quick.id)).status is JobStatus.SUCCEEDED
    slow_after = await harness.job(slow.id)
    assert slow_after.status is JobStatus.PENDING and slow_after.attempts == 0


async def test_cancelling_a_running_job_stops_it(harness: Harness) -> None:
    cancelled = asyncio.Event()

    async def forever(job: Job) -> JsonObject:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return {}

    queue = harness.start({"p": forever})
    job, _ = await queue.enqueue(JobSpec("p", "k", {}))
    await harness.wait_status(job.id, JobStatus.RUNNING)
    await queue.cancel(job.id)
    await asyncio.wait_for(cancelled.wait(), 5)
    assert (await harness.job(job.id)).status is JobStatus.CANCELLED


async def test_the_lease_is_extended_while_a_job_runs(harness: Harness) -> None:
    gate = asyncio.Event()

    async def long(job: Job) -> JsonObject:
        await gate.wait()
        return {}

    queue = harness.start({"p": long}, lease=0.3)
    job, _ = await queue.enqueue(JobSpec("p", "k", {}))
    first = await harness.wait_status(job.id, JobStatus.RUNNING)
    assert first.lease_expires_at is not None

    async def extended() -> bool:
        current = (await harness.job(job.id)).lease_expires_at
        return (
            current is not None
            and first.lease_expires_at is not None
            and current > first.lease_expires_at + 0.3
        )

    await eventually(extended)
    gate.set()
    await harness.wait_status(job.id, JobStatus.SUCCEEDED)


async def test_manual_retry_of_a_dead_job_runs_it_again(harness: Harness) -> None:
    outcomes = iter([PermanentError("first time"), None])

    async def once_bad(job: Job) -> JsonObject:
        error = next(outcomes)
        if error:
            raise error
        return {"second": True}

    queue = harness.start({"p": once_bad})
    job, _ = await queue.enqueue(JobSpec("p", "k", {}))
    await harness.wait_status(job.id, JobStatus.DEAD)
    assert await queue.retry_failed() == [job.id]
    done = await harness.wait_status(job.id, JobStatus.SUCCEEDED)
    assert done.result == {"second": True, "outcome": "done"} and done.attempts == 1


async def test_finished_jobs_get_one_human_line_in_the_history_file(
    harness: Harness, tmp_path: Path
) -> None:
    history_file = tmp_path / "logs" / "sync_history.log"
    configure_history(
        file=history_file, redact=Redactor.of(["topsecret99"]), max_bytes=10_000, backups=1
    )

    async def summarised(job: Job) -> JsonObject:
        if job.params.get("fail"):
            raise PermanentError("rsync exit 23 with topsecret99")
        return {"summary": "The Show S01E02 - Pilot (1080p, 2.1 GB)"}

    try:
        queue = harness.start({"mirror": summarised})
        ok, _ = await queue.enqueue(JobSpec("mirror", "a", {}))
        bad, _ = await queue.enqueue(JobSpec("mirror", "b", {"fail": True}))
        await harness.wait_status(ok.id, JobStatus.SUCCEEDED)
        await harness.wait_status(bad.id, JobStatus.DEAD)

        async def two_lines() -> bool:
            return history_file.exists() and len(history_file.read_text().splitlines()) == 2

        await eventually(two_lines)
    finally:
        configure_history(file=None, redact=Redactor.of([]), max_bytes=1, backups=0)
    lines = history_file.read_text().splitlines()
    assert any(
        f"SUCCEEDED mirror job {ok.id} (1 attempt(s)): The Show S01E02 - Pilot" in x for x in lines
    )
    dead = next(x for x in lines if "DEAD" in x)
    assert "rsync exit 23" in dead and "topsecret99" not in dead
