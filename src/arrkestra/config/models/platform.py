"""The daemon's own sections: server, queue, storage, logging, notifications.

Defaults here are the product's defaults: a missing key means exactly this value, and
``docs/configuration.md`` documents each one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, IPvAnyNetwork

from arrkestra.config.models.base import ConfigModel
from arrkestra.config.models.scalars import (
    AppriseUrl,
    CronSchedule,
    OptionalSecret,
    Secret,
    TimeOfDay,
    TimeZoneName,
)
from arrkestra.config.models.units import Duration, Size, parse_duration, parse_size

MIB = 1024 * 1024
_LEVEL_SYNONYMS = {"warn": "warning", "critical": "error", "fatal": "error"}


def _lowercase(value: object) -> object:
    if isinstance(value, str):
        text = value.strip().lower()
        return _LEVEL_SYNONYMS.get(text, text)
    return value


class BasicAuth(ConfigModel):
    username: str = Field(min_length=1)
    password: Secret


class RateLimit(ConfigModel):
    requests: int = Field(default=100, ge=1)
    per: Duration = Field(default=1.0, gt=0)


class ServerSettings(ConfigModel):
    host: str = "0.0.0.0"  # noqa: S104 - a daemon in a container listens on every interface
    port: int = Field(default=8080, ge=1, le=65535)
    api_key: OptionalSecret = None
    basic_auth: BasicAuth | None = None
    body_limit: Size = Field(default=MIB, ge=1)
    rate_limit: RateLimit | None = Field(default_factory=RateLimit)
    # reverse proxies whose X-Forwarded-For names the client (for the rate limit)
    trusted_proxies: list[IPvAnyNetwork] = Field(default_factory=list)
    # a request's headers and body must arrive within this of its first byte
    read_timeout: Duration = Field(default=15.0, gt=0)
    dedupe_window: Duration = parse_duration("24h")
    drain_timeout: Duration = 30.0
    protect_health: bool = False
    access_log: bool = True
    access_log_probes: bool = False  # also log /health, /ready and /metrics requests


class QueueSettings(ConfigModel):
    lease: Duration = Field(default=60.0, gt=0)
    reclaim_interval: Duration = Field(default=30.0, gt=0)
    poll_interval: Duration = Field(default=5.0, gt=0)


class BackupSettings(ConfigModel):
    schedule: CronSchedule | None = "30 2 * * *"
    keep: int = Field(default=7, ge=1)


class StorageSettings(ConfigModel):
    path: Path = Path("data")
    backup: BackupSettings = Field(default_factory=BackupSettings)
    integrity_check: CronSchedule | None = "0 4 * * *"
    event_retention: Duration = parse_duration("90d")
    timezone: TimeZoneName = "UTC"

    @property
    def db_file(self) -> Path:
        return self.path / "arrkestra.db"

    @property
    def backup_dir(self) -> Path:
        return self.path / "backups"


class LoggingSettings(ConfigModel):
    level: Annotated[Literal["debug", "info", "warning", "error"], BeforeValidator(_lowercase)] = (
        "info"
    )
    format: Annotated[Literal["text", "json"], BeforeValidator(_lowercase)] = "text"
    file: Path | None = None
    history_file: Path | None = None
    max_bytes: Size = Field(default=parse_size("10MiB"), ge=1)
    backups: int = Field(default=5, ge=0)
    history_max_bytes: Size = Field(default=parse_size("10MiB"), ge=1)
    history_backups: int = Field(default=10, ge=0)


class DailySummary(ConfigModel):
    at: TimeOfDay = "00:05"
    timezone: TimeZoneName = "UTC"


class NotificationSettings(ConfigModel):
    urls: list[AppriseUrl] = Field(default_factory=list)
    fallback_urls: list[AppriseUrl] = Field(default_factory=list)
    coalesce_window: Duration = 60.0
    daily_summary: DailySummary | None = Field(default_factory=DailySummary)

    @property
    def enabled(self) -> bool:
        return bool(self.urls or self.fallback_urls)
