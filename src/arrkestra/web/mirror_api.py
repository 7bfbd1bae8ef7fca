"""``/api/v1/stats`` (mirror's numbers) and ``/api/v1/mirror/sync`` (manual sync).

Manual sync queues exactly the job an import of that file would
(``runtime/capabilities/mirror.plan_manual_path``, which ``arrkestra sync`` uses too); a
folder is refused here (its answer is one job) and taken by sync-webhook's ``/sync/manual``.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from arrkestra.core.jobs import Job
from arrkestra.core.redact import Redactor
from arrkestra.pipelines.mirror.manual import ManualSync, SyncPlan, SyncRefused, media_type
from arrkestra.pipelines.mirror.manual_folder import FolderPlan
from arrkestra.pipelines.mirror.messages import human_bytes
from arrkestra.runtime.capabilities.mirror import plan_manual_path
from arrkestra.runtime.services import Services
from arrkestra.runtime.summary import read_stats, summary_zone
from arrkestra.store.mirror_stats import FailedJob, MirrorStats
from arrkestra.web.api import JobOut, iso
from arrkestra.web.deps import ServicesDep, authenticated

router = APIRouter(prefix="/api/v1", dependencies=[Depends(authenticated)], tags=["mirror"])


# --- stats -----------------------------------------------------------------------------


class SyncStats(BaseModel):
    """sync-webhook's ``/stats`` body, field for field."""

    movies_synced: int
    episodes_synced: int
    failures: int
    bytes_transferred: int
    bytes_transferred_human: str
    total_successful: int
    total_failed: int
    today_successful: int
    today_failed: int

    @classmethod
    def fields_of(cls, stats: MirrorStats) -> dict[str, int | str]:
        return {
            "movies_synced": stats.movies_synced,
            "episodes_synced": stats.episodes_synced,
            "failures": stats.failures,
            "bytes_transferred": stats.bytes_transferred,
            "bytes_transferred_human": human_bytes(stats.bytes_transferred),
            "total_successful": stats.total_successful,
            "total_failed": stats.total_failed,
            "today_successful": stats.today_successful,
            "today_failed": stats.today_failed,
        }


class FailedJobOut(BaseModel):
    id: int
    title: str
    status: str
    error: str | None
    updated_at: str | None

    @classmethod
    def of(cls, job: FailedJob, redactor: Redactor) -> FailedJobOut:
        return cls(
            id=job.id,
            title=redactor(job.title),
            status=job.status,
            error=None if job.error is None else redactor(job.error),
            updated_at=iso(job.updated_at),
        )


class StatsOut(SyncStats):
    retrying: int = Field(description="failed jobs waiting for their next attempt")
    day_start: str = Field(description="where today_* starts: local midnight (UTC time)")
    timezone: str
    recent_failures: list[FailedJobOut]
    needs_attention: list[FailedJobOut] = Field(description="dead jobs, newest first")


def _utc(moment: datetime) -> float:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


@router.get("/stats", response_model=StatsOut, summary="Mirror statistics and what failed")
async def stats(
    services: ServicesDep,
    since: Annotated[
        datetime | None, Query(description="totals count jobs finished since (ISO 8601)")
    ] = None,
    failed_limit: Annotated[int, Query(ge=0, le=100)] = 5,
    attention_limit: Annotated[int, Query(ge=0, le=500)] = 20,
) -> StatsOut:
    found, start = await read_stats(
        services.db,
        services.clock,
        services.settings,
        since=None if since is None else _utc(since),
        failed_limit=failed_limit,
        attention_limit=attention_limit,
    )
    redactor = services.redactor
    return StatsOut(
        **SyncStats.fields_of(found),
        retrying=found.retrying,
        day_start=iso(start) or "",
        timezone=summary_zone(services.settings).key,
        recent_failures=[FailedJobOut.of(j, redactor) for j in found.recent_failures],
        needs_attention=[FailedJobOut.of(j, redactor) for j in found.needs_attention],
    )


# --- manual sync -----------------------------------------------------------------------


LIST_TIMEOUT = 60.0  # listing a folder in the source; longer: the mount hangs
LISTERS = 2
"""Threads that list folders by hand, apart from the shared pool: a hung NFS mount can hold
them for good, and must not hold the file work of healthy roots with them."""
_listing = ThreadPoolExecutor(max_workers=LISTERS, thread_name_prefix="arrkestra-listing")
_in_flight: set[asyncio.Future[SyncPlan | FolderPlan]] = set()


async def plan_off_loop(services: Services, request: ManualSync) -> SyncPlan | FolderPlan:
    """The path's job(s), read off the event loop in the listing threads (a folder is
    listed in the source); 503 while earlier listings still hang there."""
    if len(_in_flight) >= LISTERS:
        raise SyncRefused(503, "earlier listings of the source still hang (a stale mount?)")
    loop = asyncio.get_running_loop()
    planning = loop.run_in_executor(_listing, plan_manual_path, services.settings, request)
    _in_flight.add(planning)
    planning.add_done_callback(_in_flight.discard)
    try:
        return await asyncio.wait_for(asyncio.shield(planning), LIST_TIMEOUT)
    except TimeoutError:
        raise SyncRefused(
            503, f"the source did not answer within {LIST_TIMEOUT:g} s (a stale mount?)"
        ) from None


async def enqueue_manual_sync(services: Services, request: ManualSync) -> tuple[Job, bool]:
    """Plan and enqueue one file; ``(job, created)``. Raises ``SyncRefused``, also for a
    folder (its answer is one job: ``/sync/manual`` queues a folder's files)."""
    plan = await plan_off_loop(services, request)
    if isinstance(plan, FolderPlan):
        raise SyncRefused(
            400,
            f"{request.path} is a folder: POST /sync/manual or `arrkestra sync` queue every "
            "media file in it; this endpoint takes one file",
        )
    return await services.queue.enqueue(plan.spec)


def refused(services: Services, exc: SyncRefused) -> HTTPException:
    return HTTPException(exc.status, services.redactor(str(exc)))


class SyncRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(min_length=1, max_length=4096, description="the file as Sonarr/Radarr see it")
    type: str | None = Field(default=None, description="movie or episode (default: from the path)")
    instance: str | None = Field(default=None, description="e.g. sonarr.hd (default: chosen)")


@router.post(
    "/mirror/sync",
    response_model=JobOut,
    status_code=202,
    summary="Queue one file for mirroring (200 with the job already queued for it)",
    responses={200: {"model": JobOut}, 400: {}, 409: {}},
)
async def mirror_sync(body: SyncRequest, services: ServicesDep, response: Response) -> JobOut:
    try:
        request = ManualSync(body.path, media_type(body.type), body.instance)
        job, created = await enqueue_manual_sync(services, request)
    except SyncRefused as exc:
        raise refused(services, exc) from None
    if not created:
        response.status_code = 200
    return JobOut.of(job, services.redactor)
