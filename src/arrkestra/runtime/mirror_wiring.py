"""Builds the mirror capability: path rules, mount checks, rsync options, Plex scans."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field

import httpx

from arrkestra.adapters.http import make_client
from arrkestra.adapters.mounts import MountChecker, MountSpec
from arrkestra.adapters.notify import Notifier
from arrkestra.adapters.notify_coalesce import Coalescer
from arrkestra.adapters.plex import PlexClient
from arrkestra.adapters.rsync import RsyncOptions
from arrkestra.config import Settings
from arrkestra.core.jobs import Job, JsonObject
from arrkestra.core.paths import MappedPath, PathRule
from arrkestra.core.redact import Redactor
from arrkestra.pipelines import mirror, mirror_batch, plex_scan
from arrkestra.pipelines.budget import Budget, BudgetGuard
from arrkestra.pipelines.mirror_messages import Mirrored, message_for
from arrkestra.runtime.alerts import Alerts
from arrkestra.runtime.clock import Clock
from arrkestra.runtime.health import ComponentState, HealthRegistry
from arrkestra.runtime.metrics import Metrics
from arrkestra.runtime.mirror_batch_wiring import SiblingLeases
from arrkestra.runtime.progress import ProgressBoard
from arrkestra.runtime.queue import Queue
from arrkestra.runtime.worker import Pipeline
from arrkestra.store import jobs as job_store
from arrkestra.store import state as state_store
from arrkestra.store.database import Database

MOUNT_CHECK_INTERVAL = 60.0


@dataclass
class MirrorCapability:
    pipelines: list[Pipeline]
    mounts: MountChecker
    specs: list[MountSpec]
    closers: list[httpx.AsyncClient] = field(default_factory=list)
    coalescer: Coalescer[Mirrored] | None = None

    async def check_mounts(self, health: HealthRegistry, metrics: Metrics) -> None:
        """Refresh every root's state on /health (``mount:<path>``) and in the metrics."""
        for state in await self.mounts.check_all(self.specs):
            metrics.set_mount(state.path, state.role, state.ok)
            name = f"mount:{state.path}"
            health.set(
                name,
                ComponentState.OK if state.ok else ComponentState.DOWN,
                "" if state.ok else state.detail,
            )


def observe(metrics: Metrics, result: JsonObject) -> None:
    """A finished copy in the metrics; a batch's rate is the whole run's."""
    outcome = str(result.get("outcome"))
    size = int(result.get("bytes_transferred") or 0)
    seconds = float(result.get("seconds") or 0.0)
    batch = result.get("batch")
    if not isinstance(batch, dict):
        metrics.observe_transfer(outcome, size, seconds)
        return
    metrics.observe_transfer(outcome, size, 0.0)  # the siblings count their own bytes
    total = int(batch.get("bytes_transferred") or 0)
    if total and seconds > 0:
        metrics.mirror_rate.set(total / seconds)


def mirror_configured(settings: Settings) -> bool:
    has_instances = bool(settings.sonarr or settings.radarr)
    return settings.mirror.enabled and bool(settings.mirror.paths) and has_instances


def core_rules(settings: Settings) -> tuple[PathRule, ...]:
    return tuple(
        PathRule(
            arr_path=rule.arr_path,
            source=str(rule.source),
            destination=str(rule.destination),
            plex_path=rule.plex_path,
            plex_section=rule.plex_section,
            instances=tuple(rule.instances) if rule.instances else None,
        )
        for rule in settings.mirror.paths
    )


def deletion_budget(
    settings: Settings, *, clock: Clock, db: Database, alerts: Alerts
) -> BudgetGuard:
    """``mirror.budget``: deleted outcomes since the window start (or the last resume)."""
    budget = settings.mirror.budget

    async def deletions_since(since: float) -> int:
        return await db.run(job_store.count_outcome_since, mirror.NAME, "deleted", since)

    async def resumed_at() -> float:
        return await db.run(state_store.resumed_at, mirror.NAME)

    async def pause(reason: str) -> None:
        await alerts.paused(mirror.NAME, reason)

    return BudgetGuard(
        mirror.NAME,
        "files deleted at the destination",
        Budget(budget.deletions, budget.per) if budget else None,
        now=clock.now,
        deletions_since=deletions_since,
        resumed_at=resumed_at,
        pause=pause,
    )


