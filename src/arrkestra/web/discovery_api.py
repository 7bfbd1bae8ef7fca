"""discovery's controls: trigger a cycle, read the state and the cached shows, refilter.

``/api/v1/discovery/...`` and TVMaze-Sync's ``/trigger``, ``/state``, ``/shows`` and
``/refilter`` with its answer shapes. All need credentials (``/trigger`` and
``/refilter`` act; the others show what the cache holds).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import JSONResponse

from arrkestra.core.job_kinds import DISCOVERY, CycleParams
from arrkestra.core.jobs import JobStatus
from arrkestra.core.shows import ShowStatus
from arrkestra.runtime.capabilities import discovery as capability
from arrkestra.runtime.discovery_metrics import last_run
from arrkestra.runtime.services import Services
from arrkestra.store import shows as show_store
from arrkestra.store.jobs import JobFilter
from arrkestra.store.shows import STATE_KEYS, ShowRow, read_state
from arrkestra.web.deps import ServicesDep, authenticated

router = APIRouter(dependencies=[Depends(authenticated)], tags=["discovery"])
PREFIX = "/api/v1/discovery"
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


def _running_discovery(services: Services) -> capability.DiscoveryData:
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


@router.post(f"{PREFIX}/trigger", status_code=202, summary="Queue a discovery cycle now")
async def trigger(services: ServicesDep) -> dict[str, Any]:
    _running_discovery(services)
    job, created = await services.queue.enqueue(CycleParams().spec())
    await services.queue.run_now(job.id)  # a cycle waiting for its time runs now
    return {"status": "triggered" if created else "already_queued", "job": job.id}


@router.post("/trigger", summary="TVMaze-Sync: queue a cycle (409 while one runs)")
async def trigger_compat(services: ServicesDep) -> JSONResponse:
    _running_discovery(services)
    if await _running(services):
        body = {"status": "already_running", "error": "Already running - sync cycle in progress"}
        return JSONResponse(body, status_code=409)
    job, _ = await services.queue.enqueue(CycleParams().spec())
    await services.queue.run_now(job.id)
    return JSONResponse({"status": "triggered"})


@router.get(f"{PREFIX}/state", summary="Sync state (TVMaze-Sync's state.json fields)")
@router.get("/state", summary="TVMaze-Sync: sync state", include_in_schema=False)
async def state(services: ServicesDep) -> dict[str, Any]:
    running = _running_discovery(services)

    def read(conn: Any) -> tuple[dict[str, Any], dict[str, int], int]:
        return read_state(conn), show_store.count_by_status(conn), show_store.highest_id(conn)

    values, counts, highest = await services.db.run(read)
    next_page = int(values.get(STATE_KEYS.next_page) or 0)
    last = last_run(values)
    component = services.health.components.get("discovery")
    return {
        "last_full_sync": _iso(values.get(STATE_KEYS.last_full_sync)),
        "last_incremental_sync": _iso(values.get(STATE_KEYS.last_incremental_sync)),
        "last_tvmaze_page": max(next_page - 1, 0),
        "highest_tvmaze_id": highest,
        "last_filter_hash": values.get(STATE_KEYS.filter_hash),
        "last_updates_check": _iso(values.get(STATE_KEYS.last_updates_check)),
        "initial_sync_complete": bool(values.get(STATE_KEYS.initial_complete)),
        "filters_changed": values.get(STATE_KEYS.filter_hash) != running.fingerprint,
        "next_scheduled_run": _iso(services.scheduler.next_run(capability.TASK)),
        "sync_running": await _running(services),
        "paused_reason": component.detail if component and component.detail else None,
        "last_run": None if last is None else last.model_dump(),
        "status_counts": counts,
        "total_shows": sum(counts.values()),
    }


def _show_out(row: ShowRow) -> dict[str, Any]:
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
    }


@router.get(f"{PREFIX}/shows", summary="Cached shows, by processing status")
@router.get("/shows", summary="TVMaze-Sync: cached shows", include_in_schema=False)
async def shows(
    services: ServicesDep,
    status: ShowStatus | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[dict[str, Any]]:
    _running_discovery(services)
    rows = await services.db.run(show_store.list_shows, status, limit=limit, offset=offset)
    return [_show_out(row) for row in rows]


@router.post(f"{PREFIX}/refilter", summary="Re-evaluate the cache with the current filters")
@router.post("/refilter", summary="TVMaze-Sync: refilter", include_in_schema=False)
async def refilter(services: ServicesDep) -> dict[str, Any]:
    counts = await _running_discovery(services).refilter()
    job, _ = await services.queue.enqueue(CycleParams().spec())  # add what now passes
    await services.queue.run_now(job.id)
    return {"status": "complete", "refiltered": counts.evaluated, "changed": counts.changed}
