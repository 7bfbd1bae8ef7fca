"""``/ui/reconcile``: reconcile runs with their reports; a held run's Confirm button.

The list shows the runs newest first (``store/reconcile_runs.list_runs``, paged by id) and,
above them, the run held as ``needs_confirmation`` (``held_run``) with what it would copy.
*Confirm* queues a confirmed run exactly as ``POST /api/v1/reconcile {"confirm": true}``
does (``reconcile_api.request_run``, the one function both call), then shows that run.
*Run now* and *Dry run* queue the other two kinds. A run page shows the whole report:
per root, the samples, missed deletions, untrusted instances, problems, and its job.

Text from a report (paths, problems) goes through the redactor; the notices after a
POST are fixed texts chosen by a code in the query (``?done=``, or ``?error=`` when it was
refused: :data:`NOTICES`, :data:`FAILURES`, see ``notices``), never text from it. Each page costs
one or two primary-key reads (a page of runs, the held run), however many runs exist.
"""

from __future__ import annotations

import enum
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from arrkestra.runtime.capabilities.reconcile import ReconcileRefused, why_not
from arrkestra.runtime.services import Services
from arrkestra.store import reconcile_runs
from arrkestra.store.reconcile_runs import RunNotFound, RunRow
from arrkestra.web.dashboard.access import FormDep, ViewerDep
from arrkestra.web.dashboard.notices import Notice, notice, table
from arrkestra.web.dashboard.rendering import render
from arrkestra.web.deps import Cursor, RowId, ServicesDep
from arrkestra.web.reconcile_api import request_run

router = APIRouter(include_in_schema=False)
PAGE = 25
ACTIVE = ("queued", "running")


class Done(enum.StrEnum):
    """What a button did (``?done=``)."""

    QUEUED = "queued"
    ALREADY_QUEUED = "already_queued"
    CONFIRMED = "confirmed"


class Failure(enum.StrEnum):
    """Why a button did nothing (``?error=``)."""

    REFUSED = "refused"
    NOT_HELD = "not_held"


NOTICES = table(
    Done,
    {
        Done.QUEUED: Notice("Run queued: it starts as soon as the worker is free."),
        Done.ALREADY_QUEUED: Notice("A run of this kind was already waiting: this is that run."),
        Done.CONFIRMED: Notice(
            "Confirmed: this run compares the trees again and queues every copy it finds, "
            "however many."
        ),
    },
)
FAILURES = table(
    Failure,
    {
        Failure.REFUSED: Notice("Reconcile cannot run: {why_not}.", error=True),
        Failure.NOT_HELD: Notice(
            "That run does not wait for confirmation: nothing was queued.", error=True
        ),
    },
)


def notices_of(services: Services, done: Done | None, error: Failure | None) -> dict[str, Any]:
    """The page's notices: what a button did, or why it did nothing (from the settings)."""
    return {
        "notice": notice(NOTICES, done),
        "failure": notice(FAILURES, error, why_not=why_not(services.settings) or "refused"),
    }


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
    context = {**await _list(services, before), **notices_of(services, done, error)}
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
        return RedirectResponse(f"/ui/reconcile?error={Failure.REFUSED.value}", status_code=303)
    done = Done.QUEUED if created else Done.ALREADY_QUEUED
    return RedirectResponse(f"/ui/reconcile/{run.id}?done={done.value}", status_code=303)


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
    context = {**await _one(services, run_id), **notices_of(services, done, error)}
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
        return RedirectResponse(f"/ui/reconcile/{run_id}?error={Failure.NOT_HELD.value}", 303)
    try:
        run, _ = await request_run(services, trigger="dashboard", dry_run=False, confirm=True)
    except ReconcileRefused:
        return RedirectResponse(f"/ui/reconcile/{run_id}?error={Failure.REFUSED.value}", 303)
    return RedirectResponse(f"/ui/reconcile/{run.id}?done={Done.CONFIRMED.value}", 303)
