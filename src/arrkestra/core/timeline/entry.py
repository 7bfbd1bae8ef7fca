"""One step of a title's timeline, which kind of title a row is about, and their order.

A title is its text as Sonarr/Radarr send it (``series.title``, ``movie.title``, a job's
``title``) together with its kind: ``series`` or ``movie``. A job says its kind by its
``media_type`` (``tv``/``episode``/``movie``: cleanup jobs, manual and imported copies)
or else by its instance (``sonarr.hd`` is a series, ``radarr.4k`` a movie). The same
rules are written as SQL by the store (``store/titles``) from the tables below, so the
search and this module can never disagree about a row's kind.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

Kind = Literal["series", "movie"]
KINDS: tuple[Kind, ...] = ("series", "movie")
Tone = Literal["ok", "skip", "bad", "wait", "info"]
"""How an outcome reads: done, skipped on purpose (with a reason), failed, not finished
yet, or a fact (an event received)."""
Source = Literal["event", "job", "show", "reconcile"]

MEDIA_TYPE_KINDS: Mapping[str, Kind] = {"tv": "series", "episode": "series", "movie": "movie"}
"""A job's ``media_type`` -> its title's kind (decides first)."""
INSTANCE_KINDS: Mapping[str, Kind] = {"sonarr.": "series", "radarr.": "movie"}
"""The prefix of a job's ``instance`` -> its title's kind (when ``media_type`` says none)."""
RANK: Mapping[Source, int] = {"event": 0, "job": 1, "show": 2, "reconcile": 3}
"""At the same second an event comes before the jobs it caused."""


def kind_of(instance: str | None, media_type: str | None) -> Kind | None:
    """The kind of title a job is about (None: it names no kind, e.g. a legacy row)."""
    if media_type is not None and media_type in MEDIA_TYPE_KINDS:
        return MEDIA_TYPE_KINDS[media_type]
    for prefix, kind in INSTANCE_KINDS.items():
        if instance and instance.startswith(prefix):
            return kind
    return None


@dataclass(frozen=True)
class Entry:
    """One step: when, which pipeline, what happened in words, its outcome (a word and a
    tone), why it was skipped or failed, and the row it comes from (``source`` and id)."""

    at: float
    pipeline: str  # mirror, plex_scan, cleanup, discovery, reconcile, or the event's instance
    what: str
    outcome: str  # the badge: imported, copied, skipped, kept, rejected, dead ...
    tone: Tone
    source: Source
    source_id: int
    reason: str | None = None  # for skips and failures: "not in Overseerr"
    note: str | None = None  # more, in a smaller print: "announced", "replayed by catch-up"

    @property
    def order(self) -> tuple[float, int, int]:
        return (self.at, RANK[self.source], self.source_id)


@dataclass(frozen=True)
class TitleIds:
    """The ids Sonarr/Radarr sent with a title (its events, its cleanup jobs): how rows that
    carry ids and no title (a show, a reconcile finding) are known to be about it."""

    tvdb: frozenset[int] = frozenset()
    tmdb: frozenset[int] = frozenset()


def in_order(entries: Iterable[Entry], limit: int | None = None) -> list[Entry]:
    """Oldest first; with ``limit``, only the latest ``limit`` entries (still oldest first)."""
    ordered = sorted(entries, key=lambda entry: entry.order)
    return ordered if limit is None or len(ordered) <= limit else ordered[-limit:]
