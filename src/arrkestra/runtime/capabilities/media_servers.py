"""The media servers a mirrored file is announced to: Plex, Jellyfin and Emby, in one loop.

Every kind of server is a :class:`ScanTarget` (autoscan's word): the pipeline that runs
its scans, how a change at the destination becomes its jobs (``specs``) and the health
check that probes it while a rejected key holds its scans paused
(``runtime/upstream_monitor``). :func:`media_servers`
builds them all, top to bottom, from the config; the mirror capability hands each
copy's, delete's and move's changes to every one of them (:func:`tell_servers`) and their
pipelines to the worker. Adding a kind of server is one more branch of that loop.

Pipelines are per kind (``plex_scan``, ``jellyfin_scan``, ``emby_scan``): pausing is a
property of a pipeline, so a rejected key pauses the scans of its kind only; Plex and
the copies go on. Named Jellyfin or Emby instances share their kind's pipeline, each job
naming its server (``jellyfin.living``) and each server probed on its own.

/health: each Jellyfin and Emby server is a component from start-up (``jellyfin.default``,
``emby.living``: ``unknown``, "not contacted yet", which degrades nothing), and its state
is what the last contact found: an update accepted -> ``ok``; no answer (refused, timed
out, 503: ``Unreachable``) -> ``down``; an answer refusing the update (500, 400) ->
``degraded``; a rejected key -> ``auth_failed`` (by ``runtime/alerts``, which pauses the
kind's pipeline and says so once). Nothing calls an idle server: the monitor probes it only
while it is ``down`` or ``auth_failed`` (every ``CHECK_INTERVAL``), and when it answers
again the waiting updates run at once; a degraded server's jobs back off on their own. A
pause names the server whose key was rejected, and only that server's probe resumes it.
Plex keeps its older shape: on /health only while a rejected token holds its scans.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from arrkestra.core.errors import PermanentError, TransientError, Unreachable
from arrkestra.core.job_kinds.server_update import (
    PARAMS,
    SERVER_KINDS,
    ServerKind,
    ServerUpdateParams,
)
from arrkestra.runtime.health import ComponentState, HealthRegistry

if TYPE_CHECKING:
    from arrkestra.config import Settings
    from arrkestra.core.job_kinds import JobResult
    from arrkestra.core.jobs import Job, JobSpec
    from arrkestra.pipelines.mirror import server_update
    from arrkestra.pipelines.mirror.deps import Changed
    from arrkestra.runtime.capabilities.contract import Every, Platform
    from arrkestra.runtime.worker import Pipeline

CHECK_INTERVAL = 60.0  # a server that rejected the key is probed this often


@dataclass(frozen=True)
class ScanTarget:
    name: str  # plex, jellyfin (its instances: jellyfin.default, jellyfin.living ...)
    pipeline: Pipeline[Any, Any]
    specs: Callable[[Sequence[Changed]], list[JobSpec]]  # the scans the changes call for
    health_check: Every  # one task probing each of its servers while it holds a pause


def server_names(settings: Settings) -> list[str]:
    """``Plex``, ``jellyfin.default``: the servers a copy is announced to, for ``does``."""
    names = ["Plex"] if settings.plex is not None else []
    for kind in SERVER_KINDS:
        names += [f"{kind}.{name}" for name in settings.media_servers(kind)]
    return names


def media_servers(settings: Settings, platform: Platform) -> list[ScanTarget]:
    """Every configured media server, in one loop: Plex, then each kind of MediaBrowser
    server (Jellyfin, Emby) with all its instances."""
    servers = [] if settings.plex is None else [plex(settings, platform)]
    for kind in SERVER_KINDS:
        if settings.media_servers(kind):
            servers.append(media_browser(kind, settings, platform))
    return servers


def tell_servers(
    servers: Sequence[ScanTarget], platform: Platform
) -> Callable[[Sequence[Changed]], Awaitable[None]]:
    """How the mirror pipeline queues every server's scans of some changed files: each
    server's jobs for them, queued together (debounced per folder by the store)."""

    async def tell(changes: Sequence[Changed]) -> None:
        specs = [spec for server in servers for spec in server.specs(changes)]
        if specs:
            await platform.queue.enqueue_many(specs)

    return tell


