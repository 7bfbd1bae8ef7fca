"""Opening the database: WAL, busy timeout, explicit transactions, forward-only migrations.

Connections run in autocommit mode (``isolation_level=None``) and every write is an
explicit ``BEGIN IMMEDIATE`` transaction: taking the write lock up front means a writer
waits on ``busy_timeout`` instead of failing with SQLITE_BUSY half-way through.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

BUSY_TIMEOUT_MS = 10_000
MIGRATIONS_PACKAGE = "arrkestra.store.migrations"


class StoreError(Exception):
    """The database cannot be used: corrupt, too new, locked by another daemon, unreadable."""


class DatabaseDamaged(StoreError):
    """SQLite says the file itself is damaged (malformed image, not a database)."""


def _damaged(exc: sqlite3.Error) -> bool:
    # OperationalError (locked, read-only, I/O) is a subclass: only the plain class is damage.
    return type(exc) is sqlite3.DatabaseError


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


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
        kind = DatabaseDamaged if _damaged(exc) else StoreError
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


def available_migrations() -> list[Migration]:
    """The numbered ``NNNN_name.sql`` files shipped as package data, in order."""
    found = []
    for entry in resources.files(MIGRATIONS_PACKAGE).iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append(Migration(int(name[:4]), name, entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise StoreError(f"migrations are not numbered 1..n without gaps: {versions}")
    return found


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, migrations: list[Migration] | None = None) -> list[str]:
    """Apply the migrations the database has not seen yet, each in its own transaction."""
    migrations = available_migrations() if migrations is None else migrations
    current = schema_version(conn)
    latest = migrations[-1].version if migrations else 0
    if current > latest:
        raise StoreError(
            f"the database has schema version {current} but this arrkestra knows only up to "
            f"{latest}: it was used by a newer arrkestra; upgrade, or restore a backup"
        )
    applied = []
    for migration in migrations:
        if migration.version <= current:
            continue
        # executescript commits implicitly, so the script carries its own transaction.
        version = f"PRAGMA user_version = {migration.version}"
        script = f"BEGIN IMMEDIATE;\n{migration.sql}\n;{version};\nCOMMIT;"
        try:
            conn.executescript(script)
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            kind = DatabaseDamaged if _damaged(exc) else StoreError
            raise kind(f"migration {migration.name} failed: {exc}") from exc
        applied.append(migration.name)
    return applied
