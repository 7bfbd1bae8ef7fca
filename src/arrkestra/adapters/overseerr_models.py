"""Overseerr/Jellyseerr answers as lenient pydantic models, and the values the adapter returns.

The models ignore unknown fields (Jellyseerr and newer Overseerr add many) and accept
nulls where the server may send them. The fields the cleanup decision rests on (media
``id``, ``status``, request ``id`` and ``status``) are required: an answer without them is
an unexpected shape, and guessing there is how the wrong row gets deleted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

MediaType = Literal["movie", "tv"]


class MediaStatus(IntEnum):
    """``MediaStatus`` of server/constants/media.ts (6 and 7 are Jellyseerr's)."""

    UNKNOWN = 1
    PENDING = 2
    PROCESSING = 3
    PARTIALLY_AVAILABLE = 4
    AVAILABLE = 5
    BLACKLISTED = 6  # Jellyseerr (its OpenAPI file wrongly says 6 = DELETED)
    DELETED = 7  # Jellyseerr


class RequestStatus(IntEnum):
    """``MediaRequestStatus``; 5 is Jellyseerr's."""

    PENDING = 1
    APPROVED = 2
    DECLINED = 3
    FAILED = 4
    COMPLETED = 5  # Jellyseerr


MEDIA_STATUS = MediaStatus
REQUEST_STATUS = RequestStatus


@dataclass(frozen=True)
class ServerStatus:
    version: str


@dataclass(frozen=True)
class MediaRequest:
    id: int
    status: int
    is_4k: bool


@dataclass(frozen=True)
class Media:
    """One Overseerr media row. ``id`` is always the row's own id (``mediaInfo.id``)."""

    id: int
    media_type: MediaType
    tmdb_id: int | None
    tvdb_id: int | None
    status: int
    status4k: int
    requests: tuple[MediaRequest, ...]
    title: str | None = None  # from the TMDB lookup, when there was one


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)  # built on the first answer


class StatusBody(_Lenient):
    version: str


class UserBody(_Lenient):
    id: int


class MediaRef(_Lenient):
    id: int | None = None


class RequestBody(_Lenient):
    id: int
    status: int
    is4k: bool | None = None  # absent before 4K support: then it is not a 4K request
    media: MediaRef | None = None

    def value(self) -> MediaRequest:
        return MediaRequest(self.id, self.status, bool(self.is4k))


class MediaInfoBody(_Lenient):
    id: int
    mediaType: str | None = None
    tmdbId: int | None = None
    tvdbId: int | None = None
    status: int
    status4k: int | None = None  # absent before 4K support: no 4K copy
    requests: list[RequestBody] | None = None  # GET /media does not load them

    def value(
        self, media_type: MediaType, requests: Iterable[MediaRequest], title: str | None
    ) -> Media:
        return Media(
            id=self.id,
            media_type=media_type,
            tmdb_id=self.tmdbId,
            tvdb_id=self.tvdbId,
            status=self.status,
            status4k=self.status4k or int(MediaStatus.UNKNOWN),
            requests=tuple(sorted(requests, key=lambda r: r.id)),
            title=title,
        )


class ExternalIds(_Lenient):
    tvdbId: int | None = None


class LookupBody(_Lenient):
    """``GET /movie/{id}`` (``title``) or ``GET /tv/{id}`` (``name``, ``externalIds``)."""

    title: str | None = None
    name: str | None = None
    externalIds: ExternalIds | None = None
    mediaInfo: MediaInfoBody | None = None

    @property
    def display_title(self) -> str | None:
        return self.title or self.name

    @property
    def tvdb_id(self) -> int | None:
        return self.externalIds.tvdbId if self.externalIds else None


class PageInfo(_Lenient):
    pages: int | None = None  # null when Overseerr divided by a zero page size
    page: int | None = None
    results: int | None = None
    pageSize: int | None = None  # sent by the server, missing from the OpenAPI file


Item = TypeVar("Item", MediaInfoBody, RequestBody)


class Page(_Lenient, Generic[Item]):
    pageInfo: PageInfo
    results: list[Item]


def match_row(
    rows: Iterable[MediaInfoBody], media_type: MediaType, tmdb_id: int | None, tvdb_id: int | None
) -> MediaInfoBody | None:
    """The index row for a title: same media type, then tmdbId first, tvdbId second.

    tmdbId wins because it is Overseerr's own key for a title; tvdbId (unique per row)
    finds series whose event had no tmdbId, or whose tmdbId TMDB has since changed.
    """
    same_type = [row for row in rows if row.mediaType == media_type]
    if tmdb_id:
        for row in same_type:
            if row.tmdbId == tmdb_id:
                return row
    if tvdb_id and media_type == "tv":
        for row in same_type:
            if row.tvdbId == tvdb_id:
                return row
    return None
