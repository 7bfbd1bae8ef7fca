"""The configuration: one YAML file, ``ARRKESTRA_*`` overrides, the old tools' variables.

Three parts: ``models`` (the sections and ``Settings``, with the checks across sections),
``loading`` (file -> substitution -> overrides -> aliases -> one validation; every problem
reported at once) and ``checks`` (what a valid config allows but probably does not mean).
``load_settings`` turns them into a validated, frozen ``Settings`` or raises ``ConfigError``
listing every problem; ``config_warnings`` lists the warnings. The reference is
docs/configuration.md.
"""

from arrkestra.config.checks import config_warnings
from arrkestra.config.loading import (
    load_settings,
    read_config_file,
    resolve_config_path,
    settings_from_data,
)
from arrkestra.config.loading.aliases import ALIASES, Alias
from arrkestra.config.models.discovery import (
    DiscoveryRule,
    DiscoverySettings,
    DiscoveryTarget,
    ShowFilters,
    TvmazeSettings,
)
from arrkestra.config.models.pipelines import (
    Budget,
    CatchupSettings,
    CleanupSettings,
    MirrorSettings,
    MountSettings,
    PathRule,
    PipelineSettings,
    ReconcileSettings,
    RetrySettings,
)
from arrkestra.config.models.platform import (
    BackupSettings,
    BasicAuth,
    DailySummary,
    LoggingSettings,
    NotificationSettings,
    QueueSettings,
    RateLimit,
    ServerSettings,
    StorageSettings,
)
from arrkestra.config.models.settings import PIPELINES, InstanceKind, PipelineName, Settings
from arrkestra.config.models.units import parse_duration, parse_size
from arrkestra.config.models.upstreams import (
    ArrInstance,
    EmbySettings,
    JellyfinSettings,
    MediaServerSettings,
    OverseerrSettings,
    PlexSettings,
    WebhookAuth,
)

__all__ = [
    "ALIASES",
    "PIPELINES",
    "Alias",
    "ArrInstance",
    "BackupSettings",
    "BasicAuth",
    "Budget",
    "CatchupSettings",
    "CleanupSettings",
    "DailySummary",
    "DiscoveryRule",
    "DiscoverySettings",
    "DiscoveryTarget",
    "EmbySettings",
    "InstanceKind",
    "JellyfinSettings",
    "LoggingSettings",
    "MediaServerSettings",
    "MirrorSettings",
    "MountSettings",
    "NotificationSettings",
    "OverseerrSettings",
    "PathRule",
    "PipelineName",
    "PipelineSettings",
    "PlexSettings",
    "QueueSettings",
    "RateLimit",
    "ReconcileSettings",
    "RetrySettings",
    "ServerSettings",
    "Settings",
    "ShowFilters",
    "StorageSettings",
    "TvmazeSettings",
    "WebhookAuth",
    "config_warnings",
    "load_settings",
    "parse_duration",
    "parse_size",
    "read_config_file",
    "resolve_config_path",
    "settings_from_data",
]
