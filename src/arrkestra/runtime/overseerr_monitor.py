"""Polls Overseerr's health (``overseerr.poll_interval``) and acts on changes.

Down: /health shows it and cleanup jobs keep waiting with backoff. Back up: the waiting
cleanup jobs run at once instead of at their backoff time. Key rejected (403): cleanup
is paused (no attempts burnt) and announced once; resumed as soon as the key works.
"""

from __future__ import annotations

import logging

from arrkestra.adapters.overseerr import OverseerrClient
from arrkestra.core.errors import ArrkestraError, UpstreamAuthError
from arrkestra.runtime.alerts import Alerts
from arrkestra.runtime.health import ComponentState, HealthRegistry
from arrkestra.runtime.queue import Queue

log = logging.getLogger("arrkestra.overseerr")
COMPONENT = "overseerr"
PIPELINE = "cleanup"


class OverseerrMonitor:
    def __init__(
        self, client: OverseerrClient, *, health: HealthRegistry, alerts: Alerts, queue: Queue
    ) -> None:
        self._client = client
        self._health = health
        self._alerts = alerts
        self._queue = queue
        health.set(COMPONENT, ComponentState.DEGRADED, "not checked yet")

    async def poll(self) -> ComponentState:
        previous = self._health.components[COMPONENT].state
        try:
            await self._client.status()
            await self._client.check_auth()
        except UpstreamAuthError as exc:
            await self._alerts.auth_failed(PIPELINE, f"{COMPONENT}: {exc}")
            return ComponentState.AUTH_FAILED
        except ArrkestraError as exc:
            if previous is not ComponentState.DOWN:
                log.warning("Overseerr is unavailable: %s", exc)
            self._health.set(COMPONENT, ComponentState.DOWN, str(exc))
            return ComponentState.DOWN
        self._health.set(COMPONENT, ComponentState.OK)
        if previous is not ComponentState.OK:
            await self._recovered(previous)
        return ComponentState.OK

    async def _recovered(self, previous: ComponentState) -> None:
        await self._alerts.auth_restored(COMPONENT, PIPELINE)
        due = await self._queue.run_waiting_now(PIPELINE)
        if due:
            log.info("Overseerr is back: %d waiting cleanup job(s) run now", due)
        if previous is ComponentState.DOWN:
            log.info("Overseerr is available again")
