"""A program a pipeline runs (rsync, for mirror) being missing is a state, not a failure.

Looked up at start-up (the ``<tool>`` component on /health at once), every ``interval``
(:meth:`ToolMonitor.check`) and by the adapter before each run, which raises
``ToolMissing``. Missing: the component is ``down`` and the pipeline pauses with one
alert; its jobs wait, the attempt given back (``DeferredError``), instead of each dying
with an alert of its own. Found again: ``ok``, and the pipeline resumes (when this is what
paused it) with one message. The pause is kept in the database, so a restart neither
loses it nor announces it twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from arrkestra.adapters.notify import Message, Notifier
from arrkestra.core.errors import ToolMissing
from arrkestra.core.job_kinds import JobResult
from arrkestra.core.jobs import Job
from arrkestra.runtime.health import ComponentState, HealthRegistry
from arrkestra.runtime.queue import Queue

log = logging.getLogger("arrkestra.tools")
TOOL_PAUSE_PREFIX = "tool missing: "
P = TypeVar("P")
D = TypeVar("D")
Run = Callable[[Job, P, D], Awaitable[JobResult]]


class ToolMonitor:
    def __init__(
        self,
        tool: str,
        pipeline: str,
        lookup: Callable[[], str | None],
        *,
        health: HealthRegistry,
        queue: Queue,
        notifier: Notifier,
    ) -> None:
        self.tool = tool  # also the component on /health
        self._pipeline = pipeline
        self._lookup = lookup
        self._health = health
        self._queue = queue
        self._notifier = notifier
        self._lock = asyncio.Lock()  # jobs failing at once pause (and alert) once
        found = lookup()
        if found is None:
            health.set(tool, ComponentState.DOWN, self._not_found())
        else:
            health.set(tool, ComponentState.OK)

    def guarded(self, run: Run[P, D]) -> Run[P, D]:
        """``run``, pausing the pipeline when a job finds the tool missing (the job waits)."""

        async def guarded_run(job: Job, params: P, deps: D) -> JobResult:
            try:
                return await run(job, params, deps)
            except ToolMissing as exc:
                await self.missing(str(exc))
                raise

        return guarded_run

    async def check(self) -> ComponentState:
        """Look the tool up: pause when it is missing, resume when it is back."""
        found = self._lookup()
        if found is None:
            await self.missing(self._not_found())
            return ComponentState.DOWN
        async with self._lock:
            self._health.set(self.tool, ComponentState.OK)
            reason = (await self._queue.paused()).get(self._pipeline, {}).get("reason", "")
            if str(reason).startswith(TOOL_PAUSE_PREFIX) and await self._queue.resume(
                self._pipeline
            ):
                log.info("%s found at %s: %s resumed", self.tool, found, self._pipeline)
                await self._notifier.send(
                    Message(
                        f"arrkestra: {self.tool} found, {self._pipeline} resumed",
                        f"{self.tool} is installed again ({found}); the {self._pipeline} "
                        "pipeline resumed and its waiting jobs run now.",
                    )
                )
        return ComponentState.OK

    async def missing(self, detail: str) -> None:
        """The tool is missing: ``down`` on /health, the pipeline paused, one alert."""
        async with self._lock:
            self._health.set(self.tool, ComponentState.DOWN, detail)
            if self._pipeline in await self._queue.paused():
                return  # paused already: by us (announced), or held for another reason
            await self._queue.pause(self._pipeline, TOOL_PAUSE_PREFIX + detail)
            await self._notifier.send(
                Message(
                    f"arrkestra: {self.tool} missing, {self._pipeline} paused",
                    f"{detail}. The {self._pipeline} pipeline is paused and its jobs wait "
                    f"(no attempt is spent); it resumes by itself once {self.tool} is found.",
                    "critical",
                )
            )

    def _not_found(self) -> str:
        return f"{self.tool} is not found on PATH"
