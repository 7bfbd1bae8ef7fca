"""The job queue's SQL: enqueue, claim, apply transitions, list.

Transitions themselves are pure (``core.jobs``); this module loads a job, asks core for
the update, and writes it under ``BEGIN IMMEDIATE`` with a condition on the status and
lease owner it read, so a job can never be moved by two workers.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from arrkestra.core import jobs as machine
from arrkestra.core.job_kinds import CopyParams, JobResult
from arrkestra.core.jobs import (
    Job,
    JobSpec,
    JobStatus,
    JobUpdate,
    debounced_due,
    follow_up_key,
)
from arrkestra.core.json_values import finite
from arrkestra.store.connection import write_transaction
from arrkestra.store.job_search import text_clause

JOB_COLUMNS = (
    "id, pipeline, key, params, status, attempts, created_at, updated_at, next_attempt_at, "
    "lease_owner, lease_expires_at, last_error, result, finished_at, event_id, retried_at, "
    "run_alone, waiting_on, aged_from"
)
SELECT_JOB = f"SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?"
SELECT_ACTIVE_BY_KEY = (
    f"SELECT {JOB_COLUMNS} FROM jobs WHERE pipeline = ? AND key = ? "
    "AND status IN ('pending', 'running', 'failed')"
)
INSERT_JOB = """
INSERT INTO jobs (pipeline, key, params, status, attempts, created_at, updated_at,
                  next_attempt_at, event_id)
VALUES (?, ?, ?, 'pending', 0, ?, ?, ?, ?)
"""
UPDATE_JOB = """
UPDATE jobs SET status = ?, attempts = ?, next_attempt_at = ?, updated_at = ?, lease_owner = ?,
                lease_expires_at = ?, last_error = ?, result = ?, finished_at = ?, retried_at = ?,
                run_alone = ?, waiting_on = ?, aged_from = ?
WHERE id = ? AND status = ? AND lease_owner IS ?
"""
SELECT_DUE = """
SELECT {cols} FROM jobs
WHERE status IN ('pending', 'failed') AND next_attempt_at <= ? AND pipeline IN ({marks})
ORDER BY next_attempt_at, id LIMIT 1
"""
SELECT_NEXT_DUE_TIME = """
SELECT MIN(next_attempt_at) FROM jobs
WHERE status IN ('pending', 'failed') AND pipeline IN ({marks})
"""
SELECT_RUNNING = f"SELECT {JOB_COLUMNS} FROM jobs WHERE status = 'running'"
SELECT_EXPIRED = f"{SELECT_RUNNING} AND lease_expires_at <= ?"
SELECT_OWNED = f"{SELECT_RUNNING} AND lease_owner = ?"
INSERT_ATTEMPT = "INSERT INTO job_attempts (job_id, attempt, owner, started_at) VALUES (?, ?, ?, ?)"
CLOSE_ATTEMPT = """
UPDATE job_attempts SET finished_at = ?, outcome = ?, error = ?
WHERE job_id = ? AND finished_at IS NULL
"""
SELECT_ATTEMPTS = """
SELECT attempt, owner, started_at, finished_at, outcome, error FROM job_attempts
WHERE job_id = ? ORDER BY id
"""
COUNT_BY_PIPELINE_STATUS = "SELECT pipeline, status, COUNT(*) FROM jobs GROUP BY pipeline, status"
OLDEST_WAITING = """
SELECT pipeline, MIN(created_at) FROM jobs WHERE status IN ('pending', 'failed') GROUP BY pipeline
"""
COUNT_FINISHED_SINCE = """
SELECT status, COUNT(*) FROM jobs WHERE finished_at >= ? AND status IN ('succeeded', 'dead')
GROUP BY status
"""
SELECT_RETRYABLE_SINCE = f"""
SELECT {JOB_COLUMNS} FROM jobs WHERE status IN ('failed', 'dead') AND updated_at >= ?
ORDER BY id
"""


class JobNotFound(LookupError):
    """No job has this id."""


class LeaseLost(Exception):
    """The job is no longer leased to this worker (reclaimed, cancelled or recovered)."""


@dataclass(frozen=True)
class Attempt:
    attempt: int
    owner: str
    started_at: float
    finished_at: float | None
    outcome: str | None
    error: str | None


@dataclass(frozen=True)
class JobFilter:
    status: JobStatus | None = None
    pipeline: str | None = None
    before: int | None = None  # id cursor: jobs with a smaller id
    limit: int = 50
    text: str | None = None  # in the title or a file path, any case (``?q=``, ``--title``)
    instance: str | None = None  # params' instance (``sonarr.hd``): index ``jobs_instance``
    after: int | None = None  # id cursor: jobs with this id or a larger one (a search's window)


INSTANCE_PATH = CopyParams.json_path("instance")  # every kind with an instance names it so


def _json(value: object, *, sort_keys: bool = False) -> str:
    """A job's params or result as compact JSON SQLite can read (no NaN: ``core.json_values``)."""
    return json.dumps(finite(value), separators=(",", ":"), sort_keys=sort_keys)


