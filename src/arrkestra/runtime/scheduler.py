"""Periodic tasks (interval and cron, timezone aware) on APScheduler 3's asyncio scheduler.

Later capabilities register their tasks here; each runs at most once at a time, and a
run missed while the process was busy is coalesced into one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, tzinfo
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger("arrkestra.scheduler")

Task = Callable[[], Awaitable[object]]


class Scheduler:
    def __init__(self, timezone: tzinfo) -> None:
        self._timezone = timezone
        self._scheduler = AsyncIOScheduler(timezone=timezone)
        self._tasks: dict[str, Task] = {}

    @property
    def task_names(self) -> list[str]:
        return list(self._tasks)

    async def run(self, name: str) -> None:
        """Run one task now, outside its schedule, and let its errors through (tests)."""
        await self._tasks[name]()

    def every(self, name: str, seconds: float, task: Task, *, run_now: bool = False) -> None:
        trigger = IntervalTrigger(seconds=seconds, timezone=self._timezone)
        self._add(name, trigger, task, run_now=run_now)

    def cron(
        self, name: str, expression: str, task: Task, *, timezone: tzinfo | None = None
    ) -> None:
        trigger = CronTrigger.from_crontab(expression, timezone=timezone or self._timezone)
        self._add(name, trigger, task, run_now=False)

    def _add(self, name: str, trigger: Any, task: Task, *, run_now: bool) -> None:
        async def guarded() -> None:
            try:
                await task()
            except asyncio.CancelledError:
                # shutdown cancels a run in progress; it runs again at the next start
                log.info("scheduled task %s interrupted by shutdown", name)
            except Exception:
                log.exception("scheduled task %s failed", name)

        kwargs: dict[str, Any] = {}
        if run_now:
            kwargs["next_run_time"] = datetime.now(self._timezone)
        self._scheduler.add_job(
            guarded,
            trigger,
            id=name,
            name=name,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            replace_existing=True,
            **kwargs,
        )
        self._tasks[name] = task

    def next_run(self, name: str) -> float | None:
        job = self._scheduler.get_job(name)
        when = getattr(job, "next_run_time", None) if job is not None else None
        return None if when is None else float(when.timestamp())

    def start(self) -> None:
        if not self._scheduler.running:
            self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
