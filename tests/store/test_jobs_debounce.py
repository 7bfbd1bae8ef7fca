"""Debounced jobs: a repeat pushes the first attempt back, within a bound."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from arrkestra.core.jobs import DEBOUNCE_HOLD, JobSpec
from arrkestra.store import jobs as job_store
from arrkestra.store.connection import connect
from arrkestra.store.migrations import migrate


@pytest.fixture
def conn(tmp_path: Path) -> sqlite3.Connection:
    connection = connect(tmp_path / "a.db")
    migrate(connection)
    return connection


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
