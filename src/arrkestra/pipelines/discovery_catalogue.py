"""discovery's TVMaze side: the full index sync and the incremental refresh.

A full sync costs one request per index page and nothing else; each page is stored with
its checkpoint (the next page) in one transaction. An incremental refresh asks
``/updates/shows`` once, then fetches what core/discovery plans: whole pages where two
or more changed shows live, single shows elsewhere, and single shows a cached page left
stale. A page's other shows are stored only if they are new or newer than the cache (an
edge-cached page must not roll a show back).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from arrkestra.adapters.tvmaze import TvmazeClient
from arrkestra.core.discovery import UpdateWindow, Verdict, changed_shows, plan_refresh, stale_ids
from arrkestra.core.shows import Show, page_of
from arrkestra.store import shows as show_store
from arrkestra.store import state as state_store
from arrkestra.store.connection import write_transaction
from arrkestra.store.database import Database
from arrkestra.store.shows import STATE_KEYS


@dataclass(frozen=True)
class Synced:
    """What one catalogue sync did."""

    mode: Literal["full", "resync", "incremental"]
    requests: int  # to TVMaze
    pages: int
    shows_saved: int
    changed: int | None = None  # incremental: shows the updates list named
    window: UpdateWindow | None = None  # incremental: the period asked for


def start_resync(conn: sqlite3.Connection, *, now: float) -> None:
    """A gap longer than the updates list covers: walk the whole index again from page 0."""
    with write_transaction(conn):
        state_store.put(conn, STATE_KEYS.next_page, 0, now=now)
        state_store.put(conn, STATE_KEYS.initial_complete, False, now=now)


Judge = Callable[[Show], Verdict]


async def full(
    db: Database,
    tvmaze: TvmazeClient,
    judge_show: Judge,
    after_page: Callable[[], Awaitable[None]],
    now: Callable[[], float],
    *,
    mode: Literal["full", "resync"],
) -> Synced:
    """Every index page from the checkpoint until TVMaze's 404."""
    page = int(await db.run(state_store.get, STATE_KEYS.next_page) or 0)
    first, requests, stored = page, 0, 0
    while True:
        shows = await tvmaze.shows_page(page)
        requests += 1
        if shows is None:
            break
        judged = [(show, judge_show(show)) for show in shows]
        state = {STATE_KEYS.next_page: page + 1}
        await db.run(show_store.save_shows, judged, now=now(), state=state)
        stored += len(judged)
        await after_page()
        page += 1
    return Synced(mode, requests=requests, pages=page - first, shows_saved=stored)


async def incremental(
    db: Database,
    tvmaze: TvmazeClient,
    judge_show: Judge,
    window: UpdateWindow,
    started: float,
    now: Callable[[], float],
) -> Synced:
    """Refresh what changed within ``window``, with as few requests as the plan allows."""
    updates = await tvmaze.updates(window)
    known = await db.run(show_store.known_updates)
    changed = changed_shows(updates, known)
    plan = plan_refresh(changed)
    requests = 1
    fetched: dict[int, Show] = {}
    for page in plan.pages:
        shows = await tvmaze.shows_page(page) or []
        requests += 1
        for show in shows:
            if show.updated > known.get(show.tvmaze_id, -1):
                fetched[show.tvmaze_id] = show
        wanted = {i: changed[i] for i in changed if page_of(i) == page}
        for show_id in stale_ids(shows, wanted):
            requests += 1
            fresh = await tvmaze.show(show_id)
            if fresh is not None:
                fetched[show_id] = fresh
    for show_id in plan.shows:
        requests += 1
        single = await tvmaze.show(show_id)
        if single is not None:  # None: deleted at TVMaze since the updates list
            fetched[show_id] = single
    judged = [(show, judge_show(show)) for show in fetched.values()]
    state = {
        STATE_KEYS.last_incremental_sync: started,
        STATE_KEYS.last_updates_check: started,
        STATE_KEYS.last_success: started,
    }
    await db.run(show_store.save_shows, judged, now=now(), state=state)
    return Synced(
        "incremental",
        requests=requests,
        pages=len(plan.pages),
        shows_saved=len(judged),
        changed=len(changed),
        window=window,
    )
