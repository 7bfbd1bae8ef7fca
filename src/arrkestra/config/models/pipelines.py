"""Per-pipeline sections: what every pipeline shares (enabled, dry_run, concurrency, retry)
and cleanup, mirror, catchup and reconcile. Discovery has its own module.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal, Self

from pydantic import Field, field_validator, model_validator

from arrkestra.config.models.base import ConfigModel, config_error, overlay
from arrkestra.config.models.scalars import ArrPath, CronSchedule, InstanceRef, PlexSection
from arrkestra.config.models.units import Duration, parse_duration
from arrkestra.core.excludes import ExcludeMatcher
from arrkestra.core.paths import PathRule as MappingRule
from arrkestra.core.retry import RetryPolicy


class RetrySettings(ConfigModel):
    """Backoff for failed jobs. In a pipeline's ``retry:``, only the keys written count."""

    max_attempts: int | None = Field(default=3, ge=1)
    max_age: Duration | None = None
    base: Duration = 30.0
    cap: Duration = parse_duration("15m")

    def policy(self) -> RetryPolicy:
        return RetryPolicy(
            max_attempts=self.max_attempts, max_age=self.max_age, base=self.base, cap=self.cap
        )


class Budget(ConfigModel):
    """More deletions than this within ``per`` pauses the pipeline until resumed."""

    deletions: int = Field(ge=1)
    per: Duration = Field(default=3600.0, gt=0)


class PipelineSettings(ConfigModel):
    """Keys every pipeline has. ``dry_run: null`` follows the global ``dry_run``."""

    DEFAULT_RETRY: ClassVar[RetrySettings | None] = None

    enabled: bool = True
    dry_run: bool | None = None
    concurrency: int = Field(default=1, ge=1)
    retry: RetrySettings | None = None

    @field_validator("retry")
    @classmethod
    def _over_pipeline_default(cls, value: RetrySettings | None) -> RetrySettings | None:
        """Keys written in the file replace the pipeline's own defaults, not all of them."""
        if value is None or cls.DEFAULT_RETRY is None:
            return value
        return overlay(cls.DEFAULT_RETRY, value)


class CleanupSettings(PipelineSettings):
    # Keep retrying while Overseerr is down, then give up loudly.
    DEFAULT_RETRY: ClassVar[RetrySettings | None] = RetrySettings(
        max_attempts=None, max_age=parse_duration("7d")
    )

    only_when_files_deleted: bool = False
    budget: Budget | None = Field(default_factory=lambda: Budget(deletions=20, per=3600.0))
    retry: RetrySettings | None = Field(default_factory=lambda: CleanupSettings.DEFAULT_RETRY)


class PathRule(ConfigModel):
    """One folder mapping: where Sonarr/Radarr, arrkestra, the copy and the media servers
    (Plex, Jellyfin, Emby) see it."""

    arr_path: ArrPath
    source: Path
    destination: Path
    plex_path: str | None = None
    plex_section: PlexSection | None = None
    jellyfin_path: str | None = None
    emby_path: str | None = None
    instances: list[InstanceRef] | None = None

    @model_validator(mode="after")
    def _mappable(self) -> Self:
        """Refused at load (``check`` too) what the path mapping would refuse at start:
        a relative root, a ``..`` component, a control character."""
        try:
            self.mapping()
        except ValueError as exc:
            message = str(exc).removeprefix("mirror.paths rule: ")
            hint = "an absolute, normalised path as arrkestra's container sees it"
            raise config_error("path_rule", message, hint) from None
        return self

    def mapping(self) -> MappingRule:
        """This rule as core's path mapping takes it."""
        return MappingRule(
            arr_path=self.arr_path,
            source=str(self.source),
            destination=str(self.destination),
            plex_path=self.plex_path,
            plex_section=self.plex_section,
            jellyfin_path=self.jellyfin_path,
            emby_path=self.emby_path,
            instances=tuple(self.instances) if self.instances else None,
        )


class MountSettings(ConfigModel):
    check_timeout: Duration = Field(default=5.0, gt=0)
    anchor_file: str | None = None


class MirrorSettings(PipelineSettings):
    # A NAS reboot must cost nothing: transient failures back off up to the global cap
    # (15 min) for a day, with no attempt limit. A root that is down costs no attempt at
    # all: its jobs wait on the mount (runtime/mount_watch), however long.
    DEFAULT_RETRY: ClassVar[RetrySettings | None] = RetrySettings(
        max_attempts=None, max_age=parse_duration("1d")
    )

    concurrency: int = Field(default=2, ge=1)
    retry: RetrySettings | None = Field(default_factory=lambda: MirrorSettings.DEFAULT_RETRY)
    timeout: Duration = Field(default=parse_duration("4h"), gt=0)
    excludes: list[str] = Field(default_factory=lambda: ["#recycle", "@eaDir", ".DS_Store"])
    ignore_existing: bool = True
    # How a copy is checked before it is announced (pipelines/mirror/verification).
    verify: Literal["size", "checksum", "none"] = "size"
    bwlimit: str | None = Field(default=None, pattern=r"^[0-9]+(\.[0-9]+)?[KMGkmg]?$")
    propagate_deletes: bool = False
    propagate_renames: bool = False
    budget: Budget | None = Field(default_factory=lambda: Budget(deletions=50, per=3600.0))
    mounts: MountSettings = Field(default_factory=MountSettings)
    paths: list[PathRule] = Field(default_factory=list)

    @field_validator("excludes")
    @classmethod
    def _rsync_patterns(cls, value: list[str]) -> list[str]:
        """Patterns reconcile cannot apply as rsync does are refused at load, not at 3 AM."""
        try:
            ExcludeMatcher(value)
        except ValueError as exc:
            hint = "write plain rsync exclude patterns (no '+ ' include rules, no '!')"
            raise config_error("exclude", str(exc), hint) from None
        return value

    def path_rules(self) -> tuple[MappingRule, ...]:
        """``paths`` as core's path mapping takes them."""
        return tuple(rule.mapping() for rule in self.paths)


class CatchupSettings(PipelineSettings):
    # An instance that is down is read again with backoff for a day, then loudly given up
    # (the next run starts from the same mark, so nothing is lost meanwhile).
    DEFAULT_RETRY: ClassVar[RetrySettings | None] = RetrySettings(
        max_attempts=None, max_age=parse_duration("1d")
    )

    retry: RetrySettings | None = Field(default_factory=lambda: CatchupSettings.DEFAULT_RETRY)
    interval: Duration = Field(default=3600.0, gt=0)
    first_lookback: Duration = parse_duration("48h")


class ReconcileSettings(PipelineSettings):
    schedule: CronSchedule = "0 3 * * *"
    confirm_above: int = Field(default=500, ge=0)
    missed_deletions: bool = False
    apply_missed_deletions: bool = False
