"""Key/value state rows, and pipeline pauses kept there.

Values are JSON. Pausing is a property of a pipeline (deletion budget, auth failure,
confirmation needed), not of its jobs: a paused pipeline's jobs simply stay pending.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from arrkestra.store.connection import write_transaction

PAUSE_PREFIX = "pipeline.paused."

GET_SQL = "SELECT value FROM state WHERE key = ?"
PUT_SQL = """
INSERT INTO state (key, value, updated_at) VALUES (?, ?, ?)
ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
"""
DELETE_SQL = "DELETE FROM state WHERE key = ?"
PAUSED_SQL = "SELECT key, value FROM state WHERE key >= ? AND key < ?"


def get(conn: sqlite3.Connection, key: str) -> Any:
    row = conn.execute(GET_SQL, (key,)).fetchone()
    return None if row is None else json.loads(row[0])


def put(conn: sqlite3.Connection, key: str, value: Any, *, now: float) -> None:
    """Set a value; runs inside the caller's transaction if there is one."""
    conn.execute(PUT_SQL, (key, json.dumps(value), now))


def delete(conn: sqlite3.Connection, key: str) -> bool:
    return conn.execute(DELETE_SQL, (key,)).rowcount > 0


def pause_pipeline(conn: sqlite3.Connection, pipeline: str, reason: str, *, now: float) -> None:
    with write_transaction(conn):
        put(conn, PAUSE_PREFIX + pipeline, {"reason": reason, "since": now}, now=now)


RESUMED_PREFIX = "pipeline.resumed."


def resume_pipeline(conn: sqlite3.Connection, pipeline: str, *, now: float = 0.0) -> bool:
    """Resume a paused pipeline; False when it was not paused.

    The time is kept: a budget counts only what happened since the last resume, so a
    resumed pipeline is not paused again at once by the deletions that paused it.
    """
    with write_transaction(conn):
        resumed = delete(conn, PAUSE_PREFIX + pipeline)
        if resumed:
            put(conn, RESUMED_PREFIX + pipeline, now, now=now)
        return resumed


def resumed_at(conn: sqlite3.Connection, pipeline: str) -> float:
    value = get(conn, RESUMED_PREFIX + pipeline)
    return float(value) if value is not None else 0.0


def paused_pipelines(conn: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    """``{pipeline: {"reason": ..., "since": ...}}`` for every paused pipeline."""
    # The upper bound is the prefix with its last character incremented: a range scan.
    upper = PAUSE_PREFIX[:-1] + chr(ord(PAUSE_PREFIX[-1]) + 1)
    rows = conn.execute(PAUSED_SQL, (PAUSE_PREFIX, upper)).fetchall()
    return {str(r[0])[len(PAUSE_PREFIX) :]: json.loads(r[1]) for r in rows}


PROBE_SQL = """
INSERT INTO state (key, value, updated_at) VALUES ('ready.probe', '0', ?)
ON CONFLICT (key) DO UPDATE SET updated_at = excluded.updated_at
"""


def probe_write(conn: sqlite3.Connection, *, now: float) -> None:
    """Prove the database takes writes (``/ready``): one real write transaction."""
    with write_transaction(conn):
        conn.execute(PROBE_SQL, (now,))
