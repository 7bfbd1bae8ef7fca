"""The job state machine, exhaustively: every transition from every status."""

from collections.abc import Callable
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrkestra.core import jobs as m
from arrkestra.core.jobs import FailureKind, InvalidTransition, Job, JobStatus, JobUpdate
from arrkestra.core.retry import RetryPolicy

NOW = 1000.0
POLICY = RetryPolicy(max_attempts=3, base=10, cap=100)


def make_job(status: JobStatus, **kw: object) -> Job:
    base = Job(
        id=1,
        pipeline="p",
        key="k",
        params={},
        status=status,
        attempts=1,
        created_at=0.0,
        updated_at=0.0,
        next_attempt_at=0.0,
    )
    if status is JobStatus.RUNNING:
        base = replace(base, lease_owner="w1", lease_expires_at=NOW + 60)
    return replace(base, **kw)  # type: ignore[arg-type]


TRANSITIONS: dict[str, Callable[[Job], JobUpdate]] = {
    "claim": lambda j: m.claim(j, now=NOW, owner="w2", lease=60),
    "extend": lambda j: m.extend_lease(j, now=NOW, lease=60),
    "succeed": lambda j: m.succeed(j, now=NOW, result={"ok": True}),
    "fail_transient": lambda j: m.fail(
        j, now=NOW, kind=FailureKind.TRANSIENT, error="e", policy=POLICY, rand=lambda: 0.5
    ),
    "fail_permanent": lambda j: m.fail(
        j, now=NOW, kind=FailureKind.PERMANENT, error="e", policy=POLICY, rand=lambda: 0.5
    ),
    "fail_auth": lambda j: m.fail(
        j, now=NOW, kind=FailureKind.AUTH, error="e", policy=POLICY, rand=lambda: 0.5
    ),
    "fail_deferred": lambda j: m.fail(
        j, now=NOW, kind=FailureKind.DEFERRED, error="paused", policy=POLICY, rand=lambda: 0.5
    ),
    "release": lambda j: m.release(j, now=NOW),
    "recover": lambda j: m.recover(j, now=NOW),
    "cancel": lambda j: m.cancel(j, now=NOW),
    "retry": lambda j: m.retry(j, now=NOW),
}
S = JobStatus
# (transition, from-status) -> resulting status; every pair not listed must be refused.
EXPECTED: dict[tuple[str, JobStatus], JobStatus] = {
    ("claim", S.PENDING): S.RUNNING,
    ("claim", S.FAILED): S.RUNNING,
    ("extend", S.RUNNING): S.RUNNING,
    ("succeed", S.RUNNING): S.SUCCEEDED,
    ("fail_transient", S.RUNNING): S.FAILED,
    ("fail_permanent", S.RUNNING): S.DEAD,
    ("fail_auth", S.RUNNING): S.FAILED,
    ("fail_deferred", S.RUNNING): S.PENDING,
    ("release", S.RUNNING): S.PENDING,
    ("recover", S.RUNNING): S.PENDING,
    ("cancel", S.PENDING): S.CANCELLED,
    ("cancel", S.FAILED): S.CANCELLED,
    ("cancel", S.RUNNING): S.CANCELLED,
    ("retry", S.FAILED): S.PENDING,
    ("retry", S.DEAD): S.PENDING,
    ("retry", S.CANCELLED): S.PENDING,
}


@pytest.mark.parametrize("status", list(JobStatus))
@pytest.mark.parametrize("name", list(TRANSITIONS))
def test_every_transition_from_every_status(name: str, status: JobStatus) -> None:
    job = make_job(status)
    expected = EXPECTED.get((name, status))
    if expected is None:
        with pytest.raises(InvalidTransition):
            TRANSITIONS[name](job)
        return
    update = TRANSITIONS[name](job)
    assert update.status is expected
    assert update.updated_at == NOW
    # a lease exists exactly while a job runs
    assert (update.lease_owner is not None) == (expected is S.RUNNING)
    assert (update.lease_expires_at is not None) == (expected is S.RUNNING)
    if expected in m.TERMINAL_STATUSES:
        assert update.finished_at == NOW


