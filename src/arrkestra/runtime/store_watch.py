"""The store watches itself: a cheap probe drives /health's ``store`` component both ways.

SQLite does not say when its file is deleted under it (it keeps writing to the unlinked
inode, and all of that is gone at the next start), when the disk is full, or when another
process holds the write lock. So every ``PROBE_INTERVAL`` the probe looks at:

- the file identity: the database (and its ``-wal``) at its path is still the file open;
- a small write, in bounded time (``WRITE_BOUND``): a lock held elsewhere, a read-only
  file or a hung disk shows here (every ``WRITE_EVERY`` while all is well, so a data disk
  can spin down; at every probe while it is not, and at each ``/ready``);
- the room left (the disk's free space, SQLite's page limit): full is down, nearly full
  degraded.

It marks the component down, and ok again once the store recovers. Intake asks it before
storing (``refuse_reason``: a flag, no I/O) and has the file identity checked after each
group commit (``verify_file``: two ``stat`` calls a batch, not a request), so a webhook is
never acknowledged into a deleted file. /health and /metrics read the database through
``bounded`` (at most ``READ_BOUND``, else the last answer): they never queue behind a
database thread that waits on someone else's lock.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from arrkestra.runtime.capabilities.contract import Every
from arrkestra.runtime.clock import Clock
from arrkestra.runtime.health import Component, ComponentState, HealthRegistry
from arrkestra.store import maintenance
from arrkestra.store import state as state_store
from arrkestra.store.connection import StoreGone, damaged
from arrkestra.store.database import Database
from arrkestra.store.events import prune_events

log = logging.getLogger("arrkestra.store")
P = ParamSpec("P")
T = TypeVar("T")

PROBE_INTERVAL = 10.0
WRITE_EVERY = 900.0  # the probe's write while all is well (see StoreWatch.probe)
WRITE_BOUND = 2.0  # a probe write slower than this: the store is down (locked, hung disk)
READ_BOUND = 1.0  # /health, /metrics wait at most this long on the database thread
FULL_BELOW = 1 << 20  # bytes of room left under which the store is down: full
LOW_BELOW = 100 << 20  # ... and under which it is degraded: nearly full
OWN_LONG_WORK = frozenset(
    fn.__name__ for fn in (maintenance.backup, maintenance.check_integrity, prune_events)
)
"""What may hold the database thread for minutes on purpose (the nightly backup and
integrity check, pruning): a probe queued behind it has not seen the store fail."""
COMPONENT = "store"
OK = Component(ComponentState.OK)


def write_failure(exc: BaseException) -> str:
    """A failed write in words a user can act on."""
    text = str(exc)
    lowered = text.lower()
    if isinstance(exc, StoreGone):
        return text
    if "full" in lowered:
        return f"the database cannot grow: the disk is full ({text})"
    if "readonly" in lowered or "read-only" in lowered:
        return f"the database is read-only ({text}): check the mount and the file's permissions"
    if "locked" in lowered or "busy" in lowered:
        return f"another process holds the database locked ({text})"
    return f"the database does not take writes ({text})"


def store_fault(exc: BaseException) -> bool:
    """The store failed (full, read-only, locked, I/O, gone, damaged), not one event."""
    if isinstance(exc, StoreGone | sqlite3.OperationalError):
        return True
    return isinstance(exc, sqlite3.DatabaseError) and damaged(exc)


def _write_and_measure(conn: sqlite3.Connection, db_file: Path, *, now: float) -> int:
    """The probe's part on the database thread: one real write, then the room left."""
    state_store.probe_write(conn, now=now)
    return maintenance.room_left(conn, db_file)


def _retrieve(future: asyncio.Future[Any]) -> None:
    """Consume an abandoned future's outcome (the next probe looks again)."""
    if not future.cancelled():
        future.exception()


