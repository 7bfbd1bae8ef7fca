"""What ``arrkestra jobs list`` prints: one row per job, with what it is about and where
it stands.

The CLI reads the database; a transfer's live percentage lives in the daemon's memory
(``runtime/progress``), so for running jobs it asks the daemon of the same configuration
(``GET /api/v1/jobs?status=running``, a second at most). NOW says ``42% 105.25MB/s eta
0:00:05`` when the daemon answered, else what the database knows: how long a running
attempt has been running, when a waiting job's next attempt is due.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from arrkestra.cli.base import when
from arrkestra.core.jobs import JobStatus

if TYPE_CHECKING:
    from arrkestra.config import ServerSettings
    from arrkestra.core.jobs import Job
    from arrkestra.runtime.services import Services
    from arrkestra.store.jobs import JobFilter

HEADERS = ["ID", "PIPELINE", "STATUS", "TITLE", "ATTEMPTS", "CREATED (UTC)", "NOW", "LAST ERROR"]


LIVE_TIMEOUT = 1.0  # asking the daemon for progress: a listing never waits on it longer


@dataclass(frozen=True)
class Listing:
    jobs: list[Job]
    started: dict[int, float]  # running job id -> when its attempt started
    now: float
    live: dict[int, dict[str, Any]] = field(default_factory=dict)  # job id -> progress


def live_progress(server: ServerSettings) -> dict[int, dict[str, Any]]:
    """Each running transfer's progress, from the running daemon; ``{}`` when it does not
    answer (not running, another port, no key): the listing then says what it knows."""
    import http.client
    import json
    from urllib.parse import urlsplit

    from arrkestra.cli.health import api_credentials, local_url

    daemon = urlsplit(local_url(server.host, server.port))
    connection = http.client.HTTPConnection(
        daemon.hostname or "127.0.0.1", daemon.port, timeout=LIVE_TIMEOUT
    )
    try:
        connection.request(
            "GET", "/api/v1/jobs?status=running&limit=100", headers=api_credentials(server)
        )
        answer = connection.getresponse()
        jobs = json.loads(answer.read(1024 * 1024)).get("jobs", []) if answer.status == 200 else []
    except (OSError, ValueError, AttributeError, http.client.HTTPException):
        return {}
    finally:
        connection.close()
    return {
        int(job["id"]): job["progress"]
        for job in jobs
        if isinstance(job, dict) and isinstance(job.get("progress"), dict)
    }


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
        live = listing.live.get(job.id)
        if live and isinstance(live.get("percent"), int | float):
            eta = f" eta {live['eta']}" if live.get("eta") else ""
            return f"{live['percent']:.0f}% {live.get('rate') or ''}{eta}".replace("  ", " ")
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
