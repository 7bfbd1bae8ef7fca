"""Several jobs of one pipeline claimed, renewed and finished together.

A pipeline that can do the work of many waiting jobs in one go (the mirror copies the
files of one folder with one rsync run) still keeps one job per unit of work: each job
keeps its own status, attempts, attempt rows, result and history. These functions move
many such jobs in one write transaction, under the same rules as ``store.jobs``: a
transition is the pure one from ``core.jobs``, written only while the job still holds
the status and lease owner it was read with.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace

from arrkestra.core import jobs as machine
from arrkestra.core.jobs import Job, JobStatus
from arrkestra.store.connection import write_transaction
from arrkestra.store.jobs import JOB_COLUMNS, Transition, row_to_job, write_many

# ``status IN (...)`` lets SQLite use the partial index jobs_active_key (pipeline, key).
# A job marked ``run_alone`` (its shared run failed) is left to run on its own.
SELECT_DUE_PENDING_KEYS = f"""
SELECT {JOB_COLUMNS} FROM jobs
WHERE pipeline = ? AND key >= ? AND key < ? AND status IN ('pending', 'running', 'failed')
  AND status = 'pending' AND next_attempt_at <= ? AND run_alone = 0
ORDER BY next_attempt_at, id
"""
SELECT_RELEASED_ATTEMPT = """
SELECT 1 FROM job_attempts
WHERE job_id = ? AND attempt = ? AND outcome = 'released' AND started_at >= ?
ORDER BY id DESC LIMIT 1
"""
# The same, filtered on the params in SQL (no row to load) and in key order: the partial
# index on active keys gives the rows sorted, so reading stops at the limit instead of
# sorting every match first (a reconcile queues tens of thousands).
SELECT_DUE_PENDING_MATCHING = f"""
SELECT {JOB_COLUMNS} FROM jobs INDEXED BY jobs_active_key
WHERE pipeline = ? AND key >= ? AND key < ? AND status IN ('pending', 'running', 'failed')
  AND status = 'pending' AND next_attempt_at <= ? AND run_alone = 0
{{filters}}ORDER BY key
"""
READ_CHUNK = 500  # ids per ``IN (...)``: well under SQLite's variable limit
NOTE_RELEASED = """
UPDATE job_attempts SET error = ?
WHERE job_id = ? AND attempt = ? AND outcome = 'released' AND finished_at = ?
"""


@dataclass(frozen=True)
class Applied:
    """What :func:`transition_many` did: the jobs as they now are, and those it skipped."""

    jobs: list[Job]
    skipped: list[tuple[int, str]]  # (job id, why)


def updated(job: Job, update: machine.JobUpdate) -> Job:
    """The job as ``update`` leaves it (what reading the row back would give)."""
    return replace(job, **{f.name: getattr(update, f.name) for f in fields(update)})


def key_range(prefix: str) -> tuple[str, str]:
    """``lower <= key < upper`` holds exactly for the keys starting with ``prefix``.

    SQLite compares TEXT bytewise (UTF-8 keeps code point order), so the keys starting
    with ``prefix`` are those from ``prefix`` up to its last character's successor.
    """
    if not prefix:
        raise ValueError("a key prefix must not be empty")
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


def claim_matching(
    conn: sqlite3.Connection,
    pipeline: str,
    *,
    key_prefix: str,
    accept: Callable[[Job], bool],
    limit: int,
    now: float,
    owner: str,
    lease: float,
    params_match: Mapping[str, object] | None = None,
) -> list[Job]:
    """Lease to ``owner``, in one transaction, up to ``limit`` due ``pending`` jobs of
    ``pipeline`` whose key starts with ``key_prefix`` and that ``accept`` takes (asked in
    due order, at most once per job, inside the transaction; ``params_match`` maps JSON
    paths of the params to the values they must hold, asked in SQL). Each gets its attempt row,
    exactly as ``store.jobs.claim_next`` would give it. Jobs marked ``run_alone`` (released
    with a note by :func:`release_many`) are left to run on their own.
    """
    lower, upper = key_range(key_prefix)
    sql, args = SELECT_DUE_PENDING_KEYS, [pipeline, lower, upper, now]
    if params_match:
        filters = "".join("AND json_extract(params, ?) = ?\n" for _ in params_match)
        sql = SELECT_DUE_PENDING_MATCHING.format(filters=filters)
        args += [v for item in params_match.items() for v in item]
    changes: list[tuple[Job, machine.JobUpdate]] = []
    with write_transaction(conn):
        for row in conn.execute(sql, args):  # read lazily: stop at ``limit``, not at the end
            if len(changes) >= limit:
                break
            job = row_to_job(row)
            if accept(job):
                changes.append((job, machine.claim(job, now=now, owner=owner, lease=lease)))
        write_many(conn, changes)
    return [updated(job, update) for job, update in changes]


def transition_many(
    conn: sqlite3.Connection, changes: Sequence[tuple[int, Transition]], *, owner: str
) -> Applied:
    """Apply one transition to each job in one transaction; each must be leased to ``owner``.

    A job that is no longer leased to ``owner`` (cancelled, reclaimed) or that the state
    machine refuses is skipped and reported, never an error for the others.
    """
    with write_transaction(conn):
        return _apply_each(conn, changes, owner)


def release_many(
    conn: sqlite3.Connection,
    job_ids: Sequence[int],
    *,
    owner: str,
    now: float,
    note: str | None = None,
) -> Applied:
    """Give these jobs back (pending, due now, the attempt not counted), in one transaction.

    ``note`` (why: the shared run failed) goes on each released attempt row, where the
    audit trail shows it, and marks the job ``run_alone``: :func:`claim_matching` leaves it
    to run on its own next time.
    """

    def give_back(job: Job) -> machine.JobUpdate:
        return machine.release(job, now=now, alone=note is not None)

    with write_transaction(conn):
        applied = _apply_each(conn, [(job_id, give_back) for job_id in job_ids], owner)
        if note is not None:
            for job in applied.jobs:
                conn.execute(NOTE_RELEASED, (note, job.id, job.attempts + 1, now))
    return applied


def _read_many(conn: sqlite3.Connection, job_ids: Sequence[int]) -> dict[int, Job]:
    found: dict[int, Job] = {}
    for start in range(0, len(job_ids), READ_CHUNK):
        chunk = job_ids[start : start + READ_CHUNK]
        marks = ",".join("?" * len(chunk))
        sql = f"SELECT {JOB_COLUMNS} FROM jobs WHERE id IN ({marks})"
        found.update((row["id"], row_to_job(row)) for row in conn.execute(sql, chunk))
    return found


def _apply_each(
    conn: sqlite3.Connection, changes: Sequence[tuple[int, Transition]], owner: str
) -> Applied:
    jobs = _read_many(conn, [job_id for job_id, _ in changes])
    writes: list[tuple[Job, machine.JobUpdate]] = []
    skipped: list[tuple[int, str]] = []
    for job_id, change in changes:
        job = jobs.get(job_id)
        if job is None:
            skipped.append((job_id, "no such job"))
            continue
        if job.status is not JobStatus.RUNNING or job.lease_owner != owner:
            skipped.append((job_id, f"no longer leased to {owner} ({job.status})"))
            continue
        try:
            update = change(job)
        except machine.InvalidTransition as exc:
            skipped.append((job_id, str(exc)))
            continue
        writes.append((job, update))
    write_many(conn, writes)
    return Applied([updated(job, update) for job, update in writes], skipped)


def released_before(conn: sqlite3.Connection, jobs: Iterable[Job]) -> set[int]:
    """The running ``jobs`` whose current attempt follows a released one (a drain, a batch
    run that did not go).

    A release gives the attempt back, so the attempt after it has the same number: the
    job ran before, though ``attempts`` may say 1. Attempts before a manual retry do not
    count.
    """
    found: set[int] = set()
    for job in jobs:
        since = job.retried_at if job.retried_at is not None else job.created_at
        if conn.execute(SELECT_RELEASED_ATTEMPT, (job.id, job.attempts, since)).fetchone():
            found.add(job.id)
    return found
