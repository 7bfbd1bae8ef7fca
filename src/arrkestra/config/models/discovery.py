"""The discovery section: which TVMaze shows are added to which Sonarr instance, and how.

The filter defaults are the ones TVMaze-Sync users know, so an empty ``discovery:`` section
behaves like their old setup.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from arrkestra.config.models.base import ConfigModel, overlay
from arrkestra.config.models.pipelines import PipelineSettings
from arrkestra.config.models.scalars import HttpUrl, InstanceName, Name, OptionalSecret
from arrkestra.config.models.units import Duration, parse_duration
from arrkestra.core.filters import FilterRules

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


class GenreFilter(ConfigModel):
    exclude: list[Name] = Field(
        default_factory=lambda: ["Reality", "Talk Show", "Game Show", "News", "Sports"]
    )
    include: list[Name] = Field(default_factory=list)


class NameFilter(ConfigModel):
    """An empty ``include`` accepts every value, an empty ``exclude`` rejects none.

    Each key has its own default (the subclasses), so ``countries: {exclude: [FR]}`` keeps
    the default ``include`` list, as ``genres`` does.
    """

    include: list[Name] = Field(default_factory=list)
    exclude: list[Name] = Field(default_factory=list)


class TypeFilter(NameFilter):
    include: list[Name] = Field(default_factory=lambda: ["Scripted", "Animation", "Documentary"])


class CountryFilter(NameFilter):
    include: list[Name] = Field(default_factory=lambda: ["US", "GB", "CA", "AU", "NZ", "IE"])


class LanguageFilter(NameFilter):
    include: list[Name] = Field(default_factory=lambda: ["English"])


class StatusFilter(ConfigModel):
    include: list[Name] = Field(default_factory=list)
    exclude_ended: bool = True


class PremieredFilter(ConfigModel):
    after: date | None = date(2010, 1, 1)
    before: date | None = None


class ShowFilters(ConfigModel):
    """Which shows are accepted; core/filters.py says how each key is applied."""

    genres: GenreFilter = Field(default_factory=GenreFilter)
    types: TypeFilter = Field(default_factory=TypeFilter)
    countries: CountryFilter = Field(default_factory=CountryFilter)
    languages: LanguageFilter = Field(default_factory=LanguageFilter)
    networks: NameFilter = Field(default_factory=NameFilter)
    web_channels: NameFilter = Field(default_factory=NameFilter)
    status: StatusFilter = Field(default_factory=StatusFilter)
    premiered: PremieredFilter = Field(default_factory=PremieredFilter)
    min_runtime: int | None = Field(default=20, ge=0)
    min_rating: float | None = Field(default=None, ge=0, le=10)

    def rules(self) -> FilterRules:
        """These filters as the core's rules, compiled once per cycle rather than per show."""
        return FilterRules(
            genres_include=tuple(self.genres.include),
            genres_exclude=tuple(self.genres.exclude),
            types_include=tuple(self.types.include),
            types_exclude=tuple(self.types.exclude),
            countries_include=tuple(self.countries.include),
            countries_exclude=tuple(self.countries.exclude),
            languages_include=tuple(self.languages.include),
            languages_exclude=tuple(self.languages.exclude),
            networks_include=tuple(self.networks.include),
            networks_exclude=tuple(self.networks.exclude),
            web_channels_include=tuple(self.web_channels.include),
            web_channels_exclude=tuple(self.web_channels.exclude),
            status_include=tuple(self.status.include),
            exclude_ended=self.status.exclude_ended,
            premiered_after=self.premiered.after,
            premiered_before=self.premiered.before,
            min_runtime=self.min_runtime,
            min_rating=self.min_rating,
        )


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
    username: str | None = None
    rate_limit: int = Field(default=20, ge=1)
    per: Duration = Field(default=10.0, gt=0)
    update_window: Literal["day", "week", "month"] | None = None
    """The smallest ``/updates/shows?since=`` window asked for. ``null``: the smallest that
    covers the time since the last cycle (always widened to cover it, whatever is set)."""


class DiscoverySettings(PipelineSettings):
    enabled: bool = False
    poll_interval: Duration = Field(default=parse_duration("6h"), gt=0)
    retry_delay: Duration = parse_duration("1w")
    abandon_after: Duration = parse_duration("1y")
    review: bool = False
    """Accepted shows wait on the dashboard for a person's approve or skip instead of being
    added at once (core/show_review)."""
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
