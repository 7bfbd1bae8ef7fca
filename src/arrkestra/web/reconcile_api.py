"""``/api/v1/reconcile``: start a run, and read the runs (newest first) and one run.

``POST`` takes an optional ``{"dry_run": bool, "confirm": bool}`` (both false when absent)
and answers 202 with the run's and its job's ids; a run of the same kind already waiting
is that run (``already_queued``). A run held as ``needs_confirmation`` is confirmed by
starting one with ``{"confirm": true}``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, ConfigDict

from arrkestra.core.job_kinds.reconcile import (
    MissedDeletion,
    ReconcileTrigger,
    RootReport,
    RunStatus,
)
from arrkestra.runtime.capabilities.reconcile import ReconcileRefused, queue_reconcile
from arrkestra.runtime.services import Services
from arrkestra.store import reconcile_runs
from arrkestra.store.reconcile_runs import RunNotFound, RunRow
from arrkestra.web.deps import Cursor, RowId, ServicesDep, authenticated

router = APIRouter(prefix="/api/v1", dependencies=[Depends(authenticated)], tags=["reconcile"])


class ReconcileRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dry_run: bool = False
    confirm: bool = False


class RunOut(BaseModel):
    id: int
    status: RunStatus
    trigger: str
    dry_run: bool
    confirm: bool
    job_id: int | None
    started_at: str | None
    finished_at: str | None
    missing: int
    different: int
    queued: int
    extra: int
    bytes: int
    roots: list[RootReport]
    sample_missing: list[str]
    sample_different: list[str]
    sample_extra: list[str]
    missed_deletions: list[MissedDeletion]
    untrusted: list[str]
    cleanup_jobs: int
    problems: list[str]

    @classmethod
    def of(cls, run: RunRow) -> RunOut:
        report = run.report
        return cls(
            id=run.id,
            status=run.status,
            trigger=run.trigger,
            dry_run=run.dry_run,
            confirm=run.confirm,
            job_id=run.job_id,
            started_at=_iso(run.started_at),
            finished_at=_iso(run.finished_at),
            missing=run.missing,
            different=run.different,
            queued=run.queued,
            extra=run.extra,
            bytes=run.bytes,
            roots=report.roots,
            sample_missing=report.sample_missing,
            sample_different=report.sample_different,
            sample_extra=report.sample_extra,
            missed_deletions=report.missed_deletions,
            untrusted=report.untrusted,
            cleanup_jobs=report.cleanup_jobs,
            problems=report.problems,
        )


def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


async def request_run(
    services: Services, *, trigger: ReconcileTrigger, dry_run: bool, confirm: bool
) -> tuple[RunRow, bool]:
    """Queue a run by hand (or find the same kind waiting) and wake the worker: what the
    API's ``POST`` and the dashboard's buttons do. Raises ``ReconcileRefused``."""
    run, created = await queue_reconcile(
        services.settings,
        services.db,
        trigger=trigger,
        dry_run=dry_run,
        confirm=confirm,
        now=services.clock.now(),
    )
    services.queue.wake()
    return run, created


@router.post("/reconcile", status_code=202, summary="Compare source and destination now")
async def start(services: ServicesDep, body: ReconcileRequest | None = None) -> dict[str, Any]:
    request = body or ReconcileRequest()
    try:
        run, created = await request_run(
            services, trigger="api", dry_run=request.dry_run, confirm=request.confirm
        )
    except ReconcileRefused as exc:
        raise HTTPException(exc.status, services.redactor(str(exc))) from None
    status = "queued" if created else "already_queued"
    return {"status": status, "run_id": run.id, "job_id": run.job_id}


@router.get("/reconcile/runs", summary="Reconcile runs, newest first")
async def list_runs(
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before: Cursor = None,
) -> list[RunOut]:
    found = await services.db.run(reconcile_runs.list_runs, limit=limit, before=before)
    return [RunOut.of(run) for run in found]


@router.get("/reconcile/runs/{run_id}", summary="One reconcile run")
async def get_run(run_id: RowId, services: ServicesDep) -> RunOut:
    try:
        return RunOut.of(await services.db.run(reconcile_runs.get_run, run_id))
    except RunNotFound:
        raise HTTPException(404, f"no reconcile run {run_id}") from None
