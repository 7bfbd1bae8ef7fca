"""mirror, batched: what one folder's run copies, worked out before rsync starts.

``batch`` leases the waiting copies of a folder; this module lists the folder once and
finds each copy's sources (the media file and its sidecars, checked as ``file_copy``
checks one file), what each had left to copy before the run (its own files and bytes, for
its result), the copies that must leave the run before it starts (their own checks fail,
or their paths no longer fit the command line: :class:`LeftOut`), and whether the run
goes without ``--ignore-existing`` (a copy of another size at the destination). After the
run, :func:`changed_during_run` says whose sources did not hold still.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass

from arrkestra.core.errors import ArrkestraError, PermanentError
from arrkestra.core.job_kinds import CopyParams
from arrkestra.core.jobs import Job
from arrkestra.core.paths import MappedPath, ensure_inside
from arrkestra.pipelines.mirror.deps import Deps
from arrkestra.pipelines.mirror.file_copy import (
    FileState,
    check_destination,
    check_sidecars,
    collect_sources,
    file_states,
    incomplete_copies,
    sidecars_in,
)

ARGV_BUDGET = 512 * 1024  # bytes of source paths on one rsync command line


@dataclass(frozen=True)
class MappedCopy:
    """A copy job of the batch with its file mapped through ``mirror.paths``."""

    job: Job
    params: CopyParams
    mapped: MappedPath


@dataclass(frozen=True)
class ReadyCopy:
    """A copy whose sources were listed, with what was left to copy before the run."""

    copy: MappedCopy
    sources: list[str]
    pending_files: int
    pending_bytes: int
    states: tuple[FileState | None, ...]  # its sources' size and mtime before the run


@dataclass(frozen=True)
class Prepared:
    """The copies of a run, and whether it goes without ``--ignore-existing``."""

    copies: list[ReadyCopy | LeftOut]
    replace: bool


@dataclass(frozen=True)
class LeftOut:
    """A sibling that cannot go in this run: released before it starts."""

    job: Job
    error: BaseException
    note: str | None  # None: it may go with a later batch (it did not fit this one)


def prepare(copies: list[MappedCopy], deps: Deps) -> Prepared:
    """Blocking: each copy's sources (one listing of the folder) and what is left to copy.

    The first copy is the main job's. Copies whose sources do not fit the command line
    are left out too (released: they go in a later run). With ``ignore_existing``, a copy
    of another size at the destination makes the run replace (see the module doc).
    """
    main = copies[0].mapped
    entries = sorted(os.listdir(main.source_dir))
    check_destination(main)
    real_dir = os.path.realpath(main.source_dir)
    ensure_inside(real_dir, os.path.realpath(main.rule.source_root), allow_root=True)
    listed: list[tuple[MappedCopy, list[str]] | LeftOut] = []
    used = 0
    for copy in copies:
        try:
            sources = sources_of(copy.mapped, entries)
        except (ArrkestraError, OSError) as exc:
            note = f"released: cannot be copied with job {copies[0].job.id}: {exc}"
            listed.append(LeftOut(copy.job, exc, note))
            continue
        cost = sum(len(s) + 1 for s in sources)
        if listed and used + cost > ARGV_BUDGET:
            listed.append(LeftOut(copy.job, PermanentError("over the argv budget"), None))
            continue
        used += cost
        listed.append((copy, sources))
    replace = copies[0].params.replace_existing
    if deps.rsync.ignore_existing and not replace:
        every = [s for item in listed if not isinstance(item, LeftOut) for s in item[1]]
        replace = bool(incomplete_copies(every, main.destination_dir))
    ignore = deps.rsync.ignore_existing and not replace
    out: list[ReadyCopy | LeftOut] = []
    for item in listed:
        if isinstance(item, LeftOut):
            out.append(item)
            continue
        copy, sources = item
        try:
            states = file_states(sources)
            files, size = pending(sources, main.destination_dir, ignore_existing=ignore)
        except OSError as exc:
            note = f"released: cannot be copied with job {copies[0].job.id}: {exc}"
            out.append(LeftOut(copy.job, exc, note))
            continue
        out.append(ReadyCopy(copy, sources, files, size, states))
    return Prepared(out, replace)


def changed_during_run(ready: list[ReadyCopy]) -> set[int]:
    """Blocking: the jobs whose sources changed size or mtime since ``prepare``."""
    return {c.copy.job.id for c in ready if file_states(c.sources) != c.states}


def sources_of(mapped: MappedPath, entries: list[str]) -> list[str]:
    """Blocking: ``collect_sources`` for a file of a folder checked already (its real path
    is inside the root): a regular file there needs no check of its own; anything else
    (a symlink, gone) gets the full checks and their errors.
    """
    try:
        mode = os.lstat(mapped.source).st_mode
    except OSError:
        mode = 0
    if not stat.S_ISREG(mode):
        return collect_sources(mapped, entries)
    sidecars = sidecars_in(mapped.name, entries)
    check_sidecars(mapped, sidecars)
    names = [mapped.name, *sidecars]
    return [os.path.join(mapped.source_dir, name) for name in names]


def pending(sources: list[str], destination_dir: str, *, ignore_existing: bool) -> tuple[int, int]:
    """Blocking: (files, bytes) of ``sources`` rsync will copy: not complete at the
    destination (present, with ``ignore_existing``; else same size and mtime)."""
    files = size = 0
    for source in sources:
        have = os.stat(source)
        try:
            there = os.stat(os.path.join(destination_dir, os.path.basename(source)))
        except FileNotFoundError:
            there = None
        if there is not None and (
            ignore_existing
            or (there.st_size == have.st_size and there.st_mtime_ns == have.st_mtime_ns)
        ):
            continue
        files += 1
        size += have.st_size
    return files, size
