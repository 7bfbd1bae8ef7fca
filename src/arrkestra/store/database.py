"""The database handle: one connection, used from one dedicated thread, and a reader.

SQLite calls block; running them all on a single worker thread keeps the event loop
free and serialises access to the connection without a lock of our own.

Pages (the dashboard) read through a second, read-only connection on a thread of its own
(:meth:`Database.read`): WAL lets it read while the writer writes, so a page reading
20,000 jobs never holds up a webhook's commit or a job's claim, and a burst of writes
never slows a page. Measured by the review: three clients looping on a slow search moved
the webhook's acknowledgement from 5 ms to 69 ms at p50 while both shared one thread.

The handle remembers which files it opened (device and inode of the database and its
``-wal``): SQLite keeps writing to a file deleted or replaced under it, and everything
written there is gone at the next start, so ``file_problem`` lets the daemon notice.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from arrkestra.store.connection import (
    DatabaseDamaged,
    StoreError,
    connect,
    connect_reader,
    damaged,
    file_identity,
)
from arrkestra.store.migrations import migrate

P = ParamSpec("P")
T = TypeVar("T")


class Database:
    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self._conn = conn
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="arrkestra-db")
        self._read_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="arrkestra-read")
        self._reader: sqlite3.Connection | None = None
        self.running: tuple[str, float] | None = None
        """What the database thread runs now (the function's name, since when), or None."""
        self._closed = False
        self._identity = file_identity(path)
        self._wal_identity = file_identity(self.wal_path)

    @property
    def wal_path(self) -> Path:
        return self.path.with_name(self.path.name + "-wal")

    def file_problem(self) -> str | None:
        """Why the files at the database's path are not the ones it writes (None: they are).

        Two ``stat`` calls, safe from any thread.
        """
        now = file_identity(self.path)
        if now != self._identity:
            what = "deleted" if now is None else "replaced by another file"
            return f"the database file {self.path.name} was {what} while arrkestra was using it"
        wal = file_identity(self.wal_path)
        if self._wal_identity is None:
            self._wal_identity = wal  # not there at open (a new database): adopt the first
        elif wal != self._wal_identity:
            what = "deleted" if wal is None else "replaced by another file"
            return (
                f"the database's write-ahead log {self.wal_path.name} was {what} while arrkestra "
                "was using it"
            )
        return None

    @classmethod
    def open(cls, path: Path) -> Database:
        """Open the file, switch to WAL and bring its schema up to date."""
        conn = connect(path)
        try:
            migrate(conn)
        except sqlite3.DatabaseError as exc:  # e.g. I/O: a -wal left by a deleted database
            conn.close()
            kind = DatabaseDamaged if damaged(exc) else StoreError
            raise kind(f"{path} cannot be used: {exc}{leftover_hint(path, exc)}") from exc
        except BaseException:
            conn.close()
            raise
        return cls(path, conn)

    async def run(
        self, fn: Callable[Concatenate[sqlite3.Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run ``fn(conn, *args, **kwargs)`` on the database thread and await its result."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, partial(self._tracked, fn, args, kwargs))

    def _tracked(self, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
        """``fn`` on the thread, noted in :attr:`running` while it runs."""
        self.running = (getattr(fn, "__name__", "?"), time.monotonic())
        try:
            return fn(self._conn, *args, **kwargs)
        finally:
            self.running = None

    async def read(
        self, fn: Callable[Concatenate[sqlite3.Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run a read-only ``fn(conn, ...)`` on the reader thread (``PRAGMA query_only``: a
        write there fails). It sees what was committed when each of its statements starts."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._read_executor, partial(self._read, fn, args, kwargs)
        )

    def _read(self, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
        if self._reader is None:
            self._reader = connect_reader(self.path)
        return fn(self._reader, *args, **kwargs)

    def call(
        self, fn: Callable[Concatenate[sqlite3.Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Synchronous ``run`` for code outside an event loop (the CLI, start-up)."""
        return self._executor.submit(partial(self._tracked, fn, args, kwargs)).result()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._read_executor.submit(self._close_reader).result()
        self._read_executor.shutdown(wait=True)
        self._executor.submit(self._conn.close).result()
        self._executor.shutdown(wait=True)

    def _close_reader(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None


def leftover_hint(path: Path, exc: sqlite3.DatabaseError) -> str:
    """A hint for an I/O error with a ``-wal`` next to the file: most likely the database
    was deleted under a daemon still running on it, and these side files are its."""
    wal = path.with_name(path.name + "-wal")
    io_error = (getattr(exc, "sqlite_errorcode", 0) & 0xFF) == sqlite3.SQLITE_IOERR
    if io_error and wal.exists():
        return (
            f" ({wal.name} and {path.name}-shm next to it may belong to a database that was "
            "deleted: if an arrkestra still runs on it, stop it; else move those files aside)"
        )
    return ""