def plex(settings: Settings, platform: Platform) -> ScanTarget:
    """The ``plex_scan`` pipeline: a folder's targeted scan (``pipelines/mirror/scan``)."""
    from arrkestra.adapters.plex import UPSTREAM, PlexClient
    from arrkestra.core.job_kinds import ScanParams
    from arrkestra.pipelines.mirror import scan
    from arrkestra.runtime.capabilities.contract import Every
    from arrkestra.runtime.worker import Pipeline

    config = settings.plex
    assert config is not None
    client = PlexClient(
        config.url,
        config.token.get_secret_value() if config.token else "",
        client=platform.http_client(timeout=config.timeout),
        redactor=platform.redactor,
        clock=platform.clock.now,
    )
    pipeline = Pipeline(
        scan.NAME,
        params=ScanParams.load,
        run=scan.run,
        deps=scan.Deps(client),
        concurrency=1,
        policy=settings.retry_policy("mirror"),
    )
    monitor = platform.upstream_monitor(
        UPSTREAM, (scan.NAME,), client.check_auth, always=False, listed=False
    )

    def specs(changes: Sequence[Changed]) -> list[JobSpec]:
        return scan.scan_specs(changes, debounce=config.scan_debounce)

    check = Every("plex.health", CHECK_INTERVAL, monitor.poll, run_now=True)
    return ScanTarget("plex", pipeline, specs, check)


def media_browser(kind: ServerKind, settings: Settings, platform: Platform) -> ScanTarget:
    """The ``jellyfin_scan`` or ``emby_scan`` pipeline for every instance of ``kind``:
    each folder's changed paths told to each server (``pipelines/mirror/server_update``)."""
    from arrkestra.adapters.media_browser import MediaBrowserClient
    from arrkestra.pipelines.mirror import server_update
    from arrkestra.runtime.capabilities.contract import Every
    from arrkestra.runtime.worker import Pipeline

    instances = settings.media_servers(kind)
    params = PARAMS[kind]
    clients: dict[str, MediaBrowserClient] = {}
    monitors = []
    for name, config in instances.items():
        server = f"{kind}.{name}"
        client = MediaBrowserClient(
            kind,
            config.url,
            config.api_key.get_secret_value() if config.api_key else "",
            client=platform.http_client(timeout=config.timeout),
            redactor=platform.redactor,
            upstream=server,
        )
        clients[server] = client
        platform.health.set(server, ComponentState.UNKNOWN, NOT_CONTACTED)  # a pause: restored
        monitors.append(
            platform.upstream_monitor(
                server, (params.pipeline,), client.check_auth, always=False, listed=False
            )
        )
    pipeline = Pipeline(
        params.pipeline,
        params=params.load,
        run=reported_to(platform.health, server_update.run),
        deps=server_update.Deps(clients),
        concurrency=len(instances),  # a server that times out holds up none of the others
        policy=settings.retry_policy("mirror"),
    )

    def specs(changes: Sequence[Changed]) -> list[JobSpec]:
        return [
            spec
            for name, config in instances.items()
            for spec in server_update.update_specs(
                kind, f"{kind}.{name}", changes, debounce=config.scan_debounce
            )
        ]

    async def poll() -> None:
        for monitor in monitors:
            await monitor.poll()

    check = Every(f"{kind}.health", CHECK_INTERVAL, poll, run_now=True)
    return ScanTarget(kind, pipeline, specs, check)


NOT_CONTACTED = "not contacted yet: it is called when a copy, delete or move changes its files"
UpdateRun = Callable[["Job", "ServerUpdateParams", "server_update.Deps"], Awaitable["JobResult"]]


def reported_to(health: HealthRegistry, run: UpdateRun) -> UpdateRun:
    """``run``, with each server's /health component set from what its update found:
    delivered -> ``ok``; no answer (``Unreachable``) -> ``down``, and its monitor probes it
    and runs the waiting updates once it answers; an answer refusing the update (a 500, a
    400) -> ``degraded``, the job backing off as any failure does (a probe passing would
    prove nothing about this request, so none is made). A rejected key is set by
    ``Alerts.auth_failed``."""

    async def observed(job: Job, params: ServerUpdateParams, deps: server_update.Deps) -> JobResult:
        try:
            result = await run(job, params, deps)
        except Unreachable as exc:
            health.set(params.server, ComponentState.DOWN, str(exc))
            raise
        except (TransientError, PermanentError) as exc:
            health.set(params.server, ComponentState.DEGRADED, str(exc))
            raise
        health.set(params.server, ComponentState.OK)
        return result

    return observed
