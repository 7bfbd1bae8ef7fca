"""The deletion budget holds under concurrency: the database lags, the guard does not."""

from __future__ import annotations

import asyncio

import pytest

from arrkestra.core.errors import DeferredError
from arrkestra.pipelines.budget import Budget, BudgetGuard


def guard(limit: int, paused: list[str], committed: int = 0) -> BudgetGuard:
    async def deletions_since(since: float) -> int:
        return committed  # outcomes reach the database only after the job returns

    async def resumed_at() -> float:
        return 0.0

    async def pause(reason: str) -> None:
        paused.append(reason)

    return BudgetGuard(
        "mirror", "files deleted", Budget(limit, 3600), lambda: 5000.0, deletions_since,
        resumed_at, pause,
    )  # fmt: skip


async def test_concurrent_deletions_never_exceed_the_budget() -> None:
    paused: list[str] = []
    budget = guard(2, paused)
    deleted: list[int] = []

    async def delete(n: int) -> None:
        async with budget.deletion():
            await asyncio.sleep(0)  # let the others try to get in meanwhile
            deleted.append(n)

    results = await asyncio.gather(*(delete(n) for n in range(5)), return_exceptions=True)
    assert len(deleted) == 2
    assert sum(isinstance(r, DeferredError) for r in results) == 3
    assert paused and "mirror.budget: 2" in paused[0] and "jobs resume mirror" in paused[0]


async def test_committed_deletions_from_before_a_restart_count() -> None:
    paused: list[str] = []
    with pytest.raises(DeferredError):
        async with guard(3, paused, committed=3).deletion():
            raise AssertionError("must not run")
    assert len(paused) == 1


async def test_no_budget_means_no_limit() -> None:
    unlimited = BudgetGuard(
        "cleanup", "deletions", None, lambda: 0.0, lambda s: asyncio.sleep(0, 99),
        lambda: asyncio.sleep(0, 0.0), lambda r: asyncio.sleep(0),
    )  # fmt: skip
    for _ in range(10):
        async with unlimited.deletion():
            pass
