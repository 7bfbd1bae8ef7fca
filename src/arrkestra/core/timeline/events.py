"""A stored webhook (or a replayed history record) as one step of its title's timeline.

The body is read with the same lenient models intake used (``core/events``), so a step
says what Sonarr/Radarr did in their words: ``Sonarr imported S02E18 (Bluray-1080p)``,
``Radarr deleted the movie and its files``. Events are facts, not outcomes: their badge
names what happened (imported, upgraded, deleted ...), their note where it was routed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from arrkestra.core.events import (
    ArrKind,
    Episode,
    Event,
    ImportedFile,
    Malformed,
    RadarrDownload,
    RadarrGrab,
    RadarrMovieAdded,
    RadarrMovieDelete,
    RadarrMovieFileDelete,
    RadarrRename,
    SonarrDownload,
    SonarrEpisodeFileDelete,
    SonarrGrab,
    SonarrImportComplete,
    SonarrRename,
    SonarrSeriesAdd,
    SonarrSeriesDelete,
    Unsupported,
    parse_event,
)
from arrkestra.core.events.sonarr import episode_label
from arrkestra.core.job_kinds.catchup import CATCHUP
from arrkestra.core.job_kinds.words import counted, file_name
from arrkestra.core.timeline.entry import Entry, Tone

REPLAYED_FROM = CATCHUP
"""The ``remote_addr`` catch-up stores its replayed history records with."""
ARR_KINDS: dict[str, ArrKind] = {"sonarr": "sonarr", "radarr": "radarr"}


@dataclass(frozen=True)
class EventFacts:
    """What the timeline reads of a stored event."""

    id: int
    source: str  # sonarr | radarr
    instance: str  # hd
    event_type: str
    received_at: float
    body: str  # the JSON as received
    routed_to: tuple[str, ...] = ()
    remote_addr: str | None = None
    tvdb_id: int | None = None  # series.tvdbId (0 or absent: None)
    tmdb_id: int | None = None  # series.tmdbId or movie.tmdbId


def _details(*parts: str | None) -> str:
    shown = [part for part in parts if part]
    return f" ({', '.join(shown)})" if shown else ""


def _imported(app: str, event: SonarrDownload | RadarrDownload) -> tuple[str, str]:
    files = event.imported_files()
    first: ImportedFile | None = files[0] if files else None
    verb = "upgraded" if event.is_upgrade else "imported"
    if isinstance(event, SonarrDownload):
        subject = episode_label(event.episodes) or "an episode"
    else:
        subject = "the movie"
    quality = first.quality if first else None
    name = file_name(first.library_path) if first and first.library_path else None
    return verb, f"{app} {verb} {subject}{_details(quality, name)}"


def _pack(app: str, event: SonarrImportComplete) -> tuple[str, str]:
    files = event.imported_files()
    subject = episode_label(event.episodes) or "episodes"
    return "imported", f"{app} imported {subject}{_details(counted(len(files), 'file'))}"


def _episodes(episodes: tuple[Episode, ...]) -> str:
    return episode_label(episodes) or "an episode"


def _said(app: str, event: Event) -> tuple[str, str]:
    """(badge, sentence) for a typed event."""
    match event:
        case SonarrImportComplete():
            return _pack(app, event)
        case SonarrDownload() | RadarrDownload():
            return _imported(app, event)
        case SonarrSeriesDelete() | RadarrMovieDelete():
            what = "the series" if isinstance(event, SonarrSeriesDelete) else "the movie"
            files = "and its files" if event.deleted_files else "(its files kept)"
            return "deleted", f"{app} deleted {what} {files}"
        case SonarrEpisodeFileDelete() | RadarrMovieFileDelete():
            subject = (
                f"the file of {_episodes(event.episodes)}"
                if isinstance(event, SonarrEpisodeFileDelete)
                else "the movie's file"
            )
            reason = f"; reason: {event.delete_reason}" if event.delete_reason else ""
            return "file deleted", f"{app} deleted {subject}{reason}"
        case SonarrRename() | RadarrRename():
            count = len(event.renamed_files())
            return "renamed", f"{app} renamed {counted(count, 'file')}"
        case SonarrGrab() | RadarrGrab():
            subject = _episodes(event.episodes) if isinstance(event, SonarrGrab) else "the movie"
            quality = event.release.quality if event.release else None
            return "grabbed", f"{app} grabbed {subject}{_details(quality)}"
        case SonarrSeriesAdd() | RadarrMovieAdded():
            return "added", f"{app} added the {'series' if event.kind == 'sonarr' else 'movie'}"
    return event.event_type.lower(), f"{app}: {event.summary}"


def _body(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):  # an older version stored it: no JSON read today
        return {}
    return data if isinstance(data, dict) else {}


def event_entry(event: EventFacts) -> Entry:
    """The event as a step: what the app did, where it was routed, whether it was replayed."""
    app = event.source.capitalize()
    pipeline = f"{event.source}.{event.instance}"
    reason: str | None = None
    tone: Tone = "info"
    kind = ARR_KINDS.get(event.source)
    parsed = (
        Unsupported("sonarr", event.event_type)
        if kind is None
        else parse_event(kind, _body(event.body))
    )
    if isinstance(parsed, Malformed):
        badge, what = "malformed", f"{app} sent a {event.event_type} that does not fit its shape"
        reason, tone = "; ".join(parsed.problems), "bad"
    elif isinstance(parsed, Unsupported):
        badge, what = event.event_type.lower(), f"{app} sent {event.event_type}"
    else:
        badge, what = _said(app, parsed)
    routed = ", ".join(event.routed_to)
    notes = [f"queued: {routed}" if routed else "no job queued"]
    if event.remote_addr == REPLAYED_FROM:
        notes.append("replayed by catch-up")
    return Entry(
        at=event.received_at,
        pipeline=pipeline,
        what=what,
        outcome=badge,
        tone=tone,
        source="event",
        source_id=event.id,
        reason=reason,
        note="; ".join(notes),
    )
