"""``/health`` (process and store; upstreams only degrade it), ``/ready``, ``/metrics``."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse

from arrkestra.runtime.health import ComponentState, health_body
from arrkestra.store import jobs as job_store
from arrkestra.store import state as state_store
from arrkestra.web.deps import ServicesDep, authenticated_if_protected

log = logging.getLogger("arrkestra.web")
router = APIRouter(dependencies=[Depends(authenticated_if_protected)], tags=["health"])
DAY = 86_400.0


@router.get("/health", summary="Process, store and upstream health (200 while the store works)")
async def health(services: ServicesDep) -> JSONResponse:
    try:
        jobs_24h = await services.db.run(job_store.finished_since, services.clock.now() - DAY)
    except Exception as exc:  # a broken store is exactly what /health must report, not raise
        log.error("health: store query failed: %s", exc)
        services.health.set("store", ComponentState.DOWN, "database query failed")
        jobs_24h = {}
    body: dict[str, Any] = health_body(
        services.health,
        version=services.version,
        dry_run=services.settings.any_dry_run(),
        notifications=bool(services.settings.notifications.urls),
        jobs_24h=jobs_24h,
    )
    return JSONResponse(body, status_code=503 if body["status"] == "unhealthy" else 200)


@router.get("/ready", summary="200 once start-up finished and the store takes writes")
async def ready(services: ServicesDep) -> JSONResponse:
    if not services.ready:
        return JSONResponse({"ready": False, "detail": "starting or stopping"}, status_code=503)
    try:
        await services.db.run(state_store.probe_write, now=services.clock.now())
    except Exception as exc:
        log.error("ready: store write failed: %s", exc)
        return JSONResponse({"ready": False, "detail": "the database does not take writes"}, 503)
    return JSONResponse({"ready": True})


@router.get("/ping", summary="Liveness: answers without touching the database")
async def ping() -> dict[str, bool]:
    return {"pong": True}


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(services: ServicesDep) -> Response:
    snapshot, extra = await services.db.run(services.metrics.read_all)
    payload = services.metrics.render(snapshot, services.clock.now(), extra)
    return Response(payload, media_type="text/plain; version=0.0.4; charset=utf-8")
