"""The discovery section: which TVMaze shows are added to which Sonarr instance, and how.

The filter defaults are the ones TVMaze-Sync users know, so an empty ``discovery:`` section
behaves like their old setup.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from arrkestra.config.base import ConfigModel, overlay
from arrkestra.config.models_pipelines import PipelineSettings
from arrkestra.config.scalars import HttpUrl, InstanceName, Name, OptionalSecret
from arrkestra.config.units import Duration, parse_duration

MonitorType = Literal[
    "all",
    "future",
    "missing",
    "existing",
    "firstSeason",
    "lastSeason",
    "latestSeason",
    "pilot",
    "recent",
    "monitorSpecials",
    "unmonitorSpecials",
    "none",
    "skip",
]
"""Sonarr's ``MonitorTypes`` (its OpenAPI spec), minus ``unknown``."""


def _include(*values: str) -> IncludeFilter:
    return IncludeFilter(include=list(values))


class GenreFilter(ConfigModel):
    exclude: list[Name] = Field(
        default_factory=lambda: ["Reality", "Talk Show", "Game Show", "News", "Sports"]
    )
    include: list[Name] = Field(default_factory=list)


class IncludeFilter(ConfigModel):
    """An empty ``include`` accepts every value."""

    include: list[Name] = Field(default_factory=list)


class StatusFilter(ConfigModel):
    exclude_ended: bool = True


class PremieredFilter(ConfigModel):
    after: date | None = date(2010, 1, 1)


class ShowFilters(ConfigModel):
    genres: GenreFilter = Field(default_factory=GenreFilter)
    types: IncludeFilter = Field(
        default_factory=lambda: _include("Scripted", "Animation", "Documentary")
    )
    countries: IncludeFilter = Field(
        default_factory=lambda: _include("US", "GB", "CA", "AU", "NZ", "IE")
    )
    languages: IncludeFilter = Field(default_factory=lambda: _include("English"))
    status: StatusFilter = Field(default_factory=StatusFilter)
    premiered: PremieredFilter = Field(default_factory=PremieredFilter)
    min_runtime: int | None = Field(default=20, ge=0)


class DiscoveryTarget(ConfigModel):
    """Where an accepted show goes. ``instance: null`` means the default Sonarr instance."""

    instance: InstanceName | None = None
    root_folder: Name | None = None
    quality_profile: Name | None = None
    language_profile: Name | None = None
    monitor: MonitorType = "all"
    search_on_add: bool = True
    tags: list[Name] = Field(default_factory=list)
    create_tags: bool = False


class DiscoveryRule(ConfigModel):
    """One ``rules:`` entry; the keys it sets replace those of ``discovery.filters``/``target``."""

    filters: ShowFilters = Field(default_factory=ShowFilters)
    target: DiscoveryTarget = Field(default_factory=DiscoveryTarget)


class TvmazeSettings(ConfigModel):
    url: HttpUrl = "https://api.tvmaze.com"
    api_key: OptionalSecret = None
    rate_limit: int = Field(default=20, ge=1)
    per: Duration = Field(default=10.0, gt=0)


class DiscoverySettings(PipelineSettings):
    enabled: bool = False
    poll_interval: Duration = Field(default=parse_duration("6h"), gt=0)
    retry_delay: Duration = parse_duration("1w")
    abandon_after: Duration = parse_duration("1y")
    tvmaze: TvmazeSettings = Field(default_factory=TvmazeSettings)
    filters: ShowFilters = Field(default_factory=ShowFilters)
    target: DiscoveryTarget = Field(default_factory=DiscoveryTarget)
    rules: list[DiscoveryRule] | None = None

    def effective_rules(self) -> list[DiscoveryRule]:
        """The rules to evaluate in order (first match wins), each complete.

        Without ``rules:`` this is one rule made of ``filters`` and ``target``.
        """
        if self.rules is None:
            return [DiscoveryRule(filters=self.filters, target=self.target)]
        return [
            DiscoveryRule(
                filters=overlay(self.filters, rule.filters),
                target=overlay(self.target, rule.target),
            )
            for rule in self.rules
        ]
