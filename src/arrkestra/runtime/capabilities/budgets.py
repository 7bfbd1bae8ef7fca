"""A deletion budget on the platform: counted from the jobs table, paused through alerts.

Cleanup (Overseerr rows) and mirror (files at the destination) both cap their deletions
(``cleanup.budget``, ``mirror.budget``); the guard itself is ``pipelines/budget``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from arrkestra.core.job_kinds import DeleteResult
from arrkestra.pipelines.budget import Budget, BudgetGuard
from arrkestra.store import jobs as job_store
from arrkestra.store import state as state_store

if TYPE_CHECKING:
    from arrkestra.config import Budget as BudgetSettings
    from arrkestra.runtime.capabilities.contract import Platform

DELETED = "deleted"  # the outcome that spends the budget, in both pipelines
DELETED_FILES = DeleteResult.json_path("deleted")  # the files a mirror delete removed


def deletion_budget(
    platform: Platform,
    pipeline: str,
    what: str,
    budget: BudgetSettings | None,
    *,
    listed: str | None = None,
) -> BudgetGuard:
    """``budget`` deletions per window for ``pipeline``, counted since the window start
    or the pipeline's last resume; ``what`` names them in the pause message. ``listed``:
    the JSON path of the result list ``what`` counts (mirror: the files each delete
    removed, sidecars included), when it is not the deletions themselves."""
    db = platform.db

    async def deletions_since(since: float) -> int:
        return await db.run(job_store.count_outcome_since, pipeline, DELETED, since)

    items_since = None
    if listed is not None:
        path = listed

        async def count_items(since: float) -> int:
            return await db.run(job_store.count_listed_since, pipeline, DELETED, path, since)

        items_since = count_items

    async def resumed_at() -> float:
        return await db.run(state_store.resumed_at, pipeline)

    async def pause(reason: str) -> None:
        await platform.alerts.paused(pipeline, reason)

    return BudgetGuard(
        pipeline,
        what,
        Budget(budget.deletions, budget.per) if budget else None,
        now=platform.clock.now,
        deletions_since=deletions_since,
        resumed_at=resumed_at,
        pause=pause,
        items_since=items_since,
    )
