"""The schema: numbered ``NNNN_name.sql`` files, applied forward-only at start-up.

Each file runs in its own transaction, with ``PRAGMA user_version`` set to its number in
the same transaction, so a crash mid-migration leaves the previous version intact. A
database newer than this arrkestra is refused (it was used by a newer version).

Scripts may call the SQL functions in :data:`FUNCTIONS` (Python, registered here): what
SQL alone cannot do, such as reading the JSON Python wrote that SQLite's refuses.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from arrkestra.core.json_values import finite
from arrkestra.store.connection import DatabaseDamaged, StoreError, damaged

MIGRATIONS_PACKAGE = __name__


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


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


def readable_json(text: object) -> str | None:
    """JSON text as SQLite's JSON functions read it: Python's ``NaN``/``Infinity`` (which an
    older version could write) as ``null``; None when ``text`` is no JSON at all."""
    if not isinstance(text, str):
        return None
    try:
        value: Any = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return json.dumps(finite(value), separators=(",", ":"))


FUNCTIONS: dict[str, Callable[[object], str | None]] = {
    "arrkestra_readable_json": readable_json,
}


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
    for name, function in FUNCTIONS.items():
        conn.create_function(name, 1, function, deterministic=True)
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
            kind = DatabaseDamaged if damaged(exc) else StoreError
            raise kind(f"migration {migration.name} failed: {exc}") from exc
        applied.append(migration.name)
    return applied