def test_claim_counts_an_attempt_and_leases() -> None:
    update = m.claim(make_job(S.PENDING, attempts=0), now=NOW, owner="w", lease=30)
    assert (update.attempts, update.lease_owner, update.lease_expires_at) == (1, "w", NOW + 30)


def test_claim_refuses_a_job_not_yet_due() -> None:
    with pytest.raises(InvalidTransition, match="not due"):
        m.claim(make_job(S.FAILED, next_attempt_at=NOW + 1), now=NOW, owner="w", lease=30)


def test_transient_failure_schedules_backoff_then_dies_when_budget_spent() -> None:
    fail = TRANSITIONS["fail_transient"]
    first = fail(make_job(S.RUNNING, attempts=1))
    assert first.status is S.FAILED and first.next_attempt_at == NOW + 5  # 0.5 * 10
    assert first.last_error == "e"
    last = fail(make_job(S.RUNNING, attempts=3))
    assert last.status is S.DEAD
    assert last.last_error is not None and last.last_error.startswith("gave up after 3 attempt(s)")


def test_max_age_is_counted_from_the_last_manual_retry() -> None:
    policy = RetryPolicy(max_attempts=None, max_age=100, base=10, cap=10)
    old = make_job(S.RUNNING, created_at=0.0)
    assert (
        m.fail(
            old, now=NOW, kind=FailureKind.TRANSIENT, error="e", policy=policy, rand=lambda: 0.5
        ).status
        is S.DEAD
    )
    retried = replace(old, retried_at=NOW - 10)
    assert (
        m.fail(
            retried, now=NOW, kind=FailureKind.TRANSIENT, error="e", policy=policy, rand=lambda: 0.5
        ).status
        is S.FAILED
    )


def test_auth_failure_gives_the_attempt_back_and_waits() -> None:
    update = TRANSITIONS["fail_auth"](make_job(S.RUNNING, attempts=3))
    assert update.status is S.FAILED and update.attempts == 2
    assert update.next_attempt_at == NOW + POLICY.cap


def test_release_gives_the_attempt_back_recover_keeps_it() -> None:
    running = make_job(S.RUNNING, attempts=2)
    assert m.release(running, now=NOW).attempts == 1
    assert m.recover(running, now=NOW).attempts == 2
    assert m.recover(running, now=NOW).next_attempt_at == NOW


def test_manual_retry_resets_the_budget() -> None:
    update = m.retry(make_job(S.DEAD, attempts=3, finished_at=5.0), now=NOW)
    assert (update.attempts, update.finished_at, update.retried_at, update.next_attempt_at) == (
        0,
        None,
        NOW,
        NOW,
    )


def test_errors_are_truncated() -> None:
    update = m.fail(
        make_job(S.RUNNING),
        now=NOW,
        kind=FailureKind.PERMANENT,
        error="x" * 10_000,
        policy=POLICY,
        rand=lambda: 0,
    )
    assert update.last_error is not None and len(update.last_error) == m.MAX_ERROR_LENGTH


def test_lease_expired() -> None:
    job = make_job(S.RUNNING, lease_expires_at=NOW)
    assert m.lease_expired(job, NOW) and not m.lease_expired(job, NOW - 1)
    assert not m.lease_expired(make_job(S.PENDING), NOW)


def _apply(job: Job, update: JobUpdate) -> Job:
    return replace(job, **{f: getattr(update, f) for f in JobUpdate.__dataclass_fields__})


@given(st.lists(st.sampled_from(sorted(TRANSITIONS)), max_size=40))
def test_any_sequence_keeps_the_invariants(names: list[str]) -> None:
    job = make_job(S.PENDING, attempts=0)
    for name in names:
        try:
            job = _apply(job, TRANSITIONS[name](job))
        except InvalidTransition:
            continue
        assert job.attempts >= 0
        assert (job.lease_owner is not None) == (job.status is S.RUNNING)
        assert (job.finished_at is not None) == (job.status in m.TERMINAL_STATUSES)
        if job.status is S.DEAD:
            assert job.last_error


def test_deferred_goes_back_to_pending_without_spending_an_attempt() -> None:
    update = TRANSITIONS["fail_deferred"](make_job(S.RUNNING, attempts=2))
    assert (update.status, update.attempts, update.next_attempt_at, update.last_error) == (
        S.PENDING,
        1,
        NOW,
        "paused",
    )
