"""Job values and the job state machine.

Every transition is a pure function ``(job, now, ...) -> JobUpdate``; the store applies
the update under a condition on the job's current status and lease, so two workers can
never both move the same job. Illegal transitions raise :class:`InvalidTransition`.

Lifecycle::

    pending --claim--> running --succeed--> succeeded
       ^                 |  \\--fail(transient)--> failed --(due)--claim--> running
       |                 |   \\--fail(permanent / out of budget)--> dead
       |                 \\--release (drain) / recover (crash, expired lease)--> pending
       |                  \\--fail(deferred: a paused pipeline, a mount down)--> pending
    failed, dead, cancelled --retry (manual)--> pending
    pending, failed, running --cancel--> cancelled

``run_alone`` marks a job whose shared run (a mirror batch) failed: it was released with
a note and its next attempt runs on its own, so one bad file cannot fail it twice. The
mark lasts while attempts are given back (a drain, a deferral) and ends with the first
attempt that counts, a cancel or a manual retry.

``waiting_on`` names the mount (a root's path) a pending job waits on: its run found the
root down (``MountDown``), so the attempt was given back, and the mount monitor makes it due
once the root is back. The mark ends with the job's next claim. Waiting on a mount never
ages a job: ``max_age`` counts from its creation, its last manual retry or the end of its
last wait on a mount (``aged_from``, set by the claim that ends the wait), whichever is
latest, so an outage of any length leaves the job a whole ``max_age`` for real failures.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from arrkestra.core.errors import ArrkestraError
from arrkestra.core.retry import RandomSource, RetryPolicy, next_attempt_at

JsonObject = dict[str, Any]
MAX_ERROR_LENGTH = 4000


class JobStatus(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # a transient failure: will be retried at next_attempt_at
    DEAD = "dead"  # gave up: permanent error or retry budget spent
    CANCELLED = "cancelled"


ACTIVE_STATUSES = frozenset({JobStatus.PENDING, JobStatus.RUNNING, JobStatus.FAILED})
"""A job in one of these holds its idempotency key: a second enqueue returns it."""
CLAIMABLE_STATUSES = frozenset({JobStatus.PENDING, JobStatus.FAILED})
TERMINAL_STATUSES = frozenset({JobStatus.SUCCEEDED, JobStatus.DEAD, JobStatus.CANCELLED})
RETRYABLE_STATUSES = frozenset({JobStatus.FAILED, JobStatus.DEAD, JobStatus.CANCELLED})


class FailureKind(enum.StrEnum):
    TRANSIENT = "transient"
    PERMANENT = "permanent"
    AUTH = "auth"
    DEFERRED = "deferred"  # not a failure of the job: back to pending, attempt given back


class InvalidTransition(ArrkestraError):
    """The job is not in a state that allows this transition."""


@dataclass(frozen=True)
class JobSpec:
    """What a router or a scheduler asks for: a job not yet stored.

    ``key`` is the idempotency key: enqueuing a spec whose (pipeline, key) is held by an
    active job returns that job instead of a new one.
    """

    pipeline: str
    key: str
    params: JsonObject
    event_id: int | None = None
    delay: float = 0.0  # seconds before the first attempt (e.g. a debounced Plex scan)
    # A repeat while the job still waits for its first attempt pushes that attempt back to
    # ``delay`` after the repeat (a sliding window), but never past DEBOUNCE_HOLD delays
    # after the job was created: a steady stream of repeats still gets its turn.
    debounce: bool = False
    # How a repeat joins the job it finds waiting (not yet running): the waiting job's
    # params and the repeat's -> the params the job runs with (a Jellyfin update gathers
    # the paths of its folder). None: the waiting job's params stay as they are.
    gather: Callable[[JsonObject, JsonObject], JsonObject] | None = field(
        default=None, compare=False
    )


DEBOUNCE_HOLD = 10


def follow_up_key(key: str) -> str:
    """The key of the job a debounced repeat queues while the job it repeats is running:
    that run may have read the folder before the change, so one more run follows it.
    Later repeats join that follow-up while it waits (``store/jobs.insert_jobs``)."""
    return f"{key}#next"


def debounced_due(created_at: float, due: float, delay: float, *, now: float) -> float:
    """When a debounced job that was asked for again at ``now`` should first run."""
    return max(due, min(now + delay, created_at + DEBOUNCE_HOLD * delay))


@dataclass(frozen=True)
class Job:
    id: int
    pipeline: str
    key: str
    params: JsonObject
    status: JobStatus
    attempts: int
    created_at: float
    updated_at: float
    next_attempt_at: float
    lease_owner: str | None = None
    lease_expires_at: float | None = None
    last_error: str | None = None
    result: JsonObject | None = None
    finished_at: float | None = None
    event_id: int | None = None
    retried_at: float | None = None
    run_alone: bool = False
    waiting_on: str | None = None  # the mount a pending job waits on (see the module doc)
    aged_from: float | None = None  # the end of its last wait on a mount

    @property
    def age_origin(self) -> float:
        """Where ``max_age`` is counted from: creation, the last manual retry or the end of
        the last wait on a mount, whichever is latest."""
        return max(t for t in (self.created_at, self.retried_at, self.aged_from) if t is not None)


@dataclass(frozen=True)
class JobUpdate:
    """The new values of a job's mutable columns after one transition."""

    status: JobStatus
    attempts: int
    next_attempt_at: float
    updated_at: float
    lease_owner: str | None
    lease_expires_at: float | None
    last_error: str | None
    result: JsonObject | None
    finished_at: float | None
    retried_at: float | None
    run_alone: bool
    waiting_on: str | None
    aged_from: float | None

    @classmethod
    def of(cls, job: Job) -> JobUpdate:
        return cls(
            status=job.status,
            attempts=job.attempts,
            next_attempt_at=job.next_attempt_at,
            updated_at=job.updated_at,
            lease_owner=job.lease_owner,
            lease_expires_at=job.lease_expires_at,
            last_error=job.last_error,
            result=job.result,
            finished_at=job.finished_at,
            retried_at=job.retried_at,
            run_alone=job.run_alone,
            waiting_on=job.waiting_on,
            aged_from=job.aged_from,
        )


