"""Integrity checks, online backups (``VACUUM INTO``) with rotation, and the room left.

Also what start-up says about a database that is not there while backups are: the user
has most likely lost it, and a new empty one would silently forget every job.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from arrkestra.store.connection import StoreError

BACKUP_PREFIX = "arrkestra-"
BACKUP_SUFFIX = ".db"


@dataclass(frozen=True)
class IntegrityReport:
    ok: bool
    problems: tuple[str, ...]


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    removed: tuple[Path, ...]


def check_integrity(conn: sqlite3.Connection, *, full: bool) -> IntegrityReport:
    """``PRAGMA quick_check`` (fast, at start-up) or ``integrity_check`` (nightly, ``db check``)."""
    pragma = "integrity_check" if full else "quick_check"
    try:
        rows = [str(r[0]) for r in conn.execute(f"PRAGMA {pragma}").fetchall()]
    except sqlite3.DatabaseError as exc:
        return IntegrityReport(False, (str(exc),))
    ok = rows == ["ok"]
    return IntegrityReport(ok, () if ok else tuple(rows[:20]))


def list_backups(backup_dir: Path) -> list[Path]:
    """Backups, newest first (their names sort by time)."""
    if not backup_dir.is_dir():
        return []
    found = [
        p
        for p in backup_dir.iterdir()
        if p.name.startswith(BACKUP_PREFIX) and p.name.endswith(BACKUP_SUFFIX)
    ]
    return sorted(found, key=lambda p: p.name, reverse=True)


def corruption_message(db_file: Path, backup_dir: Path, problems: tuple[str, ...]) -> str:
    backups = list_backups(backup_dir)
    newest = f"the newest backup is {backups[0]}" if backups else "there is no backup yet"
    detail = "; ".join(problems[:3])
    return (
        f"the database {db_file} is damaged ({detail}). arrkestra will not start on it. "
        f"Stop arrkestra, move the damaged file aside and copy a backup in its place: {newest}."
    )


def backup(conn: sqlite3.Connection, backup_dir: Path, *, keep: int, now: datetime) -> BackupResult:
    """Write a consistent copy with ``VACUUM INTO``, then keep only the ``keep`` newest.

    The copy is written under a temporary name and renamed, so a crash mid-backup never
    leaves a truncated file that looks like the newest backup.
    """
    backup_dir.mkdir(parents=True, exist_ok=True)
    stamp = now.astimezone(UTC).strftime("%Y%m%d-%H%M%S-%f")
    final = backup_dir / f"{BACKUP_PREFIX}{stamp}{BACKUP_SUFFIX}"
    partial = final.with_name(final.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        conn.execute("VACUUM INTO ?", (str(partial),))
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise StoreError(f"backup to {backup_dir} failed: {exc}") from exc
    partial.replace(final)
    removed = tuple(list_backups(backup_dir)[max(keep, 1) :])
    for old in removed:
        old.unlink(missing_ok=True)
    return BackupResult(final, final.stat().st_size, removed)


def room_left(conn: sqlite3.Connection, db_file: Path) -> int:
    """Bytes the database can still grow by: the free space of its disk, or less when
    SQLite's own page limit (``max_page_count``) is nearer."""
    page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
    pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
    limit = int(conn.execute("PRAGMA max_page_count").fetchone()[0])
    free_pages = int(conn.execute("PRAGMA freelist_count").fetchone()[0])
    within_limit = (limit - pages + free_pages) * page_size
    disk = os.statvfs(db_file.parent)
    return min(within_limit, disk.f_bavail * disk.f_frsize + free_pages * page_size)


def missing_database_warning(db_file: Path, backup_dir: Path) -> str | None:
    """A loud warning when a new database is about to be created next to backups."""
    try:
        exists = db_file.stat().st_size > 0
    except FileNotFoundError:
        exists = False
    backups = [] if exists else list_backups(backup_dir)
    if not backups:
        return None
    return (
        f"the database {db_file} is missing or empty, but {len(backups)} backup(s) are in "
        f"{backup_dir}: arrkestra starts a NEW, EMPTY database and every earlier event and "
        f"job is not in it. If this is not what you want, stop arrkestra and copy the "
        f"newest backup ({backups[0].name}) to {db_file}"
    )


def orphaned_side_files(db_file: Path) -> str | None:
    """Why a new database must not be created here: SQLite's ``-wal``/``-shm`` files are
    next to a missing (or empty) database, so they belong to one that was deleted (maybe
    under a daemon still running on it); SQLite would mix them into the new file."""
    try:
        fresh = db_file.stat().st_size == 0
    except FileNotFoundError:
        fresh = True
    side = [p.name for p in (_side(db_file, "-wal"), _side(db_file, "-shm")) if p.exists()]
    if not fresh or not side:
        return None
    return (
        f"{db_file} is missing but {' and '.join(side)} are next to it: they belong to a "
        "database that was deleted. If an arrkestra still runs on it, stop it; otherwise "
        "move those files aside (or restore a backup as the database) and start again"
    )


def _side(db_file: Path, suffix: str) -> Path:
    return db_file.with_name(db_file.name + suffix)
