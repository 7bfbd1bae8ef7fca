"""A job in one sentence (core/job_kinds/outcomes): each kind says its outcome with the
title it is about; a dead or failed job says what it could not do and why."""

from __future__ import annotations

from typing import Any

import pytest

from arrkestra.core.job_kinds.outcomes import told
from arrkestra.core.job_kinds.words import duration, listed, size
from arrkestra.core.jobs import Job, JobStatus, JsonObject

GIB = 1024**3


def job(
    pipeline: str,
    params: JsonObject,
    result: JsonObject | None = None,
    *,
    status: JobStatus = JobStatus.SUCCEEDED,
    **fields: Any,
) -> Job:
    return Job(
        id=7,
        pipeline=pipeline,
        key="the-key",
        params=params,
        status=status,
        attempts=fields.pop("attempts", 1),
        created_at=0.0,
        updated_at=fields.pop("updated_at", 100.0),
        next_attempt_at=fields.pop("next_attempt_at", 0.0),
        result=result,
        **fields,
    )


CLEANUP = {"media_type": "tv", "instance": "sonarr.hd", "tmdb_id": 1, "title": "Show"}
MOVIE = {
    "action": "copy",
    "instance": "radarr.hd",
    "library_path": "/movies/Amélie (2001)/Amélie (2001).mkv",
    "title": "Amélie",
    "year": 2001,
}
COPIED = {
    "outcome": "copied",
    "source": "/src/a.mkv",
    "destination": "/dst/a.mkv",
    "files": ["Amélie (2001).mkv", "Amélie (2001).en.srt"],
    "files_transferred": 2,
    "bytes_transferred": int(1.2 * GIB),
    "seconds": 8.04,
}


@pytest.mark.parametrize(
    ("result", "said"),
    [
        ({"outcome": "deleted", "title": "Show", "media_id": 3}, 'removed "Show" from Overseerr'),
        (
            {"outcome": "not_in_overseerr", "title": None, "media_id": None},
            'skipped "Show": not in Overseerr',
        ),
        (
            {"outcome": "kept_other_copy", "title": "Show", "removed_requests": [4, 5]},
            'kept "Show" in Overseerr for its other copy; removed 2 requests',
        ),
        ({"outcome": "kept_blacklisted", "title": "Show"}, 'kept "Show" in Overseerr: it is'),
        (
            {"outcome": "dry_run", "title": "Show", "would": {"action": "delete_media"}},
            'dry run: would remove "Show" from Overseerr',
        ),
    ],
)
def test_cleanup_says_what_became_of_the_title(result: JsonObject, said: str) -> None:
    assert told(job("cleanup", CLEANUP, result)).startswith(said)


def test_cleanup_without_a_title_names_its_ids() -> None:
    params = {"media_type": "movie", "instance": "radarr.hd", "tmdb_id": 603}
    result = {"outcome": "not_in_overseerr", "media_id": None}
    assert told(job("cleanup", params, result)) == "skipped movie tmdb:603: not in Overseerr"
    overseerr = {"outcome": "deleted", "title": "The Matrix", "media_id": 9}
    assert told(job("cleanup", params, overseerr)) == 'removed "The Matrix" from Overseerr'


def test_a_mirrored_file_says_its_title_size_and_time() -> None:
    assert told(job("mirror", MOVIE, COPIED)) == 'mirrored "Amélie (2001)" 1.2 GiB in 8 s'
    episode = {
        "instance": "sonarr.hd",
        "library_path": "/tv/Show/Season 01/Show - S01E02.mkv",
        "title": "Show",
        "season": 1,
        "episodes": [2, 3],
    }
    batched = COPIED | {"bytes_transferred": 512, "seconds": 0.25, "batch_of": 5}
    assert told(job("mirror", episode, batched)) == (
        'mirrored "Show S01E02E03" 512 B in 0.25 s (in the run of job 5)'
    )
    untitled = {"instance": "radarr.hd", "library_path": "D:\\Movies\\X\\x.mkv"}
    assert told(job("mirror", untitled, COPIED)).startswith('mirrored "x.mkv" 1.2 GiB')


@pytest.mark.parametrize(
    ("outcome", "said"),
    [
        ("already_present", 'skipped "Amélie (2001)": already at the destination'),
        ("dry_run", 'dry run: would mirror "Amélie (2001)" (2 files)'),
    ],
)
def test_a_copy_that_copied_nothing_says_so(outcome: str, said: str) -> None:
    assert told(job("mirror", MOVIE, COPIED | {"outcome": outcome})) == said


