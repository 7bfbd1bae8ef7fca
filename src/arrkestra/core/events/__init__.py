"""Typed Sonarr/Radarr webhook events: ``parse_event(kind, body)`` and the event models.

Intake stores every JSON object with a string ``eventType``, so parsing never raises:

* a known ``eventType`` becomes its :class:`Event` subclass, however much is missing
  (pipelines fail the job later, naming the missing field);
* an unknown one is :class:`Unsupported` (stored, answered "ignored");
* a known one whose body does not fit even leniently (``series`` is a string,
  ``episodeFiles`` is not a list, an id is not a whole number) is :class:`Malformed`,
  with one problem line per misfit.

The models live in ``sonarr`` / ``radarr``, their shared parts in ``common`` and the
file paths and result values in ``files``; this module is the entry point and re-exports
what callers use.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from arrkestra.core.events.common import (
    ApplicationUpdateEvent,
    ArrKind,
    CustomFormat,
    CustomFormatInfo,
    DownloadInfo,
    DownloadStatusMessage,
    Event,
    HealthEvent,
    Image,
    Language,
    Malformed,
    MediaFile,
    MediaInfo,
    Release,
    Unsupported,
    known_id,
)
from arrkestra.core.events.files import (
    ImportedFile,
    RenamedFile,
    ReplacedFile,
    join_path,
    library_path,
)
from arrkestra.core.events.radarr import (
    RADARR_EVENTS,
    Movie,
    MovieEvent,
    MovieFile,
    RadarrApplicationUpdate,
    RadarrDownload,
    RadarrGrab,
    RadarrHealth,
    RadarrHealthRestored,
    RadarrManualInteractionRequired,
    RadarrMovieAdded,
    RadarrMovieDelete,
    RadarrMovieFileDelete,
    RadarrRename,
    RadarrTest,
    RemoteMovie,
)
from arrkestra.core.events.sonarr import (
    SONARR_EVENTS,
    Episode,
    EpisodeFile,
    EpisodesEvent,
    Series,
    SeriesEvent,
    SonarrApplicationUpdate,
    SonarrDownload,
    SonarrEpisodeFileDelete,
    SonarrGrab,
    SonarrHealth,
    SonarrHealthRestored,
    SonarrImportComplete,
    SonarrManualInteractionRequired,
    SonarrRename,
    SonarrSeriesAdd,
    SonarrSeriesDelete,
    SonarrTest,
)

EVENT_MODELS: Mapping[ArrKind, Mapping[str, type[Event]]] = {
    "sonarr": SONARR_EVENTS,
    "radarr": RADARR_EVENTS,
}
KNOWN_EVENT_TYPES: dict[ArrKind, frozenset[str]] = {
    kind: frozenset(models) for kind, models in EVENT_MODELS.items()
}
MAX_PROBLEMS = 10


def model_for(kind: ArrKind, body: Mapping[str, Any]) -> type[Event] | None:
    """The model for ``body``'s ``eventType``, or ``None`` when it is unknown.

    Sonarr's "On Import Complete" is a ``Download`` with an ``episodeFiles`` key (and no
    ``episodeFile``): that key, when not null, picks :class:`SonarrImportComplete`.
    """
    event_type = body.get("eventType")
    if not isinstance(event_type, str):
        return None
    model = EVENT_MODELS.get(kind, {}).get(event_type)
    if model is SonarrDownload and body.get("episodeFiles") is not None:
        return SonarrImportComplete
    return model


def parse_event(kind: ArrKind, body: Mapping[str, Any]) -> Event | Unsupported | Malformed:
    """The typed event for a webhook body whose ``eventType`` is a string. Never raises."""
    event_type = str(body.get("eventType"))
    model = model_for(kind, body)
    if model is None:
        return Unsupported(kind, event_type)
    try:
        return model.model_validate(dict(body), by_alias=True, by_name=False)
    except ValidationError as exc:
        return Malformed(kind, event_type, problems(exc))
    except RecursionError:
        return Malformed(kind, event_type, ("the body is nested too deeply",))


def problems(exc: ValidationError) -> tuple[str, ...]:
    """One line per misfit: ``episodeFiles[0].size: Input should be a valid integer (got str)``."""
    errors = exc.errors(include_url=False, include_context=False, include_input=True)
    lines = [f"{_where(e['loc'])}: {e['msg']} (got {_type_name(e.get('input'))})" for e in errors]
    if len(lines) > MAX_PROBLEMS:
        lines = [*lines[:MAX_PROBLEMS], f"... and {len(lines) - MAX_PROBLEMS} more"]
    return tuple(lines)


def _where(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


def _type_name(value: Any) -> str:
    names = {dict: "object", list: "list", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), type(value).__name__)


__all__ = [
    "EVENT_MODELS",
    "KNOWN_EVENT_TYPES",
    "ApplicationUpdateEvent",
    "ArrKind",
    "CustomFormat",
    "CustomFormatInfo",
    "DownloadInfo",
    "DownloadStatusMessage",
    "Episode",
    "EpisodeFile",
    "EpisodesEvent",
    "Event",
    "HealthEvent",
    "Image",
    "ImportedFile",
    "Language",
    "Malformed",
    "MediaFile",
    "MediaInfo",
    "Movie",
    "MovieEvent",
    "MovieFile",
    "RadarrApplicationUpdate",
    "RadarrDownload",
    "RadarrGrab",
    "RadarrHealth",
    "RadarrHealthRestored",
    "RadarrManualInteractionRequired",
    "RadarrMovieAdded",
    "RadarrMovieDelete",
    "RadarrMovieFileDelete",
    "RadarrRename",
    "RadarrTest",
    "Release",
    "RemoteMovie",
    "RenamedFile",
    "ReplacedFile",
    "Series",
    "SeriesEvent",
    "SonarrApplicationUpdate",
    "SonarrDownload",
    "SonarrEpisodeFileDelete",
    "SonarrGrab",
    "SonarrHealth",
    "SonarrHealthRestored",
    "SonarrImportComplete",
    "SonarrManualInteractionRequired",
    "SonarrRename",
    "SonarrSeriesAdd",
    "SonarrSeriesDelete",
    "SonarrTest",
    "Unsupported",
    "join_path",
    "known_id",
    "library_path",
    "model_for",
    "parse_event",
]
