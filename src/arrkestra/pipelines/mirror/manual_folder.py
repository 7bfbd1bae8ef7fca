"""A folder asked for by hand (sync-webhook's own example, ``/sync/manual`` with
``{"path": "/movies/Movie Name (2024)"}``, or ``arrkestra sync``): the copy job of every
media file in it, each exactly the job its import would have queued.

:func:`plan_path` decides what a manual path is. A path whose name is a media file's
(a video extension) is planned as one file without reading anything, as before folders
were understood. Any other path is first planned as a file would be (``manual.plan``: the
same refusals for a path no rule maps, or one that escapes its root), then looked at in
the source: a folder is expanded, a file stays a file, nothing there is refused (404).

Expanding a folder walks it recursively, as reconcile walks a root: ``mirror.excludes``
is applied to paths relative to the rule's source root (an excluded folder is not
entered), symlinks are not followed, names unsafe to copy are left out. Each video file
gets the job an import of it would have queued (``manual.plan`` per file: same key, so a
file already waiting is not queued twice, and its sidecars travel with it, as with an
import). Other files (``poster.jpg``, ``movie.nfo``, files of no video) are not mirrored,
as an import would not mirror them: they are counted as skipped. A video that a copy
would not change (it and each of its sidecars at the destination already: present, with
``mirror.ignore_existing``, else with the same size and modification time, rsync's quick
check) is counted as already present and not queued.

Bounded: a folder holding more than ``BULK_LIMIT`` video files (bulk's run size, 10,000)
or more than ``ENTRY_LIMIT`` entries is refused before anything is queued. The jobs are
plain copies (the mirror batches a folder's waiting copies into one rsync run), queued
in committed chunks so the first copies start while the rest are queued.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass, field

from arrkestra.config import Settings
from arrkestra.core.excludes import ExcludeMatcher
from arrkestra.core.filenames import name_problem
from arrkestra.core.jobs import JobSpec
from arrkestra.core.paths import MappedPath, PathRefused, ensure_inside
from arrkestra.core.sidecars import VIDEO_EXTENSIONS, split_extension
from arrkestra.pipelines.mirror.bulk import BULK_LIMIT
from arrkestra.pipelines.mirror.file_copy import sidecars_in
from arrkestra.pipelines.mirror.manual import ManualSync, SyncPlan, SyncRefused, plan

ENTRY_LIMIT = 100_000  # files and folders listed in one folder sync
LAST_NAME = re.compile(r"[^\\/]*$")


@dataclass(frozen=True)
class FolderPlan:
    """The copies one folder needs, and what was left out."""

    folder: MappedPath  # the folder, mapped like a file (``source``, ``destination``)
    specs: tuple[JobSpec, ...]  # one per video file a copy would change
    already_present: int  # video files (with their sidecars) at the destination already
    sidecars: int  # files travelling with a video file's job
    skipped: int  # no job takes them: other files, excluded or unsafe names, symlinks


def is_media_name(path: str) -> bool:
    """Whether the path's last name has a video extension (a file, without looking)."""
    name = LAST_NAME.search(path.rstrip("/\\"))
    return name is not None and split_extension(name.group())[1].lower() in VIDEO_EXTENSIONS


def plan_path(settings: Settings, request: ManualSync) -> SyncPlan | FolderPlan:
    """A file's job, or a folder's jobs; ``SyncRefused`` when neither can be queued.

    Blocking when the name is not a media file's: it reads the source.
    """
    as_file = plan(settings, request)
    if is_media_name(request.path):
        return as_file
    folder = as_file.mapped
    try:
        mode = os.stat(folder.source).st_mode
        if stat.S_ISDIR(mode):
            ensure_inside(
                os.path.realpath(folder.source), os.path.realpath(folder.rule.source_root)
            )
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            raise SyncRefused(
                404, f"no folder or file {request.path} in the source ({folder.source})"
            ) from None
        raise SyncRefused(503, f"cannot read {folder.source}: {exc.strerror}") from None
    except PathRefused as exc:
        raise SyncRefused(400, str(exc)) from None
    if not stat.S_ISDIR(mode):
        return as_file
    return _plan_folder(settings, request, folder)


