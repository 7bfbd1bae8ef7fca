"""The overview's reads: what they count, and that each is an index range, never a scan of
every job (the page must stay fast at 100,000 jobs)."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from arrkestra.core.daily_chart import last_days
from arrkestra.store import overview

NOW = datetime(2024, 5, 3, 12, 0, tzinfo=UTC).timestamp()
DAY = 86_400.0
INSERT = """
INSERT INTO jobs (pipeline, key, params, status, attempts, created_at, updated_at,
                  next_attempt_at, result, finished_at)
VALUES (?, ?, '{}', ?, 1, ?, ?, ?, ?, ?)
"""


def add(
    conn: sqlite3.Connection,
    pipeline: str,
    status: str,
    *,
    created: float = NOW - 100,
    finished: float | None = None,
    updated: float | None = None,
    result: dict[str, object] | None = None,
) -> int:
    key = f"k{conn.execute('SELECT COUNT(*) FROM jobs').fetchone()[0]}"
    done = json.dumps(result) if result is not None else None
    row = (pipeline, key, status, created, updated or finished or created, created, done, finished)
    cur = conn.execute(INSERT, row)
    conn.commit()
    return int(cur.lastrowid or 0)


def copy(bytes_transferred: int, outcome: str = "copied") -> dict[str, object]:
    return {"outcome": outcome, "bytes_transferred": bytes_transferred}


def test_queue_depth_counts_each_status_and_finds_the_oldest_waiting_job(
    conn: sqlite3.Connection,
) -> None:
    add(conn, "mirror", "pending", created=NOW - 50)
    oldest = add(conn, "mirror", "failed", created=NOW - 500)
    add(conn, "mirror", "running", created=NOW - 900)  # running is not waiting
    add(conn, "mirror", "dead", created=NOW - 2000, finished=NOW - 10)
    add(conn, "mirror", "succeeded", created=NOW - 5000, finished=NOW - 10)
    add(conn, "cleanup", "dead", created=NOW - 10, finished=NOW - 5)
    mirror, cleanup = sorted(overview.queue_depth(conn), key=lambda q: q.pipeline, reverse=True)
    assert mirror == overview.PipelineQueue("mirror", 1, 1, 1, 1, oldest, NOW - 500)
    assert mirror.waiting == 2
    assert cleanup == overview.PipelineQueue("cleanup", dead=1)


def test_counters_split_the_last_day_from_the_last_week(conn: sqlite3.Connection) -> None:
    for ago in (0.5, 2, 6):
        add(conn, "mirror", "succeeded", finished=NOW - ago * DAY)
    add(conn, "mirror", "succeeded", finished=NOW - 8 * DAY)  # older than a week
    add(conn, "mirror", "dead", finished=NOW - 3 * DAY)
    add(conn, "mirror", "failed", updated=NOW - 3600)
    add(conn, "mirror", "failed", updated=NOW - 10 * DAY)  # waiting for a long time
    add(conn, "cleanup", "cancelled", finished=NOW - 3600)  # not counted
    assert overview.counters(conn, now=NOW) == (
        overview.Counters("mirror", day=(1, 1, 0), week=(3, 1, 1)),
    )


def test_bytes_per_day_counts_copies_only_on_the_local_day_they_finished(
    conn: sqlite3.Connection,
) -> None:
    days = last_days(NOW, ZoneInfo("America/New_York"), 3)  # today began at 04:00 UTC
    add(conn, "mirror", "succeeded", finished=days[2].start + 1, result=copy(1000))
    add(conn, "mirror", "succeeded", finished=days[2].start - 1, result=copy(200))  # yesterday
    add(conn, "mirror", "succeeded", finished=days[2].start + 5, result=copy(30))
    add(conn, "mirror", "succeeded", finished=days[0].start + 9, result=copy(7, "already_present"))
    add(conn, "mirror", "dead", finished=days[2].start + 9, result=copy(50))
    add(conn, "plex_scan", "succeeded", finished=days[2].start + 9, result=copy(60))
    add(conn, "mirror", "succeeded", finished=days[0].start - 1, result=copy(4))  # before
    assert overview.bytes_per_day(conn, days) == (0, 200, 1030)


def test_a_held_run_waits_until_a_later_run_settles_it(conn: sqlite3.Connection) -> None:
    def run(status: str, *, dry_run: bool = False) -> int:
        cur = conn.execute(
            "INSERT INTO reconcile_runs (status, trigger, dry_run, confirm, started_at, missing,"
            " different) VALUES (?, 'schedule', ?, 0, ?, 30, 4)",
            (status, int(dry_run), NOW),
        )
        return int(cur.lastrowid or 0)

    assert overview.held_run(conn) is None
    held = run("needs_confirmation")
    run("dry_run", dry_run=True)  # a dry run since settles nothing
    assert overview.held_run(conn) == overview.HeldRun(held, 34, NOW)
    run("queued")  # the confirmed run
    assert overview.held_run(conn) is None


@pytest.mark.parametrize(
    ("sql", "index"),
    [
        (overview.QUEUE, "COVERING INDEX jobs_status_pipeline"),
        (overview.FINISHED, "COVERING INDEX jobs_status_finished"),
        (overview.RETRYING, "INDEX jobs_status"),
        (overview.BYTES_PER_DAY, "INDEX jobs_copied"),
    ],
)
def test_every_count_reads_an_index_range_not_every_job(
    conn: sqlite3.Connection, sql: str, index: str
) -> None:
    args: object = {"day": NOW - DAY, "week": NOW - 7 * DAY}
    if sql is overview.BYTES_PER_DAY:
        args = (json.dumps([[NOW - DAY, NOW]]),)
    elif sql is overview.QUEUE:
        args = ()
    plan = [row[-1] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", args)]
    assert any(f"SEARCH jobs USING {index}" in step for step in plan), plan
    assert not any(step.startswith("SCAN jobs") for step in plan), plan
