"""catch-up: what Sonarr/Radarr imported while arrkestra was down is found in their history
and mirrored (sync-webhook's catch-up script).

Runs: the ``catchup`` pipeline (``pipelines/catchup.run``, one job per instance and run)
with a history client per instance that mirrors and has an ``api_key``; a task that
queues a run per instance every ``catchup.interval``, the first a few seconds after
start-up (after ``/ready``: start-up calls nobody). An instance that cannot be reached
shows on /health as ``<kind>.<name>`` (``down``); one that rejects the key as
``auth_failed``, announced once until it is accepted again.

Also the way in for a run asked for by hand (``POST /api/v1/catchup``, ``arrkestra
catchup``): :func:`catchup_specs`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from arrkestra.core.job_kinds.catchup import CATCHUP, CatchupParams, CatchupTrigger

if TYPE_CHECKING:
    from arrkestra.config import Settings
    from arrkestra.config.models.upstreams import ArrInstance
    from arrkestra.core.instances import InstanceRef
    from arrkestra.core.jobs import JobSpec
    from arrkestra.pipelines.catchup import InstanceProblem
    from arrkestra.runtime.capabilities.contract import Capability, Platform

NAME = CATCHUP
KINDS: tuple[Literal["sonarr", "radarr"], ...] = ("sonarr", "radarr")
TASK = "catchup.runs"
FIRST_RUN_DELAY = 5.0  # after the web server answers: start-up never waits for an upstream


class CatchupRefused(Exception):
    """A run asked for by hand that cannot be queued: ``status`` is the HTTP answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class CatchupData:
    """What the catch-up routes read (``runtime_data``): the instances it reads."""

    instances: tuple[str, ...]


def readable_instances(settings: Settings) -> dict[str, tuple[InstanceRef, ArrInstance]]:
    """``{"sonarr.hd": (ref, instance)}`` for each instance whose history catch-up reads:
    it mirrors, and has an API key."""
    found = {}
    for kind in KINDS:
        for name, instance in settings.instances(kind).items():
            ref = settings.instance_ref(kind, name)
            if ref is not None and instance.mirror and instance.api_key is not None:
                found[ref.qualified] = (ref, instance)
    return found


def why_not(settings: Settings) -> str | None:
    from arrkestra.runtime.capabilities import mirror

    if not settings.catchup.enabled:
        return "disabled (catchup.enabled is false)"
    reason = mirror.why_not(settings)
    if reason is not None:
        return f"not configured: replays imports into mirror, which is {reason}"
    if not readable_instances(settings):
        return "not configured: needs a sonarr or radarr instance with mirror: true and an api_key"
    return None


def catchup_specs(
    settings: Settings, instance: str | None, since: float | None, trigger: CatchupTrigger
) -> list[JobSpec]:
    """The runs a request asks for: one instance (``sonarr/hd`` or ``sonarr.hd``) or all.

    ``CatchupRefused``: 409 while catch-up does not run, 404 for an instance it does not read.
    """
    reason = why_not(settings)
    if reason is not None:
        raise CatchupRefused(409, f"catch-up is {reason}")
    names = sorted(readable_instances(settings))
    if instance is not None:
        wanted = instance.replace("/", ".", 1)
        if wanted not in names:
            known = ", ".join(n.replace(".", "/", 1) for n in names)
            raise CatchupRefused(404, f"catch-up reads no instance {instance!r} (it reads {known})")
        names = [wanted]
    return [CatchupParams(instance=name, since=since, trigger=trigger).spec() for name in names]


def build(settings: Settings, platform: Platform) -> Capability[CatchupData]:
    from arrkestra.adapters.arr_history import ArrHistoryClient
    from arrkestra.adapters.notify import Message
    from arrkestra.pipelines import catchup
    from arrkestra.runtime.capabilities.contract import Capability, Every
    from arrkestra.runtime.health import ComponentState
    from arrkestra.runtime.worker import Pipeline

    readable = readable_instances(settings)
    sources, instances = {}, {}
    for qualified, (ref, config) in readable.items():
        assert config.api_key is not None  # readable_instances chose it for its key
        instances[qualified] = ref
        sources[qualified] = ArrHistoryClient(
            ref.kind,
            str(config.url),
            config.api_key.get_secret_value(),
            client=platform.http_client(timeout=config.timeout),
            redactor=platform.redactor,
            upstream=qualified,
        )
    health, notifier, redact = platform.health, platform.notifier, platform.redactor

    async def report(instance: str, problem: InstanceProblem | None, detail: str) -> None:
        if problem is None:
            health.set(instance, ComponentState.OK)
            notifier.reset(f"auth:{instance}")
            return
        if problem == "down":
            health.set(instance, ComponentState.DOWN, f"catch-up: {redact(detail)}")
            return
        health.set(instance, ComponentState.AUTH_FAILED, f"catch-up paused: {redact(detail)}")
        body = (
            f"{instance} rejected arrkestra's API key, so catch-up cannot read its history; "
            f"its imports since the last run wait (nothing is lost). Fix the key; the next run "
            f"picks up where the last one stopped.\n{redact(detail)}"
        )
        await notifier.send_once(
            f"auth:{instance}",
            Message(f"arrkestra: {instance} credentials rejected", body, "critical"),
        )

    deps = catchup.Deps(
        db=platform.db,
        sources=sources,
        instances=instances,
        rules=settings.mirror.path_rules(),
        first_lookback=settings.catchup.first_lookback,
        now=platform.clock.now,
        report=report,
        queued=platform.queue.wake,
    )
    pipeline = Pipeline(
        NAME,
        params=CatchupParams.load,
        run=catchup.run,
        deps=deps,
        concurrency=1,
        policy=settings.retry_policy(NAME),
    )
    started = False

    async def queue_runs() -> None:
        nonlocal started
        trigger: CatchupTrigger = "interval" if started else "startup"
        delay = 0.0 if started else FIRST_RUN_DELAY
        started = True
        for name in sorted(instances):
            params = CatchupParams(instance=name, trigger=trigger)
            await platform.queue.enqueue(params.spec(delay=delay))

    return Capability(
        NAME,
        pipelines=(pipeline,),
        tasks=(Every(TASK, settings.catchup.interval, queue_runs, run_now=True),),
        runtime_data=CatchupData(tuple(sorted(instances))),
    )
