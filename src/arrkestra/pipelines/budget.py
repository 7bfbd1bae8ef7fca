"""Deletion budgets: a pipeline that deletes too much in a window pauses instead.

A bad mapping or a mass delete upstream should stop after ``deletions`` actions, not wipe
a library: the pipeline pauses (its jobs stay pending), one alert goes out, and a user
resumes it after checking. The window restarts at the resume.

Jobs run concurrently and a job's outcome reaches the database only after it returns, so
the database alone would let two jobs both pass the check for the last slot. Deletions
therefore go one at a time through :meth:`BudgetGuard.deletion`, and the guard also
remembers this process's own deletions: the count is the larger of the two.

The budget counts deletions (a mirror delete is one, the file with its sidecars); the
pause message says what they removed when ``items_since`` counts it ("6 files deleted at
the destination (3 deletions)"), never fewer things than went.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from arrkestra.core.errors import DeferredError


@dataclass(frozen=True)
class Budget:
    deletions: int
    per: float


@dataclass
class BudgetGuard:
    pipeline: str
    what: str  # e.g. "Overseerr deletions", "files deleted at the destination"
    budget: Budget | None
    now: Callable[[], float]
    deletions_since: Callable[[float], Awaitable[int]]  # deleting outcomes since a time
    resumed_at: Callable[[], Awaitable[float]]
    pause: Callable[[str], Awaitable[None]]  # pause this pipeline (and alert once)
    items_since: Callable[[float], Awaitable[int]] | None = None  # what ``what`` names, if
    # not the deletions themselves (the files, sidecars included, of mirror's deletes)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False, repr=False)
    _done: list[float] = field(default_factory=list, init=False, repr=False)

    @asynccontextmanager
    async def deletion(self) -> AsyncIterator[None]:
        """Run one deletion inside the budget, or pause the pipeline (``DeferredError``)."""
        async with self._lock:
            await self.check()
            yield
            self._done.append(self.now())

    async def check(self) -> None:
        """Pause the pipeline (``DeferredError``) when the next deletion would exceed it."""
        if self.budget is None:
            return
        since = max(self.now() - self.budget.per, await self.resumed_at())
        self._done = [at for at in self._done if at >= since]
        done = max(await self.deletions_since(since), len(self._done))
        if done >= self.budget.deletions:
            counted = f"{done} {self.what}"
            if self.items_since is not None:
                items = await self.items_since(since)
                counted = f"{items} {self.what} ({done} deletions)"
            reason = (
                f"deletion budget reached: {counted} within the budget window "
                f"({self.pipeline}.budget: {self.budget.deletions}); check them, then run "
                f"`arrkestra jobs resume {self.pipeline}`"
            )
            await self.pause(reason)
            raise DeferredError(reason)
