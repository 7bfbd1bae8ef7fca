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

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from arrkestra.core.job_kinds.catchup import CATCHUP, CatchupParams, CatchupTrigger

if TYPE_CHECKING:
    from arrkestra.adapters.notify import Notifier
    from arrkestra.config import Settings
    from arrkestra.config.models.upstreams import ArrInstance
    from arrkestra.core.instances import InstanceRef
    from arrkestra.core.jobs import JobSpec
    from arrkestra.core.redact import Redactor
    from arrkestra.pipelines.catchup import InstanceProblem
    from arrkestra.runtime.capabilities.contract import Capability, Platform
    from arrkestra.runtime.health import HealthRegistry

NAME = CATCHUP
KINDS: tuple[Literal["sonarr", "radarr"], ...] = ("sonarr", "radarr")
TASK = "catchup.runs"
MAX_LOOKBACK = 366 * 86_400.0  # ``since`` asked for by hand: a year (history is kept less)
URL = re.compile(r"\b\w+://\S+")


class CatchupRefused(Exception):
    """A run asked for by hand that cannot be queued: ``status`` is the HTTP answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def readable_instances(settings: Settings) -> dict[str, tuple[InstanceRef, ArrInstance]]:
    """``{"sonarr.hd": (ref, instance)}`` for each instance whose history catch-up reads:
    it mirrors, and has a url and an API key."""
    found = {}
    for kind in KINDS:
        for name, instance in settings.instances(kind).items():
            ref = settings.instance_ref(kind, name)
            if ref is not None and instance.mirror and instance.has_api:
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
        return "not configured: needs a sonarr or radarr instance with mirror, url and api_key"
    return None


def does(settings: Settings) -> str:
    """What it will do, for ``check`` and the start-up log (when ``why_not`` is None)."""
    from arrkestra.core.job_kinds.words import duration

    names = ", ".join(sorted(readable_instances(settings)))
    every = duration(settings.catchup.interval)
    return f"every {every}, the history of {names} is read for imports missed while down"


def since_of(text: str | None, now: float) -> float | None:
    """``since`` as asked for by hand (``"48h"``) as the unix time to read from;
    ``CatchupRefused`` (422) for what is not a duration or reaches back over a year."""
    from arrkestra.config.models.units import parse_duration

    if text is None:
        return None
    try:
        back = parse_duration(text)
    except ValueError as exc:
        raise CatchupRefused(422, f"since: {exc} (write it like 48h, 2d or 90m)") from None
    if back > MAX_LOOKBACK:
        raise CatchupRefused(422, f"since: {text} reaches back more than a year")
    return now - back


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


@dataclass
class InstanceHealth:
    """Each instance's state as catch-up finds it: ``<kind>.<name>`` on /health (no URL in
    the detail: /health may be open), one notification while its key is rejected."""

    health: HealthRegistry
    notifier: Notifier
    redact: Redactor

    async def report(self, instance: str, problem: InstanceProblem | None, detail: str) -> None:
        from arrkestra.adapters.notify import Message
        from arrkestra.runtime.health import ComponentState

        if problem is None:
            self.health.set(instance, ComponentState.OK)
            self.notifier.reset(f"auth:{instance}")
            return
        said = URL.sub("<url>", self.redact(detail))
        if problem == "down":
            self.health.set(instance, ComponentState.DOWN, f"catch-up: {said}")
            return
        self.health.set(instance, ComponentState.AUTH_FAILED, f"catch-up paused: {said}")
        body = (
            f"{instance} rejected arrkestra's API key, so catch-up cannot read its history; "
            f"its imports since the last run wait (nothing is lost). Fix the key; the next run "
            f"picks up where the last one stopped.\n{self.redact(detail)}"
        )
        title = f"arrkestra: {instance} credentials rejected"
        await self.notifier.send_once(f"auth:{instance}", Message(title, body, "critical"))


def build(settings: Settings, platform: Platform) -> Capability[None]:
    from arrkestra.adapters.arr_history import ArrHistoryClient
    from arrkestra.pipelines import catchup
    from arrkestra.runtime.capabilities.contract import Capability, Every, FirstRunDelay
    from arrkestra.runtime.worker import Pipeline

    readable = readable_instances(settings)
    instances = {qualified: ref for qualified, (ref, _) in readable.items()}
    sources = {
        qualified: ArrHistoryClient(
            ref.kind,
            str(config.url),
            config.api_key.get_secret_value() if config.api_key else "",
            client=platform.http_client(timeout=config.timeout),
            redactor=platform.redactor,
            upstream=qualified,
        )
        for qualified, (ref, config) in readable.items()
    }
    health = InstanceHealth(platform.health, platform.notifier, platform.redactor)
    deps = catchup.Deps(
        db=platform.db,
        sources=sources,
        instances=instances,
        rules=settings.mirror.path_rules(),
        first_lookback=settings.catchup.first_lookback,
        now=platform.clock.now,
        report=health.report,
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
    first = FirstRunDelay()

    async def queue_runs() -> None:
        trigger: CatchupTrigger = "startup" if first.first else "interval"
        delay = first.take()
        for name in sorted(instances):
            params = CatchupParams(instance=name, trigger=trigger)
            await platform.queue.enqueue(params.spec(delay=delay))

    every = Every(TASK, settings.catchup.interval, queue_runs, run_now=True)
    return Capability(NAME, pipelines=(pipeline,), tasks=(every,))
