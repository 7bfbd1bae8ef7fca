"""cleanup: a SeriesDelete / MovieDelete removes the title from Overseerr (ArrSync's job).

Runs: the ``cleanup`` pipeline (``pipelines/cleanup.run`` with an Overseerr client and
the deletion budget) and, every ``overseerr.poll_interval``, the Overseerr health check
(``runtime/upstream_monitor``: down -> /health, back -> waiting jobs run at once, key
rejected -> cleanup paused until it works, also across a restart).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from arrkestra.core.job_kinds import CLEANUP

if TYPE_CHECKING:
    from arrkestra.config import Settings
    from arrkestra.runtime.capabilities.contract import Capability, Platform

NAME = CLEANUP
PAUSED_PROBE_INTERVAL = 60.0  # with overseerr.poll_interval 0: a key-rejected pause is probed


def why_not(settings: Settings) -> str | None:
    if not settings.cleanup.enabled:
        return "disabled (cleanup.enabled is false)"
    if settings.overseerr is None:
        return "not configured: needs an overseerr section (or OVERSEER_URL)"
    instances = [*settings.instances("sonarr").values(), *settings.instances("radarr").values()]
    if not any(instance.cleanup for instance in instances):
        return "not configured: needs a sonarr or radarr instance (with cleanup: true)"
    return None


def does(settings: Settings) -> str:
    """What it will do, for ``check`` and the start-up log (when ``why_not`` is None)."""
    from arrkestra.runtime.capabilities.contract import instance_names

    assert settings.overseerr is not None
    where = settings.redactor()(settings.overseerr.url)
    sources = instance_names(settings, lambda instance: instance.cleanup)
    return f"series/movies deleted in {sources} are removed from Overseerr at {where}"


def build(settings: Settings, platform: Platform) -> Capability[None]:
    from arrkestra.adapters.overseerr import OverseerrClient
    from arrkestra.core.job_kinds import CleanupParams
    from arrkestra.pipelines import cleanup
    from arrkestra.runtime.capabilities.budgets import deletion_budget
    from arrkestra.runtime.capabilities.contract import Capability, Every
    from arrkestra.runtime.worker import Pipeline

    overseerr = settings.overseerr
    assert overseerr is not None  # why_not checked it
    client = OverseerrClient(
        overseerr.url,
        overseerr.api_key.get_secret_value() if overseerr.api_key else "",
        client=platform.http_client(timeout=overseerr.timeout, retries=overseerr.retries),
        redactor=platform.redactor,
        clock=platform.clock.now,
    )
    deps = cleanup.Deps(
        overseerr=client,
        dry_run=settings.pipeline_dry_run(NAME),
        budget=deletion_budget(platform, NAME, "Overseerr deletions", settings.cleanup.budget),
    )
    pipeline = Pipeline(
        NAME,
        params=CleanupParams.load,
        run=cleanup.run,
        deps=deps,
        concurrency=settings.cleanup.concurrency,
        policy=settings.retry_policy(NAME),
    )

    async def probe() -> None:
        await client.status()
        await client.check_auth()

    monitor = platform.upstream_monitor(
        "overseerr",
        (NAME,),
        probe,
        always=overseerr.poll_interval > 0,  # 0: probed only while it holds cleanup paused
        listed=True,
    )
    interval = overseerr.poll_interval or PAUSED_PROBE_INTERVAL
    check = Every("overseerr.health", interval, monitor.poll, run_now=True)
    return Capability(NAME, pipelines=(pipeline,), health_checks=(check,))
