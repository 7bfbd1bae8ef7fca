"""The configuration: one YAML file, ``ARRKESTRA_*`` overrides, the old tools' variables.

``load_settings`` turns them into a validated, frozen ``Settings`` or raises ``ConfigError``
listing every problem; ``config_warnings`` lists what is allowed but probably unintended.
The reference is docs/configuration.md.
"""

from arrkestra.config.aliases import ALIASES, Alias
from arrkestra.config.loader import (
    load_settings,
    read_config_file,
    resolve_config_path,
    settings_from_data,
)
from arrkestra.config.models import (
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
from arrkestra.config.models_discovery import (
    DiscoveryRule,
    DiscoverySettings,
    DiscoveryTarget,
    ShowFilters,
    TvmazeSettings,
)
from arrkestra.config.models_pipelines import (
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
from arrkestra.config.models_upstreams import (
    ArrInstance,
    OverseerrSettings,
    PlexSettings,
    WebhookAuth,
)
from arrkestra.config.settings import PIPELINES, InstanceKind, PipelineName, Settings
from arrkestra.config.units import parse_duration, parse_size
from arrkestra.config.warnings import config_warnings

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
    "InstanceKind",
    "LoggingSettings",
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
