"""Alerts about the daemon's own condition: dead jobs, rejected credentials, paused pipelines.

Critical messages go to every notification URL (fallbacks included, see adapters/notify).
Conditions that persist (an upstream rejecting the key) are announced once until cleared.
"""

from __future__ import annotations

import logging

from arrkestra.adapters.notify import Delivery, Message, Notifier
from arrkestra.config import Settings
from arrkestra.core.job_kinds import subject_of, summary_of
from arrkestra.core.jobs import Job
from arrkestra.core.redact import Redactor
from arrkestra.runtime.health import ComponentState, HealthRegistry
from arrkestra.runtime.queue import Queue

log = logging.getLogger("arrkestra.alerts")
AUTH_PAUSE_PREFIX = "auth failure: "


TEST_MESSAGE = Message(
    "arrkestra: test notification",
    "If you can read this, arrkestra can reach you here.",
)


def build_notifier(settings: Settings, redactor: Redactor) -> Notifier:
    notifications = settings.notifications
    return Notifier(
        [u.get_secret_value() for u in notifications.urls],
        [u.get_secret_value() for u in notifications.fallback_urls],
        redactor=redactor,
    )


async def send_test(notifier: Notifier) -> Delivery:
    """sync-webhook's ``/test``: one info message through the normal primary/fallback rule."""
    return await notifier.send(TEST_MESSAGE)


class Alerts:
    def __init__(
        self, notifier: Notifier, queue: Queue, health: HealthRegistry, redactor: Redactor
    ) -> None:
        self._notifier = notifier
        self._queue = queue
        self._health = health
        self._redact = redactor

    async def job_dead(self, job: Job) -> None:
        summary = summary_of(job.result) or subject_of(job.params) or job.key
        gave_up = f"{job.pipeline} job {job.id} gave up after {job.attempts} attempt(s)"
        body = f"{gave_up}: {summary}\n{job.last_error or ''}"
        await self._notifier.send(
            Message(f"arrkestra: {job.pipeline} job failed", self._redact(body), "critical")
        )

    async def webhook_test(self, source: str) -> None:
        """Sonarr's/Radarr's Test button: say that the connection works."""
        await self._notifier.send(
            Message("arrkestra: webhook test", f"{source} can reach arrkestra")
        )

    async def auth_failed(self, pipeline: str, message: str) -> None:
        """An upstream rejected our credentials: pause the pipeline, mark it, alert once."""
        upstream = message.split(":", 1)[0].strip() or pipeline
        self._health.set(upstream, ComponentState.AUTH_FAILED, self._redact(message))
        paused = await self._queue.paused()
        if pipeline not in paused:
            await self._queue.pause(pipeline, AUTH_PAUSE_PREFIX + self._redact(message))
        body = (
            f"{upstream} rejected arrkestra's credentials; the {pipeline} pipeline is paused and "
            f"its jobs wait. Fix the API key; arrkestra resumes by itself once it is accepted.\n"
            f"{self._redact(message)}"
        )
        await self._notifier.send_once(
            f"auth:{upstream}",
            Message(f"arrkestra: {upstream} credentials rejected", body, "critical"),
        )

    async def auth_restored(self, upstream: str, pipeline: str) -> None:
        """``upstream`` takes the credentials again: resume ``pipeline`` if *its* rejected
        key paused it. A pipeline several upstreams feed (``jellyfin_scan``: every Jellyfin
        server) stays paused while another one's rejection holds it."""
        self._notifier.reset(f"auth:{upstream}")
        reason = (await self._queue.paused()).get(pipeline, {}).get("reason", "")
        if str(reason).startswith(f"{AUTH_PAUSE_PREFIX}{upstream}:"):
            await self._queue.resume(pipeline)
            log.info("%s accepts the credentials again: %s resumed", upstream, pipeline)

    async def paused(self, pipeline: str, reason: str) -> None:
        await self._queue.pause(pipeline, reason)
        await self._notifier.send(
            Message(f"arrkestra: {pipeline} paused", self._redact(reason), "critical")
        )
