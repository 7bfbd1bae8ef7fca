"""One imported file (with its sidecars) copied with rsync to the second server.

The library path is mapped through ``mirror.paths`` (core/paths: no escape, nothing
option-like), both roots have passed their mount check (a stale NFS mount makes only its
own jobs wait), the folder's real path must stay inside its root (no symlink escapes),
and rsync copies the media file together with its sidecars. The copy is then verified
(``mirror.verify``, ``verification``: a copy that does not match its source fails the
attempt, announced nothing). A copy that changed something queues each media server's
debounced scan (its own job: a server down never fails the copy) and announces the file;
a file already there (the same import delivered twice) is neither copied nor announced
again.

Stable files only. Each source's size and modification time are read before rsync and
again after it: a file that changed meanwhile (still being written) is not counted or
announced, and its job runs again after ``STILL_WRITING_DELAY`` without spending an
attempt, until the file holds still. A complete file costs nothing more (two ``stat``s).
With ``mirror.ignore_existing`` a copy already at the destination is kept, but only a
complete one: a copy whose size differs from the source's (left truncated by an earlier
run, or by something else) is copied again, rsync deciding by size and time for that run.

Sidecars are checked like the media file: one that is a symlink must resolve inside the
source root, else the job is refused (rsync would mirror a link pointing anywhere).

A copy usually runs with the other waiting copies of its folder (``batch``); this module
is the file on its own, which a batch falls back to and shares its checks with.
"""

from __future__ import annotations

import asyncio
import bisect
import os
from collections.abc import Sequence

from arrkestra.adapters.file_verify import VerifyMethod
from arrkestra.adapters.rsync import Transfer, TransferStats, run_transfer
from arrkestra.core.errors import DeferredError, PermanentError, TransientError
from arrkestra.core.job_kinds import CopyParams, CopyResult
from arrkestra.core.jobs import Job
from arrkestra.core.paths import MappedPath, PathRefused, ensure_inside, sidecar_names
from arrkestra.core.sidecars import split_extension
from arrkestra.pipelines.mirror.deps import Changed, Deps
from arrkestra.pipelines.mirror.messages import Mirrored
from arrkestra.pipelines.mirror.verification import (
    destination_pairs,
    require_verified,
    rsync_options,
)

RETRY_NOTE = "the copy was already complete: finished by an earlier attempt"
STILL_WRITING_DELAY = 15.0  # seconds before a file that changed during its copy is tried again
STILL_WRITING_LIMIT = 3600.0
"""A job older than this whose file still changes is failing, not waiting: its retries
then back off and count (a recording, a tool rewriting a subtitle), up to an alert."""

FileState = tuple[int, int]  # (size, st_mtime_ns) of a source file


def file_states(sources: Sequence[str]) -> tuple[FileState | None, ...]:
    """Blocking: each source's size and modification time (None: it is gone)."""
    states: list[FileState | None] = []
    for source in sources:
        try:
            info = os.stat(source)
        except FileNotFoundError:
            states.append(None)
            continue
        states.append((info.st_size, info.st_mtime_ns))
    return tuple(states)


def still_writing(name: str, job: Job, now: float) -> DeferredError | TransientError:
    """The error for a file that changed while rsync copied it: not a failure, a wait;
    past ``STILL_WRITING_LIMIT`` of the job's age, an ordinary failure (backoff, attempts,
    and at last a dead job with its alert) rather than a copy every 15 s for ever."""
    if now - job.created_at > STILL_WRITING_LIMIT:
        return TransientError(
            f"{name} still changes after {STILL_WRITING_LIMIT / 3600:g} h of copies (something "
            "keeps writing it): retried with backoff until it holds still"
        )
    return DeferredError(
        f"{name} changed while it was copied (still being written): the copy is not "
        f"counted, it runs again in {STILL_WRITING_DELAY:g} s once the file holds still",
        retry_after=STILL_WRITING_DELAY,
    )


def incomplete_copies(sources: Sequence[str], destination_dir: str) -> list[str]:
    """Blocking: the sources whose copy at the destination has another size (truncated by
    an earlier run): ``ignore_existing`` must not keep those."""
    differ = []
    for source in sources:
        try:
            there = os.stat(os.path.join(destination_dir, os.path.basename(source)))
            here = os.stat(source)
        except FileNotFoundError:
            continue  # nothing there yet, or the source is gone (its own checks say so)
        if there.st_size != here.st_size:
            differ.append(source)
    return differ


