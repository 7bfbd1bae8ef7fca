"""What the mirror pipeline tells people: one line per file, one message per series.

sync-webhook's success message carried the title, the year or SxxEyy with the episode
title, the quality, the size and the duration; a season pack's files are grouped (by
instance and series) into one message listing the episodes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from arrkestra.adapters.notify import Message
from arrkestra.core.job_kinds.words import size


@dataclass(frozen=True)
class Mirrored:
    """One copied file, as an announcement needs it."""

    instance: str
    title: str
    year: int | None
    season: int | None
    episodes: tuple[int, ...]
    episode_titles: tuple[str, ...]
    quality: str | None
    bytes: int
    seconds: float
    destination_dir: str
    file_name: str

    @property
    def is_episode(self) -> bool:
        # An Import Complete payload gives a season pack's files their season only.
        return self.season is not None

    @property
    def group(self) -> str:
        """Episodes of one series share a message; every movie gets its own."""
        if self.is_episode:
            return f"{self.instance}/{self.title}"
        return f"{self.instance}/{self.destination_dir}/{self.title}"


UNITS = ("B", "KB", "MB", "GB", "TB", "PB")


def human_bytes(count: float) -> str:
    """Binary units, one decimal, as sync-webhook printed them: ``139.7 GB``."""
    return size(count, UNITS)


def human_seconds(seconds: float) -> str:
    whole = round(seconds)
    if whole < 60:
        return f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def episode_code(item: Mirrored) -> str:
    """``S01E02``; the file's name when the payload did not say which episodes it holds."""
    if not item.episodes:
        return item.file_name
    return f"S{item.season or 0:02d}" + "".join(f"E{n:02d}" for n in item.episodes)


def line(item: Mirrored) -> str:
    """``S01E02 - Title · WEBDL-1080p · 1.2 GB in 42s`` (or the movie's title and year)."""
    if item.is_episode:
        head = episode_code(item)
        if item.episode_titles:
            head += f" - {', '.join(item.episode_titles)}"
    else:
        head = f"{item.title} ({item.year})" if item.year else item.title
    parts = [head]
    if item.quality:
        parts.append(item.quality)
    parts.append(f"{human_bytes(item.bytes)} in {human_seconds(item.seconds)}")
    return " · ".join(parts)


def message_for(items: Sequence[Mirrored]) -> Message:
    """One message for one file, or one listing every file of a group."""
    first = items[0]
    if len(items) == 1:
        subject = f"{first.title} {episode_code(first)}" if first.is_episode else first.title
        text = f"{line(first)}\n-> {first.destination_dir}"
        return Message(f"arrkestra: mirrored {subject}", text)
    ordered = sorted(items, key=lambda i: (i.season or 0, i.episodes, i.file_name))
    total = sum(i.bytes for i in items)
    seconds = sum(i.seconds for i in items)
    folders = sorted({i.destination_dir for i in items})
    body = [line(i) for i in ordered]
    body.append(f"{len(items)} files, {human_bytes(total)} in {human_seconds(seconds)}")
    body.extend(f"-> {folder}" for folder in folders)
    noun = "episodes" if all(i.is_episode for i in items) else "files"
    return Message(f"arrkestra: mirrored {first.title} ({len(items)} {noun})", "\n".join(body))
