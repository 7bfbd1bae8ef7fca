"""Changes at the destination: the copy of a file Sonarr/Radarr deleted is removed, the
copy of a file it renamed is moved.

Safety, in this order: the path is mapped through ``mirror.paths`` like any import (no
``..``, nothing option-like), both roots must pass their mount check, the destination
folder's real path must stay inside its root (no symlink escapes), and only regular
files are touched, never folders. A delete leaves alone any file whose source still
exists (the file was imported again since; a copy and a delete of one path must not
race into data loss), and it counts against ``mirror.budget``. Dry-run describes what
would happen and changes nothing. Every touched path is recorded in the job's result.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from dataclasses import dataclass

from arrkestra.core.job_kinds import (
    CopyResult,
    DeleteParams,
    DeleteResult,
    RenameParams,
    RenameResult,
)
from arrkestra.core.jobs import Job
from arrkestra.core.paths import MappedPath, ensure_inside, map_path, sidecar_names
from arrkestra.core.sidecars import split_extension
from arrkestra.pipelines.mirror.deps import Changed, Deps
from arrkestra.pipelines.mirror.file_copy import copy_file
from arrkestra.pipelines.mirror.roots import require_roots


@dataclass(frozen=True)
class Removal:
    deleted: list[str]
    kept: list[str]  # still present at the source: not ours to delete


def destination_folder(mapped: MappedPath) -> str | None:
    """Blocking: the real destination folder, checked inside its root; None if absent."""
    folder = mapped.destination_dir
    if not os.path.isdir(folder):
        return None
    root = os.path.realpath(mapped.rule.destination_root)
    ensure_inside(os.path.realpath(folder), root, allow_root=True)
    return folder


def _with_sidecars(folder: str, name: str) -> list[str]:
    entries = os.listdir(folder)
    found = [name] if name in entries else []
    return found + sidecar_names(name, entries)


def plan_removal(mapped: MappedPath) -> Removal:
    """Blocking: the copy and its sidecars, split by whether the source still has them."""
    folder = destination_folder(mapped)
    if folder is None:
        return Removal([], [])
    deleted: list[str] = []
    kept: list[str] = []
    for name in _with_sidecars(folder, mapped.name):
        target = os.path.join(folder, name)
        if not os.path.isfile(target) or os.path.islink(target):
            continue  # folders and symlinks are never ours to remove
        source_twin = os.path.join(mapped.source_dir, name)
        (kept if os.path.lexists(source_twin) else deleted).append(target)
    return Removal(deleted, kept)


def remove_files(paths: list[str]) -> list[str]:
    """Blocking: unlink each path; one already gone is not an error (a retry)."""
    removed = []
    for path in paths:
        try:
            os.unlink(path)
        except FileNotFoundError:
            continue
        removed.append(path)
    return removed


def renamed_name(name: str, old_stem: str, new_stem: str) -> str:
    """A sidecar follows its media file: ``Old.en.srt`` -> ``New.en.srt``."""
    return new_stem + name[len(old_stem) :] if name.startswith(old_stem) else name


def plan_moves(old: MappedPath, new: MappedPath) -> list[tuple[str, str]]:
    """Blocking: (from, to) for the copy of ``old`` and its sidecars; empty if not there."""
    folder = destination_folder(old)
    if folder is None or not os.path.isfile(os.path.join(folder, old.name)):
        return []
    old_stem, new_stem = split_extension(old.name)[0], split_extension(new.name)[0]
    moves = [(os.path.join(folder, old.name), new.destination)]
    for name in sidecar_names(old.name, os.listdir(folder)):
        target = os.path.join(new.destination_dir, renamed_name(name, old_stem, new_stem))
        moves.append((os.path.join(folder, name), target))
    return moves


def make_folder_inside(folder: str, root: str) -> None:
    """Blocking: create ``folder`` (below ``root``, lexically) one level at a time, each
    level proven inside the root's real path before anything is created in it: a
    symlink out of the root anywhere on the way is refused with nothing made outside."""
    real_root = os.path.realpath(root)
    missing: list[str] = []
    existing = folder
    while not os.path.lexists(existing) and existing != root:
        existing, name = os.path.split(existing)
        missing.append(name)
    ensure_inside(os.path.realpath(existing), real_root, allow_root=True)
    for name in reversed(missing):
        existing = os.path.join(existing, name)
        with contextlib.suppress(FileExistsError):  # made meanwhile: checked all the same
            os.mkdir(existing)
        ensure_inside(os.path.realpath(existing), real_root, allow_root=True)


def apply_moves(moves: list[tuple[str, str]], new: MappedPath) -> list[list[str]]:
    """Blocking: create the new folder (proven inside its root first) and move each file."""
    make_folder_inside(new.destination_dir, new.rule.destination_root)
    done = []
    for source, target in moves:
        os.replace(source, target)  # same file system: one atomic rename per file
        done.append([source, target])
    return done


async def delete_copy(params: DeleteParams, deps: Deps) -> DeleteResult:
    """Remove the copy of a file Sonarr/Radarr deleted (``mirror.propagate_deletes``)."""
    mapped = map_path(params.library_path, deps.rules, instance=params.instance)
    await require_roots(mapped, deps)
    plan = await asyncio.to_thread(plan_removal, mapped)
    title = params.title or mapped.name
    if not plan.deleted:
        kept = "is at the source again, copy kept"
        summary = f"{title}: {mapped.name} " + (kept if plan.kept else "was not at the destination")
        return DeleteResult(
            outcome="kept_source_present" if plan.kept else "already_absent",
            destination=mapped.destination,
            reason=params.reason,
            kept=list(plan.kept),
            summary=summary,
        )
    if deps.rsync.dry_run:
        return DeleteResult(
            outcome="dry_run",
            destination=mapped.destination,
            reason=params.reason,
            would_delete=list(plan.deleted),
            summary=f"{title}: dry run, would delete {len(plan.deleted)} file(s)",
        )
    if deps.budget is None:
        removed = await asyncio.to_thread(remove_files, plan.deleted)
    else:
        async with deps.budget.deletion():
            removed = await asyncio.to_thread(remove_files, plan.deleted)
    if deps.tell_servers is not None:
        await deps.tell_servers([Changed(mapped, "Deleted")])  # the servers drop the entry
    return DeleteResult(
        outcome="deleted",
        destination=mapped.destination,
        reason=params.reason,
        deleted=removed,
        kept=list(plan.kept),
        summary=f"{title}: deleted {mapped.name} at the destination",
    )


async def move_copy(job: Job, params: RenameParams, deps: Deps) -> RenameResult | CopyResult:
    """Move the copy to its new name (``mirror.propagate_renames``); copy when it is absent."""
    new = map_path(params.library_path, deps.rules, instance=params.instance)
    old = map_path(params.previous_path, deps.rules, instance=params.instance)
    await require_roots(new, deps)
    if old.rule != new.rule:
        await require_roots(old, deps)
    moves = await asyncio.to_thread(plan_moves, old, new)
    title = params.title or new.name
    if not moves:  # nothing to move: the old copy never arrived; copy the new name instead
        copied = await copy_file(job, params.as_copy(), new, deps, ran_before=job.attempts > 1)
        note = f"{old.name} was not at the destination: copied instead"
        return copied.model_copy(update={"note": note})
    if deps.rsync.dry_run:
        would = [[a, b] for a, b in moves]
        return RenameResult(outcome="dry_run", would_move=would, summary=f"{title}: dry run")
    moved = await asyncio.to_thread(apply_moves, moves, new)
    if deps.tell_servers is not None:
        await deps.tell_servers([Changed(old, "Deleted"), Changed(new, "Created")])
    summary = f"{title}: renamed {old.name} -> {new.name} at the destination"
    return RenameResult(outcome="renamed", moved=moved, summary=summary)