def check_sidecars(mapped: MappedPath, names: Sequence[str]) -> None:
    """Blocking: each sidecar that is a symlink resolves inside the source root."""
    root = os.path.realpath(mapped.rule.source_root)
    for name in names:
        path = os.path.join(mapped.source_dir, name)
        if os.path.islink(path):
            target = os.path.realpath(path)
            try:
                ensure_inside(target, root)
            except PathRefused:
                raise PathRefused(
                    f"the sidecar {name!r} is a symlink to {target!r}, outside the source "
                    f"root {mapped.rule.source_root!r}: refused (it would be mirrored as a link "
                    "pointing out)",
                    path=path,
                ) from None


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
    sidecars = sidecars_in(mapped.name, entries)
    check_sidecars(mapped, sidecars)
    names = [mapped.name, *sidecars]
    return [os.path.join(mapped.source_dir, name) for name in names]


def check_destination(mapped: MappedPath) -> None:
    """Blocking: the deepest existing part of the destination folder stays inside its root."""
    root = os.path.realpath(mapped.rule.destination_root)
    folder = mapped.destination_dir
    while not os.path.exists(folder) and folder != mapped.rule.destination_root:
        folder = os.path.dirname(folder)
    ensure_inside(os.path.realpath(folder), root, allow_root=True)


def describe(params: CopyParams) -> str:
    """``The Show S01E02 - Pilot (WEBDL-1080p)``: the job in a person's words."""
    title = params.title or os.path.basename(params.library_path)
    if params.season is not None and params.episodes:
        numbers = "".join(f"E{n:02d}" for n in params.episodes)
        title += f" S{params.season:02d}{numbers}"
        if params.episode_titles:
            title += f" - {', '.join(params.episode_titles)}"
    return f"{title} ({params.quality})" if params.quality else title


def announcement(
    params: CopyParams, mapped: MappedPath, *, bytes_copied: int, seconds: float
) -> Mirrored:
    return Mirrored(
        instance=params.instance,
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


def copy_result(
    params: CopyParams,
    mapped: MappedPath,
    sources: Sequence[str],
    stats: TransferStats,
    *,
    pending: tuple[int, int],
    ran_before: bool,
    verified: VerifyMethod | None = None,
) -> CopyResult:
    """One job's result: its own files and bytes (``pending``: what it had left to copy
    before the run), the run's duration.

    A file already complete is ``already_present``, unless the job ran before (a retry,
    or an attempt released): then an earlier attempt's rsync may have made the copy (it
    outlived a killed daemon, or the daemon died after the copy), and nobody scanned or
    announced it. So it is ``copied``, with a note: at least once, never never.
    """
    files, size = pending
    outcome = "copied"
    note = None
    if stats.dry_run:
        outcome = "dry_run"
    elif files == 0:
        if ran_before:
            note = RETRY_NOTE
        else:
            outcome = "already_present"
    return CopyResult(
        outcome=outcome,
        source=mapped.source,
        destination=mapped.destination,
        files=[os.path.basename(s) for s in sources],
        files_transferred=files,
        bytes_transferred=size,
        seconds=round(stats.seconds, 3),
        summary=describe(params),
        note=note,
        verified=verified,
    )


async def copy_file(
    job: Job, params: CopyParams, mapped: MappedPath, deps: Deps, *, ran_before: bool
) -> CopyResult:
    """One file and its sidecars, one rsync run (its roots are checked already).

    ``ran_before``: a retry, or the attempt before this one was released. A file that
    changed during the run raises :func:`still_writing` (see the module doc); a copy that
    does not match its source, ``CopyNotVerified`` (``verification``).
    """
    sources = await asyncio.to_thread(collect_sources, mapped)
    await asyncio.to_thread(check_destination, mapped)
    options = rsync_options(job, deps)  # --checksum to copy again what failed its checksum
    replace = params.replace_existing or options.checksum
    if deps.rsync.ignore_existing and not replace:
        replace = bool(await asyncio.to_thread(incomplete_copies, sources, mapped.destination_dir))
    before = await asyncio.to_thread(file_states, sources)
    transfer = Transfer(tuple(sources), mapped.destination_dir, replace)
    stats = await run_transfer(
        transfer, options, on_progress=lambda update: deps.transfers.progress(job.id, update)
    )
    if await asyncio.to_thread(file_states, sources) != before:
        raise still_writing(mapped.name, job, deps.now())
    pairs = destination_pairs(sources, mapped.destination_dir, deps.rsync.excludes)
    verified = await require_verified(mapped.name, pairs, deps)
    result = copy_result(
        params,
        mapped,
        sources,
        stats,
        pending=(stats.files_transferred, stats.bytes_transferred),
        ran_before=ran_before,
        verified=verified,
    )
    if result.outcome == "copied":
        await publish_copy(params, mapped, stats, deps)
    return result


async def publish_copy(
    params: CopyParams, mapped: MappedPath, stats: TransferStats, deps: Deps
) -> None:
    """A copied file: its folder's scans queued, the file announced."""
    if deps.tell_servers is not None:
        await deps.tell_servers([Changed(mapped, "Created")])
    bytes_copied = stats.bytes_transferred
    await deps.announce(
        announcement(params, mapped, bytes_copied=bytes_copied, seconds=stats.seconds)
    )
