"""Time and randomness, injected so the rest of the code can be tested deterministically."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Wall-clock unix seconds (UTC), for stored timestamps."""
        ...


class SystemClock:
    def now(self) -> float:
        return time.time()


@dataclass
class ManualClock:
    """A clock tests move by hand."""

    current: float = 1_700_000_000.0

    def now(self) -> float:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += seconds


@dataclass
class SystemRandom:
    _rng: random.Random = field(default_factory=random.Random)

    def __call__(self) -> float:
        return self._rng.random()
