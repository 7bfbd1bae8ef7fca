"""A job as one step of its title's timeline: its outcome as a badge, and why for skips.

The sentence is the job kind's own (``JobResult.in_words``, ``JobParams.task``: what the
history log says); this module adds the badge and, for every skip and failure, the reason
on its own line: ``not in Overseerr``, ``kept: the 4K copy still exists``, the error.

Announcements: the mirror announces each copied file (coalesced per series) when
``notifications`` are configured, but nothing records that a message went out; a copy's
step says "announced" when notifications are on (bulk copies queued by reconcile are not
announced one by one: the run reports them).

Scans name a folder, not a title: :func:`scan_folders` maps the title's files through
``mirror.paths`` to the folders each media server sees, which is what each copy's scans
asked for.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from arrkestra.core.job_kinds import (
    CleanupParams,
    CleanupResult,
    CopyParams,
    CopyResult,
    DeleteParams,
    DeleteResult,
    JobParams,
    JobResult,
    RenameParams,
    RenameResult,
    ScanResult,
    ServerUpdateResult,
    summary_of,
)
from arrkestra.core.job_kinds.outcomes import about, params_of, result_of
from arrkestra.core.jobs import Job, JobStatus
from arrkestra.core.paths import MEDIA_SERVERS, PathRefused, PathRule, map_path
from arrkestra.core.timeline.entry import Entry, Tone

MAX_FOLDERS = 50
Judged = tuple[str, Tone, str | None]  # badge, tone, reason


def _cleanup(result: CleanupResult, params: JobParams | None) -> Judged:
    if result.outcome == "deleted":
        return "removed", "ok", None
    if result.outcome == "not_in_overseerr":
        gone = "not in Overseerr" if result.media_id is None else "already gone from Overseerr"
        return "skipped", "skip", gone
    if result.outcome == "kept_other_copy":
        is_4k = isinstance(params, CleanupParams) and params.is_4k
        return "kept", "skip", f"kept: the {'non-4K' if is_4k else '4K'} copy still exists"
    if result.outcome == "kept_blacklisted":
        return "kept", "skip", "kept: it is blacklisted in Overseerr"
    return "dry run", "info", None


def _mirror(result: CopyResult | DeleteResult | RenameResult) -> Judged:
    skips = {
        "already_present": "already at the destination",
        "kept_source_present": "kept: the file is at the source again",
        "already_absent": "no copy at the destination",
    }
    if result.outcome in skips:
        badge = "kept" if result.outcome == "kept_source_present" else "skipped"
        return badge, "skip", skips[result.outcome]
    if result.outcome == "dry_run":
        return "dry run", "info", None
    return result.outcome, "ok", None


def judged(result: JobResult, params: JobParams | None) -> Judged:
    """A finished job's badge, tone and (for a skip) reason."""
    if isinstance(result, CleanupResult):
        return _cleanup(result, params)
    if isinstance(result, CopyResult | DeleteResult | RenameResult):
        return _mirror(result)
    if isinstance(result, ScanResult):
        return "scanned", "ok", None
    if isinstance(result, ServerUpdateResult):
        return "told", "ok", None
    return result.outcome.replace("_", " "), "ok", None


def _error(job: Job) -> str:
    return " ".join((job.last_error or "no error recorded").split())


def _announced(params: JobParams | None, result: JobResult | None) -> str | None:
    copied = isinstance(result, CopyResult) and result.outcome == "copied"
    if copied and isinstance(params, CopyParams) and not params.bulk:
        return "announced"
    return None


def _finished(job: Job, params: JobParams | None, announcing: bool) -> Entry:
    result = result_of(job)
    at = job.finished_at or job.updated_at
    if result is None:
        said = summary_of(job.result) or f"succeeded: {_task(job, params)}"
        return _entry(job, at, said, ("done", "ok", None))
    note = _announced(params, result) if announcing else None
    return _entry(job, at, result.in_words(about(job)), judged(result, params), note)


def _task(job: Job, params: JobParams | None) -> str:
    return params.task() if params is not None else f"run the {job.pipeline} job"


def _entry(job: Job, at: float, what: str, verdict: Judged, note: str | None = None) -> Entry:
    badge, tone, reason = verdict
    return Entry(at, job.pipeline, what, badge, tone, "job", job.id, reason, note)


def job_entry(job: Job, *, announcing: bool = False) -> Entry:
    """The job as a step, by its status; ``announcing``: notifications are configured."""
    params = params_of(job)
    task = _task(job, params)
    if job.status is JobStatus.SUCCEEDED:
        return _finished(job, params, announcing)
    if job.status is JobStatus.DEAD:
        at = job.finished_at or job.updated_at
        return _entry(job, at, f"could not {task}", ("dead", "bad", _error(job)))
    if job.status is JobStatus.FAILED:
        verdict: Judged = ("failed", "bad", _error(job))
        return _entry(job, job.updated_at, f"could not {task}; it will be tried again", verdict)
    if job.status is JobStatus.CANCELLED:
        at = job.finished_at or job.updated_at
        return _entry(job, at, task, ("cancelled", "skip", "cancelled before it ran"))
    if job.status is JobStatus.RUNNING:
        return _entry(job, job.created_at, task, ("running", "wait", None))
    if job.waiting_on:
        waiting = f"waits for {job.waiting_on} to come back"
        return _entry(job, job.created_at, task, ("waiting", "wait", waiting))
    put_back = f"put back: {_error(job)}" if job.last_error else None
    return _entry(job, job.created_at, task, ("queued", "wait", put_back))


def _folders(params: JobParams) -> list[tuple[str, str]]:
    """(instance, library path) pairs whose folder a scan would be for."""
    if isinstance(params, CopyParams | DeleteParams):
        return [(params.instance, params.library_path)]
    if isinstance(params, RenameParams):
        return [(params.instance, params.library_path), (params.instance, params.previous_path)]
    return []


def scan_folders(jobs: Iterable[Job], rules: Sequence[PathRule]) -> tuple[str, ...]:
    """The folders the scans of these mirror jobs were queued for, as each media server
    (Plex, Jellyfin, Emby) sees them."""
    found: set[str] = set()
    for job in jobs:
        params = params_of(job)
        for instance, path in _folders(params) if params is not None else []:
            try:
                mapped = map_path(path, rules, instance=instance)
            except PathRefused:
                continue
            found.update(mapped.folder_seen_by(server) for server in MEDIA_SERVERS)
    return tuple(sorted(found)[:MAX_FOLDERS])
