"""Builds the discovery capability: TVMaze and Sonarr clients, rules, metrics, schedule.

Start-up calls nobody: the first cycle is queued a few seconds after start, then one
every ``discovery.poll_interval``; ``/trigger`` queues one at once. A cycle is a job, so
it survives a crash (resuming at its checkpoint) and transient failures are retried by
the queue like any other job.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import httpx

from arrkestra.adapters.http import make_client
from arrkestra.adapters.notify import Message, Notifier
from arrkestra.adapters.sonarr import SonarrClient, TargetSpec
from arrkestra.adapters.tvmaze import TvmazeClient
from arrkestra.config import Settings
from arrkestra.config.models_discovery import DiscoveryTarget
from arrkestra.core.filters import rules_fingerprint
from arrkestra.core.jobs import Job, JsonObject
from arrkestra.core.redact import Redactor
from arrkestra.pipelines import discovery
from arrkestra.pipelines.discovery_catalogue import STATE_KEYS
from arrkestra.pipelines.discovery_sonarr import Target, ValidationFailed, validate
from arrkestra.runtime.clock import Clock
from arrkestra.runtime.discovery_metrics import DiscoveryMetrics
from arrkestra.runtime.health import ComponentState, HealthRegistry
from arrkestra.runtime.metrics import Metrics
from arrkestra.runtime.worker import Pipeline
from arrkestra.store import shows as show_store
from arrkestra.store.database import Database

COMPONENT = "discovery"
FIRST_CYCLE_DELAY = 5.0  # "shortly after start-up": after the web server answers
ANNOUNCED_TITLES = 20


@dataclass
class DiscoveryCapability:
    pipeline: Pipeline
    metrics: DiscoveryMetrics
    clients: list[httpx.AsyncClient]
    deps: discovery.Deps


def discovery_configured(settings: Settings) -> bool:
    return settings.discovery.enabled and bool(settings.sonarr)


def targets_of(settings: Settings) -> list[Target]:
    default = settings.default_instance("sonarr") or next(iter(settings.sonarr), "")
    return [_target(rule.target, default) for rule in settings.discovery.effective_rules()]


def _target(target: DiscoveryTarget, default: str) -> Target:
    spec = TargetSpec(
        root_folder=target.root_folder,
        quality_profile=target.quality_profile,
        language_profile=target.language_profile,
        monitor=target.monitor,
        search_on_add=target.search_on_add,
        tags=tuple(target.tags),
        create_tags=target.create_tags,
    )
    return Target(f"sonarr.{target.instance or default}", spec)


def sonarr_clients(
    settings: Settings, http: httpx.AsyncClient, redactor: Redactor
) -> dict[str, SonarrClient]:
    """One client per configured Sonarr instance, by qualified name (``sonarr.hd``)."""
    return {
        f"sonarr.{name}": SonarrClient(
            instance.url,
            instance.api_key.get_secret_value() if instance.api_key else "",
            client=http,
            instance=f"sonarr.{name}",
            redactor=redactor,
        )
        for name, instance in settings.sonarr.items()
    }


def build_discovery(
    settings: Settings,
    *,
    db: Database,
    clock: Clock,
    health: HealthRegistry,
    metrics: Metrics,
    notifier: Notifier,
    redactor: Redactor,
    next_run: Callable[[], float | None],
) -> DiscoveryCapability:
    config = settings.discovery
    http = make_client(timeout=30.0)

    def healthy() -> tuple[bool, bool]:
        component = health.components.get(COMPONENT)
        ok = component is None or component.state is ComponentState.OK
        return ok, ok

    gauges = DiscoveryMetrics(metrics.registry, next_run=next_run, healthy=healthy)
    metrics.collectors.append(gauges)
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
    sonarr = sonarr_clients(settings, http, redactor)
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
        await notifier.send(Message(f"arrkestra: {len(titles)} show(s) added to Sonarr", body))

    deps = discovery.Deps(
        db=db,
        tvmaze=tvmaze,
        sonarr=sonarr,
        rules=rules,
        targets=targets_of(settings),
        fingerprint=rules_fingerprint(rules),
        now=clock.now,
        dry_run=settings.pipeline_dry_run(discovery.NAME),
        retry_delay=config.retry_delay,
        abandon_after=config.abandon_after,
        sonarr_state=sonarr_state,
        counted=gauges.count_processed,
        announce=announce,
    )

    async def run(job: Job) -> JsonObject:
        started, outcome = clock.now(), "failed"
        results: JsonObject = {}
        began = time.monotonic()
        try:
            result = await discovery.run(job, deps)
            outcome, results = str(result.get("outcome")), dict(result.get("results") or {})
            return result
        finally:
            last = {
                "started": started,
                "duration": round(time.monotonic() - began, 3),
                "outcome": outcome,
                "results": results,
            }
            await db.run(show_store.put_state, {STATE_KEYS.last_run: last}, now=clock.now())

    policy = settings.retry_policy(discovery.NAME)
    return DiscoveryCapability(Pipeline(discovery.NAME, run, 1, policy), gauges, [http], deps)


async def check_discovery_targets(settings: Settings, redactor: Redactor) -> str | None:
    """``check --online``: validate each rule's Sonarr target as a cycle would (None: ok).

    Read-only: tags that ``create_tags`` would create are not created (nor checked) here.
    """
    targets = [
        Target(t.instance, replace(t.spec, tags=(), create_tags=False)) if t.spec.create_tags else t
        for t in targets_of(settings)
    ]
    async with make_client(timeout=30.0) as http:
        try:
            await validate(sonarr_clients(settings, http, redactor), targets)
        except ValidationFailed as exc:
            return redactor(str(exc))
    return None
