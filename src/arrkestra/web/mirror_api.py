"""``/api/v1/stats`` (mirror's numbers) and ``/api/v1/mirror/sync`` (manual sync).

Manual sync queues exactly the job an import of that file would (key: instance and
library path), so a file already waiting is not queued twice. The path is checked
against ``mirror.paths`` before anything is stored: a path no rule maps, or one that
escapes its root, is refused at once rather than stored as a job bound to die.
The CLI's ``arrkestra sync`` plans its job with the same functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from arrkestra.config import Settings
from arrkestra.core.events import ArrKind
from arrkestra.core.jobs import Job, JobSpec
from arrkestra.core.paths import MappedPath, PathRefused, PathRule, map_path
from arrkestra.core.redact import Redactor
from arrkestra.pipelines.mirror_messages import human_bytes
from arrkestra.runtime.mirror_wiring import core_rules, mirror_configured
from arrkestra.runtime.services import Services
from arrkestra.runtime.summary import read_stats, summary_zone
from arrkestra.store.stats import FailedJob, MirrorStats
from arrkestra.web.api import JobOut, iso
from arrkestra.web.deps import ServicesDep, authenticated

router = APIRouter(prefix="/api/v1", dependencies=[Depends(authenticated)], tags=["mirror"])

MediaType = Literal["movie", "episode"]
KINDS: tuple[ArrKind, ...] = ("sonarr", "radarr")
KIND_OF: dict[MediaType, ArrKind] = {"movie": "radarr", "episode": "sonarr"}
# sync-webhook's manual sync documented "movie" and "tv" and defaulted to "unknown"
TYPE_NAMES: dict[str, MediaType | None] = {
    "movie": "movie",
    "episode": "episode",
    "tv": "episode",
    "unknown": None,
    "": None,
}
EPISODE_NAME = re.compile(r"\bS\d{1,4}E\d{1,4}|[\\/]Season \d+[\\/]", re.IGNORECASE)


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
        services,
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


class SyncRefused(Exception):
    """A manual sync that cannot be queued; ``status`` is the HTTP status saying why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def media_type(value: str | None) -> MediaType | None:
    """``movie`` or ``episode``; sync-webhook's ``tv`` is an episode, ``unknown`` is none."""
    if value is None:
        return None
    name = value.strip().lower()
    if name not in TYPE_NAMES:
        raise SyncRefused(400, f"type {value!r} is not one of: movie, episode")
    return TYPE_NAMES[name]


@dataclass(frozen=True)
class ManualSync:
    path: str  # as Sonarr/Radarr name the file (a mirror.paths arr_path below)
    media_type: MediaType | None = None
    instance: str | None = None  # "sonarr.hd"; None: chosen from the path


@dataclass(frozen=True)
class SyncPlan:
    spec: JobSpec
    mapped: MappedPath


def plan_manual_sync(settings: Settings, request: ManualSync) -> SyncPlan:
    """The job an import of ``request.path`` would have queued; ``SyncRefused`` if none."""
    if not mirror_configured(settings):
        raise SyncRefused(
            409,
            "mirror is not configured: it needs mirror.enabled, at least one mirror.paths "
            "rule and a sonarr or radarr instance",
        )
    rules = core_rules(settings)
    try:
        map_path(request.path, rules)  # refusals that hold for every instance come first
    except PathRefused as exc:
        raise SyncRefused(400, str(exc)) from None
    instance, mapped = _choose_instance(settings, rules, request)
    params = {
        "action": "copy",
        "instance": instance,
        "library_path": request.path,
        "media_type": "movie" if instance.startswith("radarr.") else "episode",
        "manual": True,
    }
    return SyncPlan(JobSpec("mirror", f"{instance}/{request.path}", params), mapped)


def _candidates(settings: Settings, request: ManualSync) -> list[str]:
    if request.instance is not None:
        kind = next((k for k in KINDS if request.instance.startswith(f"{k}.")), None)
        if kind is None or request.instance[len(kind) + 1 :] not in settings.instances(kind):
            raise SyncRefused(
                400, f"no instance {request.instance!r} is configured (sonarr.NAME or radarr.NAME)"
            )
        if request.media_type is not None and KIND_OF[request.media_type] != kind:
            raise SyncRefused(400, f"a {request.media_type} cannot come from {request.instance}")
        return [request.instance]
    kinds = [KIND_OF[request.media_type]] if request.media_type else list(KINDS)
    found = [
        f"{kind}.{name}"
        for kind in kinds
        for name, instance in sorted(settings.instances(kind).items())
        if instance.mirror
    ]
    if not found:
        raise SyncRefused(400, f"no {' or '.join(kinds)} instance has mirror: true")
    return found


def _choose_instance(
    settings: Settings, rules: tuple[PathRule, ...], request: ManualSync
) -> tuple[str, MappedPath]:
    """The instance that would have imported the file, so the job key is the import's.

    Among the instances whose rules map the path: one its rule names explicitly, then
    (with no type given) the kind the name suggests (``SxxEyy`` or a ``Season N`` folder:
    an episode), then a kind's default instance, then the first by name.
    """
    mapped: dict[str, MappedPath] = {}
    refusal: PathRefused | None = None
    for candidate in _candidates(settings, request):
        try:
            mapped[candidate] = map_path(request.path, rules, instance=candidate)
        except PathRefused as exc:
            refusal = refusal or exc
    if not mapped:
        raise SyncRefused(400, str(refusal))
    guess = "sonarr." if EPISODE_NAME.search(request.path) else "radarr."
    defaults = {f"{kind}.{settings.default_instance(kind)}" for kind in KINDS}

    def rank(candidate: str) -> tuple[bool, bool, bool]:
        named = candidate in (mapped[candidate].rule.instances or ())
        return named, candidate.startswith(guess), candidate in defaults

    best = max(mapped, key=rank)  # max keeps the first of equals: name order
    return best, mapped[best]


async def enqueue_manual_sync(services: Services, request: ManualSync) -> tuple[Job, bool]:
    """Plan and enqueue; ``(job, created)``. Raises ``SyncRefused``."""
    plan = plan_manual_sync(services.settings, request)
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
