"""Reconcile runs: one row per run, created with its job, finished with its report.

A run is queued together with its job in one transaction (:func:`queue_run`); a request
while the same kind of run still waits gets that run. The copies a run queues are
committed in chunks (:func:`queue_copies`), so the mirror starts copying while the rest
are queued; the run says ``done`` (:func:`finish_run`) once every one of them is. A crash
in between leaves the run ``running`` and its job runs again (start-up recovers it): the
comparison finds what is still missing, and the copies already waiting are not queued
twice. A run whose
job fails is marked ``failed`` (:func:`fail_run`); one whose job died or was cancelled
before it ran reads as ``failed`` too, with the job's last error among its problems.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from arrkestra.core.errors import PermanentError
from arrkestra.core.job_kinds.reconcile import ReconcileParams, ReconcileReport, RunStatus
from arrkestra.core.jobs import JobSpec
from arrkestra.store.connection import write_transaction
from arrkestra.store.jobs import insert_jobs, insert_many

# A run whose job died or was cancelled before it finished the run is shown as failed: its
# row cannot stay "queued" or "running" for ever.
SELECT_RUNS = """
SELECT r.id, CASE WHEN r.status IN ('queued', 'running') AND j.status IN ('dead', 'cancelled')
            THEN 'failed' ELSE r.status END AS status,
       r.trigger, r.dry_run, r.confirm, r.job_id, r.started_at,
       COALESCE(r.finished_at, CASE WHEN j.status IN ('dead', 'cancelled') THEN j.finished_at
                                    ELSE NULL END) AS finished_at,
       r.missing, r.different, r.queued, r.extra, r.bytes, r.report,
       CASE WHEN r.status IN ('queued', 'running') AND j.status IN ('dead', 'cancelled')
            THEN j.status || ': ' || COALESCE(j.last_error, 'no error recorded') END AS job_error
FROM reconcile_runs r LEFT JOIN jobs j ON j.id = r.job_id
"""
INSERT_RUN = """
INSERT INTO reconcile_runs (status, trigger, dry_run, confirm, started_at)
VALUES ('queued', ?, ?, ?, ?)
"""
FINISH = """
UPDATE reconcile_runs SET status = ?, finished_at = ?, missing = ?, different = ?, queued = ?,
    extra = ?, bytes = ?, report = ?