def test_deletes_renames_and_scans_name_title_and_file() -> None:
    delete = {
        "action": "delete",
        "instance": "sonarr.hd",
        "library_path": "/tv/Show/Season 01/Show - S01E02.mkv",
        "title": "Show",
        "reason": "upgrade",
    }
    deleted = {"outcome": "deleted", "destination": "/dst/x", "reason": "upgrade"}
    assert told(job("mirror", delete, deleted)) == (
        'deleted the copy of "Show" (Show - S01E02.mkv); reason: upgrade'
    )
    absent = {"outcome": "already_absent", "destination": "/dst/x", "reason": None}
    assert told(job("mirror", delete, absent)) == (
        'skipped "Show" (Show - S01E02.mkv): no copy at the destination'
    )
    rename = {
        "action": "rename",
        "instance": "sonarr.hd",
        "library_path": "/tv/Show/Season 01/Show - S01E02 - Pilot.mkv",
        "previous_path": "/tv/Show/Season 01/Show - S01E02.mkv",
        "title": "Show",
    }
    renamed = {"outcome": "renamed", "moved": [["a", "b"], ["c", "d"]]}
    assert told(job("mirror", rename, renamed)) == (
        'renamed the copy of "Show" (Show - S01E02 - Pilot.mkv), 2 files moved'
    )
    scan = {"folder": "/data/TV/Show/Season 01", "section": None}
    scanned = {"outcome": "scanned", "section": 2, "folder": "/data/TV/Show/Season 01"}
    assert told(job("plex_scan", scan, scanned)) == ('scanned Plex section 2 for "Show/Season 01"')
    movie_scan = {"folder": "/data/Movies/Amélie (2001)"}
    assert told(job("plex_scan", movie_scan, scanned | {"section": 1})) == (
        'scanned Plex section 1 for "Amélie (2001)"'
    )


def test_runs_summarise_themselves() -> None:
    caught = {
        "outcome": "caught_up",
        "instance": "sonarr.hd",
        "records": 12,
        "queued": 3,
        "skipped": {"already_received": 4, "other_event": 5},
    }
    assert told(job("catchup", {"instance": "sonarr.hd"}, caught)) == (
        "caught up sonarr.hd: 12 history records read, 3 jobs queued, 9 skipped"
    )
    run = {"outcome": "done", "run_id": 4, "missing": 2, "queued": 2, "bytes": 2048, "extra": 1}
    assert told(job("reconcile", {"run_id": 4}, run)) == (
        "reconcile run 4 done: 2 missing, 0 different, 2 queued (2.0 KiB), 1 extra"
    )
    cycle = {
        "outcome": "synced",
        "mode": "incremental",
        "requests": 3,
        "results": {"added": 1, "rejected": 20},
        "added": ["Show"],
    }
    assert told(job("discovery", {}, cycle)) == (
        'discovery (incremental sync): 3 TVMaze requests; added "Show" to Sonarr; 20 rejected'
    )


def test_a_dead_job_says_what_it_could_not_do_and_why() -> None:
    dead = job(
        "cleanup",
        CLEANUP,
        status=JobStatus.DEAD,
        last_error="gave up after 3 attempt(s):\nOverseerr answered 500",
    )
    assert told(dead) == (
        'could not remove "Show" from Overseerr: gave up after 3 attempt(s): Overseerr answered 500'
    )
    problem = {"action": "problem", "instance": "sonarr.hd", "subject": "malformed", "problems": []}
    broken = job("mirror", problem, status=JobStatus.DEAD, last_error="no file path")
    assert told(broken) == 'could not mirror "malformed": no file path'


def test_a_failed_attempt_says_when_the_next_one_is_due() -> None:
    failed = job(
        "mirror",
        MOVIE,
        status=JobStatus.FAILED,
        last_error="rsync exit 23",
        updated_at=100.0,
        next_attempt_at=130.0,
    )
    assert told(failed) == 'could not mirror "Amélie (2001)": rsync exit 23; next attempt in 30 s'


def test_rows_that_fit_no_model_still_read() -> None:
    odd = job("mirror", {}, {"outcome": "done", "summary": "The Show S01E02 - Pilot"})
    assert told(odd) == "The Show S01E02 - Pilot"
    unknown = job("mystery", {"title": "X"}, {"outcome": "done"}, status=JobStatus.DEAD)
    assert told(unknown) == 'could not run mystery job "X": no error recorded'
    assert told(job("mystery", {}, None)) == 'succeeded: run mystery job "the-key"'


def test_words() -> None:
    assert [size(n) for n in (0, 1023, 1536, 5 * GIB)] == ["0 B", "1023 B", "1.5 KiB", "5.0 GiB"]
    assert [duration(s) for s in (0.04, 8.4, 59.6, 125, 3725)] == [
        "0.04 s",
        "8 s",
        "1 min 00 s",
        "2 min 05 s",
        "1 h 02 min",
    ]
    assert listed(["a", "b", "c", "d", "e"]) == '"a", "b", "c" and 2 more'
