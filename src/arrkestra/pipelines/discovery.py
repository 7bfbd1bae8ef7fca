"""discovery: TVMaze shows that pass the filters are added to Sonarr (TVMaze-Sync's job).

One cycle is one job (``CycleParams``: a trigger while one waits or runs is the same
job). A cycle:

1. re-evaluates the cached shows when the filters changed (no request at all);
2. validates Sonarr (each rule's target); a failure stops the cycle with the reason on
   /health, and the next cycle tries again;
3. syncs the catalogue: the full index page by page (each page stored with its
   checkpoint in one transaction, so a restart resumes at the next page), or, once that
   is complete, only what ``/updates/shows`` says changed (see core/discovery); a gap
   longer than a month since the last successful sync means a full resync;
4. adds the accepted shows (and due ``pending_tvdb`` retries) to Sonarr: during a full
   sync alongside the walk, in a background task woken after each stored page (Sonarr's
   lookups and adds, often a second each, must not hold back the TVMaze side, which is
   paced on its own), then once more at the end.

Review mode (``discovery.review``, core/show_review): accepted shows wait in ``review``
and step 4 adds only what a person approved. An approval queues a cycle to run now (a
follow-up cycle when one is already running, which may have made its last adding pass):
the approved show reaches Sonarr within seconds, at the cost of one incremental sync.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from arrkestra.adapters.sonarr import SonarrClient
from arrkestra.adapters.tvmaze import TvmazeClient
from arrkestra.core.discovery import DAY, UpdateWindow, judge_with, update_window
from arrkestra.core.filters import FilterRules
from arrkestra.core.job_kinds import DISCOVERY, CycleParams, CycleResult, LastRun, Refiltered
from arrkestra.core.jobs import Job
from arrkestra.core.show_review import adding_statuses
from arrkestra.core.shows import ShowStatus
from arrkestra.pipelines import discovery_catalogue as catalogue
from arrkestra.pipelines.discovery_sonarr import (
    SonarrView,
    Target,
    ValidationFailed,
    add_show,
    validate,
    waiting_for_tvdb,
)
from arrkestra.store import shows as show_store
from arrkestra.store.database import Database
from arrkestra.store.shows import STATE_KEYS

NAME = DISCOVERY


@dataclass(frozen=True)
class Deps:
    db: Database
    tvmaze: TvmazeClient
    sonarr: dict[str, SonarrClient]
    rules: Sequence[FilterRules]
    targets: Sequence[Target]  # by rule index
    fingerprint: str  # of ``rules``: a change means re-evaluating the cache
    now: Callable[[], float]
    dry_run: bool
    retry_delay: float
    abandon_after: float
    sonarr_state: Callable[[str | None], None]  # None: fine; else why adding is paused
    counted: Callable[[str], None]  # one show processed, by result (added, exists, ...)
    announce: Callable[[list[str]], Awaitable[None]]  # titles added this cycle
    min_window: UpdateWindow | None = None  # discovery.tvmaze.update_window
    review: bool = False  # discovery.review: accepted shows wait for a person's approval


@dataclass
class Tally:
    results: dict[str, int] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)
    dry_run_seen: set[int] = field(default_factory=set)  # counted once per cycle

    def count(self, result: str, deps: Deps) -> None:
        self.results[result] = self.results.get(result, 0) + 1
        deps.counted(result)


async def refilter_if_changed(deps: Deps, state: dict[str, Any]) -> Refiltered | None:
    """Filters changed since the cache was judged: re-evaluate it locally, in one go."""
    if state.get(STATE_KEYS.filter_hash) == deps.fingerprint:
        return None
    return await refilter(deps)


async def refilter(deps: Deps) -> Refiltered:
    """Re-evaluate every cached show not yet in Sonarr; newly accepted ones wait to be added."""
    evaluated, changed = await deps.db.run(
        show_store.refilter,
        judge_with(deps.rules, review=deps.review),
        now=deps.now(),
        state={STATE_KEYS.filter_hash: deps.fingerprint},
    )
    return Refiltered(evaluated=evaluated, changed=changed)


async def add_waiting(deps: Deps, view: SonarrView, tally: Tally) -> None:
    """Every accepted (or, in review mode, approved) show not yet in Sonarr, and the
    ``pending_tvdb`` ones now due."""
    now = deps.now()
    statuses = adding_statuses(deps.review)
    rows = await deps.db.run(
        lambda conn: list(show_store.rows_with_status(conn, statuses, due_before=now))
    )
    for row in rows:
        if row.show.tvdb_id is None:
            outcome = waiting_for_tvdb(
                row, now=now, retry_delay=deps.retry_delay, abandon_after=deps.abandon_after
            )
        elif deps.dry_run:
            if row.show.tvmaze_id not in tally.dry_run_seen:
                tally.dry_run_seen.add(row.show.tvmaze_id)
                tally.count("dry_run", deps)
            continue
        else:
            if not await deps.db.run(show_store.still_waiting, row.show.tvmaze_id):
                continue  # skipped by hand while this pass ran
            outcome = await add_show(row, deps.targets, view)
        await deps.db.run(show_store.record_outcome, row.show.tvmaze_id, outcome, now=deps.now())
        tally.count(outcome.status.value, deps)
        if outcome.status is ShowStatus.ADDED:
            tally.added.append(row.show.title)


class Adding:
    """``add_waiting`` in a background task while the catalogue syncs.

    ``wake`` (after each stored page) asks for a pass; wakes during a pass make one more
    pass, not one each. ``finish`` makes a last pass over everything still waiting and
    waits for it. An adding failure fails the sync at its next page (and ``finish``).
    """

    def __init__(self, deps: Deps, view: SonarrView, tally: Tally) -> None:
        self._deps, self._view, self._tally = deps, view, tally
        self._wanted = asyncio.Event()
        self._finishing = False
        self._task = asyncio.create_task(self._passes(), name="discovery-adding")

    async def _passes(self) -> None:
        while True:
            await self._wanted.wait()
            self._wanted.clear()
            last = self._finishing  # asked after the sync ended: this pass sees it all
            await add_waiting(self._deps, self._view, self._tally)
            if last:
                return

    async def wake(self) -> None:
        if self._task.done():
            self._task.result()  # adding failed: so does the sync
        self._wanted.set()

    async def finish(self) -> None:
        self._finishing = True
        self._wanted.set()
        await self._task

    async def cancel(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._task


async def run(job: Job, params: CycleParams, deps: Deps) -> CycleResult:
    """One cycle; its start, duration, outcome and results are kept as the last run
    (TVMaze-Sync's ``/state`` and metrics show them), whether it finished or failed."""
    started, began = deps.now(), time.monotonic()
    result: CycleResult | None = None
    try:
        result = await cycle(deps, started)
        return result
    finally:
        last = LastRun(
            started=started,
            duration=round(time.monotonic() - began, 3),
            outcome="failed" if result is None else result.outcome,
            results=(result.results if result is not None else None) or {},
        )
        state = {STATE_KEYS.last_run: last.model_dump()}
        await deps.db.run(show_store.put_state, state, now=deps.now())


async def cycle(deps: Deps, started: float) -> CycleResult:
    state = await deps.db.run(show_store.read_state)
    refiltered = await refilter_if_changed(deps, state)
    try:
        view = await validate(deps.sonarr, deps.targets)
    except ValidationFailed as exc:
        deps.sonarr_state(str(exc))
        reason = str(exc)
        return CycleResult(outcome="paused", reason=reason, refiltered=refiltered, summary=reason)
    deps.sonarr_state(None)
    tally = Tally()
    adding = Adding(deps, view, tally)
    try:
        sync = await sync_catalogue(deps, state, started, adding.wake)
    except BaseException:
        await adding.cancel()
        raise
    await adding.finish()
    if tally.added:
        await deps.announce(tally.added)
    summary = f"{sync.mode} sync: {sync.requests} TVMaze request(s), " + (
        ", ".join(f"{n} {k}" for k, n in sorted(tally.results.items())) or "nothing to add"
    )
    return CycleResult(
        outcome="synced",
        refiltered=refiltered,
        mode=sync.mode,
        requests=sync.requests,
        pages=sync.pages,
        shows_saved=sync.shows_saved,
        changed=sync.changed,
        window=sync.window,
        results=dict(tally.results),
        added=list(tally.added) or None,
        summary=summary,
    )


async def sync_catalogue(
    deps: Deps,
    state: dict[str, Any],
    started: float,
    after_page: Callable[[], Awaitable[None]],
) -> catalogue.Synced:
    """Full (or resumed) index sync until it is complete, else an incremental refresh."""
    judge_show = judge_with(deps.rules, review=deps.review)
    last_success = state.get(STATE_KEYS.last_success)
    window = (
        None
        if last_success is None
        else update_window(started - float(last_success), deps.min_window)
    )
    if state.get(STATE_KEYS.initial_complete) and window is not None:
        return await catalogue.incremental(
            deps.db, deps.tvmaze, judge_show, window, started, deps.now
        )
    mode: Literal["full", "resync"] = (
        "full" if not state.get(STATE_KEYS.initial_complete) else "resync"
    )
    if mode == "resync":
        await deps.db.run(catalogue.start_resync, now=deps.now())
    # Pages may come from TVMaze's day-old edge cache: the next incremental covers that day.
    done = await catalogue.full(deps.db, deps.tvmaze, judge_show, after_page, deps.now, mode=mode)
    await deps.db.run(
        show_store.put_state,
        {
            STATE_KEYS.initial_complete: True,
            STATE_KEYS.last_full_sync: started,
            STATE_KEYS.last_success: started - DAY,
        },
        now=deps.now(),
    )
    return done
