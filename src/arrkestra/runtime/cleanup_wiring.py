"""Builds the cleanup capability: Overseerr client, pipeline dependencies, health monitor."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from arrkestra.adapters.http import make_client
from arrkestra.adapters.overseerr import OverseerrClient
from arrkestra.config import Settings
from arrkestra.core.jobs import Job, JsonObject
from arrkestra.core.redact import Redactor
from arrkestra.pipelines import cleanup
from arrkestra.pipelines.budget import Budget, BudgetGuard
from arrkestra.runtime.alerts import Alerts
from arrkestra.runtime.clock import Clock
from arrkestra.runtime.health import HealthRegistry
from arrkestra.runtime.overseerr_monitor import OverseerrMonitor
from arrkestra.runtime.worker import Pipeline, Worker
from arrkestra.store import jobs as job_store
from arrkestra.store import state as state_store
from arrkestra.store.database import Database


@dataclass(frozen=True)
class CleanupCapability:
    pipeline: Pipeline
    monitor: OverseerrMonitor
    http: httpx.AsyncClient


def cleanup_configured(settings: Settings) -> bool:
    return settings.cleanup.enabled and settings.overseerr is not None


def build_cleanup(
    settings: Settings,
    *,
    db: Database,
    clock: Clock,
    alerts: Alerts,
    health: HealthRegistry,
    redactor: Redactor,
    worker: Worker,
) -> CleanupCapability:
    overseerr = settings.overseerr
    assert overseerr is not None  # cleanup_configured() checked it
    http = make_client(timeout=overseerr.timeout)
    key = overseerr.api_key.get_secret_value() if overseerr.api_key else ""
    client = OverseerrClient(overseerr.url, key, client=http, redactor=redactor, clock=clock.now)
    budget = settings.cleanup.budget

    async def deletions_since(since: float) -> int:
        return await db.run(job_store.count_outcome_since, cleanup.NAME, "deleted", since)

    async def resumed_at() -> float:
        return await db.run(state_store.resumed_at, cleanup.NAME)

    async def pause(reason: str) -> None:
        await alerts.paused(cleanup.NAME, reason)

    deps = cleanup.Deps(
        overseerr=client,
        dry_run=settings.pipeline_dry_run(cleanup.NAME),
        budget=BudgetGuard(
            cleanup.NAME,
            "Overseerr deletions",
            Budget(budget.deletions, budget.per) if budget else None,
            now=clock.now,
            deletions_since=deletions_since,
            resumed_at=resumed_at,
            pause=pause,
        ),
    )

    async def run(job: Job) -> JsonObject:
        return await cleanup.run(job, deps)

    pipeline = Pipeline(
        cleanup.NAME, run, settings.cleanup.concurrency, settings.retry_policy(cleanup.NAME)
    )
    monitor = OverseerrMonitor(
        client, health=health, alerts=alerts, db=db, clock=clock, wake=worker.wake
    )
    return CleanupCapability(pipeline, monitor, http)
