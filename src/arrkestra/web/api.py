"""``/api/v1``: jobs and pipelines. Every route needs credentials (``X-Api-Key`` or Basic)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel

from arrkestra.core.jobs import InvalidTransition, Job, JobStatus
from arrkestra.core.redact import Redactor, redact_value
from arrkestra.store.jobs import Attempt, JobFilter, JobNotFound
from arrkestra.web.deps import Cursor, RowId, ServicesDep, authenticated

router = APIRouter(prefix="/api/v1", dependencies=[Depends(authenticated)], tags=["api"])


def iso(ts: float | None) -> str | None:
    return (
        None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")
    )


class JobOut(BaseModel):
    id: int
    pipeline: str
    key: str
    status: JobStatus
    attempts: int
    params: dict[str, Any]
    result: dict[str, Any] | None
    last_error: str | None
    created_at: str | None
    updated_at: str | None
    next_attempt_at: str | None
    lease_expires_at: str | None
    finished_at: str | None
    event_id: int | None
    progress: dict[str, Any] | None = None  # a running transfer: percent, bytes_done, rate, eta

    @classmethod
    def of(cls, job: Job, redactor: Redactor, progress: dict[str, Any] | None = None) -> JobOut:
        return cls(
            id=job.id,
            pipeline=job.pipeline,
            key=redactor(job.key),
            status=job.status,
            attempts=job.attempts,
            params=dict(redact_value(job.params, redactor)),  # type: ignore[call-overload]
            result=None if job.result is None else dict(redact_value(job.result, redactor)),  # type: ignore[call-overload]
            last_error=None if job.last_error is None else redactor(job.last_error),
            created_at=iso(job.created_at),
            updated_at=iso(job.updated_at),
            next_attempt_at=iso(job.next_attempt_at)
            if job.status in ("pending", "failed")
            else None,
            lease_expires_at=iso(job.lease_expires_at),
            finished_at=iso(job.finished_at),
            event_id=job.event_id,
            progress=progress if job.status == "running" else None,
        )


class AttemptOut(BaseModel):
    attempt: int
    owner: str
    started_at: str | None
    finished_at: str | None
    outcome: str | None
    error: str | None

    @classmethod
    def of(cls, attempt: Attempt, redactor: Redactor) -> AttemptOut:
        return cls(
            attempt=attempt.attempt,
            owner=attempt.owner,
            started_at=iso(attempt.started_at),
            finished_at=iso(attempt.finished_at),
            outcome=attempt.outcome,
            error=None if attempt.error is None else redactor(attempt.error),
        )


class JobDetail(JobOut):
    attempts_log: list[AttemptOut]


class JobPage(BaseModel):
    jobs: list[JobOut]
    next_before: int | None


class RetriedJobs(BaseModel):
    retried: list[int]


class PipelineOut(BaseModel):
    name: str
    concurrency: int
    paused: bool
    paused_reason: str | None


def _not_found(job_id: int) -> HTTPException:
    return HTTPException(404, f"no job with id {job_id}")


@router.get("/jobs", response_model=JobPage, summary="List jobs, newest first")
async def list_jobs(
    services: ServicesDep,
    status: JobStatus | None = None,
    pipeline: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before: Cursor = None,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Only jobs whose title or a file path contains this text (any case).",
        ),
    ] = None,
) -> JobPage:
    text = q.strip() if q else None
    jobs = await services.queue.list_jobs(JobFilter(status, pipeline, before, limit, text))
    next_before = jobs[-1].id if len(jobs) == limit else None
    board, redactor = services.progress, services.redactor
    return JobPage(
        jobs=[JobOut.of(j, redactor, board.get(j.id)) for j in jobs], next_before=next_before
    )


@router.get("/jobs/{job_id}", response_model=JobDetail, summary="One job with its attempts")
async def get_job(job_id: RowId, services: ServicesDep) -> JobDetail:
    try:
        job, attempts = await services.queue.get(job_id)
    except JobNotFound:
        raise _not_found(job_id) from None
    out = JobOut.of(job, services.redactor, services.progress.get(job.id))
    return JobDetail(
        **out.model_dump(), attempts_log=[AttemptOut.of(a, services.redactor) for a in attempts]
    )


@router.post(
    "/jobs/{job_id}/retry", response_model=JobOut, summary="Retry a failed, dead or cancelled job"
)
async def retry_job(job_id: RowId, services: ServicesDep) -> JobOut:
    try:
        return JobOut.of(await services.queue.retry(job_id), services.redactor)
    except JobNotFound:
        raise _not_found(job_id) from None
    except InvalidTransition as exc:
        raise HTTPException(409, str(exc)) from None


@router.post(
    "/jobs/{job_id}/cancel", response_model=JobOut, summary="Cancel a job not yet finished"
)
async def cancel_job(job_id: RowId, services: ServicesDep) -> JobOut:
    try:
        return JobOut.of(await services.queue.cancel(job_id), services.redactor)
    except JobNotFound:
        raise _not_found(job_id) from None
    except InvalidTransition as exc:
        raise HTTPException(409, str(exc)) from None


@router.post(
    "/jobs/retry-failed",
    response_model=RetriedJobs,
    summary="Retry every job that failed in the last 24 h",
)
async def retry_failed(services: ServicesDep) -> RetriedJobs:
    return RetriedJobs(retried=await services.queue.retry_failed())


@router.get(
    "/pipelines", response_model=list[PipelineOut], summary="Pipelines and their pause state"
)
async def list_pipelines(services: ServicesDep) -> list[PipelineOut]:
    paused = await services.queue.paused()
    names = sorted(set(services.worker.pipelines) | set(paused))
    return [
        PipelineOut(
            name=name,
            concurrency=p.concurrency if (p := services.worker.pipelines.get(name)) else 0,
            paused=name in paused,
            paused_reason=paused.get(name, {}).get("reason"),
        )
        for name in names
    ]


@router.post("/pipelines/{name}/resume", summary="Resume a paused pipeline")
async def resume_pipeline(name: str, services: ServicesDep) -> dict[str, Any]:
    resumed = await services.queue.resume(name)
    return {"pipeline": name, "resumed": resumed, "was_paused": resumed}


@router.get("/config", summary="The effective configuration, secrets masked")
async def effective_config(services: ServicesDep) -> dict[str, Any]:
    return services.settings.redacted()
