"""Debounced jobs: a repeat pushes the first attempt back, within a bound."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from arrkestra.core import jobs as machine
from arrkestra.core.jobs import DEBOUNCE_HOLD, Job, JobSpec, JobUpdate
from arrkestra.core.retry import RetryPolicy
from arrkestra.store import jobs as job_store
from arrkestra.store.connection import connect
from arrkestra.store.migrations import migrate


@pytest.fixture
def conn(tmp_path: Path) -> sqlite3.Connection:
    connection = connect(tmp_path / "a.db")
    migrate(connection)
    return connection


POLICY = RetryPolicy(max_attempts=None, max_age=86400.0)


def scan(**kwargs: object) -> JobSpec:
    return JobSpec("plex_scan", "2:/data/TV/Show/Season 01", {}, delay=30.0, **kwargs)  # type: ignore[arg-type]


def test_a_repeat_slides_the_window(conn: sqlite3.Connection) -> None:
    first, created = job_store.enqueue(conn, scan(debounce=True), now=0.0)
    assert created and first.next_attempt_at == 30.0
    again, created = job_store.enqueue(conn, scan(debounce=True), now=20.0)
    assert not created and again.id == first.id and again.next_attempt_at == 50.0


def test_a_steady_stream_still_runs_after_the_hold(conn: sqlite3.Connection) -> None:
    job_store.enqueue(conn, scan(debounce=True), now=0.0)
    for t in range(10, 1000, 10):
        job, _ = job_store.enqueue(conn, scan(debounce=True), now=float(t))
    assert job.next_attempt_at == DEBOUNCE_HOLD * 30.0


def test_without_debounce_a_repeat_changes_nothing(conn: sqlite3.Connection) -> None:
    job_store.enqueue(conn, scan(), now=0.0)
    again, _ = job_store.enqueue(conn, scan(), now=20.0)
    assert again.next_attempt_at == 30.0


def test_run_now_moves_only_a_waiting_job(conn: sqlite3.Connection) -> None:
    job, _ = job_store.enqueue(conn, JobSpec("discovery", "discovery/cycle", {}, delay=5), now=0.0)
    assert job_store.run_now(conn, job.id, now=1.0)
    assert job_store.get_job(conn, job.id).next_attempt_at == 1.0
    assert not job_store.run_now(conn, job.id, now=2.0)  # already due


def test_a_repeat_while_the_job_runs_queues_one_follow_up(conn: sqlite3.Connection) -> None:
    """The running scan may have read the folder before the new file: one more run."""
    first, _ = job_store.enqueue(conn, scan(debounce=True), now=0.0)
    running = job_store.claim_next(conn, ["plex_scan"], now=30.0, owner="w", lease=60.0)
    assert running is not None and running.id == first.id
    follow, created = job_store.enqueue(conn, scan(debounce=True), now=31.0)
    assert created and follow.id != first.id and follow.next_attempt_at == 61.0
    again, created = job_store.enqueue(conn, scan(debounce=True), now=40.0)
    assert not created and again.id == follow.id and again.next_attempt_at == 70.0


def test_a_repeat_while_the_job_runs_without_debounce_is_that_job(
    conn: sqlite3.Connection,
) -> None:
    first, _ = job_store.enqueue(conn, scan(), now=0.0)
    job_store.claim_next(conn, ["plex_scan"], now=30.0, owner="w", lease=60.0)
    again, created = job_store.enqueue(conn, scan(), now=31.0)
    assert not created and again.id == first.id


def _paths(waiting: dict[str, object], repeat: dict[str, object]) -> dict[str, object]:
    have = list(waiting.get("paths", []))  # type: ignore[call-overload]
    return {**waiting, "paths": have + [p for p in repeat["paths"] if p not in have]}  # type: ignore[attr-defined]


def update(path: str) -> JobSpec:
    params = {"paths": [path]}
    return JobSpec("jellyfin_scan", "f", params, delay=30.0, debounce=True, gather=_paths)


def test_a_repeat_gathers_into_the_waiting_job(conn: sqlite3.Connection) -> None:
    first, _ = job_store.enqueue(conn, update("/a"), now=0.0)
    again, created = job_store.enqueue(conn, update("/b"), now=1.0)
    assert not created and again.id == first.id
    assert job_store.get_job(conn, first.id).params == {"paths": ["/a", "/b"]}
    job_store.enqueue(conn, update("/a"), now=2.0)  # nothing new: the row is not rewritten
    assert job_store.get_job(conn, first.id).params == {"paths": ["/a", "/b"]}


def test_a_repeat_for_a_running_job_gathers_into_its_follow_up(conn: sqlite3.Connection) -> None:
    first, _ = job_store.enqueue(conn, update("/a"), now=0.0)
    job_store.claim_next(conn, ["jellyfin_scan"], now=30.0, owner="w", lease=60.0)
    follow, created = job_store.enqueue(conn, update("/b"), now=31.0)
    job_store.enqueue(conn, update("/c"), now=32.0)
    assert created and job_store.get_job(conn, first.id).params == {"paths": ["/a"]}
    assert job_store.get_job(conn, follow.id).params == {"paths": ["/b", "/c"]}


def succeed(conn: sqlite3.Connection, job_id: int, now: float) -> None:
    job_store.transition(conn, job_id, lambda job: machine.succeed(job, now=now, result={}))


def test_after_the_run_a_change_joins_the_waiting_follow_up(conn: sqlite3.Connection) -> None:
    """One folder never has two jobs waiting: the follow-up outlives the run it followed."""
    first, _ = job_store.enqueue(conn, update("/a"), now=0.0)
    job_store.claim_next(conn, ["jellyfin_scan"], now=30.0, owner="w", lease=60.0)
    follow, _ = job_store.enqueue(conn, update("/b"), now=31.0)
    succeed(conn, first.id, now=32.0)
    again, created = job_store.enqueue(conn, update("/c"), now=33.0)
    assert not created and again.id == follow.id
    assert job_store.get_job(conn, follow.id).params == {"paths": ["/b", "/c"]}
    # the follow-up runs; a change meanwhile is a job under the folder's own key again
    job_store.claim_next(conn, ["jellyfin_scan"], now=70.0, owner="w", lease=60.0)
    later, created = job_store.enqueue(conn, update("/d"), now=71.0)
    assert created and later.key == "f"
    joined, created = job_store.enqueue(conn, update("/e"), now=72.0)
    assert not created and joined.id == later.id


def test_a_change_gathered_into_a_failed_job_restarts_its_age(conn: sqlite3.Connection) -> None:
    first, _ = job_store.enqueue(conn, update("/a"), now=0.0)
    job_store.claim_next(conn, ["jellyfin_scan"], now=30.0, owner="w", lease=60.0)

    def fail(job: Job) -> JobUpdate:
        kind = machine.FailureKind.TRANSIENT
        return machine.fail(
            job, now=31.0, kind=kind, error="down", policy=POLICY, rand=random.random
        )

    job_store.transition(conn, first.id, fail)
    assert job_store.get_job(conn, first.id).age_origin == 0.0
    job_store.enqueue(conn, update("/b"), now=5000.0)
    gathered = job_store.get_job(conn, first.id)
    assert gathered.params == {"paths": ["/a", "/b"]} and gathered.age_origin == 5000.0
    job_store.enqueue(conn, update("/b"), now=6000.0)  # nothing new: the age stays
    assert job_store.get_job(conn, first.id).age_origin == 5000.0


def test_many_at_once_refuses_debounced_specs(conn: sqlite3.Connection) -> None:
    with pytest.raises(ValueError, match="debounced"):
        job_store.insert_many(conn, [scan(debounce=True)], now=0.0)
