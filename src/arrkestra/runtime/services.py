"""The composition root: the one place that builds everything, for the web app and the CLI.

Start-up never touches the network: it opens and checks the database, recovers jobs a
crashed process left running, and wires the worker and the scheduler.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from arrkestra import __version__
from arrkestra.adapters.notify import Notifier
from arrkestra.config import Settings
from arrkestra.core.redact import Redactor
from arrkestra.core.retry import RandomSource
from arrkestra.pipelines import discovery
from arrkestra.runtime.alerts import Alerts, build_notifier
from arrkestra.runtime.cleanup_wiring import build_cleanup, cleanup_configured
from arrkestra.runtime.clock import Clock, SystemClock, SystemRandom
from arrkestra.runtime.discovery_wiring import (
    FIRST_CYCLE_DELAY,
    DiscoveryCapability,
    build_discovery,
    discovery_configured,
)
from arrkestra.runtime.health import ComponentState, HealthRegistry
from arrkestra.runtime.intake import EventWriter
from arrkestra.runtime.metrics import Metrics
from arrkestra.runtime.mirror_wiring import MOUNT_CHECK_INTERVAL, build_mirror, mirror_configured
from arrkestra.runtime.progress import ProgressBoard
from arrkestra.runtime.queue import Queue
from arrkestra.runtime.scheduler import Scheduler
from arrkestra.runtime.summary import SUMMARY_TASK, send_summary
from arrkestra.runtime.worker import Worker, WorkerHooks
from arrkestra.store import events as event_store
from arrkestra.store import jobs as job_store
from arrkestra.store import maintenance
from arrkestra.store.database import Database
from arrkestra.store.db import DatabaseDamaged, StoreError
from arrkestra.store.lock import DatabaseLock

log = logging.getLogger("arrkestra")
PRUNE_INTERVAL = 6 * 3600.0
DISCOVERY_TASK = "discovery.cycle"


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Clock
    redactor: Redactor
    metrics: Metrics
    health: HealthRegistry
    worker: Worker
    queue: Queue
    intake: EventWriter
    scheduler: Scheduler
    lock: DatabaseLock | None
    notifier: Notifier
    alerts: Alerts
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    progress: ProgressBoard = field(default_factory=ProgressBoard)
    discovery: DiscoveryCapability | None = None
    version: str = __version__
    ready: bool = False
    _started: bool = field(default=False, repr=False)
    _background: set[asyncio.Task[None]] = field(default_factory=set, repr=False)

    def spawn(self, work: Awaitable[None]) -> None:
        """Run side work (an announcement) without making the caller wait for it."""

        async def guarded() -> None:
            try:
                await work
            except Exception:
                log.exception("background task failed")

        task = asyncio.create_task(guarded())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def start(self, *, background: bool = True) -> None:
        """Start intake, the worker and the scheduler; after this, /ready is 200.

        ``background=False`` (tests) starts only intake: jobs run when the test calls
        ``worker.run_until_idle()`` and scheduled tasks when it calls ``scheduler.run``.
        """
        if not self._started:
            self._started = True
            self.intake.start()
            if background:
                self.worker.start()
                self.scheduler.start()
        self.ready = True

    async def stop(self) -> None:
        """Drain running jobs for ``server.drain_timeout``, release the rest, close the store."""
        self.ready = False
        if self._started:
            self.scheduler.shutdown()
            await self.intake.stop()
            await asyncio.gather(*self._background, return_exceptions=True)
            await self.worker.stop(self.settings.server.drain_timeout)
            self._started = False
        for closer in self.closers:
            await closer()
        self.close()

    def close(self) -> None:
        self.db.close()
        if self.lock is not None:
            self.lock.release()


def lease_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def open_database(settings: Settings, *, daemon: bool) -> tuple[Database, DatabaseLock | None]:
    """Lock (daemon only), open, migrate and quick-check the database."""
    lock = DatabaseLock(settings.storage.db_file) if daemon else None
    if lock is not None:
        lock.acquire()
    storage = settings.storage
    try:
        try:
            db = Database.open(storage.db_file)
        except DatabaseDamaged as exc:
            message = maintenance.corruption_message(
                storage.db_file, storage.backup_dir, (str(exc),)
            )
            raise StoreError(message) from exc
        report = db.call(maintenance.check_integrity, full=False)
        if not report.ok:
            db.close()
            raise StoreError(
                maintenance.corruption_message(
                    settings.storage.db_file, settings.storage.backup_dir, report.problems
                )
            )
    except StoreError:
        if lock is not None:
            lock.release()
        raise
    return db, lock


def open_services(
    settings: Settings,
    *,
    daemon: bool,
    clock: Clock | None = None,
    rand: RandomSource | None = None,
) -> Services:
    """Build everything. ``daemon`` takes the database lock, recovers and schedules."""
    clock = clock or SystemClock()
    db, lock = open_database(settings, daemon=daemon)
    if daemon:
        recovered = db.call(job_store.recover_running, now=clock.now())
        if recovered:
            log.warning(
                "recovered %d job(s) left running by a stopped process: %s",
                len(recovered),
                recovered,
            )
    metrics = Metrics(__version__)
    health = HealthRegistry(started_at=clock.now())
    health.set("store", ComponentState.OK)
    unauthenticated = [
        f"{kind}.{name}"
        for kind in ("sonarr", "radarr")
        for name, instance in settings.instances(kind).items()
        if not instance.webhook.configured
    ]
    if unauthenticated:
        health.notes.append(f"unauthenticated webhooks: {', '.join(unauthenticated)}")
    worker = Worker(
        db,
        {},
        clock=clock,
        rand=rand or SystemRandom(),
        owner=lease_owner(),
        lease=settings.queue.lease,
        poll_interval=settings.queue.poll_interval,
        metrics=metrics,
    )
    redactor = settings.redactor()
    queue = Queue(db, clock, worker.wake, worker.abort)
    notifier = build_notifier(settings, redactor)
    alerts = Alerts(notifier, queue, health, redactor)
    worker.set_hooks(WorkerHooks(job_dead=alerts.job_dead, auth_failed=alerts.auth_failed))
    services = Services(
        settings=settings,
        db=db,
        clock=clock,
        redactor=redactor,
        metrics=metrics,
        health=health,
        worker=worker,
        queue=queue,
        intake=EventWriter(db, dedupe_window=settings.server.dedupe_window, on_jobs=worker.wake),
        scheduler=Scheduler(ZoneInfo(settings.storage.timezone)),
        lock=lock,
        notifier=notifier,
        alerts=alerts,
    )
    if daemon:
        register_maintenance(services)
        register_capabilities(services)
    return services


def register_capabilities(services: Services) -> None:
    """The configured capabilities: their pipelines, monitors and periodic tasks."""
    register_cleanup(services)
    register_mirror(services)
    register_discovery(services)
    register_summary(services)


def register_summary(services: Services) -> None:
    """The daily summary, when notifications and ``notifications.daily_summary`` are set."""
    summary = services.settings.notifications.daily_summary
    if summary is None or not services.notifier.enabled:
        return
    hour, minute = (int(part) for part in summary.at.split(":"))

    async def send() -> None:
        await send_summary(services)

    zone = ZoneInfo(summary.timezone)
    services.scheduler.cron(SUMMARY_TASK, f"{minute} {hour} * * *", send, timezone=zone)


def register_discovery(services: Services) -> None:
    if not discovery_configured(services.settings):
        return
    capability = build_discovery(
        services.settings,
        db=services.db,
        clock=services.clock,
        health=services.health,
        metrics=services.metrics,
        notifier=services.notifier,
        redactor=services.redactor,
        next_run=lambda: services.scheduler.next_run(DISCOVERY_TASK),
    )
    services.worker.add_pipeline(capability.pipeline)
    services.discovery = capability
    for client in capability.clients:
        services.closers.append(client.aclose)
    started = False

    async def queue_cycle() -> None:
        nonlocal started
        delay = 0.0 if started else FIRST_CYCLE_DELAY  # the first one: shortly after start
        started = True
        await services.queue.enqueue(discovery.cycle_job(delay=delay))

    interval = services.settings.discovery.poll_interval
    services.scheduler.every(DISCOVERY_TASK, interval, queue_cycle, run_now=True)


def register_mirror(services: Services) -> None:
    if not mirror_configured(services.settings):
        return
    capability = build_mirror(
        services.settings,
        clock=services.clock,
        queue=services.queue,
        notifier=services.notifier,
        redactor=services.redactor,
        metrics=services.metrics,
        board=services.progress,
        db=services.db,
        alerts=services.alerts,
    )
    for pipeline in capability.pipelines:
        services.worker.add_pipeline(pipeline)
    for client in capability.closers:
        services.closers.append(client.aclose)

    async def close_mounts() -> None:
        if capability.coalescer is not None:
            await capability.coalescer.flush()  # what the drained jobs announced goes out
        capability.mounts.close()

    services.closers.append(close_mounts)

    async def check_mounts() -> None:
        await capability.check_mounts(services.health, services.metrics)

    services.scheduler.every("mirror.mounts", MOUNT_CHECK_INTERVAL, check_mounts, run_now=True)


def register_cleanup(services: Services) -> None:
    settings = services.settings
    if cleanup_configured(settings):
        capability = build_cleanup(
            settings,
            db=services.db,
            clock=services.clock,
            alerts=services.alerts,
            health=services.health,
            redactor=services.redactor,
            worker=services.worker,
        )
        services.worker.add_pipeline(capability.pipeline)
        services.closers.append(capability.http.aclose)
        assert settings.overseerr is not None
        if settings.overseerr.poll_interval > 0:

            async def poll() -> None:
                await capability.monitor.poll()

            services.scheduler.every(
                "overseerr.health", settings.overseerr.poll_interval, poll, run_now=True
            )


def register_maintenance(services: Services) -> None:
    """The platform's own periodic tasks: lease reclaim, nightly backup and integrity check."""
    settings, db, clock = services.settings, services.db, services.clock

    async def reclaim() -> None:
        reclaimed = await db.run(job_store.reclaim_expired, now=clock.now())
        if reclaimed:
            log.warning("reclaimed %d job(s) whose lease expired: %s", len(reclaimed), reclaimed)
            services.worker.wake()

    async def nightly_backup() -> None:
        await run_backup(services)

    async def integrity() -> None:
        report = await db.run(maintenance.check_integrity, full=True)
        if report.ok:
            log.info("database integrity check: ok")
            return
        message = maintenance.corruption_message(
            settings.storage.db_file, settings.storage.backup_dir, report.problems
        )
        services.health.set("store", ComponentState.DOWN, message)
        log.critical("%s", message)

    async def prune() -> None:
        cutoff = clock.now() - settings.storage.event_retention
        removed = await db.run(event_store.prune_events, older_than=cutoff)
        if removed:
            log.info("pruned %d event(s) older than storage.event_retention", removed)

    services.scheduler.every("queue.reclaim", settings.queue.reclaim_interval, reclaim)
    services.scheduler.every("events.prune", PRUNE_INTERVAL, prune, run_now=True)
    if settings.storage.backup.schedule is not None:
        services.scheduler.cron("store.backup", settings.storage.backup.schedule, nightly_backup)
    if settings.storage.integrity_check is not None:
        services.scheduler.cron("store.integrity", settings.storage.integrity_check, integrity)


async def run_backup(services: Services) -> maintenance.BackupResult:
    storage = services.settings.storage
    result = await services.db.run(
        maintenance.backup, storage.backup_dir, keep=storage.backup.keep, now=datetime.now(UTC)
    )
    log.info("database backed up to %s (%d bytes)", result.path, result.size)
    return result
