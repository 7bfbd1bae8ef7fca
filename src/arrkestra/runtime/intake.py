"""Group commit for webhooks: concurrent requests share one SQLite transaction.

Each request hands its event to the writer and waits. The writer takes everything that
queued up while the previous commit was on disk, commits it as one transaction (one
fsync), then answers every waiting request. Nothing is acknowledged before its commit;
at low load a batch is a single event, so latency is one commit.

Nor is anything acknowledged into a database file that is gone: intake refuses at once
while the store watch says the file was deleted or replaced, and after each commit the
watch checks the file is still the one at the path (one check a batch) before anyone is
answered. A store fault (full, read-only, locked, gone) fails the whole batch and is
reported to the watch; only an error about one event retries its neighbours one by one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from arrkestra.runtime.store_watch import StoreWatch, store_fault
from arrkestra.store import events as event_store
from arrkestra.store.connection import StoreGone
from arrkestra.store.database import Database
from arrkestra.store.events import Accepted, IncomingEvent

log = logging.getLogger("arrkestra.intake")
MAX_BATCH = 512


@dataclass
class _Pending:
    event: IncomingEvent
    done: asyncio.Future[Accepted]


def accept_verified(
    conn: sqlite3.Connection,
    events: list[IncomingEvent],
    *,
    dedupe_window: float,
    verify: Callable[[], None],
) -> list[Accepted]:
    """Commit the events, then ``verify`` (on the database thread) that it counts."""
    results = event_store.accept_events(conn, events, dedupe_window=dedupe_window)
    verify()
    return results


def _nothing() -> None:
    return None


class EventWriter:
    def __init__(
        self,
        db: Database,
        *,
        dedupe_window: float,
        on_jobs: Callable[[], None] = lambda: None,
        watch: StoreWatch | None = None,
    ) -> None:
        self._db = db
        self._watch = watch
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
        """Store the event and its jobs; returns once they are committed (and the file
        committed to is still the database's); raises ``StoreGone`` or the store's error."""
        if self._watch is not None and self._watch.refuse_reason is not None:
            raise StoreGone(self._watch.refuse_reason)
        if self._task is None:  # no writer running (tests, CLI): commit directly
            try:
                results = await self._store([event])
            except Exception as exc:
                self._note(exc)
                raise
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

    async def _store(self, events: list[IncomingEvent]) -> list[Accepted]:
        verify = _nothing if self._watch is None else self._watch.verify_file
        return await self._db.run(
            accept_verified, events, dedupe_window=self._dedupe_window, verify=verify
        )

    def _note(self, exc: Exception) -> None:
        if self._watch is not None:
            self._watch.note_failure(exc)

    async def _commit(self, batch: list[_Pending]) -> None:
        try:
            results = await self._store([p.event for p in batch])
        except Exception as exc:
            if len(batch) == 1 or store_fault(exc):
                log.error(
                    "could not store %d %s event(s): %s", len(batch), batch[0].event.source, exc
                )
                self._note(exc)
                for pending in batch:
                    _settle(pending, exc)
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
