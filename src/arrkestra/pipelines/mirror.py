"""mirror: an imported file (with its sidecars) is copied with rsync to the second server.

One job per file. The library path is mapped through ``mirror.paths`` (core/paths: no
escape, nothing option-like), both roots must pass their mount check (a stale NFS mount
makes only its own jobs wait), the folder's real path must stay inside its root (no
symlink escapes), and rsync copies the media file together with its sidecars. A copy
that changed something queues a debounced Plex scan (its own job: Plex down never fails
the copy) and announces the file; a file already there (the same import delivered twice)
is neither copied nor announced again.
"""

from __future__ import annotations

import asyncio
import bisect
import os
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from arrkestra.adapters.mounts import MountChecker, MountSpec
from arrkestra.adapters.rsync import RsyncOptions, Transfer, run_transfer
from arrkestra.adapters.rsync_output import Progress
from arrkestra.core.errors import PermanentError
from arrkestra.core.jobs import Job, JsonObject
from arrkestra.core.paths import MappedPath, PathRule, ensure_inside, map_path, sidecar_names
from arrkestra.core.sidecars import split_extension
from arrkestra.pipelines import mirror_changes as changes
from arrkestra.pipelines.budget import BudgetGuard
from arrkestra.pipelines.mirror_messages import Mirrored

NAME = "mirror"
RETRY_NOTE = "the copy was already complete: finished by an earlier attempt"


class MirrorParams(BaseModel):
    model_config = ConfigDict(extra="ignore")

    action: Literal["copy", "delete", "rename"] = "copy"
    previous_path: str | None = None  # rename: where the file was
    reason: str | None = None  # delete: why Sonarr/Radarr deleted it
    instance: str | None = None
    library_path: str | None = None
    replace_existing: bool = False
    title: str | None = None
    year: int | None = None
    season: int | None = None
    episodes: list[int] = []
    episode_titles: list[str] = []
    quality: str | None = None
    size: int | None = None
    problems: list[str] | None = None


@dataclass(frozen=True)
class Deps:
    rules: tuple[PathRule, ...]
    mounts: MountChecker
    mount_specs: Callable[[PathRule], tuple[MountSpec, MountSpec]]  # (source, destination)
    rsync: RsyncOptions
    queue_scan: Callable[[MappedPath], Awaitable[None]] | None  # None: Plex not configured
    announce: Callable[[Mirrored], Awaitable[None]]  # coalesced per series by the caller
    progress: Callable[[int, Progress], None] | None = None  # (job id, live rsync progress)
    budget: BudgetGuard | None = None  # caps deletions at the destination


def parse_params(job: Job) -> MirrorParams:
    try:
        params = MirrorParams.model_validate(job.params)
    except ValidationError as exc:
        raise PermanentError(f"invalid mirror job: {exc.errors()[0]['msg']}") from None
    if params.problems:
        raise PermanentError("the import event cannot be mirrored: " + "; ".join(params.problems))
    if not params.library_path:
        raise PermanentError("the mirror job has no library_path")
    return params


def sidecars_in(name: str, entries: Sequence[str]) -> list[str]:
    """``sidecar_names(name, entries)`` for ``entries`` sorted: only names that start with
    the media file's base name can be its sidecars or decide against it (a video with a
    longer base name starts with it too), so only those are looked at. A folder of n
    files then costs O(log n) per file instead of O(n) (O(n^2) for a season batch).
    """
    stem = split_extension(name)[0]
    start = bisect.bisect_left(entries, stem)
    stop = start
    while stop < len(entries) and entries[stop].startswith(stem):
        stop += 1
    return sidecar_names(name, entries[start:stop])


def collect_sources(mapped: MappedPath, entries: Sequence[str] | None = None) -> list[str]:
    """Blocking: the media file and its sidecars, after the symlink-escape check.

    ``entries``: the source folder's names, sorted, when the caller listed it already.
    """
    rule = mapped.rule
    ensure_inside(os.path.realpath(mapped.source), os.path.realpath(rule.source_root))
    if not os.path.isfile(mapped.source):
        raise PermanentError(f"the imported file is not in the source folder: {mapped.source}")
    if entries is None:
        entries = sorted(os.listdir(mapped.source_dir))
    names = [mapped.name, *sidecars_in(mapped.name, entries)]
    return [os.path.join(mapped.source_dir, name) for name in names]


def check_destination(mapped: MappedPath) -> None:
    """Blocking: the deepest existing part of the destination folder stays inside its root."""
    root = os.path.realpath(mapped.rule.destination_root)
    folder = mapped.destination_dir
    while not os.path.exists(folder) and folder != mapped.rule.destination_root:
        folder = os.path.dirname(folder)
    ensure_inside(os.path.realpath(folder), root, allow_root=True)


def describe(params: MirrorParams) -> str:
    title = params.title or os.path.basename(params.library_path or "")
    if params.season is not None and params.episodes:
        numbers = "".join(f"E{n:02d}" for n in params.episodes)
        title += f" S{params.season:02d}{numbers}"
        if params.episode_titles:
            title += f" - {', '.join(params.episode_titles)}"
    return f"{title} ({params.quality})" if params.quality else title


def announcement(
    params: MirrorParams, mapped: MappedPath, *, bytes_copied: int, seconds: float
) -> Mirrored:
    return Mirrored(
        instance=params.instance or "",
        title=params.title or mapped.name,
        year=params.year,
        season=params.season,
        episodes=tuple(params.episodes),
        episode_titles=tuple(params.episode_titles),
        quality=params.quality,
        bytes=bytes_copied or params.size or 0,
        seconds=seconds,
        destination_dir=mapped.destination_dir,
        file_name=mapped.name,
    )