def _object(text: str) -> dict[str, Any]:
    """A stored params/result column as the object every reader expects. A row a person or
    an older version left unreadable (not JSON, or JSON but not an object) reads as
    ``{"unreadable": ...}``: its job then fails its model's check (dead, saying why)
    instead of crashing whatever lists it."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return {"unreadable": text}
    return value if isinstance(value, dict) else {"unreadable": value}


def row_to_job(row: sqlite3.Row) -> Job:
    return Job(
        id=row["id"],
        pipeline=row["pipeline"],
        key=row["key"],
        params=_object(row["params"]),
        status=JobStatus(row["status"]),
        attempts=row["attempts"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        next_attempt_at=row["next_attempt_at"],
        lease_owner=row["lease_owner"],
        lease_expires_at=row["lease_expires_at"],
        last_error=row["last_error"],
        result=None if row["result"] is None else _object(row["result"]),
        finished_at=row["finished_at"],
        event_id=row["event_id"],
        retried_at=row["retried_at"],
        run_alone=bool(row["run_alone"]),
        waiting_on=row["waiting_on"],
        aged_from=row["aged_from"],
    )


def insert_jobs(
    conn: sqlite3.Connection, specs: Iterable[JobSpec], *, now: float
) -> list[tuple[Job, bool]]:
    """Enqueue inside the caller's write transaction; ``(job, created)`` per spec.

    A spec whose (pipeline, key) is held by an active job yields that job, not a new one.
    """
    out = []
    for asked in specs:
        spec, existing = _active_for(conn, asked)
        if existing is not None:
            if spec.gather is not None and existing.status is not JobStatus.RUNNING:
                existing = _gather(conn, existing, spec, now=now)
            if spec.debounce and existing.status is JobStatus.PENDING and existing.attempts == 0:
                existing = _debounce(conn, existing, spec.delay, now=now)
            out.append((existing, False))
            continue
        params = _json(spec.params, sort_keys=True)
        cur = conn.execute(
            INSERT_JOB,
            (spec.pipeline, spec.key, params, now, now, now + max(spec.delay, 0.0), spec.event_id),
        )
        out.append((_load(conn, int(cur.lastrowid or 0)), True))
    return out


INSERT_IF_IDLE = """
INSERT INTO jobs (pipeline, key, params, status, attempts, created_at, updated_at,
                  next_attempt_at, event_id)
