"""Stored webhooks: accepted in one transaction together with the jobs they cause.

``accept_events`` takes a batch (group commit): every event of the batch and its jobs are
committed together, and nothing in it is acknowledged before that commit. A body seen
again from the same instance within the dedupe window is a redelivery: it gets the
original event's id and creates nothing.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from arrkestra.core.jobs import Job, JobSpec
from arrkestra.store.connection import write_transaction
from arrkestra.store.jobs import JOB_COLUMNS, insert_jobs, row_to_job

EVENT_COLUMNS = (
    "id, source, instance, event_type, received_at, body, dedupe_key, remote_addr, routed_to"
)
FIND_DUPLICATE = """
SELECT id FROM events WHERE dedupe_key = ? AND received_at >= ? ORDER BY id LIMIT 1
"""
INSERT_EVENT = """
INSERT INTO events
    (source, instance, event_type, received_at, body, dedupe_key, remote_addr, routed_to)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
"""
JOBS_OF_EVENT = "SELECT id FROM jobs WHERE event_id = ? ORDER BY id"
SELECT_EVENT = f"SELECT {EVENT_COLUMNS} FROM events WHERE id = ?"
PRUNE_BATCH = """
DELETE FROM events WHERE id IN (SELECT id FROM events WHERE received_at < ? ORDER BY id LIMIT ?)
"""
UPDATE_ROUTED = "UPDATE events SET routed_to = ? WHERE id = ?"


@dataclass(frozen=True)
class IncomingEvent:
    source: str  # sonarr | radarr
    instance: str
    event_type: str
    body: str  # the raw JSON text as received
    dedupe_key: str
    received_at: float
    remote_addr: str | None = None
    jobs: tuple[JobSpec, ...] = ()


@dataclass(frozen=True)
class Accepted:
    event_id: int
    duplicate: bool
    job_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class StoredEvent:
    id: int
    source: str
    instance: str
    event_type: str
    received_at: float
    body: str
    dedupe_key: str
    remote_addr: str | None
    routed_to: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class EventFilter:
    source: str | None = None
    instance: str | None = None
    event_type: str | None = None
    since: float | None = None
    until: float | None = None
    before: int | None = None  # id cursor
    limit: int = 50


def accept_in_transaction(
    conn: sqlite3.Connection, event: IncomingEvent, *, dedupe_window: float
) -> Accepted:
    """Store one event and its jobs inside the caller's write transaction."""
    since = event.received_at - dedupe_window
    row = conn.execute(FIND_DUPLICATE, (event.dedupe_key, since)).fetchone()
    if row is not None:
        original = int(row[0])
        return Accepted(original, True, tuple(job_ids_of(conn, original)))
    routed = json.dumps(sorted({spec.pipeline for spec in event.jobs}))
    cur = conn.execute(
        INSERT_EVENT,
        (
            event.source,
            event.instance,
            event.event_type,
            event.received_at,
            event.body,
            event.dedupe_key,
            event.remote_addr,
            routed,
        ),
    )
    event_id = int(cur.lastrowid or 0)
    specs = [replace(spec, event_id=event_id) for spec in event.jobs]
    created = insert_jobs(conn, specs, now=event.received_at)
    return Accepted(event_id, False, tuple(job.id for job, _ in created))


def accept_events(
    conn: sqlite3.Connection, events: Sequence[IncomingEvent], *, dedupe_window: float
) -> list[Accepted]:
    """Store a batch of events and their jobs in ONE transaction; results in input order."""
    with write_transaction(conn):
        return [accept_in_transaction(conn, e, dedupe_window=dedupe_window) for e in events]


def row_to_event(row: sqlite3.Row) -> StoredEvent:
    return StoredEvent(
        id=row["id"],
        source=row["source"],
        instance=row["instance"],
        event_type=row["event_type"],
        received_at=row["received_at"],
        body=row["body"],
        dedupe_key=row["dedupe_key"],
        remote_addr=row["remote_addr"],
        routed_to=routed_pipelines(row["routed_to"]),
    )


class EventNotFound(LookupError):
    """No event has this id."""


def get_event(conn: sqlite3.Connection, event_id: int) -> StoredEvent:
    row = conn.execute(SELECT_EVENT, (event_id,)).fetchone()
    if row is None:
        raise EventNotFound(event_id)
    return row_to_event(row)


