"""What Sonarr and Radarr webhooks share: the envelope, the sub-models, the results.

Both senders serialize with Newtonsoft: camelCase keys, null values *omitted*, defaults
(``0``, ``false``) included, unknown keys added by newer versions. So every model here is
lenient in three ways, each on purpose:

* every field is optional: a body missing what a pipeline needs still parses, and the
  pipeline fails its job with an error that names the missing field;
* unknown keys are kept (``extra="allow"``) and never rejected;
* descriptive fields (``Lenient[...]``: genres, images, media info, dates ...) become
  ``None`` when their type is wrong, because a future version changing one of them must not
  stop a file from being mirrored. Fields that say *which* item or file changed (ids,
  titles, paths, sizes, the objects and lists that hold them) stay strict: a wrong type
  there makes the event :class:`Malformed`.

Ids are kept as sent, so ``0`` stays ``0`` (Sonarr sends ``tmdbId: 0`` and ``tvMazeId: 0``
when unknown); :func:`known_id` maps "0 or absent" to ``None`` for callers that need that.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_validator,
)
from pydantic.alias_generators import to_camel

ArrKind = Literal["sonarr", "radarr"]
T = TypeVar("T")


def _none_on_error(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    try:
        return handler(value)
    except ValidationError:
        return None


def _none_as_empty(value: Any) -> Any:
    return () if value is None else value


def _none_as_false(value: Any) -> Any:
    return False if value is None else value


def _split_names(value: Any) -> Any:
    """Sonarr v3's internal media info joins names with " / "; v4 sends a list."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split("/") if part.strip())
    return value


Lenient = Annotated[T | None, WrapValidator(_none_on_error)]
"""A descriptive field: ``None`` when absent, null, or of the wrong type."""
Items = Annotated[tuple[T, ...], BeforeValidator(_none_as_empty)]
"""A list that matters: empty when absent or null, Malformed when not a list."""
Flag = Annotated[bool, BeforeValidator(_none_as_false)]
"""A boolean that is ``False`` when absent or null (the sender's own default)."""
Names = Annotated[
    tuple[str, ...] | None, BeforeValidator(_split_names), WrapValidator(_none_on_error)
]
"""Descriptive language names: a list, or Sonarr v3's ``"English / French"`` string."""


def known_id(value: int | None) -> int | None:
    """The id, or ``None`` when it is absent, ``0`` (Sonarr/Radarr's "unknown") or negative."""
    return value if value is not None and value > 0 else None


class WireModel(BaseModel):
    """A JSON object as Sonarr/Radarr send it: camelCase keys, nulls omitted, extras kept.

    The validators are built on first use (``defer_build``): there are dozens of event
    models, and building them all at import cost every start-up about 60 ms.
    """

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        extra="allow",
        frozen=True,
        coerce_numbers_to_str=True,
        defer_build=True,
    )


class Language(WireModel):
    id: Lenient[int] = None
    name: Lenient[str] = None


class Image(WireModel):
    cover_type: Lenient[str] = None
    url: Lenient[str] = None
    remote_url: Lenient[str] = None


class CustomFormat(WireModel):
    id: Lenient[int] = None
    name: Lenient[str] = None


class CustomFormatInfo(WireModel):
    custom_formats: Lenient[tuple[CustomFormat, ...]] = None
    custom_format_score: Lenient[int] = None


class MediaInfo(WireModel):
    audio_channels: Lenient[float] = None
    audio_codec: Lenient[str] = None
    audio_languages: Names = None
    height: Lenient[int] = None
    width: Lenient[int] = None
    subtitles: Names = None
    video_codec: Lenient[str] = None
    video_dynamic_range: Lenient[str] = None
    video_dynamic_range_type: Lenient[str] = None


class Release(WireModel):
    """``WebhookRelease`` (Grab, Test) and ``WebhookGrabbedRelease`` (Download ...) in one."""

    quality: Lenient[str] = None
    quality_version: Lenient[int] = None
    release_group: Lenient[str] = None
    release_title: Lenient[str] = None
    indexer: Lenient[str] = None
    size: Lenient[int] = None
    custom_format_score: Lenient[int] = None
    custom_formats: Lenient[tuple[str, ...]] = None
    languages: Lenient[tuple[Language, ...]] = None
    indexer_flags: Lenient[tuple[str, ...]] = None
    release_type: Lenient[str] = None


class DownloadInfo(WireModel):
    """ManualInteractionRequired's ``downloadInfo``: the download waiting for a human."""

    quality: Lenient[str] = None
    quality_version: Lenient[int] = None
    title: Lenient[str] = None
    size: Lenient[int] = None


class DownloadStatusMessage(WireModel):
    title: Lenient[str] = None
    messages: Lenient[tuple[str, ...]] = None


def _quality_name(quality: dict[str, Any]) -> str | None:
    inner = quality.get("quality")
    name = inner.get("name") if isinstance(inner, dict) else quality.get("name")
    return name if isinstance(name, str) else None


