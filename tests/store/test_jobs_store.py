import math
import sqlite3
import threading
from pathlib import Path

import pytest

from arrkestra.core import jobs as m
from arrkestra.core.jobs import FailureKind, JobSpec, JobStatus
from arrkestra.core.retry import RetryPolicy
from arrkestra.store import jobs as store
from arrkestra.store.connection import connect

POLICY = RetryPolicy(max_attempts=2, base=10, cap=10)


def spec(key: str = "k", pipeline: str = "p") -> JobSpec:
    return JobSpec(pipeline, key, {"path": "/tv/Show ☃/S01E01.mkv", "size": 2**40})


def test_enqueue_is_idempotent_while_active(conn: sqlite3.Connection) -> None:
    job, created = store.enqueue(conn, spec(), now=1.0)
    again, created_again = store.enqueue(conn, spec(), now=2.0)
    assert created and not created_again and again.id == job.id
    assert job.params == {"path": "/tv/Show ☃/S01E01.mkv", "size": 2**40}
    other, created_other = store.enqueue(conn, spec(pipeline="q"), now=2.0)
    assert created_other and other.id != job.id


def test_same_key_enqueues_again_once_the_job_finished(conn: sqlite3.Connection) -> None:
    job, _ = store.enqueue(conn, spec(), now=1.0)
    claimed = store.claim_next(conn, ["p"], now=1.0, owner="w", lease=60)
    assert claimed is not None
    store.transition(conn, job.id, lambda j: m.succeed(j, now=2.0, result={}), owner="w")
    fresh, created = store.enqueue(conn, spec(), now=3.0)
    assert created and fresh.id != job.id


def test_claim_takes_the_most_overdue_due_job_of_allowed_pipelines(
    conn: sqlite3.Connection,
) -> None:
    a, _ = store.enqueue(conn, spec("a"), now=5.0)
    b, _ = store.enqueue(conn, spec("b"), now=3.0)
    store.enqueue(conn, spec("c", pipeline="other"), now=1.0)
    assert store.claim_next(conn, [], now=10, owner="w", lease=60) is None
    first = store.claim_next(conn, ["p"], now=10, owner="w", lease=60)
    assert first is not None and first.id == b.id
    assert first.status is JobStatus.RUNNING and first.lease_owner == "w" and first.attempts == 1
    assert store.claim_next(conn, ["p"], now=4, owner="w", lease=60) is None  # a is not due at t=4
    second = store.claim_next(conn, ["p"], now=10, owner="w", lease=60)
    assert second is not None and second.id == a.id


def test_transient_failure_waits_for_backoff_then_dies(conn: sqlite3.Connection) -> None:
    job, _ = store.enqueue(conn, spec(), now=0.0)

    def fail(j: m.Job) -> m.JobUpdate:
        return m.fail(
            j,
            now=100.0,
            kind=FailureKind.TRANSIENT,
            error="timeout",
            policy=POLICY,
            rand=lambda: 1.0,
        )

    store.claim_next(conn, ["p"], now=0, owner="w", lease=60)
    failed = store.transition(conn, job.id, fail, owner="w")
    assert failed.status is JobStatus.FAILED and failed.next_attempt_at == 110.0
    assert store.next_due_time(conn, ["p"]) == 110.0
    assert store.claim_next(conn, ["p"], now=105, owner="w", lease=60) is None
    assert store.claim_next(conn, ["p"], now=110, owner="w", lease=60) is not None
    dead = store.transition(conn, job.id, fail, owner="w")
    assert dead.status is JobStatus.DEAD
    attempts = store.list_attempts(conn, job.id)
    assert [(a.attempt, a.outcome) for a in attempts] == [(1, "failed"), (2, "dead")]
    assert attempts[0].error == "timeout"


def test_transition_with_a_lost_lease_is_refused(conn: sqlite3.Connection) -> None:
    job, _ = store.enqueue(conn, spec(), now=0.0)
    store.claim_next(conn, ["p"], now=0, owner="w1", lease=60)
    with pytest.raises(store.LeaseLost):
        store.transition(conn, job.id, lambda j: m.succeed(j, now=1, result={}), owner="w2")
    store.transition(conn, job.id, lambda j: m.cancel(j, now=1))
    with pytest.raises(store.LeaseLost):
        store.transition(conn, job.id, lambda j: m.succeed(j, now=1, result={}), owner="w1")
    assert store.get_job(conn, job.id).status is JobStatus.CANCELLED


def test_unknown_job(conn: sqlite3.Connection) -> None:
    with pytest.raises(store.JobNotFound):
        store.get_job(conn, 42)


