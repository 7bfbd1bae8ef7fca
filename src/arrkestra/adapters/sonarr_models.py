"""Sonarr answers as lenient pydantic models, the values the adapter returns, and the
body of a new series.

The models ignore unknown fields (v4 added many, and each release adds more) and accept
nulls where Sonarr sends them. What a decision rests on is required: an id, a name, a
path, a tvdbId; an answer without it is an unexpected shape, not something to guess at.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

# Sonarr's MonitorTypes (sonarr-openapi-v3.json) without "unknown", which means "not set".
MONITOR_TYPES = (
    *("all", "future", "missing", "existing", "firstSeason", "lastSeason", "latestSeason"),
    *("pilot", "recent", "monitorSpecials", "unmonitorSpecials", "none", "skip"),
)
# What a new series takes from its lookup resource. Sonarr refreshes the rest from its
# metadata source when it adds the series; these are what its validators and its folder
# naming read before that (title, tvdbId, year), and what its own UI sends back.
DETAIL_LIMIT = 300
LOOKUP_FIELDS = (
    *("title", "sortTitle", "titleSlug", "tvdbId", "tvMazeId", "tvRageId", "tmdbId", "imdbId"),
    *("year", "images", "seasons", "seriesType"),
)


# -- values the adapter returns ----------------------------------------------------------


@dataclass(frozen=True)
class SonarrStatus:
    version: str  # as Sonarr reports it, e.g. "4.0.14.2939"
    major: int  # 3 or 4: language profiles exist only on 3

    @property
    def release(self) -> tuple[int, ...]:
        """The numeric parts of the version, for "is it at least x.y.z" checks."""
        parts = []
        for part in self.version.split("."):
            digits = "".join(c for c in part if c.isdigit())
            parts.append(int(digits) if digits else 0)
        return tuple(parts)


@dataclass(frozen=True)
class ExistingSeries:
    tvdb_ids: frozenset[int]
    tvmaze_ids: frozenset[int]


@dataclass(frozen=True)
class LookupResult:
    """A show Sonarr's lookup found. ``resource`` is Sonarr's own answer, kept opaque for
    ``add_series``; ``series_id`` is set when the show is already in the library."""

    tvdb_id: int
    title: str
    tvmaze_id: int | None
    series_id: int | None
    resource: Mapping[str, Any] = field(repr=False, compare=False)


@dataclass(frozen=True)
class ResolvedTarget:
    """A TargetSpec checked against one Sonarr: the ids ``add_series`` sends."""

    root_folder: str
    quality_profile_id: int
    language_profile_id: int | None  # None on Sonarr v4, which has no language profiles
    monitor: str
    search_on_add: bool
    tag_ids: tuple[int, ...]


class AddKind(StrEnum):
    ADDED = "added"
    EXISTS = "exists"
    FAILED = "failed"


@dataclass(frozen=True)
class AddOutcome:
    kind: AddKind
    series_id: int | None = None
    detail: str = ""


def new_series_body(lookup: LookupResult, target: ResolvedTarget) -> dict[str, Any]:
    """``POST /series`` body: the lookup's identity plus where and how to add it."""
    resource = lookup.resource
    body: dict[str, Any] = {name: resource[name] for name in LOOKUP_FIELDS if name in resource}
    body.update(
        title=lookup.title,
        tvdbId=lookup.tvdb_id,
        seriesType=body.get("seriesType") or "standard",
        qualityProfileId=target.quality_profile_id,
        rootFolderPath=target.root_folder,
        seasonFolder=True,
        monitored=target.monitor != "none",
        tags=list(target.tag_ids),
        addOptions={
            "monitor": target.monitor,
            "searchForMissingEpisodes": target.search_on_add,
            "searchForCutoffUnmetEpisodes": False,
            "ignoreEpisodesWithFiles": False,
            "ignoreEpisodesWithoutFiles": False,
        },
    )
    if target.language_profile_id is not None:
        body["languageProfileId"] = target.language_profile_id
    return body


# -- answers -------------------------------------------------------------------------------


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)  # built on the first answer


class StatusBody(_Lenient):
    version: str
    appName: str | None = None


class SeriesRow(_Lenient):
    tvdbId: int | None = None
    tvMazeId: int | None = None


