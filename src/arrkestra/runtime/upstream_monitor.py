"""Every pause an upstream causes ends by itself: probe it, resume when it answers.

One monitor per upstream that can pause pipelines (Overseerr for cleanup, Plex for scans).
A rejected key (401/403, from a job or from the probe) pauses those pipelines through
``Alerts.auth_failed`` (jobs wait, no attempt burnt, announced once). The monitor probes
the upstream every interval: ``always`` (Overseerr, ``overseerr.poll_interval``: its state
is on /health all the time) or only while it holds a pause or is not ``ok`` (Plex: a scan
is no reason to call Plex between scans). Probe passes: the component is ``ok``, the
pipelines it paused resume with one message, and their waiting jobs run at once. The
pause is kept in the database, so after a restart :meth:`UpstreamMonitor.restore` puts the
component back on /health (``auth_failed``) before the first probe, and probes go on.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from arrkestra.adapters.notify import Message, Notifier
from arrkestra.core.errors import ArrkestraError, UpstreamAuthError
from arrkestra.runtime.alerts import AUTH_PAUSE_PREFIX, Alerts
from arrkestra.runtime.health import ComponentState, HealthRegistry
from arrkestra.runtime.queue import Queue

log = logging.getLogger("arrkestra.upstreams")
Probe = Callable[[], Awaitable[object]]
Paused = Mapping[str, Mapping[str, Any]]  # Queue.paused(): {pipeline: {"reason": ...}}


class UpstreamMonitor:
    def __init__(
        self,
        name: str,
        pipelines: tuple[str, ...],
        probe: Probe,
        *,
        always: bool,
        listed: bool,
        health: HealthRegistry,
        alerts: Alerts,
        queue: Queue,
        notifier: Notifier,
    ) -> None:
        self.name = name  # the component on /health, and the upstream in auth messages
        self._pipelines = pipelines
        self._probe = probe
        self._always = always
        self._health = health
        self._alerts = alerts
        self._queue = queue
        self._notifier = notifier
        if listed:  # on /health from start-up (Overseerr), not only once it paused something
            said = "not checked yet" if always else "not polled (its poll interval is 0)"
            health.set(name, ComponentState.UNKNOWN, said)

    def restore(self, paused: Paused) -> None:
        """At start-up: a pause this upstream caused before a restart shows on /health."""
        reasons = [reason for reason in self._held_reasons(paused).values() if reason]
        if reasons:
            self._health.set(self.name, ComponentState.AUTH_FAILED, reasons[0])

    async def poll(self) -> ComponentState | None:
        """Probe (when there is something to watch); the state it found, None: not probed."""
        held = self._held_reasons(await self._queue.paused())
        current = self._health.components.get(self.name)
        previous = None if current is None else current.state
        # degraded: it answers, refusing some requests (their jobs back off): nothing to probe
        settled = (None, ComponentState.OK, ComponentState.UNKNOWN, ComponentState.DEGRADED)
        if not (self._always or held or previous not in settled):
            return None
        try:
            await self._probe()
        except UpstreamAuthError as exc:
            message = f"{self.name}: {exc}"
            if held:  # paused and announced already (perhaps before a restart)
                self._health.set(self.name, ComponentState.AUTH_FAILED, message)
            for pipeline in self._pipelines:
                if pipeline not in held:
                    await self._alerts.auth_failed(pipeline, message)
            return ComponentState.AUTH_FAILED
        except ArrkestraError as exc:
            if previous is not ComponentState.DOWN:
                log.warning("%s is unavailable: %s", self.name, exc)
            self._health.set(self.name, ComponentState.DOWN, str(exc))
            return ComponentState.DOWN
        self._health.set(self.name, ComponentState.OK)
        if previous is not ComponentState.OK or held:
            await self._recovered(previous, held)
        return ComponentState.OK

    async def _recovered(self, previous: ComponentState | None, held: dict[str, str]) -> None:
        for pipeline in self._pipelines:
            await self._alerts.auth_restored(self.name, pipeline)
            due = await self._queue.run_waiting_now(pipeline)
            if due:
                log.info("%s is back: %d waiting %s job(s) run now", self.name, due, pipeline)
        if held:
            resumed = ", ".join(sorted(held))
            await self._notifier.send(
                Message(
                    f"arrkestra: {self.name} accepts the credentials again",
                    f"{self.name} accepts arrkestra's credentials again; {resumed} resumed "
                    "and the waiting jobs run now.",
                )
            )
        elif previous is ComponentState.DOWN:
            log.info("%s is available again", self.name)

    def _held_reasons(self, paused: Paused) -> dict[str, str]:
        """The pipelines this upstream's rejected key paused, with the reason (no prefix)."""
        mine = AUTH_PAUSE_PREFIX + self.name + ":"
        reasons = {p: str(paused.get(p, {}).get("reason", "")) for p in self._pipelines}
        return {
            pipeline: reason[len(AUTH_PAUSE_PREFIX) :]
            for pipeline, reason in reasons.items()
            if reason.startswith(mine)
        }
