"""sync-webhook's endpoints at their old paths, with their field names.

Thin: every answer comes from arrkestra's own queue, stats and manual sync; this module
only renames. They show mirror jobs only (sync-webhook knew nothing else) and, unlike
sync-webhook's, need the API key (``X-Api-Key`` or Basic) like ``/api/v1``.

Status names: sync-webhook's ``pending``, ``in_progress``, ``success`` and ``failed`` are
arrkestra's ``pending``, ``running``, ``succeeded`` and ``failed`` (will retry) or
``dead`` (gave up); ``cancelled`` is new. ``/jobs?status=`` takes either vocabulary.
``/test`` and ``/summary/send`` live with the notifications.

``/sync/manual`` takes a file or, as sync-webhook's own example did, a folder: every media
file in it is queued (``pipelines/mirror/manual_folder``), and the answer counts them.
autoscan's ``/triggers/manual?dir=PATH`` (``web/webhooks``) takes several, through
``sync_dirs``.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from arrkestra.core.job_kinds import (
    CopyParams,
    CopyResult,
    DeleteResult,
    MirrorParams,
    MirrorProblem,
    MirrorResult,
    load_mirror_result,
    media_kind,
)
from arrkestra.core.jobs import InvalidTransition, Job, JobStatus
from arrkestra.core.paths import PathRefused, PathRule, map_path
from arrkestra.core.redact import Redactor
from arrkestra.pipelines.mirror.manual import ManualSync, SyncPlan, SyncRefused, media_type
from arrkestra.pipelines.mirror.manual_folder import FolderPlan
from arrkestra.runtime.queue import DAY
from arrkestra.runtime.services import Services
from arrkestra.runtime.summary import read_stats
from arrkestra.store.jobs import JobFilter, JobNotFound, retryable_since
from arrkestra.store.mirror_stats import PIPELINE, job_title, params_or_none
from arrkestra.web.api import iso
from arrkestra.web.deps import RowId, ServicesDep, authenticated
from arrkestra.web.mirror_api import SyncStats, plan_off_loop, refused

router = APIRouter(dependencies=[Depends(authenticated)], tags=["sync-webhook compatibility"])

S = JobStatus
STATUS_FILTERS: dict[str, tuple[JobStatus, ...]] = {
    "pending": (S.PENDING,),
    "in_progress": (S.RUNNING,),
    "running": (S.RUNNING,),
    "success": (S.SUCCEEDED,),
    "completed": (S.SUCCEEDED,),
    "succeeded": (S.SUCCEEDED,),
    "failed": (S.FAILED, S.DEAD),
    "dead": (S.DEAD,),
    "cancelled": (S.CANCELLED,),
}
OLD_NAMES = {
    S.PENDING: "pending",
    S.RUNNING: "in_progress",
    S.SUCCEEDED: "success",
    S.FAILED: "failed",
    S.DEAD: "failed",
    S.CANCELLED: "cancelled",
}


class SyncJob(BaseModel):
    """One row of sync-webhook's ``sync_jobs`` table, plus arrkestra's own status."""

    id: int
    job_type: str | None
    source_path: str | None
    dest_path: str | None
    title: str
    quality: str | None
    file_size: int | None
    status: str
    error_message: str | None
    created_at: str | None
    completed_at: str | None
    duration_seconds: float | None
    retry_count: int
    arrkestra_status: JobStatus
    outcome: str | None
    bytes_transferred: int | None


class SyncJobList(BaseModel):
    jobs: list[SyncJob]
    count: int


def _paths(
    params: MirrorParams | None, result: MirrorResult | None, rules: tuple[PathRule, ...]
) -> tuple[str | None, str | None]:
    """(source file, destination folder), as sync-webhook listed them."""
    if params is not None and not isinstance(params, MirrorProblem):
        try:
            mapped = map_path(params.library_path, rules, instance=params.instance)
        except PathRefused:
            pass
        else:
            return mapped.source, mapped.destination_dir
    if isinstance(result, CopyResult):
        return result.source, posixpath.dirname(result.destination)
    if isinstance(result, DeleteResult):
        return None, posixpath.dirname(result.destination)
    return None, None


def sync_job(job: Job, rules: tuple[PathRule, ...], redactor: Redactor) -> SyncJob:
    params, result = params_or_none(job.params), load_mirror_result(job.result)
    copy = params if isinstance(params, CopyParams) else None
    copied = result if isinstance(result, CopyResult) else None
    source, destination = _paths(params, result, rules)
    error = job.last_error
    return SyncJob(
        id=job.id,
        job_type=None if params is None else media_kind(params),
        source_path=source,
        dest_path=destination,
        title=redactor(job_title(job.id, params, result)),
        quality=None if copy is None else copy.quality,
        file_size=None if copy is None else copy.size,
        status=OLD_NAMES[job.status],
        error_message=None if error is None else redactor(error),
        created_at=iso(job.created_at),
        completed_at=iso(job.finished_at),
        duration_seconds=None if copied is None else copied.seconds,
        retry_count=max(job.attempts - 1, 0),
        arrkestra_status=job.status,
        outcome=None if result is None else result.outcome,
        bytes_transferred=None if copied is None else copied.bytes_transferred,
    )


async def _mirror_job(services: Services, job_id: int) -> Job:
    try:
        job, _ = await services.queue.get(job_id)
    except JobNotFound:
        job = None
    if job is None or job.pipeline != PIPELINE:
        raise HTTPException(404, f"no sync job with id {job_id}")
    return job


@router.get("/stats", response_model=SyncStats, summary="sync-webhook: sync statistics")
async def stats(services: ServicesDep) -> SyncStats:
    found, _ = await read_stats(
        services.db, services.clock, services.settings, failed_limit=0, attention_limit=0
    )
    return SyncStats(**SyncStats.fields_of(found))


@router.get("/jobs", response_model=SyncJobList, summary="sync-webhook: recent sync jobs")
async def list_jobs(
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    status: str | None = None,
) -> SyncJobList:
    if status is None:
        statuses: tuple[JobStatus | None, ...] = (None,)
    elif status.strip().lower() in STATUS_FILTERS:
        statuses = STATUS_FILTERS[status.strip().lower()]
    else:
        names = ", ".join(STATUS_FILTERS)
        raise HTTPException(400, f"unknown status {status!r}; use one of: {names}")
    found: list[Job] = []
    for wanted in statuses:  # newest of each, merged: at most two small queries
        found += await services.queue.list_jobs(JobFilter(wanted, PIPELINE, None, limit))
    newest = sorted(found, key=lambda j: j.id, reverse=True)[:limit]
    rules = services.settings.mirror.path_rules()
    jobs = [sync_job(j, rules, services.redactor) for j in newest]
    return SyncJobList(jobs=jobs, count=len(jobs))


@router.get("/jobs/{job_id}", response_model=SyncJob, summary="sync-webhook: one sync job")
async def get_job(job_id: RowId, services: ServicesDep) -> SyncJob:
    job = await _mirror_job(services, job_id)
    return sync_job(job, services.settings.mirror.path_rules(), services.redactor)


@router.post("/jobs/{job_id}/retry", summary="sync-webhook: run a failed sync job again")
async def retry_job(job_id: RowId, services: ServicesDep) -> dict[str, Any]:
    await _mirror_job(services, job_id)
    try:
        await services.queue.retry(job_id)
    except JobNotFound:
        raise HTTPException(404, f"no sync job with id {job_id}") from None
    except InvalidTransition as exc:  # sync-webhook answered 400 for a job not failed
        raise HTTPException(400, str(exc)) from None
    return {"status": "retry_started", "job_id": job_id}


@router.post("/queue/retry-failed", summary="sync-webhook: retry the last 24 h's failed syncs")
async def retry_failed(services: ServicesDep) -> dict[str, Any]:
    since = services.clock.now() - DAY
    candidates = await services.db.run(retryable_since, since)
    retried = []
    for job in candidates:
        if job.pipeline != PIPELINE:
            continue
        try:
            await services.queue.retry(job.id)
        except (InvalidTransition, JobNotFound):
            continue  # changed meanwhile (a worker retried it already)
        retried.append(job.id)
    status = "retries_started" if retried else "no_failed_jobs"
    return {"status": status, "count": len(retried), "job_ids": retried}


class ManualSyncBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    path: str = Field(min_length=1, max_length=4096)
    type: str | None = None


@router.post(
    "/sync/manual",
    status_code=202,
    summary="sync-webhook: sync one file, or every media file of a folder, now",
)
async def manual_sync(
    body: ManualSyncBody, services: ServicesDep, response: Response
) -> dict[str, Any]:
    plan = await _plan(services, body.path, body.type)
    answer = await _queue(services, body.path, plan)
    if not answer["queued"]:  # 202 when any copy is new, else 200 (waiting already, or none)
        response.status_code = 200
    return answer


async def sync_dirs(services: Services, dirs: Sequence[str]) -> tuple[int, dict[str, Any]]:
    """autoscan's ``/triggers/manual?dir=...``: each path as ``/sync/manual`` takes it.

    Every path is planned before any is queued, so a refused one refuses the request with
    ``/sync/manual``'s answer and nothing is queued. ``(status, answer)``: 202 when any
    copy is new, else 200; ``dirs`` holds each path's ``/sync/manual`` answer.
    """
    plans = [await _plan(services, path, None) for path in dirs]
    answers = [
        {"dir": path, **await _queue(services, path, plan)}
        for path, plan in zip(dirs, plans, strict=True)
    ]
    queued = sum(answer["queued"] for answer in answers)
    if queued:
        status = "accepted"
    elif any(answer["status"] == "already_queued" for answer in answers):
        status = "already_queued"
    else:
        status = "nothing_to_sync"
    return (202 if queued else 200), {"status": status, "queued": queued, "dirs": answers}


async def _plan(services: Services, path: str, type_: str | None) -> SyncPlan | FolderPlan:
    try:
        return await plan_off_loop(services, ManualSync(path, media_type(type_)))
    except SyncRefused as exc:
        raise refused(services, exc) from None


async def _queue(services: Services, path: str, plan: SyncPlan | FolderPlan) -> dict[str, Any]:
    """Queue a planned path; the answer's ``queued`` counts the new copies."""
    if isinstance(plan, FolderPlan):
        return await _sync_folder(services, path, plan)
    job, created = await services.queue.enqueue(plan.spec)
    rules = services.settings.mirror.path_rules()
    source, destination = _paths(params_or_none(job.params), None, rules)
    return {
        "status": "accepted" if created else "already_queued",
        "message": services.redactor(f"Sync queued for {path}"),
        "job_id": job.id,
        "job_status": job.status.value,
        "queued": int(created),
        "source": source,
        "dest": destination,
    }


async def _sync_folder(services: Services, path: str, plan: FolderPlan) -> dict[str, Any]:
    """Queue a folder's copies (some may be waiting already, or none needed)."""
    queued = await services.queue.enqueue_many(plan.specs)
    waiting = len(queued.jobs) - queued.created
    left = f"{plan.already_present} already present, {plan.skipped} skipped"
    if plan.specs:
        status = "accepted" if queued.created else "already_queued"
        message = (
            f"Sync queued for {queued.created} file(s) in {path} ({waiting} already queued, {left})"
        )
    else:
        status = "nothing_to_sync"
        message = f"No media file to sync in {path} ({left})"
    return {
        "status": status,
        "message": services.redactor(message),
        "queued": queued.created,
        "already_queued": waiting,
        "already_present": plan.already_present,
        "sidecars": plan.sidecars,
        "skipped": plan.skipped,
        "job_id": queued.jobs[0].id if queued.jobs else None,
        "job_ids": [job.id for job in queued.jobs],
        "dry_run": services.settings.pipeline_dry_run(PIPELINE),
        "source": plan.folder.source,
        "dest": plan.folder.destination,
    }