SELECT ?1, ?2, ?3, 'pending', 0, ?4, ?4, ?5, ?6
WHERE NOT EXISTS (
    SELECT 1 FROM jobs
    WHERE pipeline = ?1 AND key = ?2 AND status IN ('pending', 'running', 'failed')
)
"""


def insert_many(conn: sqlite3.Connection, specs: Sequence[JobSpec], *, now: float) -> int:
    """Enqueue many jobs inside the caller's write transaction, in one statement
    (``executemany``); how many were new. A spec whose key an active job holds adds
    nothing, as with :func:`insert_jobs`, which also returns the jobs (and debounces):
    this is for thousands of specs whose jobs the caller does not need back; not for
    debounced or gathering specs (their repeats change the waiting job)."""
    if any(spec.debounce or spec.gather is not None for spec in specs):
        raise ValueError("insert_many takes no debounced or gathering job: use insert_jobs")
    rows = [
        (
            spec.pipeline,
            spec.key,
            _json(spec.params, sort_keys=True),
            now,
            now + max(spec.delay, 0.0),
            spec.event_id,
        )
        for spec in specs
    ]
    return conn.executemany(INSERT_IF_IDLE, rows).rowcount if rows else 0


def _active_for(conn: sqlite3.Connection, spec: JobSpec) -> tuple[JobSpec, Job | None]:
    """The spec to store and the active job it joins (None: a new job).

    A debounced spec has two keys: its own and its follow-up's (``follow_up_key``), for a
    change that arrives while the job runs (the run may have read the folder before it).
    It joins whichever of the two waits, the follow-up first (it holds the later changes);
    with none waiting it is a new job under its own key, or under the follow-up's while a
    job of its own key runs. So one folder has at most one job waiting, whatever the runs.
    """
    own = _active(conn, spec.pipeline, spec.key)
    if not spec.debounce:
        return spec, own
    follow = replace(spec, key=follow_up_key(spec.key))
    after = _active(conn, spec.pipeline, follow.key)
    if after is not None and after.status is not JobStatus.RUNNING:
        return follow, after
    if own is None or own.status is not JobStatus.RUNNING:
        return spec, own
    return follow, after  # ours runs: the follow-up (both running: join it, as any repeat)


def _active(conn: sqlite3.Connection, pipeline: str, key: str) -> Job | None:
    row = conn.execute(SELECT_ACTIVE_BY_KEY, (pipeline, key)).fetchone()
    return None if row is None else row_to_job(row)


def _gather(conn: sqlite3.Connection, job: Job, spec: JobSpec, *, now: float) -> Job:
    """The waiting job with the repeat joined (``JobSpec.gather``). A job that failed
    before gets new work: its ``max_age`` counts again from now (``aged_from``), so a
    change that arrives late in an outage has the whole of it, as a job of its own would."""
    assert spec.gather is not None
    params = spec.gather(job.params, spec.params)
    if params == job.params:
        return job
    aged_from = now if job.attempts > 0 else job.aged_from
    conn.execute(
        "UPDATE jobs SET params = ?, aged_from = ? WHERE id = ?",
        (_json(params, sort_keys=True), aged_from, job.id),
    )
    return _load(conn, job.id)


def _debounce(conn: sqlite3.Connection, job: Job, delay: float, *, now: float) -> Job:
    due = debounced_due(job.created_at, job.next_attempt_at, delay, now=now)
    if due == job.next_attempt_at:
        return job
    conn.execute("UPDATE jobs SET next_attempt_at = ? WHERE id = ?", (due, job.id))
    return _load(conn, job.id)


def enqueue(conn: sqlite3.Connection, spec: JobSpec, *, now: float) -> tuple[Job, bool]:
    with write_transaction(conn):
        return insert_jobs(conn, [spec], now=now)[0]


def get_job(conn: sqlite3.Connection, job_id: int) -> Job:
    return _load(conn, job_id)


def _load(conn: sqlite3.Connection, job_id: int) -> Job:
    row = conn.execute(SELECT_JOB, (job_id,)).fetchone()
    if row is None:
        raise JobNotFound(job_id)
    return row_to_job(row)


def _update_args(job: Job, update: JobUpdate) -> tuple[object, ...]:
    result = None if update.result is None else _json(update.result)
    return (
        update.status.value,
        update.attempts,
        update.next_attempt_at,
        update.updated_at,
        update.lease_owner,
        update.lease_expires_at,
        update.last_error,
        result,
        update.finished_at,
        update.retried_at,
        int(update.run_alone),
        update.waiting_on,
        update.aged_from,
        job.id,
        job.status.value,
        job.lease_owner,
    )


def _write(conn: sqlite3.Connection, job: Job, update: JobUpdate) -> None:
    write_many(conn, [(job, update)])


def write_many(conn: sqlite3.Connection, changes: Sequence[tuple[Job, JobUpdate]]) -> None:
    """Write each update over its job (as it was read), with their attempt rows, in as few
    statements as SQLite allows (``executemany``): a bulk copy moves thousands at once.

    Each row must still hold the status and lease owner it was read with (``LeaseLost``
    otherwise; under ``BEGIN IMMEDIATE`` it cannot happen, it guards against misuse).
    """
    if not changes:
        return
    cur = conn.executemany(UPDATE_JOB, [_update_args(job, update) for job, update in changes])
    if cur.rowcount != len(changes):
        raise LeaseLost(f"{len(changes) - cur.rowcount} job(s) changed while being updated")
    opened, closed = [], []
    for job, update in changes:
        if job.status is JobStatus.RUNNING and update.status is not JobStatus.RUNNING:
            outcome = _attempt_outcome(job, update)
            failed = update.status in (JobStatus.FAILED, JobStatus.DEAD)
            closed.append(
                (update.updated_at, outcome, update.last_error if failed else None, job.id)
            )
        elif update.status is JobStatus.RUNNING and job.status is not JobStatus.RUNNING:
            opened.append((job.id, update.attempts, update.lease_owner, update.updated_at))
    if closed:
        conn.executemany(CLOSE_ATTEMPT, closed)
    if opened:
        conn.executemany(INSERT_ATTEMPT, opened)


def _attempt_outcome(job: Job, update: JobUpdate) -> str:
    if update.status is JobStatus.PENDING:
        # release (graceful drain) gives the attempt back; recovery (crash) keeps it counted
        return "released" if update.attempts < job.attempts else "recovered"
    return update.status.value


Transition = Callable[[Job], JobUpdate]


def transition(
    conn: sqlite3.Connection, job_id: int, change: Transition, *, owner: str | None = None
) -> Job:
    """Apply one state-machine transition atomically and return the job as it now is.

    With ``owner``, the job must still be running under that lease, else ``LeaseLost``.
    Raises ``JobNotFound`` or ``core.jobs.InvalidTransition``.
    """
    with write_transaction(conn):
        job = _load(conn, job_id)
        if owner is not None and (job.status is not JobStatus.RUNNING or job.lease_owner != owner):
            raise LeaseLost(f"job {job_id} is no longer leased to {owner} ({job.status})")
        _write(conn, job, change(job))
        return _load(conn, job_id)


def claim_next(
    conn: sqlite3.Connection, pipelines: Sequence[str], *, now: float, owner: str, lease: float
) -> Job | None:
    """Lease the most overdue job of the given pipelines to ``owner``, if any is due."""
    if not pipelines:
        return None
    sql = SELECT_DUE.format(cols=JOB_COLUMNS, marks=",".join("?" * len(pipelines)))
    with write_transaction(conn):
        row = conn.execute(sql, (now, *pipelines)).fetchone()
        if row is None:
            return None
        job = row_to_job(row)
        _write(conn, job, machine.claim(job, now=now, owner=owner, lease=lease))
        return _load(conn, job.id)


def next_due_time(conn: sqlite3.Connection, pipelines: Sequence[str]) -> float | None:
    """When the earliest waiting job of these pipelines becomes due (None: nothing waits)."""
    if not pipelines:
        return None
    sql = SELECT_NEXT_DUE_TIME.format(marks=",".join("?" * len(pipelines)))
    value = conn.execute(sql, tuple(pipelines)).fetchone()[0]
    return None if value is None else float(value)


def _recover_rows(
    conn: sqlite3.Connection, sql: str, args: tuple[object, ...], now: float
) -> list[int]:
    with write_transaction(conn):
        jobs = [row_to_job(r) for r in conn.execute(sql, args).fetchall()]
        for job in jobs:
            _write(conn, job, machine.recover(job, now=now))
    return [j.id for j in jobs]


def recover_running(conn: sqlite3.Connection, *, now: float) -> list[int]:
    """At start-up (database lock held): every ``running`` job's process is gone."""
    return _recover_rows(conn, SELECT_RUNNING, (), now)