def _require(job: Job, allowed: frozenset[JobStatus], action: str) -> None:
    if job.status not in allowed:
        names = ", ".join(sorted(s.value for s in allowed))
        raise InvalidTransition(f"cannot {action} job {job.id}: it is {job.status} (needs {names})")


def _unleased(job: Job, now: float, status: JobStatus, **changes: Any) -> JobUpdate:
    base = replace(JobUpdate.of(job), status=status, updated_at=now, waiting_on=None)
    return replace(base, lease_owner=None, lease_expires_at=None, **changes)


def is_due(job: Job, now: float) -> bool:
    return job.status in CLAIMABLE_STATUSES and job.next_attempt_at <= now


def claim(job: Job, *, now: float, owner: str, lease: float) -> JobUpdate:
    """Start an attempt: the job is leased to ``owner`` until ``now + lease``. A job that
    waited on a mount stops waiting, and its age counts from now."""
    _require(job, CLAIMABLE_STATUSES, "claim")
    if job.next_attempt_at > now:
        raise InvalidTransition(f"cannot claim job {job.id}: not due yet")
    return replace(
        JobUpdate.of(job),
        status=JobStatus.RUNNING,
        attempts=job.attempts + 1,
        updated_at=now,
        lease_owner=owner,
        lease_expires_at=now + lease,
        waiting_on=None,
        aged_from=now if job.waiting_on is not None else job.aged_from,
    )


def extend_lease(job: Job, *, now: float, lease: float) -> JobUpdate:
    _require(job, frozenset({JobStatus.RUNNING}), "extend the lease of")
    return replace(JobUpdate.of(job), updated_at=now, lease_expires_at=now + lease)


