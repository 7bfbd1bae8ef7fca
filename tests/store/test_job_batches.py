import sqlite3
from collections.abc import Callable

import pytest

from arrkestra.core import jobs as m
from arrkestra.core.jobs import Job, JobSpec, JobStatus
from arrkestra.store import job_batches as batches
from arrkestra.store import jobs as store


def add(conn: sqlite3.Connection, key: str, *, now: float = 1.0, pipeline: str = "p") -> Job:
    return store.enqueue(conn, JobSpec(pipeline, key, {"key": key}), now=now)[0]


def claim(
    conn: sqlite3.Connection,
    prefix: str,
    *,
    limit: int = 10,
    now: float = 5.0,
    accept: Callable[[Job], bool] = lambda job: True,
) -> list[Job]:
    return batches.claim_matching(
        conn,
        "p",
        key_prefix=prefix,
        accept=accept,
        limit=limit,
        now=now,
        owner="w",
        lease=60,
    )


def test_key_range_holds_exactly_the_keys_with_the_prefix() -> None:
    assert batches.key_range("hd//tv/Show/") == ("hd//tv/Show/", "hd//tv/Show0")
    with pytest.raises(ValueError):
        batches.key_range("")


def test_claim_matching_leases_due_pending_jobs_under_the_prefix_in_due_order(
    conn: sqlite3.Connection,
) -> None:
    b = add(conn, "hd//tv/S ☃/b.mkv", now=2.0)
    a = add(conn, "hd//tv/S ☃/a.mkv", now=1.0)
    add(conn, "hd//tv/S ☃/later.mkv", now=9.0)  # not due at 5
    add(conn, "hd//tv/S ☃0/other.mkv")  # the range's upper end is not in it
    add(conn, "hd//tv/S/x.mkv")
    add(conn, "hd//tv/S ☃/c.mkv", pipeline="q")
    running = store.claim_next(conn, ["p"], now=5.0, owner="w", lease=60)  # a, not pending
    assert running is not None and running.id == a.id
    c = add(conn, "hd//tv/S ☃/sub/c.mkv", now=3.0)
    asked: list[str] = []

    def accept(job: Job) -> bool:
        asked.append(job.key)
        return "sub/" not in job.key

    claimed = claim(conn, "hd//tv/S ☃/", accept=accept)
    assert [j.id for j in claimed] == [b.id]
    assert asked == [b.key, c.key]
    [job] = claimed
    assert job.status is JobStatus.RUNNING and job.attempts == 1 and job.lease_owner == "w"
    assert job.lease_expires_at == 65.0
    assert [a.outcome for a in store.list_attempts(conn, b.id)] == [None]  # its attempt row


def test_claim_matching_stops_at_the_limit(conn: sqlite3.Connection) -> None:
    jobs = [add(conn, f"k/{n}", now=float(n)) for n in range(5)]
    assert [j.id for j in claim(conn, "k/", limit=3)] == [j.id for j in jobs[:3]]
    assert [j.id for j in claim(conn, "k/", limit=3)] == [j.id for j in jobs[3:]]


def test_transition_many_applies_what_it_can_and_skips_jobs_no_longer_leased(
    conn: sqlite3.Connection,
) -> None:
    one, two, three = (add(conn, f"k/{n}") for n in range(3))
    claim(conn, "k/")
    store.transition(conn, two.id, lambda j: m.cancel(j, now=6.0))

    def done(job: Job) -> m.JobUpdate:
        return m.succeed(job, now=7.0, result={"outcome": "copied"})

    applied = batches.transition_many(
        conn, [(one.id, done), (two.id, done), (three.id, done), (999, done)], owner="w"
    )
    assert [j.id for j in applied.jobs] == [one.id, three.id]
    assert applied.jobs[0].status is JobStatus.SUCCEEDED
    assert applied.jobs[0].result == {"outcome": "copied"}
    assert [job_id for job_id, _ in applied.skipped] == [two.id, 999]
    assert store.get_job(conn, two.id).status is JobStatus.CANCELLED
    other = batches.transition_many(conn, [(three.id, done)], owner="someone else")
    assert other.jobs == [] and other.skipped[0][0] == three.id


def test_a_release_gives_the_attempt_back_and_is_seen_by_the_next_attempt(
    conn: sqlite3.Connection,
) -> None:
    plain, noted = add(conn, "k/a"), add(conn, "k/b")
    claim(conn, "k/")
    assert batches.released_before(conn, [store.get_job(conn, plain.id)]) == set()
    applied = batches.release_many(conn, [plain.id], owner="w", now=6.0)
    assert [j.status for j in applied.jobs] == [JobStatus.PENDING]
    assert applied.jobs[0].attempts == 0 and applied.jobs[0].next_attempt_at == 6.0
    assert not applied.jobs[0].run_alone
    batches.release_many(conn, [noted.id], owner="w", now=6.0, note="the batch run failed")
    log = store.list_attempts(conn, noted.id)
    assert [(a.outcome, a.error) for a in log] == [("released", "the batch run failed")]
    assert store.get_job(conn, noted.id).run_alone
    # released at a drain: batched again; released with a note: left to run alone
    assert [j.id for j in claim(conn, "k/", now=7.0)] == [plain.id]
    again = store.claim_next(conn, ["p"], now=7.0, owner="w", lease=60)
    assert again is not None and again.id == noted.id and again.attempts == 1
    assert again.run_alone  # while it runs, so its runner claims no siblings
    running = [store.get_job(conn, plain.id), again]
    assert batches.released_before(conn, running) == {plain.id, noted.id}
    ran = store.transition(
        conn, noted.id, lambda j: m.succeed(j, now=8.0, result={"outcome": "copied"})
    )
    assert not ran.run_alone  # an attempt that counts ends it


def test_a_manual_retry_forgets_releases_before_it(conn: sqlite3.Connection) -> None:
    job = add(conn, "k/a")
    claim(conn, "k/")
    batches.release_many(conn, [job.id], owner="w", now=6.0, note="failed")
    store.transition(conn, job.id, lambda j: m.cancel(j, now=7.0))
    store.transition(conn, job.id, lambda j: m.retry(j, now=8.0))
    [again] = claim(conn, "k/", now=9.0)  # the note no longer holds it back
    assert batches.released_before(conn, [again]) == set()
