"""Which media library holds a folder, from the libraries' root folders (locations).

Plex sections and Jellyfin/Emby libraries both name the folders they watch; a targeted
scan, an update report and ``check --online`` all need the library that holds a given
folder, as that server sees it. One answer for every server: the library with the
longest location that contains the folder *on whole path components*
(``/media/movies-4k/X`` is not under ``/media/movies``); on a tie, the first one listed.

A location or folder starting with a drive (``D:\\Media``, ``D:/Media``) or ``\\\\`` (a UNC
share) is a Windows path: either separator, compared case-insensitively, as Windows does.
Anything else is POSIX and compared exactly. A relative path, or one with a ``..``
component, contains nothing and is held by nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath, PureWindowsPath
from typing import Protocol, TypeVar

__all__ = ["Located", "holding", "location_parts"]

_WINDOWS_PATH = re.compile(r"^(?:[A-Za-z]:[\\/]|\\\\)")  # D:\Media, D:/Media, \\nas\share


class Located(Protocol):
    """Anything with root folders: a Plex section, a Jellyfin or Emby library."""

    @property
    def locations(self) -> Sequence[str]: ...


L = TypeVar("L", bound=Located)


def location_parts(path: str) -> tuple[str, ...] | None:
    """Path components for prefix matching; None for a relative path or one with ``..``."""
    if _WINDOWS_PATH.match(path):
        windows = PureWindowsPath(path)
        if not windows.is_absolute() or ".." in windows.parts:
            return None
        return tuple(part.lower() for part in windows.parts)  # Windows paths ignore case
    posix = PurePosixPath(path)
    if not posix.is_absolute() or ".." in posix.parts:
        return None
    return posix.parts


def holding(libraries: Iterable[L], folder: str) -> L | None:
    """The library with the longest location containing ``folder``; the first on a tie."""
    target = location_parts(folder)
    if target is None:
        return None
    best: L | None = None
    best_length = -1
    for library in libraries:
        for location in library.locations:
            parts = location_parts(location)
            if parts and len(parts) > best_length and target[: len(parts)] == parts:
                best, best_length = library, len(parts)
    return best