def rsync_options(settings: Settings) -> RsyncOptions:
    config = settings.mirror
    return RsyncOptions(
        excludes=tuple(config.excludes),
        ignore_existing=config.ignore_existing,
        dry_run=settings.pipeline_dry_run(mirror.NAME),
        timeout=config.timeout,
        bwlimit=config.bwlimit,
    )


def plex_scans(
    settings: Settings,
    capability: MirrorCapability,
    *,
    clock: Clock,
    queue: Queue,
    redactor: Redactor,
) -> Callable[[MappedPath], Awaitable[None]] | None:
    """The Plex scan pipeline (added to ``capability``) and how a copy queues a scan."""
    plex = settings.plex
    if plex is None:
        return None
    http = make_client(timeout=plex.timeout)
    capability.closers.append(http)
    token = plex.token.get_secret_value() if plex.token else ""
    client = PlexClient(plex.url, token, client=http, redactor=redactor, clock=clock.now)

    async def queue_scan(mapped: MappedPath) -> None:
        spec = plex_scan.scan_job(
            mapped.plex_dir, mapped.rule.plex_section, debounce=plex.scan_debounce
        )
        await queue.enqueue(spec)

    async def run_scan(job: Job) -> JsonObject:
        return await plex_scan.run(job, plex_scan.Deps(client))

    capability.pipelines.append(
        Pipeline(plex_scan.NAME, run_scan, 1, settings.retry_policy(mirror.NAME))
    )
    return queue_scan


def mirror_runner(
    deps: mirror.Deps, batching: mirror_batch.Batching, *, board: ProgressBoard, metrics: Metrics
) -> Callable[[Job], Awaitable[JsonObject]]:
    """A mirror job, run: a copy with the waiting copies of its folder, the rest alone."""

    async def run(job: Job) -> JsonObject:
        try:
            params = mirror.parse_params(job)
            if params.action == "copy":
                result = await mirror_batch.run_copy(job, params, deps, batching)
            else:
                result = await mirror.run(job, deps)
        finally:
            board.clear(job.id)
        observe(metrics, result)
        return result

    return run


def build_mirror(
    settings: Settings,
    *,
    clock: Clock,
    queue: Queue,
    notifier: Notifier,
    redactor: Redactor,
    metrics: Metrics,
    board: ProgressBoard,
    db: Database,
    alerts: Alerts,
) -> MirrorCapability:
    config = settings.mirror
    rules = core_rules(settings)
    anchor = config.mounts.anchor_file

    def mount_specs(rule: PathRule) -> tuple[MountSpec, MountSpec]:
        return (
            MountSpec(rule.source_root, "source", anchor),
            MountSpec(rule.destination_root, "destination", anchor),
        )

    mounts = MountChecker(timeout=config.mounts.check_timeout)
    capability = MirrorCapability(
        [], mounts, sorted({s for r in rules for s in mount_specs(r)}, key=str)
    )
    queue_scan = plex_scans(settings, capability, clock=clock, queue=queue, redactor=redactor)
    coalescer: Coalescer[Mirrored] = Coalescer(
        notifier.send, message_for, window=settings.notifications.coalesce_window
    )
    capability.coalescer = coalescer

    async def announce(item: Mirrored) -> None:
        coalescer.add(item.group, item)

    deps = mirror.Deps(
        rules=rules,
        mounts=mounts,
        mount_specs=mount_specs,
        rsync=rsync_options(settings),
        queue_scan=queue_scan,
        announce=announce,
        progress=lambda job_id, p: board.report(job_id, asdict(p)),
        budget=deletion_budget(settings, clock=clock, db=db, alerts=alerts),
    )

    batching = SiblingLeases(db, clock, metrics, settings.queue.lease).batching()
    run = mirror_runner(deps, batching, board=board, metrics=metrics)
    capability.pipelines.insert(
        0, Pipeline(mirror.NAME, run, config.concurrency, settings.retry_policy(mirror.NAME))
    )
    return capability
