"""discovery's controls: trigger a cycle, read the state and the cached shows, refilter,
skip a show by hand, approve a show waiting for review.

``/api/v1/discovery/...`` and TVMaze-Sync's ``/trigger``, ``/state``, ``/shows`` and
``/refilter`` with its answer shapes. All need credentials (``/trigger``, ``/refilter``
and the skips act; the others show what the cache holds).

A skip by hand (TVMaze-Sync's ``skipped``, "manually excluded") is kept by TVMaze id, so
a show not in the catalogue yet can be skipped; no cycle adds a skipped show or changes
its status. An unskip has the filters judge the show again at once (the next cycle adds
it if they accept it). A show Sonarr already has is not skipped: 409, saying why.

Review mode (``discovery.review``): an approve takes a show in ``review`` to ``approved``
and queues a cycle to run now (:func:`queue_adding`), so the show reaches Sonarr within
seconds; a skip is the skip above. The dashboard's page (web/dashboard/discovery) acts
through the functions here, the same as these routes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from arrkestra.core.discovery import judge_with
from arrkestra.core.job_kinds import DISCOVERY, CycleParams, LastRun, Refiltered
from arrkestra.core.jobs import Job, JobStatus
from arrkestra.core.show_review import CLEARED
from arrkestra.core.shows import ShowStatus
from arrkestra.runtime.capabilities import discovery as capability
from arrkestra.runtime.discovery_metrics import last_run
from arrkestra.runtime.services import Services
from arrkestra.store import show_review
from arrkestra.store import shows as show_store
from arrkestra.store.jobs import JobFilter
from arrkestra.store.show_review import Approval
from arrkestra.store.shows import IN_SONARR, STATE_KEYS, ShowRow, Skip, SkipChange, read_state
from arrkestra.web.deps import RowId, ServicesDep, authenticated

router = APIRouter(dependencies=[Depends(authenticated)], tags=["discovery"])
PREFIX = "/api/v1/discovery"
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


def running_discovery(services: Services) -> capability.DiscoveryData:
    """What the running capability gave its routes; 409 saying why discovery does not run."""
    data = services.runtime_data(capability.NAME, capability.DiscoveryData)
    if data is None:
        reason = capability.why_not(services.settings) or "not running"
        raise HTTPException(409, f"discovery is {reason}")
    return data


def _iso(ts: Any) -> str | None:
    return None if ts is None else datetime.fromtimestamp(float(ts), UTC).isoformat()


async def _running(services: Services) -> bool:
    running = await services.queue.list_jobs(JobFilter(JobStatus.RUNNING, DISCOVERY, limit=1))
    return bool(running)


async def trigger_cycle(services: Services) -> tuple[Job, bool]:
    """Queue a cycle (or take the one queued or running) and have it run now."""
    running_discovery(services)
    job, created = await services.queue.enqueue(CycleParams().spec())
    await services.queue.run_now(job.id)  # a cycle waiting for its time runs now
    return job, created


async def queue_adding(services: Services) -> Job:
    """A cycle that sees what was just decided (an approval, a refilter) runs now.

    A cycle already running may have made its last adding pass: then a follow-up cycle
    is queued, due now, and runs as soon as that one ends (one at a time).
    """
    job, created = await trigger_cycle(services)
    if created or job.status is not JobStatus.RUNNING:
        return job
    follow_up, _ = await services.queue.enqueue(CycleParams(follow_up=True).spec())
    await services.queue.run_now(follow_up.id)
    return follow_up


@router.post(f"{PREFIX}/trigger", status_code=202, summary="Queue a discovery cycle now")
async def trigger(services: ServicesDep) -> dict[str, Any]:
    job, created = await trigger_cycle(services)
    return {"status": "triggered" if created else "already_queued", "job": job.id}


@router.post("/trigger", summary="TVMaze-Sync: queue a cycle (409 while one runs)")
async def trigger_compat(services: ServicesDep) -> JSONResponse:
    running_discovery(services)
    if await _running(services):
        body = {"status": "already_running", "error": "Already running - sync cycle in progress"}
        return JSONResponse(body, status_code=409)
    job, _ = await services.queue.enqueue(CycleParams().spec())
    await services.queue.run_now(job.id)
    return JSONResponse({"status": "triggered"})


@router.get(f"{PREFIX}/state", summary="Sync state (TVMaze-Sync's state.json fields)")
@router.get("/state", summary="TVMaze-Sync: sync state", include_in_schema=False)
async def state(services: ServicesDep) -> dict[str, Any]:
    known = await read_discovery_state(services, running_discovery(services))
    values, counts = known.values, known.counts
    next_page = int(values.get(STATE_KEYS.next_page) or 0)
    return {
        "last_full_sync": _iso(values.get(STATE_KEYS.last_full_sync)),
        "last_incremental_sync": _iso(values.get(STATE_KEYS.last_incremental_sync)),
        "last_tvmaze_page": max(next_page - 1, 0),
        "highest_tvmaze_id": known.highest_id,
        "last_filter_hash": values.get(STATE_KEYS.filter_hash),
        "last_updates_check": _iso(values.get(STATE_KEYS.last_updates_check)),
        "initial_sync_complete": known.initial_complete,
        "filters_changed": known.filters_changed,
        "next_scheduled_run": _iso(known.next_run),
        "sync_running": known.running,
        "paused_reason": known.paused_reason,
        "last_run": None if known.last is None else known.last.model_dump(),
        "status_counts": counts,
        "total_shows": sum(counts.values()),
        "skipped_by_hand": known.skips,  # catalogued or not
    }


@dataclass(frozen=True)
class DiscoveryState:
    """What ``/state`` (and the dashboard's page) say about discovery, as values."""

    values: dict[str, Any]  # discovery's state rows (store/shows.STATE_KEYS)
    counts: dict[str, int]  # cached shows by processing status
    highest_id: int
    skips: int  # skipped by hand, catalogued or not
    last: LastRun | None
    next_run: float | None
    running: bool  # a cycle runs now
    paused_reason: str | None
    filters_changed: bool | None  # None: discovery does not run (no fingerprint to compare)

    @property
    def initial_complete(self) -> bool:
        return bool(self.values.get(STATE_KEYS.initial_complete))


async def read_discovery_state(
    services: Services, running: capability.DiscoveryData | None
) -> DiscoveryState:
    """Checkpoints, the last cycle, the next, counts by status (``running``: the running
    capability's data, None when discovery does not run)."""

    def read(conn: Any) -> tuple[dict[str, Any], dict[str, int], int, int]:
        return (
            read_state(conn),
            show_store.count_by_status(conn),
            show_store.highest_id(conn),
            show_store.count_skips(conn),
        )

    values, counts, highest, skips = await services.db.run(read)
    component = services.health.components.get(capability.COMPONENT)
    fingerprint = None if running is None else running.fingerprint
    return DiscoveryState(
        values=values,
        counts=counts,
        highest_id=highest,
        skips=skips,
        last=last_run(values),
        next_run=None if running is None else services.scheduler.next_run(capability.TASK),
        running=await _running(services),
        paused_reason=component.detail if component and component.detail else None,
        filters_changed=None
        if fingerprint is None
        else values.get(STATE_KEYS.filter_hash) != fingerprint,
    )


def _skip_out(skip: Skip | None) -> dict[str, Any]:
    return {
        "skipped_by_hand": skip is not None,
        "skip_reason": skip.reason if skip else None,
        "skipped_at": _iso(skip.skipped_at) if skip else None,
    }


def _show_out(row: ShowRow, skip: Skip | None) -> dict[str, Any]:
    show = row.show
    return {
        "tvmaze_id": show.tvmaze_id,
        "tvdb_id": show.tvdb_id,
        "imdb_id": show.imdb_id,
        "title": show.title,
        "language": show.language,
        "country": show.country,
        "type": show.type,
        "status": show.status,
        "premiered": show.premiered.isoformat() if show.premiered else None,
        "ended": show.ended.isoformat() if show.ended else None,
        "network": show.network,
        "web_channel": show.web_channel,
        "genres": list(show.genres),
        "runtime": show.runtime,
        "rating": show.rating,
        "processing_status": row.status.value,
        "filter_reason": row.filter_reason,
        "sonarr_series_id": row.sonarr_series_id,
        "added_to_sonarr_at": _iso(row.added_to_sonarr_at),
        "last_checked": _iso(row.last_checked),
        "tvmaze_updated_at": show.updated,
        "retry_after": _iso(row.retry_after),
        "retry_count": row.retry_count,
        "error_message": row.error_message,
        "approved_at": _iso(row.approved_at),
        **_skip_out(skip),
    }


@router.get(f"{PREFIX}/shows", summary="Cached shows, by processing status")
@router.get("/shows", summary="TVMaze-Sync: cached shows", include_in_schema=False)
async def shows(
    services: ServicesDep,
    status: ShowStatus | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[dict[str, Any]]:
    running_discovery(services)

    def read(conn: Any) -> tuple[list[ShowRow], dict[int, Skip]]:
        rows = show_store.list_shows(conn, status, limit=limit, offset=offset)
        return rows, show_store.skips_of(conn, [row.show.tvmaze_id for row in rows])

    rows, skips = await services.db.run(read)
    return [_show_out(row, skips.get(row.show.tvmaze_id)) for row in rows]


@router.post(f"{PREFIX}/refilter", summary="Re-evaluate the cache with the current filters")
@router.post("/refilter", summary="TVMaze-Sync: refilter", include_in_schema=False)
async def refilter(services: ServicesDep) -> dict[str, Any]:
    counts = await refilter_now(services)
    return {"status": "complete", "refiltered": counts.evaluated, "changed": counts.changed}


async def refilter_now(services: Services) -> Refiltered:
    """Judge the cache again with the current filters, then queue a cycle to add what
    now passes."""
    counts = await running_discovery(services).refilter()
    await queue_adding(services)
    return counts


class SkipRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=500, description="why (kept, shown)")


async def _answer(
    services: Services, tvmaze_id: int, change: SkipChange | Approval, message: str
) -> dict[str, Any]:
    """A decision by hand's answer: the show's status now, its skip, and the show."""

    def read(conn: Any) -> tuple[ShowRow | None, dict[int, Skip]]:
        return show_store.get_show(conn, tvmaze_id), show_store.skips_of(conn, [tvmaze_id])

    row, skips = await services.db.run(read)
    skip = skips.get(tvmaze_id)
    status = ShowStatus.SKIPPED if skip and change.status is None else change.status
    return {
        "tvmaze_id": tvmaze_id,
        "processing_status": None if status is None else status.value,
        "in_catalogue": row is not None,
        **_skip_out(skip),
        "message": message,
        "show": None if row is None else _show_out(row, skip),
    }


@router.post(f"{PREFIX}/shows/{{tvmaze_id}}/skip", summary="Skip a show by hand: no cycle adds it")
async def skip(
    services: ServicesDep, tvmaze_id: RowId, body: SkipRequest | None = None
) -> dict[str, Any]:
    change = await skip_show(services, tvmaze_id, body.reason if body else None)
    where = "" if change.status else " (not in the catalogue yet: the skip holds when it is)"
    return await _answer(services, tvmaze_id, change, f"skipped by hand{where}")


@router.post(
    f"{PREFIX}/shows/{{tvmaze_id}}/unskip", summary="Lift a skip: the filters judge the show again"
)
async def unskip(services: ServicesDep, tvmaze_id: RowId) -> dict[str, Any]:
    change = await unskip_show(services, tvmaze_id)
    return await _answer(services, tvmaze_id, change, _unskipped(change))


async def skip_show(services: Services, tvmaze_id: int, reason: str | None) -> SkipChange:
    """Skip a show by hand; 409 when Sonarr already has it."""
    running_discovery(services)
    reason = (reason or "").strip() or None
    change = await services.db.run(show_store.skip, tvmaze_id, reason, services.clock.now())
    if not change.changed:
        raise HTTPException(
            409,
            f"show {tvmaze_id} is already in Sonarr ({change.status}): a skip would not "
            "remove it from Sonarr (delete it there), and discovery never adds a show twice",
        )
    return change


async def unskip_show(services: Services, tvmaze_id: int) -> SkipChange:
    """Lift a skip by hand: the filters (and review mode) judge the show again at once."""
    running_discovery(services)
    config = services.settings.discovery
    rules = [rule.filters.rules() for rule in config.effective_rules()]
    judge = judge_with(rules, review=config.review)
    return await services.db.run(show_store.unskip, tvmaze_id, judge, now=services.clock.now())


async def approve_show(services: Services, tvmaze_id: int) -> Approval:
    """Approve a show waiting for review and queue a cycle to add it now.

    Approving a show already cleared to be added changes nothing (and queues the cycle
    again); 404 for a show not in the catalogue, 409 for any other status, saying why.
    """
    running_discovery(services)
    approval = await services.db.run(show_review.approve, tvmaze_id, at=services.clock.now())
    if approval.status is None:
        raise HTTPException(404, f"show {tvmaze_id} is not in the catalogue")
    if not approval.changed and approval.status not in CLEARED:
        raise HTTPException(409, _not_approved(tvmaze_id, approval.status))
    await queue_adding(services)
    return approval


def _not_approved(tvmaze_id: int, status: ShowStatus) -> str:
    if status in IN_SONARR:
        return f"show {tvmaze_id} is already in Sonarr ({status})"
    if status is ShowStatus.SKIPPED:
        return f"show {tvmaze_id} is skipped: unskip it first (the filters then judge it)"
    return (
        f"show {tvmaze_id} is {status}, not waiting for review: only shows in review are approved"
    )


@router.post(
    f"{PREFIX}/shows/{{tvmaze_id}}/approve",
    summary="Approve a show waiting for review: a cycle adds it to Sonarr now",
)
async def approve(services: ServicesDep, tvmaze_id: RowId) -> dict[str, Any]:
    approval = await approve_show(services, tvmaze_id)
    said = "approved" if approval.changed else f"already cleared to be added ({approval.status})"
    message = f"{said}; a discovery cycle adds it to Sonarr now"
    return await _answer(services, tvmaze_id, approval, message)


def _unskipped(change: SkipChange) -> str:
    if not change.changed:
        return "was not skipped by hand: nothing to do"
    if change.status is None:
        return "unskipped; not in the catalogue yet: the filters judge it when a cycle stores it"
    if change.status is ShowStatus.PENDING:
        return "unskipped; the filters accept it: the next cycle adds it to Sonarr"
    if change.status is ShowStatus.FILTERED:
        return "unskipped; the filters reject it (see filter_reason)"
    if change.status is ShowStatus.REVIEW:
        return "unskipped; the filters accept it: it waits for your review (approve or skip)"
    return f"unskipped; its status is {change.status}"


@router.get(f"{PREFIX}/skips", summary="Shows skipped by hand, catalogued or not")
async def skips(services: ServicesDep, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    running_discovery(services)

    def read(conn: Any) -> tuple[list[Skip], int]:
        return show_store.list_skips(conn, limit=limit, offset=offset), show_store.count_skips(conn)

    found, total = await services.db.run(read)
    return {
        "total": total,
        "skips": [
            {"tvmaze_id": s.tvmaze_id, "reason": s.reason, "skipped_at": _iso(s.skipped_at)}
            for s in found
        ],
    }
