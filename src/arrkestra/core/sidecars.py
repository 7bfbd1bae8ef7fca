"""Sidecars: the small files that travel with a media file in its folder.

A sidecar is named after the media file: its base name (the name without the last
extension), then one of these endings (extensions compared case-insensitively):

- subtitles ``.srt .ass .ssa .sub .idx .vtt .sup .smi``, with any dot-separated infixes
  for language and flags: ``.srt``, ``.en.srt``, ``.en.forced.srt``, ``.pt-BR.sdh.srt``,
  ``.1.en.srt`` (Sonarr numbers duplicates);
- metadata: exactly ``.nfo`` (Kodi/Emby metadata written by Sonarr/Radarr);
- images: exactly ``.jpg .jpeg .png .tbn``, or ``-thumb`` before one of them (Plex's
  episode thumbnail ``Show - S01E01.jpg``, Kodi's ``Show - S01E01-thumb.jpg``).

Folder-wide files (``poster.jpg``, ``movie.nfo``, ``season01-poster.jpg``) belong to the
folder, not to one file, and are not selected. Never selected: the media file itself,
other videos (no video extension is a sidecar ending), names that are not safe to copy
(control characters, ``/``, ``.``/``..``, too long: skipped, not refused, so one odd file
cannot stop the mirror of the media file), and a file that belongs to another video of
the folder with a longer base name: with ``Movie.mkv`` and ``Movie.Extended.mkv`` side by
side, ``Movie.Extended.en.srt`` goes with the second only.
"""

from __future__ import annotations

from collections.abc import Iterable

from arrkestra.core.filenames import name_problem

SUBTITLE_EXTENSIONS = frozenset({".srt", ".ass", ".ssa", ".sub", ".idx", ".vtt", ".sup", ".smi"})
METADATA_EXTENSIONS = frozenset({".nfo"})
IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".tbn"})
VIDEO_EXTENSIONS = frozenset(
    {
        ".mkv", ".mp4", ".m4v", ".avi", ".mov", ".wmv", ".ts", ".m2ts", ".mts", ".webm",
        ".mpg", ".mpeg", ".vob", ".iso", ".flv", ".ogm", ".ogv", ".divx", ".3gp", ".rmvb",
        ".strm",
    }
)  # fmt: skip


def split_extension(name: str) -> tuple[str, str]:
    """``("Show - S01E01", ".mkv")``; a name without a dot (or only a leading one) has none."""
    dot = name.rfind(".")
    if dot <= 0:
        return name, ""
    return name[:dot], name[dot:]


def _claims(stem: str, name: str) -> bool:
    """Whether ``name`` is a sidecar of a media file whose base name is ``stem``."""
    if not stem or not name.startswith(stem):
        return False
    rest = name[len(stem) :]
    dot = rest.rfind(".")
    if dot < 0:
        return False
    middle, extension = rest[:dot], rest[dot:].lower()
    if extension in SUBTITLE_EXTENSIONS:
        # "" or ".en" / ".en.forced": every infix a non-empty dot-separated token
        return middle == "" or (middle.startswith(".") and all(middle[1:].split(".")))
    if extension in METADATA_EXTENSIONS:
        return middle == ""
    if extension in IMAGE_EXTENSIONS:
        return middle.lower() in ("", "-thumb")
    return False


def sidecar_names(media_name: str, directory_entries: Iterable[str]) -> list[str]:
    """The sidecars of ``media_name`` among ``directory_entries`` (names in its folder), sorted.

    ``media_name`` is a file name, not a path (:class:`ValueError` otherwise).
    """
    problem = name_problem(media_name)
    if problem is not None:
        raise ValueError(f"media_name must be a file name: {problem}")
    entries = {entry for entry in directory_entries if name_problem(entry) is None}
    stem = split_extension(media_name)[0]
    stems = {stem} | {
        split_extension(entry)[0]
        for entry in entries
        if split_extension(entry)[1].lower() in VIDEO_EXTENSIONS
    }
    chosen = []
    for entry in entries - {media_name}:
        owners = [candidate for candidate in stems if _claims(candidate, entry)]
        if stem in owners and len(stem) == max(len(owner) for owner in owners):
            chosen.append(entry)
    return sorted(chosen)