@dataclass
class _Walk:
    videos: list[tuple[str, ...]] = field(default_factory=list)  # below the asked folder
    present: int = 0
    sidecars: int = 0
    skipped: int = 0
    entries: int = 0


def _plan_folder(settings: Settings, request: ManualSync, folder: MappedPath) -> FolderPlan:
    mirror = settings.mirror
    walk = _walk(folder, ExcludeMatcher(mirror.excludes), ignore_existing=mirror.ignore_existing)
    specs, refused = [], 0
    for parts in sorted(walk.videos):
        path = folder.rule.library_path("/".join((*folder.relative, *parts)))
        try:
            specs.append(
                plan(settings, ManualSync(path, request.media_type, request.instance)).spec
            )
        except SyncRefused:
            refused += 1  # a name Sonarr/Radarr could not have imported (Windows: CON.mkv)
    return FolderPlan(folder, tuple(specs), walk.present, walk.sidecars, walk.skipped + refused)


def _walk(folder: MappedPath, excludes: ExcludeMatcher, *, ignore_existing: bool) -> _Walk:
    """Blocking: every video file below ``folder`` a copy would change, and the counts."""
    walk = _Walk()
    pending: list[tuple[str, ...]] = [()]
    while pending:
        parts = pending.pop()
        source = os.path.join(folder.source, *parts)
        files: dict[str, os.stat_result] = {}
        try:
            with os.scandir(source) as entries:
                for entry in entries:
                    _count(walk, folder)
                    relative = "/".join((*folder.relative, *parts, entry.name))
                    if name_problem(entry.name) is not None:
                        walk.skipped += 1
                    elif entry.is_dir(follow_symlinks=False):
                        if excludes.excluded(relative, is_dir=True):
                            walk.skipped += 1
                        else:
                            pending.append((*parts, entry.name))
                    elif entry.is_file(follow_symlinks=False) and not excludes.excluded(
                        relative, is_dir=False
                    ):
                        files[entry.name] = entry.stat(follow_symlinks=False)
                    else:
                        walk.skipped += 1
        except OSError as exc:
            if exc.errno == errno.ENOENT and parts:
                continue  # a sub-folder gone since it was listed: nothing to copy there
            raise SyncRefused(503, f"cannot list {source}: {exc.strerror}") from None
        _take(walk, folder, parts, files, ignore_existing=ignore_existing)
    return walk


def _count(walk: _Walk, folder: MappedPath) -> None:
    walk.entries += 1
    if walk.entries > ENTRY_LIMIT:
        raise SyncRefused(
            400,
            f"{folder.source} holds more than {ENTRY_LIMIT:,} files and folders: sync its "
            "sub-folders one by one, or let reconcile compare the trees",
        )


def _take(
    walk: _Walk,
    folder: MappedPath,
    parts: tuple[str, ...],
    files: dict[str, os.stat_result],
    *,
    ignore_existing: bool,
) -> None:
    """One listed folder's files: its videos (with their sidecars) and what is left over."""
    names = sorted(files)
    carried: set[str] = set()
    destination = os.path.join(folder.destination, *parts)
    for name in names:
        if split_extension(name)[1].lower() not in VIDEO_EXTENSIONS:
            continue
        sidecars = sidecars_in(name, names)
        carried.update(sidecars)
        walk.sidecars += len(sidecars)
        travelling = [name, *sidecars]
        if all(
            _unchanged(files[n], os.path.join(destination, n), ignore_existing) for n in travelling
        ):
            walk.present += 1
            continue
        walk.videos.append((*parts, name))
        if len(walk.videos) > BULK_LIMIT:
            raise SyncRefused(
                400,
                f"{folder.source} holds more than {BULK_LIMIT:,} media files to copy: sync "
                "its sub-folders one by one, or let reconcile compare the trees",
            )
    videos = sum(1 for n in names if split_extension(n)[1].lower() in VIDEO_EXTENSIONS)
    walk.skipped += len(names) - videos - len(carried)


def _unchanged(source: os.stat_result, destination: str, ignore_existing: bool) -> bool:
    """Whether rsync would leave ``destination`` as it is (its quick check)."""
    try:
        there = os.stat(destination)
    except OSError:
        return False
    if ignore_existing:
        return True
    return there.st_size == source.st_size and int(there.st_mtime) == int(source.st_mtime)
