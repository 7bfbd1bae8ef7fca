"""Catch-up's side of the store: each instance's high-water mark, and replayed records
committed together with their jobs and the mark, in one transaction.

A replayed history record is stored as an event (``dedupe_key`` ``history:<instance>:<id>``,
kept however old: the same record read again is never queued again) with the jobs routing
gave it, minus every job a webhook (or anything else) already queued for the same work
since the record was written (same pipeline and key, created at or after ``not_before``).
Because the mark moves in the transaction that stores the records below it, a run cut
short by a crash resumes from the last chunk it committed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, replace

from arrkestra.core.jobs import JobSpec
from arrkestra.store import state
from arrkestra.store.connection import write_transaction
from arrkestra.store.events import IncomingEvent, accept_in_transaction

MARK_PREFIX = "catchup.mark."
RECEIVED_SINCE = """
SELECT 1 FROM jobs WHERE pipeline = ? AND key = ? AND created_at >= ? LIMIT 1
"""
SEEN = "SELECT 1 FROM events WHERE dedupe_key = ? LIMIT 1"


def record_key(instance: str, record_id: int) -> str:
    return f"history:{instance}:{record_id}"


@dataclass(frozen=True)
class Replayed:
    """A record as the event it stands for; its jobs are dropped where already queued
    since ``not_before`` (unix seconds)."""

    event: IncomingEvent
    not_before: float


@dataclass(frozen=True)
class Committed:
    events: int = 0
    jobs: tuple[int, ...] = ()
    seen: int = 0
    already_received: int = 0


def get_mark(conn: sqlite3.Connection, instance: str) -> str | None:
    value = state.get(conn, MARK_PREFIX + instance)
    return value if isinstance(value, str) else None


def _fresh_jobs(
    conn: sqlite3.Connection, specs: Sequence[JobSpec], not_before: float
) -> list[JobSpec]:
    return [
        spec
        for spec in specs
        if conn.execute(RECEIVED_SINCE, (spec.pipeline, spec.key, not_before)).fetchone() is None
    ]


def commit_chunk(
    conn: sqlite3.Connection,
    instance: str,
    replayed: Sequence[Replayed],
    *,
    mark: str | None,
    now: float,
) -> Committed:
    """Store the records not seen before with their new jobs, and move the mark: one
    transaction."""
    events, seen, received = 0, 0, 0
    jobs: list[int] = []
    with write_transaction(conn):
        for item in replayed:
            if conn.execute(SEEN, (item.event.dedupe_key,)).fetchone() is not None:
                seen += 1
                continue
            fresh = _fresh_jobs(conn, item.event.jobs, item.not_before)
            if not fresh:
                received += 1
                continue
            event = replace(item.event, jobs=tuple(fresh), received_at=now)
            accepted = accept_in_transaction(conn, event, dedupe_window=float("inf"))
            events += 1
            jobs.extend(accepted.job_ids)
        if mark is not None:
            current = get_mark(conn, instance)
            if current is None or mark > current:
                state.put(conn, MARK_PREFIX + instance, mark, now=now)
    return Committed(events, tuple(jobs), seen, received)