def reclaim_expired(conn: sqlite3.Connection, *, now: float) -> list[int]:
    """Return jobs whose lease ran out (worker hung or gone) to pending."""
    return _recover_rows(conn, SELECT_EXPIRED, (now,), now)


def release_owned(conn: sqlite3.Connection, owner: str, *, now: float) -> list[int]:
    """Graceful shutdown: give back every job still leased to ``owner``."""
    with write_transaction(conn):
        jobs = [row_to_job(r) for r in conn.execute(SELECT_OWNED, (owner,)).fetchall()]
        for job in jobs:
            _write(conn, job, machine.release(job, now=now))
    return [j.id for j in jobs]


def list_jobs(conn: sqlite3.Connection, query: JobFilter) -> list[Job]:
    """Newest first, paged with an id cursor (``before``); ``text``: only jobs whose title
    or a file path contains it, in any case (``store/job_search``)."""
    clauses: list[str] = []
    args: list[object] = []
    if query.status is not None:
        clauses.append("status = ?")
        args.append(query.status.value)
    if query.pipeline is not None:
        clauses.append("pipeline = ?")
        args.append(query.pipeline)
    if query.before is not None:
        clauses.append("id < ?")
        args.append(query.before)
    if query.after is not None:
        clauses.append("id >= ?")
        args.append(query.after)
    if query.text:
        clause, patterns = text_clause(conn, query.text)
        clauses.append(clause)
        args.extend(patterns)
    if query.instance is not None:
        clauses.append(f"json_extract(params, '{INSTANCE_PATH}') = ?")
        args.append(query.instance)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    sql = f"SELECT {JOB_COLUMNS} FROM jobs {where} ORDER BY id DESC LIMIT ?"
    return [row_to_job(r) for r in conn.execute(sql, (*args, query.limit)).fetchall()]


