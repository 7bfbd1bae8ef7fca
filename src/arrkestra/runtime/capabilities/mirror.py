"""mirror: imported files are copied to a second server, scanned in Plex, announced
(sync-webhook's job).

Runs: the ``mirror`` pipeline (``pipelines/mirror/pipeline.run``: copy with the waiting
files of the folder, delete, rename), the ``plex_scan`` pipeline when Plex is configured
(``pipelines/mirror/scan.run``), and every minute the mount check of every root
(``runtime/mount_watch``: a ``mount:<path>`` component on /health, ``arrkestra_mount_up``,
one notification when a root goes down and one when it is back, and the jobs waiting on
it woken), the rsync look-up (``runtime/tool_monitor``: missing -> ``rsync: down``, mirror
paused with one alert, resumed when it is found) and, while Plex rejected the token, the
Plex probe (``runtime/upstream_monitor``: scans resume once it is accepted).
Announcements of one series are coalesced (``notifications.coalesce_window``) and flushed
at shutdown.

Also the way in for a copy asked for by hand: :func:`plan_manual_path` (a file or a folder).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from arrkestra.core.job_kinds import MIRROR, CopyResult, MirrorResult, ScanParams
from arrkestra.pipelines.mirror import manual

if TYPE_CHECKING:
    from arrkestra.adapters.rsync_output import Progress
    from arrkestra.config import Settings
    from arrkestra.core.paths import MappedPath
    from arrkestra.pipelines.mirror import scan
    from arrkestra.pipelines.mirror.manual_folder import FolderPlan
    from arrkestra.runtime.capabilities.contract import Capability, Every, Platform
    from arrkestra.runtime.metrics import Metrics
    from arrkestra.runtime.progress import ProgressBoard
    from arrkestra.runtime.worker import Pipeline

NAME = MIRROR
MOUNT_CHECK_INTERVAL = 60.0
TOOL_CHECK_INTERVAL = 60.0  # a missing rsync is looked for again this often
PLEX_CHECK_INTERVAL = 60.0  # a Plex that rejected the token is probed this often


def why_not(settings: Settings) -> str | None:
    if not settings.mirror.enabled:
        return "disabled (mirror.enabled is false)"
    if not settings.mirror.paths:
        return "not configured: needs mirror.paths"
    instances = [*settings.instances("sonarr").values(), *settings.instances("radarr").values()]
    if not any(instance.mirror for instance in instances):
        return "not configured: needs a sonarr or radarr instance (with mirror: true)"
    return None


def does(settings: Settings) -> str:
    """What it will do, for ``check`` and the start-up log (when ``why_not`` is None)."""
    from arrkestra.runtime.capabilities.contract import instance_names

    rules = ", ".join(f"{r.arr_path} -> {r.destination}" for r in settings.mirror.paths)
    sources = instance_names(settings, lambda instance: instance.mirror)
    scans = ", then a Plex scan" if settings.plex is not None else ""
    return f"files imported by {sources} are copied with rsync ({rules}){scans}"


def plan_manual_path(
    settings: Settings, request: manual.ManualSync
) -> manual.SyncPlan | FolderPlan:
    """The job an import of the file would have queued, or for a folder its media files'
    jobs (``pipelines/mirror/manual_folder``); ``SyncRefused`` (409) while mirror does not
    run. Blocking unless the name is a media file's."""
    from arrkestra.pipelines.mirror.manual_folder import plan_path

    reason = why_not(settings)
    if reason is not None:
        raise manual.SyncRefused(409, f"mirror is {reason}")
    return plan_path(settings, request)


