"""Mirror statistics from the jobs table: sync-webhook's ``/stats`` and the daily summary.

Computed, not counted: the jobs table already says what was copied, what failed and
when, so there are no counters to keep in step (sync-webhook's in-memory ones were lost
on every restart). One aggregate query reads every mirror job once; one more fetches
the few titles a summary lists.

A job is a movie or an episode by its parameters: the instance it came from
(``radarr.*`` / ``sonarr.*``), else an explicit ``media_type``, else a ``season``
(``core/job_kinds.media_kind``; the SQL below says the same, with the JSON paths the
models name).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from arrkestra.core.errors import PermanentError
from arrkestra.core.job_kinds import (
    MIRROR,
    CopyParams,
    CopyResult,
    MirrorParams,
    MirrorProblem,
    MirrorResult,
    load_mirror_params,
    load_mirror_result,
)

PIPELINE = MIRROR
_OUTCOME = CopyResult.json_path("outcome")
_BYTES = CopyResult.json_path("bytes_transferred")
_INSTANCE = CopyParams.json_path("instance")
_MEDIA_TYPE = CopyParams.json_path("media_type")
_SEASON = CopyParams.json_path("season")
# When a job counts: when it finished (succeeded, dead), else its last update (failed).
# The subqueries compute each JSON lookup once per row: their LIMIT keeps SQLite from
# flattening them into the sums, which would repeat the lookups for every sum.
AGGREGATE = f"""
SELECT
  COALESCE(SUM(kind = 'movie' AND at >= :since), 0),
  COALESCE(SUM(kind = 'episode' AND at >= :since), 0),
  COALESCE(SUM(status = 'dead' AND at >= :since), 0),
  COALESCE(SUM(CASE WHEN copied AND at >= :since THEN bytes END), 0),
  COALESCE(SUM(status = 'succeeded' AND at >= :since), 0),
  COALESCE(SUM(status IN ('failed', 'dead') AND at >= :since), 0),
  COALESCE(SUM(status = 'succeeded' AND at >= :day_start), 0),
  COALESCE(SUM(status IN ('failed', 'dead') AND at >= :day_start), 0),
  COALESCE(SUM(status = 'failed'), 0)
FROM (
  SELECT status, at, copied,
    CASE WHEN copied THEN json_extract(result, '{_BYTES}') END AS bytes,
    CASE WHEN copied THEN
      CASE substr(json_extract(params, '{_INSTANCE}'), 1, 7)
        WHEN 'radarr.' THEN 'movie'
        WHEN 'sonarr.' THEN 'episode'
        ELSE CASE
          WHEN json_extract(params, '{_MEDIA_TYPE}') IN ('movie', 'episode')
            THEN json_extract(params, '{_MEDIA_TYPE}')
          WHEN json_extract(params, '{_SEASON}') IS NOT NULL THEN 'episode'
        END
      END
    END AS kind
  FROM (
    SELECT status, params, result, COALESCE(finished_at, updated_at) AS at,
      status = 'succeeded' AND json_extract(result, '{_OUTCOME}') = 'copied' AS copied
    FROM jobs WHERE pipeline = :pipeline AND status IN ('succeeded', 'failed', 'dead')
    LIMIT -1
  )
  LIMIT -1
)
"""
# "+pipeline": look failures up through the status index, not every mirror job.
_FAILED_COLUMNS = "id, status, params, result, last_error, updated_at"
FAILED_JOBS = f"""
SELECT * FROM (
  SELECT 'recent' AS list, {_FAILED_COLUMNS} FROM jobs
  WHERE +pipeline = :pipeline AND status IN ('failed', 'dead') AND updated_at >= :since
  ORDER BY updated_at DESC, id DESC LIMIT :failed_limit
)
UNION ALL
SELECT * FROM (
  SELECT 'attention' AS list, {_FAILED_COLUMNS} FROM jobs
  WHERE +pipeline = :pipeline AND status = 'dead'
  ORDER BY updated_at DESC, id DESC LIMIT :attention_limit
)
"""


@dataclass(frozen=True)
class FailedJob:
    """A mirror job that failed: what a summary names and what a user retries."""

    id: int
    title: str
    status: str  # 'failed' (will retry) or 'dead' (gave up)
    error: str | None
    updated_at: float


@dataclass(frozen=True)
class MirrorStats:
    """sync-webhook's ``/stats`` fields plus what a daily summary lists.

    ``failures`` are dead jobs (gave up); ``total_failed`` and ``today_failed`` also count
    jobs waiting for a retry (``retrying``), as sync-webhook counted every failed run.
    """

    movies_synced: int
    episodes_synced: int
    failures: int
    bytes_transferred: int
    total_successful: int
    total_failed: int
    today_successful: int
    today_failed: int
    retrying: int
    recent_failures: tuple[FailedJob, ...]
    needs_attention: tuple[FailedJob, ...]


def mirror_stats(
    conn: sqlite3.Connection,
    *,
    day_start: float,
    since: float | None = None,
    failed_limit: int = 5,
    attention_limit: int = 20,
) -> MirrorStats:
    """Mirror job counts, with totals limited to jobs finished at or after ``since``.

    ``day_start`` (local midnight, chosen by the caller's time zone) bounds the
    ``today_*`` counts. ``recent_failures`` are the newest failed or dead jobs (since
    ``since``); ``needs_attention`` the newest dead ones, whenever they died: they stay
    unresolved until retried.
    """
    args: dict[str, Any] = {
        "pipeline": PIPELINE,
        "since": float("-inf") if since is None else since,
        "day_start": day_start,
        "failed_limit": max(failed_limit, 0),
        "attention_limit": max(attention_limit, 0),
    }
    row = conn.execute(AGGREGATE, args).fetchone()
    lists: dict[str, list[FailedJob]] = {"recent": [], "attention": []}
    for failed in conn.execute(FAILED_JOBS, args).fetchall():
        lists[failed["list"]].append(_failed_job(failed))
    return MirrorStats(
        movies_synced=int(row[0]),
        episodes_synced=int(row[1]),
        failures=int(row[2]),
        bytes_transferred=int(row[3]),
        total_successful=int(row[4]),
        total_failed=int(row[5]),
        today_successful=int(row[6]),
        today_failed=int(row[7]),
        retrying=int(row[8]),
        recent_failures=tuple(lists["recent"]),
        needs_attention=tuple(lists["attention"]),
    )


def _failed_job(row: sqlite3.Row) -> FailedJob:
    params = params_or_none(json.loads(row["params"]))
    result = load_mirror_result(None if row["result"] is None else json.loads(row["result"]))
    return FailedJob(
        id=row["id"],
        title=job_title(row["id"], params, result),
        status=row["status"],
        error=row["last_error"],
        updated_at=row["updated_at"],
    )


def params_or_none(data: Any) -> MirrorParams | None:
    """A stored mirror job's params, or None when they fit no model (the job died of it)."""
    try:
        return load_mirror_params(data)
    except PermanentError:
        return None


def job_title(job_id: int, params: MirrorParams | None, result: MirrorResult | None) -> str:
    """A mirror job as a person names it: the run's summary, else what the import said.

    ``Show S01E02``, ``Movie``, else the file's name, else ``job N``.
    """
    if result is not None and result.summary:
        return result.summary
    if params is None or isinstance(params, MirrorProblem):
        return f"job {job_id}"
    if params.title:
        if isinstance(params, CopyParams) and params.season is not None and params.episodes:
            numbers = "".join(f"E{n:02d}" for n in params.episodes)
            return f"{params.title} S{params.season:02d}{numbers}"
        return params.title
    name = params.library_path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return name or f"job {job_id}"
