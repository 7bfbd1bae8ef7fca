import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrkestra.core.retry import RetryPolicy, backoff_delay, next_attempt_at


def test_full_jitter_ceiling_doubles_until_cap() -> None:
    policy = RetryPolicy(max_attempts=None, base=30, cap=900)
    top = [backoff_delay(policy, n, lambda: 0.999999) for n in range(1, 8)]
    assert [round(t) for t in top] == [30, 60, 120, 240, 480, 900, 900]
    assert backoff_delay(policy, 3, lambda: 0.0) == 0.0


def test_huge_attempt_count_does_not_overflow() -> None:
    policy = RetryPolicy(max_attempts=None, base=1, cap=60)
    assert backoff_delay(policy, 10_000, lambda: 0.5) == 30.0


def test_gives_up_when_attempts_spent() -> None:
    policy = RetryPolicy(max_attempts=3, base=1, cap=1)
    kwargs = {"created_at": 0.0, "now": 10.0, "retry_after": None, "rand": lambda: 0.5}
    assert next_attempt_at(policy, attempts=2, **kwargs) == 10.5
    assert next_attempt_at(policy, attempts=3, **kwargs) is None


def test_gives_up_when_next_attempt_would_pass_max_age() -> None:
    policy = RetryPolicy(max_attempts=None, max_age=100, base=50, cap=50)
    assert (
        next_attempt_at(
            policy, attempts=1, created_at=0, now=40, retry_after=None, rand=lambda: 1.0
        )
        == 90
    )
    assert (
        next_attempt_at(
            policy, attempts=1, created_at=0, now=60, retry_after=None, rand=lambda: 1.0
        )
        is None
    )


def test_retry_after_is_a_lower_bound() -> None:
    policy = RetryPolicy(max_attempts=5, base=1, cap=2)
    when = next_attempt_at(
        policy, attempts=1, created_at=0, now=0, retry_after=120, rand=lambda: 0.1
    )
    assert when == 120


@pytest.mark.parametrize(
    "kwargs", [{"max_attempts": 0}, {"base": -1}, {"cap": -1}, {"max_age": -5}]
)
def test_invalid_policies_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


@given(
    attempts=st.integers(min_value=1, max_value=500),
    base=st.floats(min_value=0, max_value=1e6),
    cap=st.floats(min_value=0, max_value=1e6),
    r=st.floats(min_value=0, max_value=0.999999),
)
def test_delay_is_always_within_zero_and_cap(
    attempts: int, base: float, cap: float, r: float
) -> None:
    delay = backoff_delay(RetryPolicy(max_attempts=None, base=base, cap=cap), attempts, lambda: r)
    assert 0 <= delay <= cap