class LookupRow(_Lenient):
    id: int | None = None  # only for a series already in the library
    title: str
    tvdbId: int
    tvMazeId: int | None = None


class ExclusionRow(_Lenient):
    tvdbId: int | None = None


class ExclusionPage(_Lenient):
    totalRecords: int | None = None
    records: list[ExclusionRow] | None = None


class RootFolderRow(_Lenient):
    id: int
    path: str


class ProfileRow(_Lenient):
    id: int
    name: str


class TagRow(_Lenient):
    id: int
    label: str


class CreatedSeries(_Lenient):
    id: int | None = None


class ValidationFailure(_Lenient):
    """One entry of the JSON array Sonarr answers a refused write with (FluentValidation)."""

    propertyName: str | None = None
    errorMessage: str | None = None
    errorCode: str | None = None


STATUS = TypeAdapter(StatusBody)
SERIES_ROWS = TypeAdapter(list[SeriesRow])
LOOKUP_ROWS = TypeAdapter(list[LookupRow])
EXCLUSION_ROWS = TypeAdapter(list[ExclusionRow])
EXCLUSION_PAGE = TypeAdapter(ExclusionPage)
ROOT_FOLDERS = TypeAdapter(list[RootFolderRow])
PROFILES = TypeAdapter(list[ProfileRow])
TAGS = TypeAdapter(list[TagRow])
TAG = TypeAdapter(TagRow)
CREATED = TypeAdapter(CreatedSeries)
FAILURES = TypeAdapter(list[ValidationFailure])


# -- matching names to rows, reading refusals ----------------------------------------------


def pick_root(
    wanted: str | None, folders: list[RootFolderRow], problems: list[str]
) -> RootFolderRow | None:
    if not folders:
        problems.append("no root folder is set up in Sonarr")
        return None
    if wanted is None:
        return folders[0]
    for folder in folders:
        if same_path(folder.path, wanted):
            return folder
    have = ", ".join(folder.path for folder in folders)
    problems.append(f"root folder {wanted} not found (have: {have})")
    return None


def same_path(a: str, b: str) -> bool:
    a, b = a.rstrip("/\\") or a, b.rstrip("/\\") or b
    windows = len(a) > 1 and a[1] == ":"  # D:\TV: Windows paths ignore case
    return a.lower() == b.lower() if windows else a == b


def pick_named(
    what: str, wanted: str | None, rows: list[ProfileRow], problems: list[str]
) -> ProfileRow | None:
    """The row named ``wanted`` (exact name first, then ignoring case); the first if None."""
    if not rows:
        problems.append(f"no {what} is set up in Sonarr")
        return None
    if wanted is None:
        return rows[0]
    exact = [row for row in rows if row.name == wanted]
    loose = [row for row in rows if row.name.strip().lower() == wanted.strip().lower()]
    if exact or loose:
        return (exact or loose)[0]
    have = ", ".join(row.name for row in rows)
    problems.append(f"{what} {wanted!r} not found (have: {have})")
    return None


def refusal(response: httpx.Response) -> tuple[set[str], list[str]]:
    """(error codes, messages) of a refused request, whatever shape Sonarr chose.

    A FluentValidation array (``errorCode``, ``errorMessage``), an ASP.NET problem object
    (``title``, ``errors``), or ``{"message": ...}`` (older builds, proxies).
    """
    try:
        body = response.json()
    except ValueError:
        text = " ".join(response.text.split())
        return set(), [text[:DETAIL_LIMIT]] if text and "<" not in text[:1] else []
    if isinstance(body, list):
        try:
            failures = FAILURES.validate_python(body)
        except ValidationError:
            return set(), []
        codes = {f.errorCode for f in failures if f.errorCode}
        messages = [
            f"{f.propertyName}: {f.errorMessage}" if f.propertyName else str(f.errorMessage)
            for f in failures
            if f.errorMessage
        ]
        return codes, messages
    if isinstance(body, dict):
        errors = body.get("errors")
        groups = errors.values() if isinstance(errors, dict) else []
        details = [str(m) for v in groups for m in (v if isinstance(v, list) else [v])]
        first = body.get("message") or body.get("error") or body.get("title")
        return set(), [str(first), *details] if first else details
    return set(), []