def build(settings: Settings, platform: Platform) -> Capability[None]:
    from arrkestra.adapters.mounts import MountChecker
    from arrkestra.adapters.notify_coalesce import Coalescer
    from arrkestra.adapters.rsync import RsyncOptions, find_binary
    from arrkestra.core.job_kinds import load_mirror_params
    from arrkestra.pipelines.mirror import pipeline
    from arrkestra.pipelines.mirror.deps import Deps
    from arrkestra.pipelines.mirror.messages import Mirrored, message_for
    from arrkestra.pipelines.mirror.roots import mount_specs
    from arrkestra.runtime.capabilities.budgets import DELETED_FILES, deletion_budget
    from arrkestra.runtime.capabilities.contract import Capability, Every
    from arrkestra.runtime.mount_watch import MountWatch
    from arrkestra.runtime.sibling_leases import SiblingLeases
    from arrkestra.runtime.tool_monitor import ToolMonitor
    from arrkestra.runtime.worker import Pipeline

    config = settings.mirror
    rules = config.path_rules()
    mounts = MountChecker(timeout=config.mounts.check_timeout)
    anchor = config.mounts.anchor_file
    roots = sorted({spec for rule in rules for spec in mount_specs(rule, anchor)}, key=str)
    coalescer: Coalescer[Mirrored] = Coalescer(
        platform.notifier.send, message_for, window=settings.notifications.coalesce_window
    )
    plex = plex_scans(settings, platform)

    async def announce(item: Mirrored) -> None:
        coalescer.add(item.group, item)

    rsync = RsyncOptions(
        excludes=tuple(config.excludes),
        ignore_existing=config.ignore_existing,
        dry_run=settings.pipeline_dry_run(NAME),
        timeout=config.timeout,
        bwlimit=config.bwlimit,
    )
    tools = ToolMonitor(
        "rsync",
        NAME,
        lambda: find_binary(rsync.binary),
        health=platform.health,
        queue=platform.queue,
        notifier=platform.notifier,
    )
    deps = Deps(
        rules=rules,
        mounts=mounts,
        anchor_file=anchor,
        rsync=rsync,
        queue_scan=None if plex is None else plex.queue_scan,
        announce=announce,
        siblings=SiblingLeases(platform.db, platform.clock, platform.metrics, settings.queue.lease),
        transfers=TransferLog(platform.progress, platform.metrics),
        budget=deletion_budget(
            platform,
            NAME,
            "files deleted at the destination",
            config.budget,
            listed=DELETED_FILES,
        ),
        now=platform.clock.now,
    )
    copies = Pipeline(
        NAME,
        params=load_mirror_params,
        run=tools.guarded(pipeline.run),
        deps=deps,
        concurrency=config.concurrency,
        policy=settings.retry_policy(NAME),
    )

    watch = MountWatch(
        mounts,
        roots,
        platform.db,
        platform.clock,
        platform.health,
        platform.metrics,
        platform.notifier,
        platform.redactor,
        platform.queue.wake,
    )

    async def close() -> None:
        await coalescer.flush()  # what the drained jobs announced goes out
        mounts.close()

    checks = (
        Every("mirror.mounts", MOUNT_CHECK_INTERVAL, watch.check, run_now=True),
        Every("mirror.tools", TOOL_CHECK_INTERVAL, tools.check, run_now=True),
    )
    return Capability(
        NAME,
        pipelines=(copies,) if plex is None else (copies, plex.pipeline),
        health_checks=checks if plex is None else (*checks, plex.health_check),
        closers=(close,),
    )


@dataclass(frozen=True)
class PlexScans:
    pipeline: Pipeline[ScanParams, scan.Deps]
    queue_scan: Callable[[MappedPath], Awaitable[None]]  # a copy's folder, debounced
    health_check: Every  # probes Plex while it holds scans paused (a rejected token)


def plex_scans(settings: Settings, platform: Platform) -> PlexScans | None:
    """The ``plex_scan`` pipeline, how a copy queues its folder's scan, and the Plex
    monitor that resumes scans paused by a 401 (None: no Plex)."""
    from arrkestra.adapters.plex import UPSTREAM, PlexClient
    from arrkestra.pipelines.mirror import scan
    from arrkestra.runtime.capabilities.contract import Every
    from arrkestra.runtime.worker import Pipeline

    plex = settings.plex
    if plex is None:
        return None
    client = PlexClient(
        plex.url,
        plex.token.get_secret_value() if plex.token else "",
        client=platform.http_client(timeout=plex.timeout),
        redactor=platform.redactor,
        clock=platform.clock.now,
    )

    async def queue_scan(mapped: MappedPath) -> None:
        await platform.queue.enqueue(scan.scan_job(mapped, debounce=plex.scan_debounce))

    pipeline = Pipeline(
        scan.NAME,
        params=ScanParams.load,
        run=scan.run,
        deps=scan.Deps(client),
        concurrency=1,
        policy=settings.retry_policy(NAME),
    )
    monitor = platform.upstream_monitor(
        UPSTREAM,
        (scan.NAME,),
        client.check_auth,
        always=False,
        listed=False,
    )
    check = Every("plex.health", PLEX_CHECK_INTERVAL, monitor.poll, run_now=True)
    return PlexScans(pipeline, queue_scan, check)


@dataclass(frozen=True)
class TransferLog:
    """Live rsync progress to the board (``/api/v1/jobs``), finished copies to the metrics."""

    board: ProgressBoard
    metrics: Metrics

    def progress(self, job_id: int, progress: Progress) -> None:
        self.board.report(job_id, asdict(progress))

    def finished(self, job_id: int, result: MirrorResult | None) -> None:
        self.board.clear(job_id)
        if result is None:
            return
        if not isinstance(result, CopyResult):  # deleted, renamed ...: counted, no bytes
            self.metrics.observe_transfer(result.outcome, 0, 0.0)
            return
        if result.batch is None:
            self.metrics.observe_transfer(result.outcome, result.bytes_transferred, result.seconds)
            return
        # the run's rate is the whole batch's; the siblings count their own bytes
        self.metrics.observe_transfer(result.outcome, result.bytes_transferred, 0.0)
        if result.batch.bytes_transferred and result.seconds > 0:
            self.metrics.mirror_rate.set(result.batch.bytes_transferred / result.seconds)
