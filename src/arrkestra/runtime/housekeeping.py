"""The platform's own periodic tasks: expired leases, old events, backups, integrity.

They run whatever capabilities are configured: a lease whose worker hung is reclaimed,
events older than ``storage.event_retention`` pruned, the database backed up
(``storage.backup``) and fully checked (``storage.integrity_check``) at night.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from arrkestra.config import Settings
from arrkestra.runtime.capabilities.contract import Cron, Every, Task
from arrkestra.runtime.clock import Clock
from arrkestra.runtime.health import ComponentState, HealthRegistry
from arrkestra.runtime.queue import Queue
from arrkestra.store import events as event_store
from arrkestra.store import jobs as job_store
from arrkestra.store import maintenance
from arrkestra.store.database import Database

log = logging.getLogger("arrkestra")
PRUNE_INTERVAL = 6 * 3600.0


def housekeeping_tasks(
    settings: Settings, db: Database, clock: Clock, queue: Queue, health: HealthRegistry
) -> list[Task]:
    storage = settings.storage

    async def reclaim() -> None:
        reclaimed = await db.run(job_store.reclaim_expired, now=clock.now())
        if reclaimed:
            log.warning("reclaimed %d job(s) whose lease expired: %s", len(reclaimed), reclaimed)
            queue.wake()

    async def prune() -> None:
        cutoff = clock.now() - storage.event_retention
        removed = await db.run(event_store.prune_events, older_than=cutoff)
        if removed:
            log.info("pruned %d event(s) older than storage.event_retention", removed)

    async def backup() -> None:
        await run_backup(settings, db)

    async def integrity() -> None:
        report = await db.run(maintenance.check_integrity, full=True)
        if report.ok:
            log.info("database integrity check: ok")
            return
        message = maintenance.corruption_message(
            storage.db_file, storage.backup_dir, report.problems
        )
        health.set("store", ComponentState.DOWN, message)
        log.critical("%s", message)

    tasks: list[Task] = [
        Every("queue.reclaim", settings.queue.reclaim_interval, reclaim),
        Every("events.prune", PRUNE_INTERVAL, prune, run_now=True),
    ]
    if storage.backup.schedule is not None:
        tasks.append(Cron("store.backup", storage.backup.schedule, backup))
    if storage.integrity_check is not None:
        tasks.append(Cron("store.integrity", storage.integrity_check, integrity))
    return tasks


async def run_backup(settings: Settings, db: Database) -> maintenance.BackupResult:
    """An online backup now (``VACUUM INTO``), rotated to ``storage.backup.keep``."""
    storage = settings.storage
    result = await db.run(
        maintenance.backup, storage.backup_dir, keep=storage.backup.keep, now=datetime.now(UTC)
    )
    log.info("database backed up to %s (%d bytes)", result.path, result.size)
    return result
