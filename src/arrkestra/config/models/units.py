"""Durations and sizes as people write them (``90s``, ``6h``, ``1MiB``), as numbers the code uses.

Durations become ``float`` seconds and sizes ``int`` bytes, so nothing downstream ever
parses units again. A bare number is seconds (or bytes): that is what the old tools'
environment variables meant.
"""

from __future__ import annotations

import math
import re
from typing import Annotated

from pydantic import BeforeValidator, WithJsonSchema

from arrkestra.config.models.base import config_error

DURATION_UNITS: dict[str, float] = {
    "ms": 0.001,
    "s": 1,
    "m": 60,
    "h": 3600,
    "d": 86400,
    "w": 7 * 86400,
    "y": 365 * 86400,
}
SIZE_UNITS: dict[str, int] = {
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "tb": 1000**4,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    "tib": 1024**4,
}
DURATION_HINT = "a number with a unit: 90s, 15m, 6h, 7d, 1w, 1y (a bare number means seconds)"
SIZE_HINT = "a number with a unit: 512KiB, 1MiB, 10MB (a bare number means bytes)"

_NUMBER = r"[0-9]+(?:\.[0-9]+)?"
_BARE = re.compile(rf"\s*({_NUMBER})\s*")
_DURATION_PART = re.compile(rf"({_NUMBER})\s*(ms|[smhdwy])", re.IGNORECASE)
_DURATION = re.compile(rf"\s*(?:{_NUMBER}\s*(?:ms|[smhdwy])\s*)+", re.IGNORECASE)
_SIZE = re.compile(rf"\s*({_NUMBER})\s*([kmgt]i?b|b)?\s*", re.IGNORECASE)


def _number(value: object) -> float | None:
    """A YAML/JSON number as a float; ``None`` for anything else (booleans are not numbers)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return float(value)
    except OverflowError:
        return math.inf


def _checked(amount: float, what: str, original: object) -> float:
    if not math.isfinite(amount) or amount < 0:
        raise ValueError(f"{what} {original!r} must be a finite, non-negative amount")
    return amount


def parse_duration(value: object) -> float:
    """``"1h30m"`` -> ``5400.0``. Raises ``ValueError`` (only) for anything else."""
    number = _number(value)
    if number is not None:
        return _checked(number, "duration", value)
    if not isinstance(value, str):
        raise ValueError(f"a duration must be text or a number, not {type(value).__name__}")
    if bare := _BARE.fullmatch(value):
        return _checked(float(bare.group(1)), "duration", value)
    if not _DURATION.fullmatch(value):
        raise ValueError(f"invalid duration {value!r}")
    total = sum(
        float(amount) * DURATION_UNITS[unit.lower()]
        for amount, unit in _DURATION_PART.findall(value)
    )
    return _checked(total, "duration", value)


def parse_size(value: object) -> int:
    """``"1MiB"`` -> ``1048576``. Raises ``ValueError`` (only) for anything else."""
    number = _number(value)
    if number is not None:
        return round(_checked(number, "size", value))
    if not isinstance(value, str):
        raise ValueError(f"a size must be text or a number, not {type(value).__name__}")
    match = _SIZE.fullmatch(value)
    if match is None:
        raise ValueError(f"invalid size {value!r}")
    unit = (match.group(2) or "b").lower()
    return round(_checked(float(match.group(1)) * SIZE_UNITS[unit], "size", value))


def _duration_field(value: object) -> float:
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise config_error("duration", str(exc), DURATION_HINT) from None


def _size_field(value: object) -> int:
    try:
        return parse_size(value)
    except ValueError as exc:
        raise config_error("size", str(exc), SIZE_HINT) from None


Duration = Annotated[
    float,
    BeforeValidator(_duration_field),
    WithJsonSchema({"type": ["number", "string"], "description": "seconds, or text like 6h"}),
]
"""Seconds (``float``); accepts ``90s``, ``15m``, ``6h``, ``7d``, ``1w``, ``1y``, ``1h30m``, 42."""

Size = Annotated[
    int,
    BeforeValidator(_size_field),
    WithJsonSchema({"type": ["integer", "string"], "description": "bytes, or text like 1MiB"}),
]
"""Bytes (``int``); accepts ``1MiB``, ``10MB``, ``512KiB``, numbers."""