async def require_roots(mapped: MappedPath, deps: Deps) -> None:
    """Both roots of the file's rule answer their mount check (else: transient, wait)."""
    source_spec, destination_spec = deps.mount_specs(mapped.rule)
    await deps.mounts.require(source_spec)
    await deps.mounts.require(destination_spec)


async def run(job: Job, deps: Deps) -> JsonObject:
    params = parse_params(job)
    if params.action == "delete":
        return await run_delete(params, deps)
    if params.action == "rename":
        return await run_rename(job, params, deps)
    return await run_copy(job, params, deps)


async def run_copy(
    job: Job, params: MirrorParams, deps: Deps, *, resumed: bool = False
) -> JsonObject:
    assert params.library_path is not None
    mapped = map_path(params.library_path, deps.rules, instance=params.instance)
    await require_roots(mapped, deps)
    return await copy_file(job, params, mapped, deps, resumed=resumed)


async def copy_file(
    job: Job, params: MirrorParams, mapped: MappedPath, deps: Deps, *, resumed: bool
) -> JsonObject:
    """One file and its sidecars, one rsync run (its roots are checked already).

    ``resumed``: the job's attempt before this one was released (drain, failed batch).
    """
    sources = await asyncio.to_thread(collect_sources, mapped)
    await asyncio.to_thread(check_destination, mapped)
    transfer = Transfer(tuple(sources), mapped.destination_dir, params.replace_existing)
    report = deps.progress
    stats = await run_transfer(
        transfer,
        deps.rsync,
        on_progress=None if report is None else (lambda update: report(job.id, update)),
    )
    result: JsonObject = {
        "source": mapped.source,
        "destination": mapped.destination,
        "files": [os.path.basename(s) for s in sources],
        "files_transferred": stats.files_transferred,
        "bytes_transferred": stats.bytes_transferred,
        "seconds": round(stats.seconds, 3),
        "summary": describe(params),
    }
    if stats.dry_run:
        return {**result, "outcome": "dry_run"}
    if stats.files_transferred == 0:
        if job.attempts <= 1 and not resumed:
            return {**result, "outcome": "already_present"}
        # A retry: an earlier attempt of this job (its rsync outlived a killed daemon, or
        # the daemon died after the copy) may have made the copy. Scan and announce it,
        # since nobody did: at least once, never never.
        result["note"] = RETRY_NOTE
    if deps.queue_scan is not None:
        await deps.queue_scan(mapped)
    copied = announcement(
        params, mapped, bytes_copied=stats.bytes_transferred, seconds=stats.seconds
    )
    await deps.announce(copied)
    return {**result, "outcome": "copied"}


async def run_delete(params: MirrorParams, deps: Deps) -> JsonObject:
    """Remove the copy of a file Sonarr/Radarr deleted (``mirror.propagate_deletes``)."""
    assert params.library_path is not None
    mapped = map_path(params.library_path, deps.rules, instance=params.instance)
    await require_roots(mapped, deps)
    plan = await asyncio.to_thread(changes.plan_removal, mapped)
    title = params.title or mapped.name
    base: JsonObject = {"destination": mapped.destination, "reason": params.reason}
    if not plan.deleted:
        outcome = "kept_source_present" if plan.kept else "already_absent"
        summary = f"{title}: {mapped.name} " + (
            "is at the source again, copy kept" if plan.kept else "was not at the destination"
        )
        return {**base, "outcome": outcome, "kept": list(plan.kept), "summary": summary}
    if deps.rsync.dry_run:
        summary = f"{title}: dry run, would delete {len(plan.deleted)} file(s)"
        return {
            **base,
            "outcome": "dry_run",
            "would_delete": list(plan.deleted),
            "summary": summary,
        }
    if deps.budget is None:
        removed = await asyncio.to_thread(changes.remove_files, plan.deleted)
    else:
        async with deps.budget.deletion():
            removed = await asyncio.to_thread(changes.remove_files, plan.deleted)
    if deps.queue_scan is not None:
        await deps.queue_scan(mapped)  # Plex drops the entry
    summary = f"{title}: deleted {mapped.name} at the destination"
    return {
        **base,
        "outcome": "deleted",
        "deleted": removed,
        "kept": list(plan.kept),
        "summary": summary,
    }


async def run_rename(job: Job, params: MirrorParams, deps: Deps) -> JsonObject:
    """Move the copy to its new name (``mirror.propagate_renames``); copy when it is absent."""
    assert params.library_path is not None and params.previous_path is not None
    new = map_path(params.library_path, deps.rules, instance=params.instance)
    old = map_path(params.previous_path, deps.rules, instance=params.instance)
    await require_roots(new, deps)
    if old.rule != new.rule:
        await require_roots(old, deps)
    moves = await asyncio.to_thread(changes.plan_moves, old, new)
    title = params.title or new.name
    if not moves:  # nothing to move: the old copy never arrived; copy the new name instead
        result = await run_copy(job, replace_action(params), deps)
        return {**result, "note": f"{old.name} was not at the destination: copied instead"}
    if deps.rsync.dry_run:
        would: list[Any] = [[a, b] for a, b in moves]
        return {"outcome": "dry_run", "would_move": would, "summary": f"{title}: dry run"}
    moved = await asyncio.to_thread(changes.apply_moves, moves, new)
    if deps.queue_scan is not None:
        await deps.queue_scan(new)
        if old.destination_dir != new.destination_dir:
            await deps.queue_scan(old)
    summary = f"{title}: renamed {old.name} -> {new.name} at the destination"
    done: list[Any] = [list(pair) for pair in moved]
    return {"outcome": "renamed", "moved": done, "summary": summary}


def replace_action(params: MirrorParams) -> MirrorParams:
    return params.model_copy(update={"action": "copy", "previous_path": None})
