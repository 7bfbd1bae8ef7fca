"""``/ui/reconcile``: reconcile runs with their reports; a held run's Confirm button.

The list shows the runs newest first (``store/reconcile_runs.list_runs``, paged by id) and,
above them, the run held as ``needs_confirmation`` (``held_run``) with what it would copy.
*Confirm* queues a confirmed run exactly as ``POST /api/v1/reconcile {"confirm": true}``
does (``reconcile_api.request_run``, the one function both call), then shows that run.
*Run now* and *Dry run* queue the other two kinds. A run page shows the whole report:
per root, the samples, missed deletions, untrusted instances, problems, and its job.

Text from a report (paths, problems) goes through the redactor; flash messages after a
POST are fixed texts chosen by a code in the query, never text from it. Each page costs
one or two primary-key reads (a page of runs, the held run), however many runs exist.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from arrkestra.runtime.capabilities.reconcile import ReconcileRefused, why_not
from arrkestra.runtime.services import Services
from arrkestra.store import reconcile_runs
from arrkestra.store.reconcile_runs import RunNotFound, RunRow
from arrkestra.web.dashboard.access import FormDep, ViewerDep
from arrkestra.web.dashboard.rendering import render
from arrkestra.web.deps import Cursor, RowId, ServicesDep
from arrkestra.web.reconcile_api import request_run

router = APIRouter(include_in_schema=False)
PAGE = 25
ACTIVE = ("queued", "running")
Done = Literal["queued", "already_queued", "confirmed"]
Failure = Literal["refused", "not_held"]
DONE: dict[str, str] = {
    "queued": "Run queued: it starts as soon as the worker is free.",
    "already_queued": "A run of this kind was already waiting: this is that run.",
    "confirmed": "Confirmed: this run compares the trees again and queues every copy it "
    "finds, however many.",
}


def failure_text(services: Services, code: str | None) -> str:
    """The fixed message of a failed POST (``?error=``), from the settings, not the query."""
    if code == "refused":
        return f"Reconcile cannot run: {why_not(services.settings) or 'refused'}."
    if code == "not_held":
        return "That run does not wait for confirmation: nothing was queued."
    return ""


def kind_of(run: RunRow) -> str:
    return "dry run" if run.dry_run else "confirmed" if run.confirm else "run"


def took(run: RunRow) -> float | None:
    """How long a finished run took (None while it waits or runs)."""
    return None if run.finished_at is None else max(0.0, run.finished_at - run.started_at)


def _common(services: Services) -> dict[str, Any]:
    config = services.settings.reconcile
    return {
        "redact": services.redactor,
        "kind_of": kind_of,
        "took": took,
        "confirm_above": config.confirm_above,
        "missed_on": config.missed_deletions,
        "schedule": config.schedule,
        "timezone": services.settings.storage.timezone,
        "why_not": why_not(services.settings),
    }


async def _list(services: Services, before: int | None) -> dict[str, Any]:
    runs = await services.db.read(reconcile_runs.list_runs, limit=PAGE + 1, before=before)
    held = await services.db.read(reconcile_runs.held_run)
    shown = runs[:PAGE]
    query = f"?before={before}" if before is not None else ""
    return {
        **_common(services),
        "runs": shown,
        "held": held,
        "before": before,
        "older": shown[-1].id if len(runs) > PAGE else None,
        "live": f"/ui/reconcile/fragment{query}",
    }


@router.get("/ui/reconcile")
async def runs_page(
    request: Request,
    services: ServicesDep,
    viewer: ViewerDep,
    before: Cursor = None,
    done: Annotated[Done | None, Query()] = None,
    error: Annotated[Failure | None, Query()] = None,
) -> HTMLResponse:
    context = {
        **await _list(services, before),
        "flash": DONE.get(done or "", ""),
        "failure": failure_text(services, error),
    }
    return render(request, services, viewer, "reconcile.html", context, title="Reconcile")


@router.get("/ui/reconcile/fragment")
async def runs_fragment(
    request: Request, services: ServicesDep, viewer: ViewerDep, before: Cursor = None
) -> HTMLResponse:
    context = await _list(services, before)
    return render(request, services, viewer, "reconcile_runs_part.html", context)


@router.post("/ui/reconcile/run")
async def run_now(services: ServicesDep, form: FormDep) -> RedirectResponse:
    kind = form.get("kind")
    if kind not in ("run", "dry_run"):
        raise HTTPException(400, "kind must be run or dry_run")
    try:
        run, created = await request_run(
            services, trigger="dashboard", dry_run=kind == "dry_run", confirm=False
        )
    except ReconcileRefused:
        return RedirectResponse("/ui/reconcile?error=refused", status_code=303)
    done = "queued" if created else "already_queued"
    return RedirectResponse(f"/ui/reconcile/{run.id}?done={done}", status_code=303)


async def _run(services: Services, run_id: int) -> RunRow:
    try:
        return await services.db.read(reconcile_runs.get_run, run_id)
    except RunNotFound:
        raise HTTPException(404, f"no reconcile run {run_id}") from None


async def _one(services: Services, run_id: int) -> dict[str, Any]:
    run = await _run(services, run_id)
    held = await services.db.read(reconcile_runs.held_run)
    return {
        **_common(services),
        "run": run,
        "held": held,
        "live": f"/ui/reconcile/{run.id}/fragment" if run.status in ACTIVE else None,
    }


@router.get("/ui/reconcile/{run_id}")
async def run_page(
    request: Request,
    services: ServicesDep,
    viewer: ViewerDep,
    run_id: RowId,
    done: Annotated[Done | None, Query()] = None,
    error: Annotated[Failure | None, Query()] = None,
) -> HTMLResponse:
    context = {
        **await _one(services, run_id),
        "flash": DONE.get(done or "", ""),
        "failure": failure_text(services, error),
    }
    title = f"Reconcile run {run_id}"
    return render(request, services, viewer, "reconcile_run.html", context, title=title)


@router.get("/ui/reconcile/{run_id}/fragment")
async def run_fragment(
    request: Request, services: ServicesDep, viewer: ViewerDep, run_id: RowId
) -> HTMLResponse:
    context = await _one(services, run_id)
    return render(request, services, viewer, "reconcile_run_part.html", context)


@router.post("/ui/reconcile/{run_id}/confirm")
async def confirm(services: ServicesDep, _form: FormDep, run_id: RowId) -> RedirectResponse:
    """Queue the confirmed run of a held one, as the API's ``{"confirm": true}`` does."""
    held = await _run(services, run_id)
    if held.status != "needs_confirmation":
        return RedirectResponse(f"/ui/reconcile/{run_id}?error=not_held", status_code=303)
    try:
        run, _ = await request_run(services, trigger="dashboard", dry_run=False, confirm=True)
    except ReconcileRefused:
        return RedirectResponse(f"/ui/reconcile/{run_id}?error=refused", status_code=303)
    return RedirectResponse(f"/ui/reconcile/{run.id}?done=confirmed", status_code=303)
