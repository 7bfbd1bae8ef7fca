"""sync-webhook's job history (``sync_jobs``) imported as finished mirror jobs, so the
statistics (``/stats``, the daily summary) count the old copies, failures and bytes.

Only finished rows come over: ``success`` as a succeeded copy (its bytes, duration and
title), ``failed_permanent`` as a dead one (its error; it shows under "needs attention"
until retried or cancelled). A row still ``pending``, ``running``/``in_progress`` or
``failed`` (sync-webhook would have retried it) is counted and named, not imported: a
queued copy of it would run at once, which a migration must not decide; the report says
how to queue it (``arrkestra sync``, or let reconcile find it).

Each imported job's key names the old row (``sync-webhook/<id>@<created_at>``), so
importing the same database twice adds nothing. The job says it came from sync-webhook
(``instance``); its file is the one the webhook named (when its payload was kept), else its
source path turned back into the library path by the mirror's rules (``roots``), so a dead
one can be retried through them.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from arrkestra.core.job_kinds import MIRROR, CopyParams, CopyResult
from arrkestra.core.json_values import finite
from arrkestra.store.connection import StoreError, write_transaction
from arrkestra.store.legacy_db import columns, open_read_only, unix_time

INSTANCE = "sync-webhook"
FINISHED = {"success": "succeeded", "succeeded": "succeeded", "completed": "succeeded"}
FINISHED |= {"failed_permanent": "dead", "dead": "dead"}
NOTE = "imported from sync-webhook's job history"
OLD_COLUMNS = (
    "id", "job_type", "source_path", "dest_path", "title", "quality", "file_size", "status",
    "retry_count", "error_message", "webhook_payload", "created_at", "completed_at",
    "duration_seconds", "bytes_transferred",
)  # fmt: skip
INSERT_SQL = """
INSERT INTO jobs (pipeline, key, params, status, attempts, created_at, updated_at,
                  next_attempt_at, last_error, result, finished_at)
SELECT :pipeline, :key, :params, :status, :attempts, :created_at, :finished_at,
       :created_at, :last_error, :result, :finished_at
WHERE NOT EXISTS (SELECT 1 FROM jobs WHERE pipeline = :pipeline AND key = :key)
"""
NAMED = 10  # unfinished rows named in the report
Roots = Sequence[tuple[str, str]]
"""``(source root, arr_path)`` of each mirror rule: a source path back to the library's."""


@dataclass
class JobHistory:
    """What an import found in the old database and did (or, surveyed, would do)."""

    finished: int = 0
    succeeded: int = 0
    dead: int = 0
    bytes: int = 0
    new: int = 0  # imported now (the rest were imported before)
    unfinished: dict[str, int] = field(default_factory=dict)  # by old status
    unfinished_titles: list[str] = field(default_factory=list)  # the first few


def survey_jobs(path: Path) -> JobHistory:
    """What the old database holds, for a dry run: nothing is written anywhere."""
    found = JobHistory()
    for _ in _finished_jobs(path, found, now=0.0):
        pass
    return found


def import_jobs(
    conn: sqlite3.Connection, path: Path, *, now: float, roots: Roots = ()
) -> JobHistory:
    """Every finished old row as a finished mirror job, in one transaction."""
    found = JobHistory()
    with write_transaction(conn):
        before = conn.total_changes
        for row in _finished_jobs(path, found, now=now, roots=roots):
            conn.execute(INSERT_SQL, row)
        found.new = conn.total_changes - before
    return found


def _finished_jobs(
    path: Path, found: JobHistory, *, now: float, roots: Roots = ()
) -> Iterator[dict[str, Any]]:
    old = open_read_only(path)
    try:
        have = columns(old, "sync_jobs")
        select = ", ".join(name if name in have else "NULL" for name in OLD_COLUMNS)
        for raw in old.execute(f"SELECT {select} FROM sync_jobs ORDER BY id"):
            values = dict(zip(OLD_COLUMNS, raw, strict=True))
            status = FINISHED.get(str(values["status"] or "pending").lower())
            if status is None:
                _unfinished(found, values)
                continue
            job = _job(values, status, now, roots)
            found.finished += 1
            if status == "succeeded":
                found.succeeded += 1
                found.bytes += _bytes(values)
            else:
                found.dead += 1
            yield job
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot read its sync_jobs: {exc}") from None
    finally:
        old.close()


def _unfinished(found: JobHistory, values: dict[str, Any]) -> None:
    status = str(values["status"] or "pending")
    found.unfinished[status] = found.unfinished.get(status, 0) + 1
    if len(found.unfinished_titles) < NAMED:
        name = values["title"] or values["source_path"] or f"job {values['id']}"
        found.unfinished_titles.append(f"#{values['id']} {name} ({status})")


def _job(values: dict[str, Any], status: str, now: float, roots: Roots) -> dict[str, Any]:
    """An old row as the values of INSERT_SQL."""
    created = unix_time(values["created_at"]) or now
    finished = unix_time(values["completed_at"]) or created
    payload = _payload(values["webhook_payload"])
    media_type = values["job_type"] if values["job_type"] in ("movie", "episode") else None
    params = CopyParams(
        instance=INSTANCE,
        library_path=_library_path(payload)
        or _from_source(str(values["source_path"] or ""), roots),
        title=values["title"] or None,
        quality=values["quality"] or None,
        size=values["file_size"] if isinstance(values["file_size"], int) else None,
        media_type=media_type,
    )
    result = None
    if status == "succeeded":
        source = str(values["source_path"] or "")
        result = CopyResult(
            outcome="copied",
            source=source,
            destination=str(values["dest_path"] or ""),
            files=[source.rstrip("/").rsplit("/", 1)[-1]] if source else [],
            files_transferred=1,
            bytes_transferred=_bytes(values),
            seconds=float(values["duration_seconds"] or 0.0),
            note=NOTE,
        ).to_json()
    return {
        "pipeline": MIRROR,
        "key": f"{INSTANCE}/{values['id']}@{values['created_at']}",
        "params": json.dumps(finite(params.to_json())),
        "status": status,
        "attempts": (values["retry_count"] if isinstance(values["retry_count"], int) else 0) + 1,
        "created_at": created,
        "finished_at": finished,
        "last_error": None if status == "succeeded" else (values["error_message"] or NOTE),
        "result": None if result is None else json.dumps(finite(result)),
    }


def _bytes(values: dict[str, Any]) -> int:
    """What was copied: the bytes rsync reported, else the file's size."""
    for key in ("bytes_transferred", "file_size"):
        if isinstance(values[key], int) and values[key] >= 0:
            return int(values[key])
    return 0


def _payload(text: Any) -> dict[str, Any]:
    try:
        data = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _from_source(source: str, roots: Roots) -> str:
    """``/mnt/synology/rs-movies/X/x.mkv`` -> ``/movies/X/x.mkv`` by the rule whose source
    holds it (the longest); the source path itself when none does."""
    best = ""
    found = source
    for root, arr_path in roots:
        base = root.rstrip("/")
        if source.startswith(base + "/") and len(base) > len(best):
            best, found = base, arr_path.rstrip("/") + source[len(base) :]
    return found


def _library_path(payload: dict[str, Any]) -> str | None:
    """The file as Sonarr/Radarr named it, from the webhook sync-webhook kept."""
    for key in ("movieFile", "episodeFile"):
        section = payload.get(key)
        if isinstance(section, dict) and isinstance(section.get("path"), str):
            return str(section["path"])
    return None
