"""The online check's answer: one row per thing checked, and whether the command fails.

A row that fails something a configured capability needs is ``FAIL`` (exit 1); the same
failure in something nothing uses is ``warn`` (reported, never failing the command).
Every text in a row is redacted by whoever makes it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

NOTHING = "-"


class Result(enum.StrEnum):
    OK = "ok"
    FAIL = "FAIL"
    WARN = "warn"
    SKIPPED = "skipped"
    DELIVERED = "delivered"


@dataclass(frozen=True)
class Row:
    check: str  # what was checked, by its config path: "sonarr.hd", "mirror.paths[0].source"
    target: str  # where: a redacted URL, a path, a section; NOTHING when there is none
    result: Result
    detail: str  # what was found, and for a failure what to do about it

    def cells(self) -> list[str]:
        return [self.check, self.target, self.result.value, self.detail]


def failing(required: bool) -> Result:
    """How a failure shows: ``FAIL`` when something configured needs it, else ``warn``."""
    return Result.FAIL if required else Result.WARN


@dataclass(frozen=True)
class Report:
    rows: tuple[Row, ...]

    @property
    def failed(self) -> bool:
        return any(row.result is Result.FAIL for row in self.rows)

    def summary(self) -> str:
        failures = sum(1 for row in self.rows if row.result is Result.FAIL)
        warnings = sum(1 for row in self.rows if row.result is Result.WARN)
        if failures:
            return f"online check: {failures} problem(s) with what the configuration needs"
        if warnings:
            return f"online check: ok ({warnings} warning(s) about what nothing needs)"
        return "online check: ok"
