"""The error taxonomy, sorted by what the caller does next.

Expected outcomes (already absent, rejected, unsupported) are return values, not
exceptions. These exceptions are for the cases where the job queue has to decide:
retry later, wait for credentials, or give up.
"""

from __future__ import annotations

from dataclasses import dataclass


class ArrkestraError(Exception):
    """Base of every error arrkestra raises on purpose."""


class TransientError(ArrkestraError):
    """Timeout, connection error, 5xx, 429, stale mount: retry with backoff.

    ``retry_after`` (seconds) is the upstream's own hint (``Retry-After``); the job
    queue waits at least that long before the next attempt.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class UpstreamAuthError(ArrkestraError):
    """401/403 from an upstream: its jobs wait (not dead) until credentials are fixed."""

    def __init__(self, message: str, *, upstream: str) -> None:
        super().__init__(message)
        self.upstream = upstream


class DeferredError(ArrkestraError):
    """The job must wait without spending an attempt (e.g. its pipeline was just paused)."""


class PermanentError(ArrkestraError):
    """400/422, unmappable path, invalid job: retrying cannot help, the job is dead at once."""


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong (or worth a warning) in the configuration, with where and what to do."""

    path: str
    message: str
    hint: str = ""

    def render(self) -> str:
        text = f"{self.path}: {self.message}" if self.path else self.message
        return f"{text}\n    hint: {self.hint}" if self.hint else text


class ConfigError(ArrkestraError):
    """Found at load time or by ``arrkestra check``: refuse to start and list every problem."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        lines = "\n".join(f"  - {p.render()}" for p in self.problems)
        super().__init__(f"configuration has {count} {noun}:\n{lines}")