def job_ids_of(conn: sqlite3.Connection, event_id: int) -> list[int]:
    return [int(r[0]) for r in conn.execute(JOBS_OF_EVENT, (event_id,)).fetchall()]


def _where(query: EventFilter) -> tuple[str, list[object]]:
    conditions = (
        ("source = ?", query.source),
        ("instance = ?", query.instance),
        ("event_type = ?", query.event_type),
        ("received_at >= ?", query.since),
        ("received_at < ?", query.until),
        ("id < ?", query.before),
    )
    clauses = [sql for sql, value in conditions if value is not None]
    args: list[object] = [value for _, value in conditions if value is not None]
    return (f"WHERE {' AND '.join(clauses)}" if clauses else ""), args


def list_events(conn: sqlite3.Connection, query: EventFilter) -> list[StoredEvent]:
    """Newest first, paged with an id cursor."""
    where, args = _where(query)
    sql = f"SELECT {EVENT_COLUMNS} FROM events {where} ORDER BY id DESC LIMIT ?"
    return [row_to_event(r) for r in conn.execute(sql, (*args, query.limit)).fetchall()]


def record_routing(conn: sqlite3.Connection, event_id: int, pipelines: Sequence[str]) -> None:
    """After a replay: remember every pipeline the event has been routed to."""
    with write_transaction(conn):
        current = get_event(conn, event_id).routed_to
        merged = json.dumps(sorted({*current, *pipelines}))
        conn.execute(UPDATE_ROUTED, (merged, event_id))


def prune_events(conn: sqlite3.Connection, *, older_than: float, batch: int = 5000) -> int:
    """Delete events received before ``older_than``, in short transactions.

    Their jobs stay (``event_id`` becomes NULL): the audit trail of work outlives the body.
    """
    removed = 0
    while True:
        with write_transaction(conn):
            count = conn.execute(PRUNE_BATCH, (older_than, batch)).rowcount
        removed += count
        if count < batch:
            return removed


def routed_pipelines(text: str) -> list[str]:
    """``routed_to``: the pipelines an event went to (nothing readable: none)."""
    try:
        value = json.loads(text)
    except (ValueError, TypeError):
        return []
    return [str(item) for item in value] if isinstance(value, list) else []


# The dashboard's list: an event without its body (which can be megabytes), with the title
# the body names and how many jobs it caused (index ``jobs_event``).
BODY_TITLE = """CASE WHEN json_valid(body) THEN coalesce(
    json_extract(body, '$.series.title'), json_extract(body, '$.movie.title')) END"""
SUMMARY_COLUMNS = f"""id, source, instance, event_type, received_at, remote_addr, routed_to,
    {BODY_TITLE} AS title, (SELECT COUNT(*) FROM jobs WHERE jobs.event_id = events.id) AS jobs"""
JOBS_OF_EVENT_ROWS = f"SELECT {JOB_COLUMNS} FROM jobs WHERE event_id = ? ORDER BY id LIMIT ?"


@dataclass(frozen=True)
class EventSummary:
    """One stored event as a list shows it: no body, its title, its count of jobs."""

    id: int
    source: str
    instance: str
    event_type: str
    received_at: float
    remote_addr: str | None
    routed_to: list[str]
    title: str | None  # series.title or movie.title of the body, when it names one
    jobs: int


def list_summaries(conn: sqlite3.Connection, query: EventFilter) -> list[EventSummary]:
    """:func:`list_events`' page without the bodies: newest first, paged with an id cursor."""
    where, args = _where(query)
    sql = f"SELECT {SUMMARY_COLUMNS} FROM events {where} ORDER BY id DESC LIMIT ?"
    return [
        EventSummary(
            id=row["id"],
            source=row["source"],
            instance=row["instance"],
            event_type=row["event_type"],
            received_at=row["received_at"],
            remote_addr=row["remote_addr"],
            routed_to=routed_pipelines(row["routed_to"]),
            title=None if row["title"] is None else str(row["title"]),
            jobs=int(row["jobs"]),
        )
        for row in conn.execute(sql, (*args, query.limit)).fetchall()
    ]


def jobs_of(conn: sqlite3.Connection, event_id: int, limit: int) -> list[Job]:
    """The first ``limit`` jobs an event caused, oldest first."""
    return [row_to_job(r) for r in conn.execute(JOBS_OF_EVENT_ROWS, (event_id, limit)).fetchall()]