WHERE id = ?
"""


@dataclass(frozen=True)
class RunRow:
    id: int
    status: RunStatus
    trigger: str
    dry_run: bool
    confirm: bool
    job_id: int | None
    started_at: float
    finished_at: float | None
    missing: int
    different: int
    queued: int
    extra: int
    bytes: int
    report: ReconcileReport


@dataclass(frozen=True)
class Counts:
    missing: int = 0
    different: int = 0
    queued: int = 0
    extra: int = 0
    bytes: int = 0


def _row(row: sqlite3.Row) -> RunRow:
    return RunRow(
        id=row["id"],
        status=row["status"],
        trigger=row["trigger"],
        dry_run=bool(row["dry_run"]),
        confirm=bool(row["confirm"]),
        job_id=row["job_id"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        missing=row["missing"],
        different=row["different"],
        queued=row["queued"],
        extra=row["extra"],
        bytes=row["bytes"],
        report=_report(row),
    )


def _report(row: sqlite3.Row) -> ReconcileReport:
    try:
        report = ReconcileReport.load(json.loads(row["report"]))
    except (ValueError, RecursionError, PermanentError):  # edited by hand, or a bug's
        report = ReconcileReport(problems=["the stored report could not be read"])
    error = row["job_error"] if row["status"] == "failed" else None
    if error:
        said = f"its job ended before the run did ({error})"
        return report.model_copy(update={"problems": [*report.problems, said]})
    return report


def queue_run(
    conn: sqlite3.Connection, *, trigger: str, dry_run: bool, confirm: bool, now: float
) -> tuple[RunRow, bool]:
    """A new run and its job, or the run of the same kind already waiting (``False``)."""
    with write_transaction(conn):
        cur = conn.execute(INSERT_RUN, (trigger, int(dry_run), int(confirm), now))
        run_id = int(cur.lastrowid or 0)
        params = ReconcileParams(run_id=run_id, dry_run=dry_run, confirm=confirm)
        [(job, created)] = insert_jobs(conn, [params.spec()], now=now)
        if not created:
            conn.execute("DELETE FROM reconcile_runs WHERE id = ?", (run_id,))
            run_id = ReconcileParams.load(job.params).run_id
        else:
            conn.execute("UPDATE reconcile_runs SET job_id = ? WHERE id = ?", (job.id, run_id))
        return get_run(conn, run_id), created


def mark_running(conn: sqlite3.Connection, run_id: int, job_id: int, *, now: float) -> None:
    with write_transaction(conn):
        conn.execute(
            "UPDATE reconcile_runs SET status = 'running', job_id = ?, started_at = ? WHERE id = ?",
            (job_id, now, run_id),
        )


def queue_copies(conn: sqlite3.Connection, copies: Sequence[JobSpec], *, now: float) -> int:
    """A chunk of a run's copies, committed (the mirror may start on them); how many were
    new. A copy already waiting (an earlier, interrupted run queued it) is not added again."""
    with write_transaction(conn):
        return insert_many(conn, copies, now=now)


def finish_run(
    conn: sqlite3.Connection,
    run_id: int,
    status: RunStatus,
    counts: Counts,
    report: ReconcileReport,
    others: Sequence[JobSpec] = (),
    *,
    now: float,
) -> None:
    """Queue ``others`` (cleanup jobs) and store the run's outcome in one transaction."""
    with write_transaction(conn):
        insert_many(conn, others, now=now)
        conn.execute(
            FINISH,
            (
                status,
                now,
                counts.missing,
                counts.different,
                counts.queued,
                counts.extra,
                counts.bytes,
                json.dumps(report.model_dump(mode="json")),
                run_id,
            ),
        )


class RunNotFound(LookupError):
    """No reconcile run has this id."""


def fail_run(conn: sqlite3.Connection, run_id: int, problem: str, *, now: float) -> None:
    """The run's job failed before it finished the run: say so on the row."""
    with write_transaction(conn):
        report = ReconcileReport(problems=[problem])
        conn.execute(
            "UPDATE reconcile_runs SET status = 'failed', finished_at = ?, report = ?"
            " WHERE id = ? AND status IN ('queued', 'running')",
            (now, json.dumps(report.model_dump(mode="json")), run_id),
        )


def get_run(conn: sqlite3.Connection, run_id: int) -> RunRow:
    row = conn.execute(f"{SELECT_RUNS} WHERE r.id = ?", (run_id,)).fetchone()
    if row is None:
        raise RunNotFound(run_id)
    return _row(row)


def list_runs(
    conn: sqlite3.Connection, *, limit: int = 50, before: int | None = None
) -> list[RunRow]:
    """Newest first, paged with an id cursor."""
    where = "WHERE r.id < ?" if before is not None else ""
    args: tuple[int, ...] = (before, limit) if before is not None else (limit,)
    sql = f"{SELECT_RUNS} {where} ORDER BY r.id DESC LIMIT ?"
    return [_row(r) for r in conn.execute(sql, args).fetchall()]


def held_run(conn: sqlite3.Connection) -> RunRow | None:
    """The run waiting for confirmation, if any: the newest run that is not a dry run,
    when it is held (a later run, confirmed or not, supersedes it). The primary key read
    backwards, stopping at the first such row."""
    sql = f"{SELECT_RUNS} WHERE r.dry_run = 0 ORDER BY r.id DESC LIMIT 1"
    row = conn.execute(sql).fetchone()
    if row is None or row["status"] != "needs_confirmation":
        return None
    return _row(row)
