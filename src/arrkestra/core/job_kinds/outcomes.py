"""A job in one sentence, whatever its kind: what it did, or why it did not.

The worker logs this sentence when a job finishes (``mirrored "Amélie (2001)" 1.2 GiB in
8 s``, ``could not remove "Show" from Overseerr: HTTP 500``) and the history file keeps
it. Each kind's models say their own words (``JobParams.about`` / ``task``,
``JobResult.in_words``); this module picks the models for a stored job and falls back
to what any row carries (its title or file, its result's summary) when a row fits none.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from arrkestra.core.errors import PermanentError
from arrkestra.core.job_kinds.base import JobParams, JobResult, subject_of, summary_of
from arrkestra.core.job_kinds.catchup import CATCHUP, CatchupParams, CatchupResult
from arrkestra.core.job_kinds.cleanup import CLEANUP, CleanupParams, CleanupResult
from arrkestra.core.job_kinds.discovery import DISCOVERY, CycleParams, CycleResult
from arrkestra.core.job_kinds.mirror import (
    MIRROR,
    PLEX_SCAN,
    ScanParams,
    ScanResult,
    load_mirror_params,
    load_mirror_result,
)
from arrkestra.core.job_kinds.reconcile import RECONCILE, ReconcileParams, ReconcileResult
from arrkestra.core.job_kinds.server_update import (
    EMBY_SCAN,
    JELLYFIN_SCAN,
    EmbyScanParams,
    JellyfinScanParams,
    ServerUpdateResult,
)
from arrkestra.core.job_kinds.words import duration, quoted
from arrkestra.core.jobs import Job, JobStatus, JsonObject

ParamsLoader = Callable[[JsonObject | None], JobParams]
ResultLoader = Callable[[JsonObject | None], JobResult | None]

KINDS: Mapping[str, tuple[ParamsLoader, ResultLoader]] = {
    CLEANUP: (CleanupParams.load, CleanupResult.load),
    MIRROR: (load_mirror_params, load_mirror_result),
    PLEX_SCAN: (ScanParams.load, ScanResult.load),
    JELLYFIN_SCAN: (JellyfinScanParams.load, ServerUpdateResult.load),
    EMBY_SCAN: (EmbyScanParams.load, ServerUpdateResult.load),
    CATCHUP: (CatchupParams.load, CatchupResult.load),
    RECONCILE: (ReconcileParams.load, ReconcileResult.load),
    DISCOVERY: (CycleParams.load, CycleResult.load),
}
"""pipeline -> how its stored params and result are read."""


def params_of(job: Job) -> JobParams | None:
    """The job's params as its kind's model; None for an unknown kind or a row that fits none."""
    kind = KINDS.get(job.pipeline)
    if kind is None:
        return None
    try:
        return kind[0](job.params)
    except PermanentError:
        return None


def result_of(job: Job) -> JobResult | None:
    """The job's result as its kind's model; None when it has none or it fits none."""
    kind = KINDS.get(job.pipeline)
    if kind is None or not job.result:
        return None
    try:
        return kind[1](job.result)
    except PermanentError:
        return None


def about(job: Job) -> str:
    """What the job is about: ``"Amélie (2001)"``, ``sonarr.hd``; its key when nothing says."""
    params = params_of(job)
    if params is not None:
        return params.about()
    found = subject_of(job.params)
    return quoted(found) if found else quoted(job.key)


def _task(job: Job) -> str:
    params = params_of(job)
    return params.task() if params is not None else f"run {job.pipeline} job {about(job)}"


def _error(job: Job) -> str:
    return " ".join((job.last_error or "no error recorded").split())


def told(job: Job) -> str:
    """The job in one sentence, by its status.

    - succeeded: its result in words (``removed "Show" from Overseerr``);
    - dead: ``could not <task>: <why>``;
    - failed: the same, and when the next attempt is due;
    - pending with an error: put back (deferred), saying why;
    - cancelled, running, pending: the task and the status.
    """
    if job.status is JobStatus.SUCCEEDED:
        result = result_of(job)
        if result is not None:
            return result.in_words(about(job))
        return summary_of(job.result) or f"succeeded: {_task(job)}"
    if job.status is JobStatus.DEAD:
        return f"could not {_task(job)}: {_error(job)}"
    if job.status is JobStatus.FAILED:
        wait = max(job.next_attempt_at - job.updated_at, 0.0)
        return f"could not {_task(job)}: {_error(job)}; next attempt in {duration(wait)}"
    if job.status is JobStatus.PENDING and job.last_error:
        return f"{_task(job)}: put back ({_error(job)})"
    return f"{job.status.value}: {_task(job)}"