class StoreWatch:
    def __init__(
        self,
        db: Database,
        health: HealthRegistry,
        clock: Clock,
        *,
        write_bound: float = WRITE_BOUND,
        read_bound: float = READ_BOUND,
    ) -> None:
        self._db = db
        self._health = health
        self._clock = clock
        self.write_bound = write_bound
        self.read_bound = read_bound
        self._gone: str | None = None
        self._write: asyncio.Future[int] | None = None
        self._look_pending: asyncio.Future[str | None] | None = None
        self._last_write: float | None = None  # monotonic time of the last probe write
        self._reads: dict[str, asyncio.Future[Any]] = {}
        self._last: dict[str, Any] = {}
        self._published: Component = OK
        health.set(COMPONENT, ComponentState.OK)

    @property
    def refuse_reason(self) -> str | None:
        """Why nothing may be stored now (the file is gone), or None. No I/O."""
        return self._gone

    @property
    def state(self) -> Component:
        return self._published

    def task(self) -> Every:
        return Every("store.probe", PROBE_INTERVAL, self.probe, run_now=True)

    def verify_file(self) -> None:
        """After a commit, on the database thread: ``StoreGone`` when the file written is
        no longer the one at the path (so the commit must not be acknowledged)."""
        problem = self._db.file_problem()
        if problem is not None:
            self._gone = problem
            raise StoreGone(problem)

    async def check_file(self) -> None:
        """The identity part of the probe alone (two ``stat`` calls): for /health."""
        verdict = await self._look_at_file()
        if verdict is not None:
            self._publish(verdict)

    async def _look_at_file(self) -> Component | None:
        """DOWN when the file is gone or its disk does not answer a ``stat`` within the
        read bound (a hung mount must not hang the event loop); None when it is there."""
        if self._look_pending is None or self._look_pending.done():
            # one look at a time: on a hung disk each /health must not leave a thread stuck
            self._look_pending = asyncio.ensure_future(asyncio.to_thread(self._db.file_problem))
            self._look_pending.add_done_callback(_retrieve)
        try:
            problem = await asyncio.wait_for(asyncio.shield(self._look_pending), self.read_bound)
        except TimeoutError:
            return Component(
                ComponentState.DOWN,
                f"the disk holding the database did not answer within {self.read_bound:g}s",
            )
        self._gone = problem
        return None if problem is None else Component(ComponentState.DOWN, gone_detail(problem))

    async def probe(self, *, write: bool = False) -> Component:
        """Look at the store now and publish what is seen; returns it. The write part runs
        when asked (``/ready``), while the store is not ok, and at most every
        ``WRITE_EVERY`` otherwise: a write every 10 s would keep a data disk from ever
        spinning down, and real writes that fail mark the store down at once anyway."""
        due = self._last_write is None or time.monotonic() - self._last_write >= WRITE_EVERY
        if write or due or self._published.state is not ComponentState.OK:
            verdict = await self._look()
            self._last_write = time.monotonic()
        else:
            verdict = await self._look_at_file() or self._published
        self._publish(verdict)
        return verdict

    def note_failure(self, exc: BaseException) -> None:
        """A real write or read failed: publish it at once if the store is at fault (the
        next probe confirms it or clears it)."""
        if store_fault(exc):
            if isinstance(exc, StoreGone):
                self._gone = str(exc)
                self._publish(Component(ComponentState.DOWN, gone_detail(str(exc))))
            else:
                self._publish(Component(ComponentState.DOWN, write_failure(exc)))

    async def bounded(
        self,
        key: str,
        fallback: T,
        fn: Callable[Concatenate[sqlite3.Connection, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """``fn`` on the database thread, awaited at most ``read_bound``; past it, the last
        answer for ``key`` (else ``fallback``). One call per key is in flight at a time, so
        requests arriving while the thread waits on a lock do not pile up behind it."""
        pending = self._reads.get(key)
        if pending is None or pending.done():
            pending = asyncio.ensure_future(self._db.run(fn, *args, **kwargs))
            pending.add_done_callback(_retrieve)
            self._reads[key] = pending
        try:
            value: T = await asyncio.wait_for(asyncio.shield(pending), self.read_bound)
        except TimeoutError:
            return self._last.get(key, fallback)  # type: ignore[no-any-return]
        except Exception as exc:
            log.error("store: reading %s failed: %s", key, exc)
            self.note_failure(exc)
            return self._last.get(key, fallback)  # type: ignore[no-any-return]
        self._last[key] = value
        return value

    async def _look(self) -> Component:
        gone = await self._look_at_file()
        if gone is not None:
            return gone
        if self._write is None or self._write.done():
            self._write = asyncio.ensure_future(
                self._db.run(_write_and_measure, self._db.path, now=self._clock.now())
            )
            self._write.add_done_callback(_retrieve)
        try:
            room = await asyncio.wait_for(asyncio.shield(self._write), self.write_bound)
        except TimeoutError:
            busy = self._db.running
            if busy is not None and busy[0] in OWN_LONG_WORK:
                return self._published  # our own backup or check holds the thread: not down
            return Component(
                ComponentState.DOWN,
                f"the database did not take a write within {self.write_bound:g}s "
                "(another process holds it locked, or its disk hangs)",
            )
        except (sqlite3.Error, OSError) as exc:
            return Component(ComponentState.DOWN, write_failure(exc))
        if room < FULL_BELOW:
            return Component(
                ComponentState.DOWN,
                f"the database cannot grow: {room // 1024} KiB left (the disk is full)",
            )
        if room < LOW_BELOW:
            return Component(
                ComponentState.DEGRADED,
                f"only {room >> 20} MiB left for the database: free some disk space",
            )
        return OK

    def _publish(self, verdict: Component) -> None:
        current = self._health.components.get(COMPONENT)
        if current is not None and current != self._published and current.state is not OK.state:
            return  # someone else marked it (the integrity check found damage): theirs stands
        if verdict == self._published:
            return
        previous, self._published = self._published, verdict
        self._health.put(COMPONENT, verdict)
        if verdict.state is previous.state:  # the same trouble, seen another way: no alarm
            log.info("store: %s", verdict.detail or "ok")
        elif verdict.state is ComponentState.DOWN:
            log.critical(
                "store %s: %s; webhooks are answered 503 until it recovers",
                self._db.path,
                verdict.detail,
            )
        elif verdict.state is ComponentState.DEGRADED:
            log.warning("store: %s", verdict.detail)
        elif previous.state is not ComponentState.OK:
            log.warning("store: recovered, writes work again")


def gone_detail(problem: str) -> str:
    return (
        f"{problem}; nothing is acknowledged until it is back: put the file back (or a "
        "backup) and restart arrkestra"
    )
