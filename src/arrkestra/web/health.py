"""``/health`` (process and store; upstreams only degrade it), ``/ready``, ``/metrics``.

None of them waits on the database thread longer than a bounded time: the store's state
comes from its watch (``runtime/store_watch``: the last probe, plus a fresh look at the
file's identity), and what they read from the database is awaited at most ``READ_BOUND``
before the last answer is used. A thread stuck behind another process's lock cannot make
a monitor time out.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from arrkestra.config import Settings
from arrkestra.runtime.health import ComponentState, health_body
from arrkestra.runtime.metrics import QueueSnapshot
from arrkestra.store import jobs as job_store
from arrkestra.web.auth import credentials_valid
from arrkestra.web.deps import ServicesDep, authenticated_if_protected

router = APIRouter(dependencies=[Depends(authenticated_if_protected)], tags=["health"])
DAY = 86_400.0


@router.get("/health", summary="Process, store and upstream health (200 while the store works)")
async def health(services: ServicesDep, request: Request) -> JSONResponse:
    """Open, it shows each component's state and mounts by name; with credentials (the
    API's), also each detail, paths and URLs included."""
    watch = services.store_watch
    await watch.check_file()
    empty: dict[str, int] = {}
    jobs_24h = await watch.bounded(
        "jobs_24h", empty, job_store.finished_since, services.clock.now() - DAY
    )
    body: dict[str, Any] = health_body(
        services.health,
        version=services.version,
        dry_run=services.settings.any_dry_run(),
        notifications=bool(services.settings.notifications.urls),
        jobs_24h=jobs_24h,
        mount_names=None
        if credentials_valid(services.settings, request)
        else mount_names(services.settings),
    )
    return JSONResponse(body, status_code=503 if body["status"] == "unhealthy" else 200)


def mount_names(settings: Settings) -> dict[str, str]:
    """Each mirror root's path -> the name the open ``/health`` shows (``/tv destination``),
    from the rule that has it (the first, for a root two rules share)."""
    names: dict[str, str] = {}
    for rule in settings.mirror.path_rules():
        names.setdefault(rule.source_root, f"{rule.arr_path} source")
        names.setdefault(rule.destination_root, f"{rule.arr_path} destination")
    return names


@router.get("/ready", summary="200 once start-up finished and the store takes writes")
async def ready(services: ServicesDep) -> JSONResponse:
    if not services.ready:
        return JSONResponse({"ready": False, "detail": "starting or stopping"}, status_code=503)
    store = await services.store_watch.probe(write=True)  # a real write, awaited a bounded time
    if store.state is ComponentState.DOWN:
        return JSONResponse({"ready": False, "detail": store.detail}, 503)
    return JSONResponse({"ready": True})


@router.get("/ping", summary="Liveness: answers without touching the database")
async def ping() -> dict[str, bool]:
    return {"pong": True}


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(services: ServicesDep) -> Response:
    nothing: tuple[QueueSnapshot, list[object]] = (QueueSnapshot({}, {}), [])
    snapshot, extra = await services.store_watch.bounded(
        "metrics", nothing, services.metrics.read_all
    )
    payload = services.metrics.render(snapshot, services.clock.now(), extra)
    return Response(payload, media_type="text/plain; version=0.0.4; charset=utf-8")