def test_recovery_reclaim_and_release(conn: sqlite3.Connection) -> None:
    ids = [store.enqueue(conn, spec(str(i)), now=0.0)[0].id for i in range(3)]
    for owner, lease in (("old", 10), ("old", 1000), ("me", 1000)):
        store.claim_next(conn, ["p"], now=0, owner=owner, lease=lease)
    assert store.reclaim_expired(conn, now=50) == [ids[0]]
    assert store.release_owned(conn, "me", now=50) == [ids[2]]
    released = store.get_job(conn, ids[2])
    assert released.status is JobStatus.PENDING and released.attempts == 0
    assert store.recover_running(conn, now=60) == [ids[1]]
    recovered = store.get_job(conn, ids[1])
    assert recovered.status is JobStatus.PENDING and recovered.attempts == 1
    outcomes = {i: [a.outcome for a in store.list_attempts(conn, i)] for i in ids}
    assert outcomes == {ids[0]: ["recovered"], ids[1]: ["recovered"], ids[2]: ["released"]}


def test_listing_filters_and_cursor(conn: sqlite3.Connection) -> None:
    ids = [
        store.enqueue(conn, spec(str(i), pipeline="p" if i % 2 else "q"), now=float(i))[0].id
        for i in range(7)
    ]
    page = store.list_jobs(conn, store.JobFilter(limit=3))
    assert [j.id for j in page] == ids[::-1][:3]
    rest = store.list_jobs(conn, store.JobFilter(limit=10, before=page[-1].id))
    assert [j.id for j in rest] == ids[::-1][3:]
    only_p = store.list_jobs(conn, store.JobFilter(pipeline="p", status=JobStatus.PENDING))
    assert {j.pipeline for j in only_p} == {"p"} and len(only_p) == 3
    assert store.count_by_pipeline_status(conn) == {("p", "pending"): 3, ("q", "pending"): 4}
    assert store.oldest_waiting(conn) == {"p": 1.0, "q": 0.0}


def test_finished_since_and_retryable_since(conn: sqlite3.Connection) -> None:
    ok, _ = store.enqueue(conn, spec("ok"), now=0)
    bad, _ = store.enqueue(conn, spec("bad"), now=0)
    store.claim_next(conn, ["p"], now=1, owner="w", lease=60)
    store.claim_next(conn, ["p"], now=1, owner="w", lease=60)
    store.transition(conn, ok.id, lambda j: m.succeed(j, now=10, result={}), owner="w")
    store.transition(
        conn,
        bad.id,
        lambda j: m.fail(
            j, now=20, kind=FailureKind.PERMANENT, error="400", policy=POLICY, rand=lambda: 0
        ),
        owner="w",
    )
    assert store.finished_since(conn, 0) == {"succeeded": 1, "dead": 1}
    assert store.finished_since(conn, 15) == {"dead": 1}
    assert [j.id for j in store.retryable_since(conn, 15)] == [bad.id]


def test_concurrent_claims_from_many_connections_never_double_claim(
    db_path: Path, conn: sqlite3.Connection
) -> None:
    total = 300
    for i in range(total):
        store.enqueue(conn, spec(str(i)), now=0.0)
    claimed: list[list[int]] = [[] for _ in range(6)]
    errors: list[BaseException] = []

    def worker(slot: int) -> None:
        own = connect(db_path)
        try:
            while (
                job := store.claim_next(own, ["p"], now=1.0, owner=f"w{slot}", lease=60)
            ) is not None:
                claimed[slot].append(job.id)
                store.transition(
                    own, job.id, lambda j: m.succeed(j, now=2.0, result={}), owner=f"w{slot}"
                )
        except BaseException as exc:  # surfaced below: SQLITE_BUSY would land here
            errors.append(exc)
        finally:
            own.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    every = [i for part in claimed for i in part]
    assert len(every) == total and len(set(every)) == total
    assert store.count_by_pipeline_status(conn) == {("p", "succeeded"): total}


def test_a_delayed_job_is_not_due_before_its_delay(conn: sqlite3.Connection) -> None:
    job, _ = store.enqueue(conn, JobSpec("plex_scan", "k", {}, delay=30.0), now=100.0)
    assert job.next_attempt_at == 130.0
    assert store.claim_next(conn, ["plex_scan"], now=129.0, owner="w", lease=60) is None
    assert store.claim_next(conn, ["plex_scan"], now=130.0, owner="w", lease=60) is not None


def test_a_result_holding_nan_or_infinity_is_stored_as_json_sqlite_can_read(
    conn: sqlite3.Connection,
) -> None:
    """Python writes NaN/Infinity, SQLite's JSON refuses them, and the dashboard's indexes
    read results with json_extract: such a result would make the success unwritable."""
    job, _ = store.enqueue(conn, m.JobSpec("mirror", "k-nan", {"ratio": math.nan}), now=0)
    assert store.claim_next(conn, ["mirror"], now=1.0, owner="w", lease=60) is not None
    result = {"outcome": "copied", "seconds": math.inf, "rates": [math.nan, 2.5]}
    done = store.transition(conn, job.id, lambda j: m.succeed(j, now=2.0, result=result), owner="w")
    assert done.status is m.JobStatus.SUCCEEDED
    assert done.result == {"outcome": "copied", "seconds": None, "rates": [None, 2.5]}
    assert done.params == {"ratio": None}
    valid = conn.execute("SELECT json_valid(params) AND json_valid(result) FROM jobs").fetchone()
    assert valid[0] == 1
