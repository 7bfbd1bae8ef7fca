"""What ``arrkestra jobs list`` prints: one row per job, with what it is about and where
it stands.

The CLI reads the database, not the daemon: a transfer's live percentage lives in the
daemon's memory (``runtime/progress``, shown by ``GET /api/v1/jobs``), so the NOW column
says what the database knows: how long a running attempt has been running, when a
waiting job's next attempt is due.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from arrkestra.cli.base import when
from arrkestra.core.jobs import JobStatus

if TYPE_CHECKING:
    from arrkestra.core.jobs import Job
    from arrkestra.runtime.services import Services
    from arrkestra.store.jobs import JobFilter

HEADERS = ["ID", "PIPELINE", "STATUS", "TITLE", "ATTEMPTS", "CREATED (UTC)", "NOW", "LAST ERROR"]


@dataclass(frozen=True)
class Listing:
    jobs: list[Job]
    started: dict[int, float]  # running job id -> when its attempt started
    now: float


async def read_listing(services: Services, query: JobFilter) -> Listing:
    """The jobs, and when each running one's open attempt started."""
    jobs = await services.queue.list_jobs(query)
    started: dict[int, float] = {}
    for job in jobs:
        if job.status is JobStatus.RUNNING:
            _, attempts = await services.queue.get(job.id)
            running = [a.started_at for a in attempts if a.finished_at is None]
            if running:
                started[job.id] = running[-1]
    return Listing(jobs, started, services.clock.now())


def standing(job: Job, listing: Listing) -> str:
    """``running 2 min 05 s``, ``next in 30 s``, ``due``; ``-`` for a finished job."""
    from arrkestra.core.job_kinds.words import duration

    if job.status is JobStatus.RUNNING:
        started = listing.started.get(job.id, job.updated_at)
        return f"running {duration(max(listing.now - started, 0.0))}"
    if job.status in (JobStatus.PENDING, JobStatus.FAILED):
        wait = job.next_attempt_at - listing.now
        return f"next in {duration(wait)}" if wait > 0 else "due"
    return "-"


def job_row(job: Job, listing: Listing) -> list[str]:
    from arrkestra.core.job_kinds import subject_of

    error = (job.last_error or "").replace("\n", " ")
    title = (subject_of(job.params) or "-").replace("\n", " ")
    return [
        str(job.id),
        job.pipeline,
        job.status.value,
        title[:40],
        str(job.attempts),
        when(job.created_at),
        standing(job, listing),
        error[:60],
    ]
