"""Group commit for webhooks: concurrent requests share one SQLite transaction.

Each request hands its event to the writer and waits. The writer takes everything that
queued up while the previous commit was on disk, commits it as one transaction (one
fsync), then answers every waiting request. Nothing is acknowledged before its commit;
at low load a batch is a single event, so latency is one commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from arrkestra.store import events as event_store
from arrkestra.store.database import Database
from arrkestra.store.events import Accepted, IncomingEvent

log = logging.getLogger("arrkestra.intake")
MAX_BATCH = 512


@dataclass
class _Pending:
    event: IncomingEvent
    done: asyncio.Future[Accepted]


class EventWriter:
    def __init__(
        self, db: Database, *, dedupe_window: float, on_jobs: Callable[[], None] = lambda: None
    ) -> None:
        self._db = db
        self._dedupe_window = dedupe_window
        self._on_jobs = on_jobs
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="arrkestra-event-writer")

    async def stop(self) -> None:
        """Commit what is queued, then stop (the server has stopped taking requests)."""
        if self._task is None:
            return
        while not self._queue.empty():
            await self._commit(self._take_batch(None))
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def submit(self, event: IncomingEvent) -> Accepted:
        """Store the event and its jobs; returns once they are committed."""
        if self._task is None:  # no writer running (tests, CLI): commit directly
            results = await self._db.run(
                event_store.accept_events, [event], dedupe_window=self._dedupe_window
            )
            self._notify(results)
            return results[0]
        pending = _Pending(event, asyncio.get_running_loop().create_future())
        self._queue.put_nowait(pending)
        return await asyncio.shield(pending.done)

    def _take_batch(self, first: _Pending | None) -> list[_Pending]:
        batch = [first] if first is not None else []
        while len(batch) < MAX_BATCH and not self._queue.empty():
            batch.append(self._queue.get_nowait())
        return batch

    async def _run(self) -> None:
        while True:
            first = await self._queue.get()
            await self._commit(self._take_batch(first))

    async def _commit(self, batch: list[_Pending]) -> None:
        try:
            results = await self._db.run(
                event_store.accept_events,
                [p.event for p in batch],
                dedupe_window=self._dedupe_window,
            )
        except Exception as exc:
            if len(batch) == 1:
                log.error("could not store a %s event: %s", batch[0].event.source, exc)
                _settle(batch[0], exc)
                return
            # one bad event must not fail its neighbours: commit them one by one
            for pending in batch:
                await self._commit([pending])
            return
        for pending, result in zip(batch, results, strict=True):
            _settle(pending, result)
        self._notify(results)

    def _notify(self, results: list[Accepted]) -> None:
        if any(r.job_ids and not r.duplicate for r in results):
            self._on_jobs()


def _settle(pending: _Pending, outcome: Accepted | Exception) -> None:
    if pending.done.done():  # the request went away (client disconnected); it is stored anyway
        return
    if isinstance(outcome, Exception):
        pending.done.set_exception(outcome)
    else:
        pending.done.set_result(outcome)
