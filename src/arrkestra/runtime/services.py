"""The composition root: the platform, then every capability the configuration lets run.

``open_services`` builds the platform (database, clock, metrics, health, queue, notifier,
alerts, scheduler; HTTP clients on demand) and then, in one loop over
``runtime/capabilities``, builds each capability whose ``why_not`` is None and hands its
parts to their owners. The web app and the CLI share it.

Start-up never touches the network: it opens and checks the database (refusing a
read-only one, warning when a new one is created next to backups), recovers jobs a
crashed process left running, and wires the worker and the scheduler.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from arrkestra import __version__
from arrkestra.config import Settings
from arrkestra.core.retry import RandomSource
from arrkestra.runtime import capabilities
from arrkestra.runtime.alerts import Alerts, build_notifier
from arrkestra.runtime.capabilities.contract import Capability, Closer, Cron, Platform, Task
from arrkestra.runtime.clock import Clock, SystemClock, SystemRandom
from arrkestra.runtime.health import HealthRegistry
from arrkestra.runtime.housekeeping import housekeeping_tasks
from arrkestra.runtime.intake import EventWriter
from arrkestra.runtime.metrics import Metrics
from arrkestra.runtime.progress import ProgressBoard
from arrkestra.runtime.queue import Queue
from arrkestra.runtime.scheduler import Scheduler
from arrkestra.runtime.store_watch import StoreWatch
from arrkestra.runtime.summary import summary_task
from arrkestra.runtime.worker import Worker, WorkerHooks
from arrkestra.store import jobs as job_store
from arrkestra.store import maintenance
from arrkestra.store.connection import DatabaseDamaged, StoreError, require_writable_folder
from arrkestra.store.database import Database
from arrkestra.store.lock import DatabaseLock

log = logging.getLogger("arrkestra")
T = TypeVar("T")


@dataclass
class Services(Platform):
    """The platform, plus what runs it: the worker, webhook intake, the database lock and
    the capabilities that were built."""

    worker: Worker
    intake: EventWriter
    lock: DatabaseLock | None
    store_watch: StoreWatch
    capabilities: dict[str, Capability[Any]] = field(default_factory=dict)
    closers: list[Closer] = field(default_factory=list)
    version: str = __version__
    ready: bool = False
    _started: bool = field(default=False, repr=False)
    _background: set[asyncio.Task[None]] = field(default_factory=set, repr=False)

    def runtime_data(self, name: str, kind: type[T]) -> T | None:
        """What a running capability gave its web routes (None: it does not run)."""
        capability = self.capabilities.get(name)
        data = None if capability is None else capability.runtime_data
        return data if isinstance(data, kind) else None

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
        await self.close_http_clients()
        self.close()

    def close(self) -> None:
        self.db.close()
        if self.lock is not None:
            self.lock.release()


def open_services(
    settings: Settings,
    *,
    daemon: bool,
    clock: Clock | None = None,
    rand: RandomSource | None = None,
) -> Services:
    """Build everything. ``daemon`` takes the database lock, recovers and schedules."""
    clock = clock or SystemClock()
    notes: list[str] = []
    db, lock = open_database(settings, daemon=daemon, notes=notes)
    if daemon:
        recovered = db.call(job_store.recover_running, now=clock.now())
        if recovered:
            log.warning(
                "recovered %d job(s) left running by a stopped process: %s",
                len(recovered),
                recovered,
            )
    metrics = Metrics(__version__)
    health = HealthRegistry(started_at=clock.now(), clock=clock.now)
    store_watch = StoreWatch(db, health, clock)
    health.notes.extend(notes)
    health.notes.extend(unauthenticated_note(settings))
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
        queue=queue,
        scheduler=Scheduler(ZoneInfo(settings.storage.timezone)),
        notifier=notifier,
        alerts=alerts,
        progress=ProgressBoard(),
        worker=worker,
        intake=EventWriter(
            db,
            dedupe_window=settings.server.dedupe_window,
            on_jobs=worker.wake,
            watch=store_watch,
        ),
        lock=lock,
        store_watch=store_watch,
    )
    if daemon:
        for task in housekeeping_tasks(settings, db, clock, queue, health):
            schedule(services.scheduler, task)
        schedule(services.scheduler, store_watch.task())
        summary = summary_task(settings, db, clock, notifier)
        if summary is not None:
            schedule(services.scheduler, summary)
        for capability in capabilities.MODULES:
            if capability.why_not(settings) is None:
                install(services, capability.build(settings, services))
        note_stranded_jobs(services)
    return services


def install(services: Services, capability: Capability[Any]) -> None:
    """Hand a built capability's parts to their owners."""
    services.capabilities[capability.name] = capability
    for pipeline in capability.pipelines:
        services.worker.add_pipeline(pipeline)
    for task in (*capability.tasks, *capability.health_checks):
        schedule(services.scheduler, task)
    services.metrics.collectors.extend(capability.collectors)
    services.closers.extend(capability.closers)


def note_stranded_jobs(services: Services) -> None:
    """Jobs waiting for a pipeline this configuration does not run (it was disabled or lost
    its upstream) wait until it runs again: say so in the log and on /health, not silently."""
    counts = services.db.call(job_store.count_by_pipeline_status)
    stranded: dict[str, int] = {}
    for (pipeline, status), count in counts.items():
        if status in ("pending", "failed") and pipeline not in services.worker.pipelines:
            stranded[pipeline] = stranded.get(pipeline, 0) + count
    if not stranded:
        return
    listed = ", ".join(f"{n} {name}" for name, n in sorted(stranded.items()))
    note = f"jobs waiting for pipelines that do not run: {listed}"
    services.health.notes.append(note)
    log.warning(
        "%s; they run once the pipeline is configured again (or cancel them with "
        "arrkestra jobs cancel ID)",
        note,
    )


def schedule(scheduler: Scheduler, task: Task) -> None:
    if isinstance(task, Cron):
        scheduler.cron(task.name, task.expression, task.run, timezone=task.timezone)
    else:
        scheduler.every(task.name, task.seconds, task.run, run_now=task.run_now)


def unauthenticated_note(settings: Settings) -> list[str]:
    """/health's note naming the instances whose webhooks anyone may send."""
    open_instances = [
        f"{kind}.{name}"
        for kind in ("sonarr", "radarr")
        for name, instance in settings.instances(kind).items()
        if not instance.webhook.configured
    ]
    return [f"unauthenticated webhooks: {', '.join(open_instances)}"] if open_instances else []


def lease_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def open_database(
    settings: Settings, *, daemon: bool, notes: list[str] | None = None
) -> tuple[Database, DatabaseLock | None]:
    """Lock (daemon only: refusing a read-only file or folder), open, migrate and
    quick-check the database. A new database next to backups is warned about (and the
    warning added to ``notes``, for /health)."""
    storage = settings.storage
    lock = DatabaseLock(storage.db_file) if daemon else None
    if lock is not None:
        require_writable_folder(storage.db_file.parent)
        orphaned = maintenance.orphaned_side_files(storage.db_file)
        if orphaned is not None:
            raise StoreError(orphaned)
        missing = maintenance.missing_database_warning(storage.db_file, storage.backup_dir)
        if missing is not None:
            log.warning("DATABASE MISSING: %s", missing)
            if notes is not None:  # /health is open: no paths there
                notes.append(
                    "a new, empty database was created although backups exist: if the old "
                    "one was lost, stop arrkestra and restore the newest backup (the log says "
                    "where)"
                )
        lock.acquire()
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
