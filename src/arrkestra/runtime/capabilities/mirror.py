"""mirror: imported files are copied to a second server, scanned in Plex, Jellyfin or
Emby, announced (sync-webhook's job).

Runs: the ``mirror`` pipeline (``pipelines/mirror/pipeline.run``: copy with the waiting
files of the folder, delete, rename); a scan pipeline per configured media server kind
(``plex_scan``, ``jellyfin_scan``, ``emby_scan``, built in one loop by
``runtime/capabilities/media_servers``, each server with the monitor that resumes scans
paused by a rejected key); and every minute the mount check of every root
(``runtime/mount_watch``: a ``mount:<path>`` component on /health, ``arrkestra_mount_up``,
one notification when a root goes down and one when it is back, and the jobs waiting on
it woken) and the rsync look-up (``runtime/tool_monitor``: missing -> ``rsync: down``,
mirror paused with one alert, resumed when it is found).
Announcements of one series are coalesced (``notifications.coalesce_window``) and flushed
at shutdown.

Also the way in for a copy asked for by hand: :func:`plan_manual_path` (a file or a folder).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from arrkestra.core.job_kinds import MIRROR, CopyResult, MirrorResult
from arrkestra.pipelines.mirror import manual

if TYPE_CHECKING:
    from arrkestra.adapters.rsync_output import Progress
    from arrkestra.config import Settings
    from arrkestra.pipelines.mirror.manual_folder import FolderPlan
    from arrkestra.runtime.capabilities.contract import Capability, Platform
    from arrkestra.runtime.metrics import Metrics
    from arrkestra.runtime.progress import ProgressBoard

NAME = MIRROR
MOUNT_CHECK_INTERVAL = 60.0
TOOL_CHECK_INTERVAL = 60.0  # a missing rsync is looked for again this often


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
    from arrkestra.runtime.capabilities.media_servers import server_names

    rules = ", ".join(f"{r.arr_path} -> {r.destination}" for r in settings.mirror.paths)
    sources = instance_names(settings, lambda instance: instance.mirror)
    named = server_names(settings)
    scans = f", then scanned in {', '.join(named)}" if named else ""
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
    from arrkestra.runtime.capabilities.media_servers import media_servers, tell_servers
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
    servers = media_servers(settings, platform)

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
        tell_servers=tell_servers(servers, platform) if servers else None,
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
        verify=None if config.verify == "none" else config.verify,
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
        pipelines=(copies, *(server.pipeline for server in servers)),
        health_checks=(*checks, *(server.health_check for server in servers)),
        closers=(close,),
    )


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
