"""A test-only pipeline: waits, then appends one line per completed job to a log file.

It exists only when ``selftest.enabled`` is set, so the end-to-end tests can drive the
real daemon's queue (crash, restart, drain) and count completions from outside.
"""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from arrkestra.core.errors import PermanentError, TransientError
from arrkestra.core.jobs import Job, JsonObject

NAME = "selftest"


class SelftestParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    duration: float = Field(default=0.0, ge=0, le=3600)
    fail: Literal["transient", "permanent"] | None = None
    label: str = Field(default="", max_length=200)


@dataclass(frozen=True)
class Deps:
    log_file: Path


async def run(job: Job, deps: Deps) -> JsonObject:
    try:
        params = SelftestParams.model_validate(job.params)
    except ValidationError as exc:
        raise PermanentError(f"invalid selftest parameters: {exc.errors()[0]['msg']}") from exc
    await asyncio.sleep(params.duration)
    if params.fail == "transient":
        raise TransientError("selftest asked to fail transiently")
    if params.fail == "permanent":
        raise PermanentError("selftest asked to fail permanently")
    line = json.dumps({"job_id": job.id, "attempt": job.attempts, "label": params.label})
    await asyncio.to_thread(_append_line, deps.log_file, line)
    return {"label": params.label, "slept": params.duration}


def _append_line(path: Path, line: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")
        handle.flush()
        os.fsync(handle.fileno())
