"""The old tools' SQLite files: recognised by their tables, read without ever being written.

An old database is opened read-only (``mode=ro``), so a migration cannot damage the file
the old tool may still be using. Its timestamps are whatever the tool wrote: SQLite's
``CURRENT_TIMESTAMP`` text (UTC), ISO 8601 with or without a zone, or unix seconds; text
without a zone is read as UTC, as ``CURRENT_TIMESTAMP`` writes it.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from arrkestra.store.connection import StoreError

SQLITE_HEADER = b"SQLite format 3\x00"


class LegacyDatabase(StrEnum):
    TVMAZE_SHOWS = "TVMaze-Sync shows.db"
    SYNC_JOBS = "sync-webhook job database"
    ARRKESTRA = "arrkestra database"
    UNKNOWN = "SQLite database"


def is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def open_read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection; ``StoreError`` naming the file when it cannot be read."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as exc:
        raise StoreError(f"{path} cannot be read as a SQLite database: {exc}") from None
    return conn


def columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {str(row[1]) for row in conn.execute(f"PRAGMA table_info({table})")}


def kind_of(path: Path) -> LegacyDatabase:
    """Which old tool's database ``path`` is, by its tables and their columns."""
    conn = open_read_only(path)
    try:
        tables = {
            str(r[0]) for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        if {"jobs", "events", "state"} <= tables:
            return LegacyDatabase.ARRKESTRA
        if "shows" in tables and {"tvmaze_id", "title", "processing_status"} <= columns(
            conn, "shows"
        ):
            return LegacyDatabase.TVMAZE_SHOWS
        if "sync_jobs" in tables and {"id", "source_path", "status"} <= columns(conn, "sync_jobs"):
            return LegacyDatabase.SYNC_JOBS
        return LegacyDatabase.UNKNOWN
    finally:
        conn.close()


def unix_time(value: object) -> float | None:
    """An old timestamp as unix seconds; None when there is none or it is not a time."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()
