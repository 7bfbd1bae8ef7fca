"""A connection to the database file: WAL, busy timeout, explicit write transactions.

Connections run in autocommit mode (``isolation_level=None``) and every write is an
explicit ``BEGIN IMMEDIATE`` transaction: taking the write lock up front means a writer
waits on ``busy_timeout`` instead of failing with SQLITE_BUSY half-way through. The
schema comes from ``store/migrations``; the handle the rest of the code uses (one
connection on one thread) is ``store/database``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BUSY_TIMEOUT_MS = 10_000


class StoreError(Exception):
    """The database cannot be used: corrupt, too new, locked by another daemon, unreadable."""


class DatabaseDamaged(StoreError):
    """SQLite says the file itself is damaged (malformed image, not a database)."""


def damaged(exc: sqlite3.Error) -> bool:
    """SQLite says the file itself is damaged (not: locked, read-only, I/O)."""
    # OperationalError (locked, read-only, I/O) is a subclass: only the plain class is damage.
    return type(exc) is sqlite3.DatabaseError


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the database file with arrkestra's pragmas."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(
            path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
        )
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        kind = DatabaseDamaged if damaged(exc) else StoreError
        raise kind(f"{path} is not a usable SQLite database: {exc}") from exc
    if str(mode).lower() != "wal":
        conn.close()
        raise StoreError(f"{path}: could not switch to WAL mode (got {mode}); is it on NFS?")
    # FULL: a commit is on disk before the webhook is acknowledged, power loss included.
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back on any exception."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