def next_job_id(conn: sqlite3.Connection) -> int:
    """One more than the newest job's id: where a newest-first walk of every job starts."""
    return int(conn.execute("SELECT coalesce(max(id), 0) + 1 FROM jobs").fetchone()[0])


def list_attempts(conn: sqlite3.Connection, job_id: int) -> list[Attempt]:
    return [Attempt(*tuple(r)) for r in conn.execute(SELECT_ATTEMPTS, (job_id,)).fetchall()]


def count_by_pipeline_status(conn: sqlite3.Connection) -> dict[tuple[str, str], int]:
    return {(r[0], r[1]): int(r[2]) for r in conn.execute(COUNT_BY_PIPELINE_STATUS).fetchall()}


def oldest_waiting(conn: sqlite3.Connection) -> dict[str, float]:
    """Per pipeline, the creation time of the oldest job not yet done (pending or failed)."""
    return {r[0]: float(r[1]) for r in conn.execute(OLDEST_WAITING).fetchall()}


def finished_since(conn: sqlite3.Connection, since: float) -> dict[str, int]:
    """``{"succeeded": n, "dead": m}`` for jobs finished at or after ``since``."""
    return {r[0]: int(r[1]) for r in conn.execute(COUNT_FINISHED_SINCE, (since,)).fetchall()}


def retryable_since(conn: sqlite3.Connection, since: float) -> list[Job]:
    return [row_to_job(r) for r in conn.execute(SELECT_RETRYABLE_SINCE, (since,)).fetchall()]


MAKE_DUE = """
UPDATE jobs SET next_attempt_at = ?, updated_at = ?
WHERE pipeline = ? AND status = 'failed' AND next_attempt_at > ?
"""
RUN_NOW = """
UPDATE jobs SET next_attempt_at = ?, updated_at = ?
WHERE id = ? AND status IN ('pending', 'failed') AND next_attempt_at > ?
"""
COUNT_OUTCOME_SINCE = f"""
SELECT COUNT(*) FROM jobs
WHERE pipeline = ? AND status = 'succeeded' AND finished_at >= ?
  AND json_extract(result, '{JobResult.json_path("outcome")}') = ?
"""


def make_due(conn: sqlite3.Connection, pipeline: str, *, now: float) -> int:
    """An upstream came back: its waiting jobs run now instead of at their backoff time."""
    with write_transaction(conn):
        return int(conn.execute(MAKE_DUE, (now, now, pipeline, now)).rowcount)


def run_now(conn: sqlite3.Connection, job_id: int, *, now: float) -> bool:
    """A waiting job runs now rather than at its scheduled time (a manual trigger)."""
    with write_transaction(conn):
        return conn.execute(RUN_NOW, (now, now, job_id, now)).rowcount > 0


def count_outcome_since(conn: sqlite3.Connection, pipeline: str, outcome: str, since: float) -> int:
    """How many jobs of a pipeline succeeded with this ``result.outcome`` since a time."""
    row = conn.execute(COUNT_OUTCOME_SINCE, (pipeline, since, outcome)).fetchone()
    return int(row[0])


def count_listed_since(
    conn: sqlite3.Connection, pipeline: str, outcome: str, listed: str, since: float
) -> int:
    """The items of the result list at JSON path ``listed`` (``$.deleted``: the files a
    delete removed) over the jobs :func:`count_outcome_since` counts."""
    sql = COUNT_OUTCOME_SINCE.replace(
        "SELECT COUNT(*)", "SELECT COALESCE(SUM(json_array_length(result, ?)), 0)"
    )
    row = conn.execute(sql, (listed, pipeline, since, outcome)).fetchone()
    return int(row[0])


def apply_update(conn: sqlite3.Connection, job: Job, update: JobUpdate) -> None:
    """Write ``update`` over ``job`` (as it was read) inside the caller's write transaction.

    The row must still hold the status and lease owner it was read with (else ``LeaseLost``);
    attempt rows are opened and closed as for :func:`transition`.
    """
    _write(conn, job, update)


SELECT_RECENT_ATTEMPTS = """
SELECT attempt, owner, started_at, finished_at, outcome, error FROM job_attempts
WHERE job_id = ? ORDER BY id DESC LIMIT ?
"""


def recent_attempts(conn: sqlite3.Connection, job_id: int, limit: int) -> list[Attempt]:
    """The job's last ``limit`` attempts, oldest first (a job retried for a week can have
    a thousand; a page shows the last ones)."""
    rows = conn.execute(SELECT_RECENT_ATTEMPTS, (job_id, limit)).fetchall()
    return [Attempt(*tuple(r)) for r in reversed(rows)]