def _revision_version(quality: dict[str, Any]) -> int | None:
    revision = quality.get("revision")
    version = revision.get("version") if isinstance(revision, dict) else None
    return version if isinstance(version, int) and not isinstance(version, bool) else None


class MediaFile(WireModel):
    """``WebhookEpisodeFile`` / ``WebhookMovieFile``: one file on disk.

    ``path`` is NOT reliably the library path: older versions sent the download path of a
    fresh import there. Use the event's methods, which join the item's folder with
    ``relative_path``.
    """

    id: int | None = None
    relative_path: str | None = None
    path: str | None = None
    quality: Lenient[str] = None
    quality_version: Lenient[int] = None
    release_group: Lenient[str] = None
    scene_name: Lenient[str] = None
    size: int | None = None
    date_added: Lenient[datetime] = None
    languages: Lenient[tuple[Language, ...]] = None
    media_info: Lenient[MediaInfo] = None
    source_path: str | None = None
    recycle_bin_path: str | None = None
    previous_relative_path: str | None = None
    previous_path: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _internal_model(cls, data: Any) -> Any:
        """Accept Sonarr v3's internal ``EpisodeFile``: ``quality`` object, single ``language``."""
        if not isinstance(data, dict):
            return data
        quality, language = data.get("quality"), data.get("language")
        if not isinstance(quality, dict) and not isinstance(language, dict):
            return data
        data = dict(data)
        if isinstance(quality, dict):
            data["quality"] = _quality_name(quality)
            if data.get("qualityVersion") is None:
                data["qualityVersion"] = _revision_version(quality)
        if isinstance(language, dict) and data.get("languages") is None:
            data["languages"] = [language]
        return data


class Event(WireModel):
    """Base of every typed webhook event: the envelope every event carries.

    ``kind`` is fixed per class; ``event_type`` is the wire ``eventType``. ``instance_name``
    and ``application_url`` are absent before Sonarr v4 / Radarr v4 and on some event types.
    """

    kind: ClassVar[ArrKind]
    event_type: str
    instance_name: str | None = None
    application_url: str | None = None

    @property
    def summary(self) -> str:
        """Short human text for logs, e.g. ``"Download: The Show S01E02 (WEBDL-1080p)"``."""
        return self.event_type


class HealthEvent(Event):
    """``Health`` / ``HealthRestored``: a health check failed or recovered."""

    level: str | None = None
    message: str | None = None
    type: str | None = None
    wiki_url: Lenient[str] = None

    @property
    def summary(self) -> str:
        return summarize(self.event_type, self.message or "(no message)", self.level, self.type)


class ApplicationUpdateEvent(Event):
    message: str | None = None
    previous_version: str | None = None
    new_version: str | None = None

    @property
    def summary(self) -> str:
        versions = f"{self.previous_version or '?'} -> {self.new_version or '?'}"
        return summarize(self.event_type, versions)


@dataclass(frozen=True)
class Unsupported:
    """An ``eventType`` this version does not know: stored, answered "ignored", not routed."""

    kind: ArrKind
    event_type: str

    @property
    def summary(self) -> str:
        return f"{self.event_type}: unsupported {self.kind} event"


@dataclass(frozen=True)
class Malformed:
    """A known ``eventType`` whose body does not fit its model even leniently.

    It is still stored and routed, so a pipeline can fail its job with ``problems`` (one
    line each: where in the body, and what is wrong) instead of the event vanishing.
    """

    kind: ArrKind
    event_type: str
    problems: tuple[str, ...]

    @property
    def summary(self) -> str:
        return f"{self.event_type}: malformed {self.kind} event ({'; '.join(self.problems)})"


def summarize(event_type: str, subject: str, *details: str | None) -> str:
    """``"EventType: subject (detail, detail)"``, leaving out details that are missing."""
    shown = [detail for detail in details if detail]
    return f"{event_type}: {subject}" + (f" ({', '.join(shown)})" if shown else "")


class DownloadClientFields(WireModel):
    """Which download client handled the release; absent for manual imports."""

    download_client: str | None = None
    download_client_type: str | None = None
    download_id: str | None = None


class FileDeleteFields(WireModel):
    """Shared by Sonarr's EpisodeFileDelete and Radarr's MovieFileDelete."""

    delete_reason: str | None = None

    @property
    def for_upgrade(self) -> bool:
        """Deleted because a better file replaced it (that import has its own event)."""
        return self.delete_reason == "upgrade"


class ManualInteractionFields(DownloadClientFields):
    """Shared by both ManualInteractionRequired events: the stuck download."""

    download_info: Lenient[DownloadInfo] = None
    download_status: str | None = None
    download_status_messages: Lenient[tuple[DownloadStatusMessage, ...]] = None
    custom_format_info: Lenient[CustomFormatInfo] = None
    release: Lenient[Release] = None

    @property
    def stuck_title(self) -> str | None:
        title = self.download_info.title if self.download_info else None
        return title or (self.release.release_title if self.release else None)
