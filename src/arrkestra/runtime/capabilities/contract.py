"""The one shape of a capability, and the platform every capability is built on.

A capability module (``cleanup.py``, ``mirror.py``, ``discovery.py``) has two functions:

- ``why_not(settings) -> str | None``: None when the configuration lets it run, else the
  one line ``serve`` and ``check`` print ("needs an overseerr section ...");
- ``build(settings, platform) -> Capability``: everything it runs, as data.

``runtime/services.py`` builds the :class:`Platform`, then, for each capability whose
``why_not`` is None, calls ``build`` and hands the parts to their owners: pipelines to the
worker, tasks and health checks to the scheduler, collectors to the metrics, closers to
shutdown. Nothing else registers anything, so "what runs for pipeline X?" is answered by
opening ``runtime/capabilities/X.py``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import tzinfo
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

if TYPE_CHECKING:  # types only: a capability module stays cheap to import for ``why_not``
    import httpx

    from arrkestra.adapters.notify import Notifier
    from arrkestra.config import Settings
    from arrkestra.config.models.upstreams import ArrInstance
    from arrkestra.core.redact import Redactor
    from arrkestra.runtime.alerts import Alerts
    from arrkestra.runtime.clock import Clock
    from arrkestra.runtime.health import HealthRegistry
    from arrkestra.runtime.metrics import Collector, Metrics
    from arrkestra.runtime.progress import ProgressBoard
    from arrkestra.runtime.queue import Queue
    from arrkestra.runtime.scheduler import Scheduler
    from arrkestra.runtime.upstream_monitor import UpstreamMonitor
    from arrkestra.runtime.worker import Pipeline
    from arrkestra.store.database import Database

T = TypeVar("T")
Closer = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Every:
    """A task run every ``seconds`` (first at start-up with ``run_now``)."""

    name: str
    seconds: float
    run: Callable[[], Awaitable[object]]
    run_now: bool = False


@dataclass(frozen=True)
class Cron:
    """A task run at the times of a crontab expression, in ``timezone`` (else the store's)."""

    name: str
    expression: str
    run: Callable[[], Awaitable[object]]
    timezone: tzinfo | None = None


Task = Every | Cron

STARTUP_DELAY = 5.0  # a periodic task's first job waits for the web server: start-up calls nobody


@dataclass
class FirstRunDelay:
    """The delay of the job a periodic task queues: ``STARTUP_DELAY`` the first time (the
    task runs at start-up, before ``/ready``), none after. ``first`` says which this is."""

    first: bool = True

    def take(self) -> float:
        delay = STARTUP_DELAY if self.first else 0.0
        self.first = False
        return delay


@dataclass(frozen=True)
class Capability(Generic[T]):
    """Everything one capability runs. ``runtime_data`` is what its web routes need."""

    name: str
    pipelines: tuple[Pipeline[Any, Any], ...] = ()
    tasks: tuple[Task, ...] = ()
    health_checks: tuple[Every, ...] = ()  # tasks that keep /health components up to date
    collectors: tuple[Collector, ...] = ()  # metrics read from the database at scrape time
    closers: tuple[Closer, ...] = ()  # at shutdown, after the worker drained
    runtime_data: T | None = None


def instance_names(settings: Settings, wanted: Callable[[ArrInstance], bool]) -> str:
    """``sonarr.hd, radarr.default (implied)``: the instances ``wanted`` picks, for ``does``."""
    names = [
        f"{kind}.{name}" + (" (implied)" if settings.implied(kind, name) else "")
        for kind in ("sonarr", "radarr")
        for name, instance in settings.instances(kind).items()
        if wanted(instance)
    ]
    return ", ".join(names) or "no instance"


class CapabilityModule(Protocol):
    """What a capability module is (mypy checks each module against it)."""

    NAME: str

    def why_not(self, settings: Settings, /) -> str | None: ...

    def does(self, settings: Settings, /) -> str: ...

    def build(self, settings: Settings, platform: Platform, /) -> Capability[Any]: ...


@dataclass
class Platform:
    """What capabilities are built on: one of each, made by ``runtime/services.py``."""

    settings: Settings
    db: Database
    clock: Clock
    redactor: Redactor
    metrics: Metrics
    health: HealthRegistry
    queue: Queue
    scheduler: Scheduler
    notifier: Notifier
    alerts: Alerts
    progress: ProgressBoard

    def __post_init__(self) -> None:
        self._http_clients: list[httpx.AsyncClient] = []

    def upstream_monitor(
        self,
        name: str,
        pipelines: tuple[str, ...],
        probe: Callable[[], Awaitable[object]],
        *,
        always: bool,
        listed: bool,
    ) -> UpstreamMonitor:
        """The monitor of an upstream that can pause ``pipelines`` (``runtime/
        upstream_monitor``), with the pauses it held before a restart restored."""
        from arrkestra.runtime.upstream_monitor import UpstreamMonitor
        from arrkestra.store import state as state_store

        monitor = UpstreamMonitor(
            name,
            pipelines,
            probe,
            always=always,
            listed=listed,
            health=self.health,
            alerts=self.alerts,
            queue=self.queue,
            notifier=self.notifier,
        )
        monitor.restore(self.db.call(state_store.paused_pipelines))  # a pause outlives a restart
        return monitor

    def http_client(self, *, timeout: float, retries: int = 0) -> httpx.AsyncClient:
        """A pooled HTTP client for one upstream; the platform closes it at shutdown."""
        from arrkestra.adapters.http import make_client  # httpx: only when an upstream runs

        client = make_client(timeout=timeout, retries=retries, redactor=self.redactor)
        self._http_clients.append(client)
        return client

    async def close_http_clients(self) -> None:
        for client in self._http_clients:
            await client.aclose()
        self._http_clients.clear()
