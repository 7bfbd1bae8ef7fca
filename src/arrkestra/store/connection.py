"""A connection to the database file: WAL, busy timeout, explicit write transactions.

Connections run in autocommit mode (``isolation_level=None``) and every write is an
explicit ``BEGIN IMMEDIATE`` transaction: taking the write lock up front means a writer
waits on ``busy_timeout`` instead of failing with SQLITE_BUSY half-way through. The
schema comes from ``store/migrations``; the handle the rest of the code uses (one
connection on one thread) is ``store/database``.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BUSY_TIMEOUT_MS = 10_000


class StoreError(Exception):
    """The database cannot be used: corrupt, too new, locked by another daemon, unreadable."""


class DatabaseDamaged(StoreError):
    """SQLite says the file itself is damaged (malformed image, not a database)."""


class StoreGone(StoreError):
    """The database file is no longer at its path (deleted, replaced): what is written now
    is lost at the next restart, so nothing written is acknowledged."""


def damaged(exc: sqlite3.Error) -> bool:
    """SQLite says the file itself is damaged (not: locked, read-only, I/O)."""
    # OperationalError (locked, read-only, I/O) is a subclass: only the plain class is damage.
    return type(exc) is sqlite3.DatabaseError


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the database file with arrkestra's pragmas."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(unwritable_message(path.parent, exc)) from None
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


def connect_reader(path: Path) -> sqlite3.Connection:
    """A read-only connection to a database :func:`connect` opened (WAL is already on)."""
    try:
        conn = sqlite3.connect(
            path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
        )
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA query_only = ON")
    except sqlite3.DatabaseError as exc:
        kind = DatabaseDamaged if damaged(exc) else StoreError
        raise kind(f"{path} cannot be read: {exc}") from exc
    return conn


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back on any exception.

    SQLite rolls back by itself on some errors (SQLITE_FULL, I/O): then there is nothing
    to roll back, and the original error (the disk is full) is the one raised.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("COMMIT")
    except sqlite3.Error:
        if conn.in_transaction:  # a failed COMMIT can leave it open: the next BEGIN would fail
            conn.execute("ROLLBACK")
        raise


def require_writable_folder(folder: Path) -> None:
    """Create ``folder`` if needed and prove a file can be created in it (SQLite creates
    its ``-wal`` and ``-shm`` files there); ``StoreError`` in one line when not."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder, prefix=".arrkestra-write-test-"):
            pass
    except OSError as exc:
        raise StoreError(unwritable_message(folder, exc)) from None


def unwritable_message(path: Path, exc: OSError) -> str:
    """One line saying why arrkestra cannot write ``path`` (a file or a folder)."""
    why = {
        errno.EROFS: "it is on a read-only file system",
        errno.EACCES: "permission denied",
        errno.EPERM: "the operation is not permitted (an immutable file or folder?)",
        errno.ENOSPC: "the disk is full",
    }.get(exc.errno or 0, exc.strerror or type(exc).__name__)
    return (
        f"cannot write {path}: {why}. arrkestra writes its database and the folder holding "
        "it (storage.path): fix the permissions or the mount, or choose another storage.path"
    )


FileIdentity = tuple[int, int]


def file_identity(path: Path) -> FileIdentity | None:
    """(device, inode) of the file at ``path`` now; None when there is none."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino
