"""Destructive mirror actions: remove or move the copy of a file Sonarr/Radarr deleted or renamed.

Safety, in this order: the path is mapped through ``mirror.paths`` like any import (no
``..``, nothing option-like), both roots must pass their mount check, the destination
folder's real path must stay inside its root (no symlink escapes), and only regular
files are touched, never folders. A delete leaves alone any file whose source still
exists (the file was imported again since; a copy and a delete of one path must not
race into data loss), and it counts against ``mirror.budget``. Dry-run describes what
would happen and changes nothing. Every touched path is recorded in the job's result.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from arrkestra.core.paths import MappedPath, ensure_inside, sidecar_names
from arrkestra.core.sidecars import split_extension


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


def apply_moves(moves: list[tuple[str, str]], new: MappedPath) -> list[list[str]]:
    """Blocking: create the new folder (inside its root) and move each file."""
    os.makedirs(new.destination_dir, exist_ok=True)
    root = os.path.realpath(new.rule.destination_root)
    ensure_inside(os.path.realpath(new.destination_dir), root, allow_root=True)
    done = []
    for source, target in moves:
        os.replace(source, target)  # same file system: one atomic rename per file
        done.append([source, target])
    return done
