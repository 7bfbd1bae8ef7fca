"""``arrkestra migrate``'s settings half: the old tools' files -> one arrkestra config.

Pure mapping, no side effects: ``read_legacy_file`` recognises an old text file by its
content (``legacy_files``); ``build_config`` turns the recognised files into the new
config as plain data plus a ``Report`` of every old setting (mapped, defaulted, not
mapped), reusing the loader's alias table for the mapping (``alias_mapping``) with one
module per tool for what only that tool means (``arrsync``, ``sync_webhook``,
``tvmaze_sync``); ``render_yaml`` writes it. Secrets are never copied: the new file
names them as ``${NAME}``. The data imports (shows, job history) are ``store``'s, and the
command that runs both is ``cli/migrate``.
"""

from arrkestra.config.migration.builder import Migration, build_config
from arrkestra.config.migration.legacy_files import (
    EXPECTED,
    EnvFile,
    LegacyFile,
    PathMappings,
    Refused,
    TvmazeConfig,
    TvmazeState,
    read_legacy_file,
)
from arrkestra.config.migration.report import Kind, Report
from arrkestra.config.migration.writer import render_yaml

__all__ = [
    "EXPECTED",
    "EnvFile",
    "Kind",
    "LegacyFile",
    "Migration",
    "PathMappings",
    "Refused",
    "Report",
    "TvmazeConfig",
    "TvmazeState",
    "build_config",
    "read_legacy_file",
    "render_yaml",
]
