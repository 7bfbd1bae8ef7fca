"""``/ui/jobs/{id}``: one job told whole, and ``/ui/jobs/{id}/now``, its live NOW cell.

The page says what the job was asked (its params' ``task()``) and where it stands or what
it did (``core.job_kinds.outcomes.told``: the worker's own sentence), then the facts
(times, attempts, the mount it waits on), every attempt with its outcome and error (the
last ``ATTEMPTS_SHOWN``), its params and result as JSON, the event that caused it and
the title it belongs to (``/ui/titles?q=``). Everything shown passes the redactor, and
JSON keys that name secrets are masked whole (``core.redact.redact_payload``).

A running job's progress lives in the daemon's memory (``runtime/progress``): the NOW
fragment is what ``data-live`` elements fetch every few seconds, on this page and in
the list.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from arrkestra.core.job_kinds.outcomes import about, params_of, told
from arrkestra.core.jobs import ACTIVE_STATUSES, RETRYABLE_STATUSES, Job, JobStatus
from arrkestra.core.redact import redact_payload
from arrkestra.runtime.services import Services
from arrkestra.store import jobs as job_store
from arrkestra.store.jobs import Attempt, JobNotFound
from arrkestra.web.dashboard.access import ViewerDep
from arrkestra.web.dashboard.job_buttons import NOTICES, Done
from arrkestra.web.dashboard.notices import notice
from arrkestra.web.dashboard.rendering import render
from arrkestra.web.deps import RowId, ServicesDep

router = APIRouter(include_in_schema=False)
ERROR_SHOWN = 140  # characters of the last error in the list (the job's page has it whole)
ATTEMPTS_SHOWN = 100


@dataclass(frozen=True)
class Row:
    """One job as the list (and the NOW cell) shows it."""

    job: Job
    about: str  # what it is about, redacted: ``"Amélie (2001)"``, ``sonarr.hd``
    error: str  # the start of its last error, redacted ("" without one)
    progress: dict[str, Any] | None  # a running transfer's percent, rate, eta
    can_retry: bool
    can_cancel: bool


def row_of(job: Job, services: Services) -> Row:
    error = " ".join((job.last_error or "").split())
    if len(error) > ERROR_SHOWN:
        error = error[: ERROR_SHOWN - 1] + "…"
    running = job.status is JobStatus.RUNNING
    return Row(
        job=job,
        about=services.redactor(about(job)),
        error=services.redactor(error),
        progress=services.progress.get(job.id) if running else None,
        can_retry=job.status in RETRYABLE_STATUSES,
        can_cancel=job.status in ACTIVE_STATUSES,
    )


async def load(services: Services, job_id: int) -> Job:
    """The job, or a 404 page."""
    try:
        return await services.db.read(job_store.get_job, job_id)
    except JobNotFound:
        raise HTTPException(404, f"there is no job {job_id}") from None


def pretty(value: object, services: Services, *, sort_keys: bool = True) -> str:
    """JSON for people: indented, keys sorted (unless the order is the point: an event's
    body as it came), secrets masked (``core.redact.redact_payload``)."""
    shown = redact_payload(value, services.redactor)
    return json.dumps(shown, indent=2, sort_keys=sort_keys, ensure_ascii=False)


def title_of(job: Job) -> str | None:
    """The series or movie title the job names (its params', else its result's: cleanup
    learns it from Overseerr), for the link to the title's page."""
    for data in (job.params, job.result or {}):
        title = data.get("title")
        if isinstance(title, str) and title.strip():
            return title
    return None


def asked(job: Job) -> str:
    """``mirror "Amélie (2001)"``: the work the job was asked to do."""
    params = params_of(job)
    return params.task() if params is not None else f"run the {job.pipeline} job {about(job)}"


@dataclass(frozen=True)
class Tried:
    """One attempt as the page shows it."""

    attempt: Attempt
    error: str  # redacted
    seconds: float | None


def tried(attempts: list[Attempt], services: Services) -> list[Tried]:
    return [
        Tried(
            a,
            services.redactor(a.error or ""),
            None if a.finished_at is None else max(a.finished_at - a.started_at, 0.0),
        )
        for a in attempts
    ]


@router.get("/ui/jobs/{job_id}")
async def page(
    request: Request,
    job_id: RowId,
    services: ServicesDep,
    viewer: ViewerDep,
    done: Done | None = None,
    count: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> HTMLResponse:
    job = await load(services, job_id)
    attempts = await services.db.read(job_store.recent_attempts, job_id, ATTEMPTS_SHOWN + 1)
    redact = services.redactor
    context = {
        "row": row_of(job, services),
        "job": job,
        "asked": redact(asked(job)),
        "told": redact(told(job)),
        "title": title_of(job),
        "error": redact(job.last_error or ""),
        "waiting_on": redact(job.waiting_on or ""),
        "key": redact(job.key),
        "attempts": tried(attempts[-ATTEMPTS_SHOWN:], services),
        "more_attempts": len(attempts) > ATTEMPTS_SHOWN,
        "params": pretty(job.params, services),
        "result": None if job.result is None else pretty(job.result, services),
        "back": f"/ui/jobs/{job_id}",
        "notice": notice(NOTICES, done, count=count),
    }
    return render(request, services, viewer, "job.html", context, title=f"Job {job_id}")


@router.get("/ui/jobs/{job_id}/now")
async def now(
    request: Request, job_id: RowId, services: ServicesDep, viewer: ViewerDep
) -> HTMLResponse:
    """The NOW cell of one job (a fragment): its live progress while it runs."""
    job = await load(services, job_id)
    return render(request, services, viewer, "job_now.html", {"row": row_of(job, services)})
