"""Mount outages: the roots known to be down, and the jobs waiting on them.

A job whose run found a root down is pending with ``waiting_on`` set to the root's path
(``core/jobs``); the mount monitor counts them (:func:`waiting_counts`) and makes them due
once their root is back (:func:`wake_waiting`). Which roots are down is kept here too, in
``state`` rows (``mount.down.<path>``), so one outage is announced once, down and back,
even when the daemon restarts in the middle of it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from arrkestra.store import state as state_store
from arrkestra.store.connection import write_transaction

DOWN_PREFIX = "mount.down."
SELECT_DOWN = "SELECT key, value FROM state WHERE key >= ? AND key < ?"
# "+status": through the index of waiting jobs (a few), not the status index (every
# pending job: 6 ms at 100,000 jobs, on each mount check and each overview).
COUNT_WAITING = """
SELECT waiting_on, COUNT(*) FROM jobs
WHERE waiting_on IS NOT NULL AND +status = 'pending' GROUP BY waiting_on
"""
# Due now: every waiting job whose mount is not among those down (the root is back, or it
# is no root any more since the configuration changed).
WAKE_WAITING = """
UPDATE jobs SET next_attempt_at = ?1, updated_at = ?1
WHERE waiting_on IS NOT NULL AND status = 'pending' AND next_attempt_at > ?1
  AND waiting_on NOT IN (SELECT value FROM json_each(?2))
"""


@dataclass(frozen=True)
class Outage:
    path: str
    role: str  # "source", "destination" (or both, for a root that is both)
    since: float
    detail: str


def waiting_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """``{path: jobs}``: how many pending jobs wait on each mount."""
    return {str(r[0]): int(r[1]) for r in conn.execute(COUNT_WAITING).fetchall()}


def wake_waiting(conn: sqlite3.Connection, down: Sequence[str], *, now: float) -> int:
    """Make due now every job waiting on a mount that is not in ``down``; how many."""
    with write_transaction(conn):
        return int(conn.execute(WAKE_WAITING, (now, json.dumps(list(down)))).rowcount)


def known_down(conn: sqlite3.Connection) -> dict[str, Outage]:
    """The roots recorded as down (announced), by path."""
    upper = DOWN_PREFIX[:-1] + chr(ord(DOWN_PREFIX[-1]) + 1)
    found = {}
    for key, value in conn.execute(SELECT_DOWN, (DOWN_PREFIX, upper)).fetchall():
        data = json.loads(value)
        path = str(key)[len(DOWN_PREFIX) :]
        found[path] = Outage(path, str(data["role"]), float(data["since"]), str(data["detail"]))
    return found


def record_down(conn: sqlite3.Connection, outage: Outage) -> None:
    value = {"role": outage.role, "since": outage.since, "detail": outage.detail}
    with write_transaction(conn):
        state_store.put(conn, DOWN_PREFIX + outage.path, value, now=outage.since)


def record_up(conn: sqlite3.Connection, path: str) -> None:
    with write_transaction(conn):
        state_store.delete(conn, DOWN_PREFIX + path)
