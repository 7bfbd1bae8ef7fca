"""Backoff policy: exponential with full jitter, bounded by attempts and/or age.

The random source is a parameter so tests (and the state machine) stay deterministic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

RandomSource = Callable[[], float]
"""Returns a float in [0, 1), like ``random.random``."""


@dataclass(frozen=True)
class RetryPolicy:
    """How a pipeline's failed jobs are retried.

    ``max_attempts`` counts attempts (the first run included); ``None`` means no limit,
    in which case ``max_age`` (seconds since the job was created) should bound it.
    """

    max_attempts: int | None = 3
    max_age: float | None = None
    base: float = 30.0
    cap: float = 900.0

    def __post_init__(self) -> None:
        if self.max_attempts is not None and self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1 or None")
        if self.base < 0 or self.cap < 0:
            raise ValueError("base and cap must not be negative")
        if self.max_age is not None and self.max_age < 0:
            raise ValueError("max_age must not be negative")


def backoff_delay(policy: RetryPolicy, attempts: int, rand: RandomSource) -> float:
    """Full jitter: a random delay between 0 and ``min(cap, base * 2**(attempts-1))``.

    ``attempts`` is how many attempts have run so far (>= 1 after a failure).
    """
    exponent = max(attempts - 1, 0)
    # 2**exponent overflows float for absurd attempt counts; the cap is reached long before.
    ceiling = policy.cap if exponent >= 64 else min(policy.cap, policy.base * 2.0**exponent)
    return rand() * ceiling


def next_attempt_at(
    policy: RetryPolicy,
    *,
    attempts: int,
    created_at: float,
    now: float,
    retry_after: float | None,
    rand: RandomSource,
) -> float | None:
    """When to try again after a transient failure, or ``None`` to give up.

    Gives up when the attempt budget is spent or when the next attempt would start
    after ``created_at + max_age``. A ``Retry-After`` hint is a lower bound.
    """
    if policy.max_attempts is not None and attempts >= policy.max_attempts:
        return None
    delay = backoff_delay(policy, attempts, rand)
    if retry_after is not None:
        delay = max(delay, retry_after)
    when = now + delay
    if policy.max_age is not None and when > created_at + policy.max_age:
        return None
    return when
