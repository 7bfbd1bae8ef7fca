"""discovery: TVMaze shows that pass the filters are added to Sonarr (TVMaze-Sync's job).

Runs: the ``discovery`` pipeline (``pipelines/discovery.run``, one job per cycle) with a
TVMaze client and one Sonarr client per instance; a task that queues a cycle every
``discovery.poll_interval`` (the first a few seconds after start-up, once the web server
answers); TVMaze-Sync's metrics (``runtime/discovery_metrics``). Start-up calls nobody.
A cycle is a job, so it survives a crash (resuming at its checkpoint) and its transient
failures are retried by the queue like any other job. The routes under
``/api/v1/discovery`` use the pipeline's deps (``runtime_data``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from arrkestra.core.job_kinds import DISCOVERY, CycleParams

if TYPE_CHECKING:
    from arrkestra.config import Settings
    from arrkestra.core.job_kinds import Refiltered
    from arrkestra.core.redact import Redactor
    from arrkestra.runtime.capabilities.contract import Capability, Platform

NAME = DISCOVERY
TASK = "discovery.cycle"
COMPONENT = "discovery"
ANNOUNCED_TITLES = 20


@dataclass(frozen=True)
class DiscoveryData:
    """What discovery's routes use (``runtime_data``): the fingerprint of the filters the
    cycles judge by, and a refilter of the cache now."""

    fingerprint: str
    refilter: Callable[[], Awaitable[Refiltered]]


def why_not(settings: Settings) -> str | None:
    if not settings.discovery.enabled:
        return "disabled (set discovery.enabled: true to add TVMaze shows to Sonarr)"
    if not any(instance.url is not None for instance in settings.sonarr.values()):
        return "not configured: needs a sonarr instance with a url to add shows to"
    return None


def does(settings: Settings) -> str:
    """What it will do, for ``check`` and the start-up log (when ``why_not`` is None)."""
    from arrkestra.core.job_kinds.words import duration
    from arrkestra.pipelines.discovery_sonarr import targets_of

    every = duration(settings.discovery.poll_interval)
    targets = ", ".join(sorted({target.instance for target in targets_of(settings)}))
    rules = len(settings.discovery.effective_rules())
    added = (
        "wait on /ui/discovery for approval, then are added"
        if settings.discovery.review
        else "are added"
    )
    return f"every {every}, TVMaze shows passing {rules} filter rule(s) {added} to {targets}"


def build(settings: Settings, platform: Platform) -> Capability[DiscoveryData]:
    from arrkestra.adapters.notify import Message
    from arrkestra.adapters.tvmaze import TvmazeClient
    from arrkestra.core.filters import rules_fingerprint
    from arrkestra.core.show_review import fingerprint
    from arrkestra.pipelines import discovery
    from arrkestra.pipelines.discovery_sonarr import sonarr_clients, targets_of
    from arrkestra.runtime.capabilities.contract import Capability, Every, FirstRunDelay
    from arrkestra.runtime.discovery_metrics import DiscoveryMetrics
    from arrkestra.runtime.health import ComponentState
    from arrkestra.runtime.worker import Pipeline

    config = settings.discovery
    health, redactor = platform.health, platform.redactor
    http = platform.http_client(timeout=30.0)

    def healthy() -> tuple[bool, bool]:
        component = health.components.get(COMPONENT)
        ok = component is None or component.state is ComponentState.OK
        return ok, ok

    gauges = DiscoveryMetrics(
        platform.metrics.registry,
        next_run=lambda: platform.scheduler.next_run(TASK),
        healthy=healthy,
    )
    key = config.tvmaze.api_key.get_secret_value() if config.tvmaze.api_key else None
    tvmaze = TvmazeClient(
        config.tvmaze.url,
        client=http,
        api_key=key,
        username=config.tvmaze.username or "",
        rate_limit=config.tvmaze.rate_limit,
        per=config.tvmaze.per,
        on_request=lambda endpoint, status: gauges.count_request("tvmaze", endpoint, status),
        redactor=redactor,
    )
    rules = [rule.filters.rules() for rule in config.effective_rules()]

    def sonarr_state(problem: str | None) -> None:
        if problem is None:
            health.set(COMPONENT, ComponentState.OK)
        else:
            health.set(COMPONENT, ComponentState.DOWN, f"discovery paused: {redactor(problem)}")

    async def announce(titles: list[str]) -> None:
        shown = titles[:ANNOUNCED_TITLES]
        more = len(titles) - len(shown)
        body = "\n".join(shown) + (f"\n... and {more} more" if more > 0 else "")
        await platform.notifier.send(
            Message(f"arrkestra: {len(titles)} show(s) added to Sonarr", body)
        )

    deps = discovery.Deps(
        db=platform.db,
        tvmaze=tvmaze,
        sonarr=sonarr_clients(settings, http, redactor),
        rules=rules,
        targets=targets_of(settings),
        fingerprint=fingerprint(rules_fingerprint(rules), config.review),
        now=platform.clock.now,
        dry_run=settings.pipeline_dry_run(NAME),
        retry_delay=config.retry_delay,
        abandon_after=config.abandon_after,
        sonarr_state=sonarr_state,
        counted=gauges.count_processed,
        announce=announce,
        min_window=config.tvmaze.update_window,
        review=config.review,
    )
    pipeline = Pipeline(
        NAME,
        params=CycleParams.load,
        run=discovery.run,
        deps=deps,
        concurrency=1,
        policy=settings.retry_policy(NAME),
    )
    first = FirstRunDelay()  # the first cycle: shortly after start-up

    async def queue_cycle() -> None:
        await platform.queue.enqueue(CycleParams().spec(delay=first.take()))

    return Capability(
        NAME,
        pipelines=(pipeline,),
        tasks=(Every(TASK, config.poll_interval, queue_cycle, run_now=True),),
        collectors=(gauges,),
        runtime_data=DiscoveryData(deps.fingerprint, lambda: discovery.refilter(deps)),
    )


async def check_targets(settings: Settings, redactor: Redactor) -> str | None:
    """``check --online``: validate each rule's Sonarr target as a cycle would (None: ok).

    Read-only: tags that ``create_tags`` would create are not created (nor checked) here.
    """
    from arrkestra.adapters.http import make_client
    from arrkestra.pipelines.discovery_sonarr import (
        Target,
        ValidationFailed,
        sonarr_clients,
        targets_of,
        validate,
    )

    targets = [
        Target(t.instance, replace(t.spec, tags=(), create_tags=False)) if t.spec.create_tags else t
        for t in targets_of(settings)
    ]
    # each request within its instance's own timeout (sonarr.<name>.timeout), the largest
    names = {target.instance.removeprefix("sonarr.") for target in targets}
    timeouts = [settings.sonarr[name].timeout for name in names if name in settings.sonarr]
    timeout = max(timeouts, default=30.0)
    async with make_client(timeout=timeout, redactor=redactor) as http:
        try:
            await validate(sonarr_clients(settings, http, redactor), targets)
        except ValidationFailed as exc:
            return redactor(str(exc))
    return None
