"""The files an event names, as pipelines need them: library paths and result values.

A file's library path is the item's folder (``series.path`` / ``movie.folderPath``) joined
with the file's ``relativePath``, in the folder's own separator style, so a Windows
instance's paths stay Windows paths for the path mapping to translate. The sender's own
``path`` is only a fallback, because older versions put the download path there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from arrkestra.core.events.common import MediaFile


@dataclass(frozen=True)
class ImportedFile:
    """A file that arrived in the library (Download), as pipelines need it.

    ``library_path`` is the item's folder joined with ``relative_path`` in the folder's own
    separator style. It is ``None`` when it cannot be known for sure (see
    :func:`library_path`): never a download-folder path. ``source_path`` is where the file
    was imported from, when the sender says (Sonarr 4.0.10+, Radarr 5.15+).
    """

    library_path: str | None
    relative_path: str | None
    file_id: int | None
    size: int | None
    quality: str | None
    quality_version: int | None
    source_path: str | None
    scene_name: str | None
    release_group: str | None
    is_upgrade: bool
    season_number: int | None = None
    episode_numbers: tuple[int, ...] = ()
    episode_titles: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReplacedFile:
    """A file an upgrade removed (``deletedFiles[]`` of a Download)."""

    library_path: str | None
    relative_path: str | None
    file_id: int | None
    size: int | None
    quality: str | None
    recycle_bin_path: str | None


@dataclass(frozen=True)
class RenamedFile:
    """A file a Rename moved inside the library: from ``previous_path`` to ``library_path``."""

    previous_path: str | None
    library_path: str | None
    previous_relative_path: str | None
    relative_path: str | None
    file_id: int | None
    size: int | None
    quality: str | None


_DRIVE = re.compile(r"^[A-Za-z]:(\\|$)")


def is_windows_path(path: str) -> bool:
    """True for ``D:\\TV``, ``\\\\nas\\share`` and other backslash-only paths."""
    return bool(_DRIVE.match(path)) or path.startswith("\\\\") or ("\\" in path and "/" not in path)


def join_path(root: str | None, relative: str | None) -> str | None:
    """``root`` joined with ``relative`` in the separator style of ``root``.

    A Windows root keeps backslashes (``/`` in ``relative`` becomes ``\\``, it cannot be
    part of a Windows file name); a POSIX root keeps ``relative`` byte for byte, since a
    backslash is a legal character in a POSIX file name. ``None`` when either is missing.
    """
    if not root or not relative:
        return None
    if is_windows_path(root):
        relative = relative.replace("/", "\\").lstrip("\\")
        base = root if root.endswith(":") else root.rstrip("\\")
        return f"{base}\\{relative}" if relative else None
    relative = relative.lstrip("/")
    return f"{root.rstrip('/')}/{relative}" if relative else None


def is_inside(path: str, root: str) -> bool:
    """Whether ``path`` lies below ``root`` (case-insensitively for Windows roots)."""
    if is_windows_path(root):
        path, root = path.replace("/", "\\").casefold(), root.casefold().rstrip("\\")
        return path.startswith(root + "\\")
    return path.startswith(root.rstrip("/") + "/")


def library_path(
    root: str | None, file: MediaFile, *, path_is_computed: bool = False
) -> str | None:
    """Where ``file`` lives in the library, or ``None`` when that cannot be known for sure.

    The answer is ``root`` (``series.path`` / ``movie.folderPath``) joined with
    ``relativePath``. Without ``relativePath``, the sender's ``path`` is used only when it
    lies inside ``root``: Sonarr < 4.0.9 and Radarr < 5.10 put the *download* path of a
    fresh import there, and a download path must never pass for a library path. Where the
    sender has always computed ``path`` as root + relative path (``deletedFiles[]``,
    ``previousPath``), ``path_is_computed`` lets it stand even without a root.
    """
    joined = join_path(root, file.relative_path)
    if joined is not None:
        return joined
    reported = file.path
    if not reported:
        return None
    if root:
        return reported if is_inside(reported, root) else None
    return reported if path_is_computed else None


def previous_library_path(root: str | None, file: MediaFile) -> str | None:
    """A renamed file's old library path: root + ``previousRelativePath``, else ``previousPath``."""
    return join_path(root, file.previous_relative_path) or file.previous_path or None


def replaced_file(root: str | None, file: MediaFile) -> ReplacedFile:
    return ReplacedFile(
        library_path=library_path(root, file, path_is_computed=True),
        relative_path=file.relative_path,
        file_id=file.id,
        size=file.size,
        quality=file.quality,
        recycle_bin_path=file.recycle_bin_path,
    )


def renamed_file(root: str | None, file: MediaFile) -> RenamedFile:
    return RenamedFile(
        previous_path=previous_library_path(root, file),
        library_path=library_path(root, file),
        previous_relative_path=file.previous_relative_path,
        relative_path=file.relative_path,
        file_id=file.id,
        size=file.size,
        quality=file.quality,
    )


def path_problems(
    root: str | None, root_name: str, files: list[tuple[str, MediaFile | None]]
) -> list[str]:
    """Why some of ``files`` have no library path, one line each, naming the wire fields."""
    problems = []
    for name, file in files:
        if file is None:
            problems.append(f"{name} is missing")
        elif library_path(root, file) is None:
            wanted = ((root_name, root), (f"{name}.relativePath", file.relative_path))
            absent = [field for field, value in wanted if not value]
            reason = ", ".join(absent) + " missing" if absent else "relativePath names no file"
            problems.append(f"{name} has no library path ({reason})")
    return problems
