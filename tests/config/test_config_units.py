"""Durations and sizes: the units people write, the numbers the code uses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrkestra.config import parse_duration, parse_size
from arrkestra.core.errors import ConfigError


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90.0),
        ("15m", 900.0),
        ("6h", 21600.0),
        ("7d", 604800.0),
        ("1w", 604800.0),
        ("1y", 31536000.0),
        ("1h30m", 5400.0),
        ("1h 30m", 5400.0),
        ("1.5h", 5400.0),
        ("500ms", 0.5),
        ("6H", 21600.0),
        (" 2m ", 120.0),
        ("90", 90.0),
        ("0", 0.0),
        ("2.5", 2.5),
        (90, 90.0),
        (1.5, 1.5),
    ],
)
def test_durations(text: str | float, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "text", ["", "abc", "5x", "-5s", "-5", "s", "1e3", "inf", "nan", "1_000", "5 s m", "h1"]
)
def test_invalid_durations(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


@pytest.mark.parametrize("value", [True, None, [1], {"a": 1}, float("inf"), 10**400, -1])
def test_durations_of_other_types(value: object) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(value)


@given(st.text())
def test_parse_duration_only_ever_raises_value_error(text: str) -> None:
    try:
        result = parse_duration(text)
    except ValueError:
        return
    assert result >= 0


@given(st.text())
def test_parse_size_only_ever_raises_value_error(text: str) -> None:
    try:
        result = parse_size(text)
    except ValueError:
        return
    assert result >= 0


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("1MiB", 1024**2),
        ("10MiB", 10 * 1024**2),
        ("512KiB", 512 * 1024),
        ("1kib", 1024),
        ("1GiB", 1024**3),
        ("10MB", 10_000_000),
        ("1kB", 1000),
        ("1.5KiB", 1536),
        ("100B", 100),
        ("100", 100),
        (4096, 4096),
    ],
)
def test_sizes(text: str | int, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "1XB", "MiB", "-1MiB", "1 MiB MiB", True])
def test_invalid_sizes(text: object) -> None:
    with pytest.raises(ValueError, match="size"):
        parse_size(text)


def test_units_in_the_config_file(load) -> None:
    settings = load(
        """
        server: {body_limit: 2MiB, dedupe_window: 1w, drain_timeout: 90}
        storage: {event_retention: 1y}
        logging: {max_bytes: 5MB}
        """
    )
    assert settings.server.body_limit == 2 * 1024**2
    assert settings.server.dedupe_window == 7 * 86400
    assert settings.server.drain_timeout == 90.0
    assert settings.storage.event_retention == 365 * 86400
    assert settings.logging.max_bytes == 5_000_000


def test_a_bad_duration_in_the_file_explains_the_units(problems) -> None:
    error: ConfigError = problems("server: {dedupe_window: 3 fortnights}")
    [problem] = error.problems
    assert problem.path == "server.dedupe_window"
    assert "invalid duration" in problem.message
    assert "90s, 15m, 6h, 7d, 1w, 1y" in problem.hint
