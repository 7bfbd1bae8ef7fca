"""Live progress of running jobs (rsync's percent, rate and ETA), kept in memory.

Progress changes about once a second per transfer: writing it to SQLite would cost a
commit each time for something only worth knowing while the job runs. The API reads it
from here for jobs that are ``running``; a finished job's entry is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ProgressBoard:
    _entries: dict[int, dict[str, Any]] = field(default_factory=dict)

    def report(self, job_id: int, progress: dict[str, Any]) -> None:
        self._entries[job_id] = dict(progress)

    def clear(self, job_id: int) -> None:
        self._entries.pop(job_id, None)

    def get(self, job_id: int) -> dict[str, Any] | None:
        entry = self._entries.get(job_id)
        return None if entry is None else dict(entry)