def succeed(job: Job, *, now: float, result: JsonObject) -> JobUpdate:
    _require(job, frozenset({JobStatus.RUNNING}), "complete")
    return _unleased(
        job,
        now,
        JobStatus.SUCCEEDED,
        result=result,
        finished_at=now,
        last_error=None,
        run_alone=False,
    )


def fail(
    job: Job,
    *,
    now: float,
    kind: FailureKind,
    error: str,
    policy: RetryPolicy,
    rand: RandomSource,
    retry_after: float | None = None,
    waiting_on: str | None = None,
) -> JobUpdate:
    """Record a failed attempt and decide what comes next.

    Transient: retry with backoff until the policy's attempts or age run out, then dead.
    Permanent: dead at once. Deferred: back to pending, the attempt given back, due after
    ``retry_after`` (waiting on the mount ``waiting_on``, when one is named: never dead,
    however long). Auth: the attempt is given back and the job waits (failed, not dead) at
    least ``retry_after`` or the policy's cap, while credentials are fixed.
    """
    _require(job, frozenset({JobStatus.RUNNING}), "fail")
    message = error[:MAX_ERROR_LENGTH]
    if kind is FailureKind.PERMANENT:
        return _unleased(
            job, now, JobStatus.DEAD, last_error=message, finished_at=now, run_alone=False
        )
    if kind is FailureKind.DEFERRED:
        return _unleased(
            job,
            now,
            JobStatus.PENDING,
            attempts=max(job.attempts - 1, 0),
            next_attempt_at=now + (retry_after or 0.0),
            last_error=message,
            waiting_on=waiting_on,
        )
    if kind is FailureKind.AUTH:
        wait = retry_after if retry_after is not None else policy.cap
        return _unleased(
            job,
            now,
            JobStatus.FAILED,
            attempts=max(job.attempts - 1, 0),
            next_attempt_at=now + wait,
            last_error=message,
        )
    when = next_attempt_at(
        policy,
        attempts=job.attempts,
        created_at=job.age_origin,
        now=now,
        retry_after=retry_after,
        rand=rand,
    )
    if when is None:
        gave_up = f"gave up after {job.attempts} attempt(s): {message}"[:MAX_ERROR_LENGTH]
        return _unleased(
            job, now, JobStatus.DEAD, last_error=gave_up, finished_at=now, run_alone=False
        )
    return _unleased(
        job, now, JobStatus.FAILED, next_attempt_at=when, last_error=message, run_alone=False
    )


def release(job: Job, *, now: float, alone: bool = False) -> JobUpdate:
    """Give a running job back (a drain, a batch run that did not go); the unfinished
    attempt does not count. ``alone``: its shared run failed, the next attempt runs alone."""
    _require(job, frozenset({JobStatus.RUNNING}), "release")
    return _unleased(
        job,
        now,
        JobStatus.PENDING,
        attempts=max(job.attempts - 1, 0),
        next_attempt_at=now,
        run_alone=job.run_alone or alone,
    )


def recover(job: Job, *, now: float) -> JobUpdate:
    """Return a job whose worker is gone (crash, expired lease) to pending, due now.

    The interrupted attempt counts, so a job that keeps crashing its worker still
    spends its budget on its next failure; recovery itself never kills a job.
    """
    _require(job, frozenset({JobStatus.RUNNING}), "recover")
    return _unleased(job, now, JobStatus.PENDING, next_attempt_at=now, run_alone=False)


def cancel(job: Job, *, now: float) -> JobUpdate:
    _require(job, ACTIVE_STATUSES, "cancel")
    return _unleased(job, now, JobStatus.CANCELLED, finished_at=now, run_alone=False)


def retry(job: Job, *, now: float) -> JobUpdate:
    """Manual retry: a fresh budget of attempts and age, due now."""
    _require(job, RETRYABLE_STATUSES, "retry")
    return _unleased(
        job,
        now,
        JobStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        finished_at=None,
        retried_at=now,
        run_alone=False,
    )


def lease_expired(job: Job, now: float) -> bool:
    return (
        job.status is JobStatus.RUNNING
        and job.lease_expires_at is not None
        and job.lease_expires_at <= now
    )
