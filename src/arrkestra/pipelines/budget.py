"""Deletion budgets: a pipeline that deletes too much in a window pauses instead.

A bad mapping or a mass delete upstream should stop after ``deletions`` actions, not wipe
a library: the pipeline pauses (its jobs stay pending), one alert goes out, and a user
resumes it after checking. The window restarts at the resume.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from arrkestra.core.errors import DeferredError


@dataclass(frozen=True)
class Budget:
    deletions: int
    per: float


@dataclass(frozen=True)
class BudgetGuard:
    pipeline: str
    what: str  # e.g. "Overseerr deletions", "files deleted at the destination"
    budget: Budget | None
    now: Callable[[], float]
    deletions_since: Callable[[float], Awaitable[int]]  # deleting outcomes since a time
    resumed_at: Callable[[], Awaitable[float]]
    pause: Callable[[str], Awaitable[None]]  # pause this pipeline (and alert once)

    async def check(self) -> None:
        """Pause the pipeline (``DeferredError``) when the next deletion would exceed it."""
        if self.budget is None:
            return
        since = max(self.now() - self.budget.per, await self.resumed_at())
        done = await self.deletions_since(since)
        if done >= self.budget.deletions:
            reason = (
                f"deletion budget reached: {done} {self.what} within the budget window "
                f"({self.pipeline}.budget: {self.budget.deletions}); check them, then run "
                f"`arrkestra jobs resume {self.pipeline}`"
            )
            await self.pause(reason)
            raise DeferredError(reason)
