"""A TVMaze show as discovery sees it, and the processing states a cached show moves through.

The adapter turns TVMaze JSON into ``Show``; the store keeps it as a row; the filter engine
reads only these fields. Nothing here knows where a show came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class ShowStatus(StrEnum):
    """``processing_status`` of a cached show (TVMaze-Sync's names)."""

    PENDING = "pending"  # stored, not evaluated or not yet sent to Sonarr
    FILTERED = "filtered"  # rejected by the filters; ``filter_reason`` says why
    PENDING_TVDB = "pending_tvdb"  # passes, but Sonarr can't add it yet (no TVDB id)
    ADDED = "added"
    EXISTS = "exists"  # Sonarr already had it (or excluded it)
    FAILED = "failed"
    SKIPPED = "skipped"  # by hand (store: show_skips), excluded in Sonarr, or abandoned
    REVIEW = "review"  # passes, waits for a person's approve or skip (discovery.review)
    APPROVED = "approved"  # a person approved it: the next adding pass adds it


PAGE_SIZE = 250
"""TVMaze's show index holds ids ``N*250 … N*250+249`` on page N."""


def page_of(tvmaze_id: int) -> int:
    """The show-index page a TVMaze id lives on."""
    return tvmaze_id // PAGE_SIZE


@dataclass(frozen=True, slots=True)
class Show:
    """The fields of a TVMaze show that discovery stores and filters on.

    ``country`` is the network's country code, else the web channel's (either may be
    missing); ``runtime`` is ``runtime`` or, failing that, ``averageRuntime``.
    """

    tvmaze_id: int
    title: str
    updated: int  # TVMaze's ``updated`` (unix seconds), compared with /updates/shows
    tvdb_id: int | None = None
    imdb_id: str | None = None
    language: str | None = None
    country: str | None = None
    type: str | None = None
    status: str | None = None
    premiered: date | None = None
    ended: date | None = None
    network: str | None = None
    web_channel: str | None = None
    genres: tuple[str, ...] = ()
    runtime: int | None = None
    rating: float | None = None
