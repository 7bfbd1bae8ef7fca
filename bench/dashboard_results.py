"""What a succeeded job of the dashboard bench says it did: results as the pipelines write them.

Each result is its job kind's model (``CopyResult``, ``ScanResult`` ...), filled the way
the pipeline that runs the job fills it, summary included (a copy's is the pipeline's own
``describe``): the pages read these fields, so they must be the ones a real run leaves.
Paths are mapped as a mirror rule would map them (``ROOTS``).
"""

from __future__ import annotations

import random

from arrkestra.core.job_kinds import (
    CatchupParams,
    CatchupResult,
    CleanupParams,
    CleanupResult,
    CopyParams,
    CopyResult,
    CycleParams,
    CycleResult,
    DeleteParams,
    DeleteResult,
    JobParams,
    JobResult,
    RenameParams,
    RenameResult,
    ScanParams,
    ScanResult,
)
from arrkestra.core.job_kinds.catchup import Skips
from arrkestra.pipelines.mirror.file_copy import describe

ROOTS = {  # arr root -> (source, destination, as Plex sees the destination)
    "/tv": ("/mnt/synology/rs-tv", "/mnt/unraid/media/TV Shows", "/data/TV Shows"),
    "/movies": ("/mnt/synology/rs-movies", "/mnt/unraid/media/Movies", "/data/Movies"),
}


def mapped(library_path: str) -> tuple[str, str, str]:
    """The file at the source, its copy, and the copy as Plex sees it."""
    root = "/tv" if library_path.startswith("/tv/") else "/movies"
    source, destination, plex = ROOTS[root]
    rest = library_path[len(root) :]
    return source + rest, destination + rest, plex + rest


def result_for(params: JobParams, rng: random.Random, at: float) -> JobResult:
    """A succeeded job's result (``at``: when it finished), worded as its pipeline does."""
    if isinstance(params, CopyParams):
        source, destination, _ = mapped(params.library_path)
        name = source.rsplit("/", 1)[-1]
        copied = rng.random() < 0.9
        size = params.size or rng.randint(300, 9000) * 1_048_576
        summary = f"{source} (bulk)" if params.bulk else describe(params)
        files = [name, name[:-4] + ".en.srt"] if rng.random() < 0.3 else [name]
        return CopyResult(
            outcome="copied" if copied else "already_present",
            source=source,
            destination=destination,
            files=files,
            files_transferred=len(files) if copied else 0,
            bytes_transferred=size if copied else 0,
            seconds=round(size / 95e6, 3) if copied else 0.2,
            summary=summary,
        )
    if isinstance(params, DeleteParams):
        destination = mapped(params.library_path)[1]
        name = destination.rsplit("/", 1)[-1]
        title = params.title or name
        return DeleteResult(
            outcome="deleted",
            destination=destination,
            reason=params.reason,
            deleted=[name],
            summary=f"{title}: deleted {name} at the destination",
        )
    if isinstance(params, RenameParams):
        old, new = mapped(params.previous_path)[1], mapped(params.library_path)[1]
        moved = f"{old.rsplit('/', 1)[-1]} -> {new.rsplit('/', 1)[-1]}"
        return RenameResult(
            outcome="renamed", moved=[[old, new]], summary=f"{params.title}: renamed {moved}"
        )
    if isinstance(params, ScanParams):
        return ScanResult(
            outcome="scanned",
            section=params.section,
            folder=params.folder,
            summary=f"Plex section {params.section}: {params.folder}",
        )
    return _other_result(params, rng, at)


def _other_result(params: JobParams, rng: random.Random, at: float) -> JobResult:
    if isinstance(params, CleanupParams):
        title = params.title or params.about()
        removed = rng.random() < 0.75
        return CleanupResult(
            outcome="deleted" if removed else "not_in_overseerr",
            instance=params.instance,
            media_type=params.media_type,
            tmdb_id=params.tmdb_id,
            tvdb_id=params.tvdb_id,
            title=params.title,
            media_id=rng.randint(1, 5000) if removed else None,
            summary=f"{title}: removed from Overseerr" if removed else f"{title}: not in Overseerr",
        )
    if isinstance(params, CatchupParams):
        records = rng.randint(0, 12)
        summary = (
            f"catch-up of {params.instance}: {records} record(s) read, 0 job(s) queued, "
            f"{records} already received"
        )
        return CatchupResult(
            outcome="caught_up",
            instance=params.instance,
            since=at - 3600,
            route="since",
            records=records,
            skipped=Skips(already_received=records),
            summary=summary,
        )
    assert isinstance(params, CycleParams), params
    results = {"filtered": rng.randint(0, 40), "exists": rng.randint(0, 3)}
    requests = rng.randint(2, 6)
    said = ", ".join(f"{n} {k}" for k, n in sorted(results.items()))
    return CycleResult(
        outcome="synced",
        mode="incremental",
        requests=requests,
        pages=0,
        shows_saved=sum(results.values()),
        changed=sum(results.values()),
        window="day",
        results=results,
        summary=f"incremental sync: {requests} TVMaze request(s), {said}",
    )
