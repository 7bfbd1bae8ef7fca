"""The old tools' settings as one list of named variables, whatever file they came from.

An ``.env`` line is a variable already. A TVMaze-Sync ``config.yaml`` key becomes the
variable TVMaze-Sync itself reads as its override (``sync.poll_interval`` is
``SYNC_POLL_INTERVAL``, ``filters.genres.exclude`` is ``FILTERS_GENRES_EXCLUDE``), so the
loader's alias table (``config/loading/aliases.ALIASES``) maps both, and no mapping is
written twice. Which tool a variable belongs to comes from the same table, plus the
variables of the old tools' documents that the loader does not read.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from arrkestra.config.loading.aliases import ALIASES, ARRSYNC, SYNC_WEBHOOK, TVMAZE_SYNC

ARRSYNC_VARIABLES = (
    "OVERSEER_URL",
    "OVERSEER_API_KEY",
    "PORT",
    "API_TIMEOUT",
    "MAX_RETRIES",
    "DRY_RUN",
    "LOG_LEVEL",
    "OVERSEER_POLL_INTERVAL",
)
"""ArrSync's README, every variable it documents."""

SYNC_WEBHOOK_EXTRA = (
    "SYNC_LOG_JSON_PATH",
    "SYNC_SOURCE_BASE",
    "SYNC_DEST_BASE",
    "APPRISE_TELEGRAM_TOKEN",
    "APPRISE_TELEGRAM_CHAT_ID",
    "RADARR_HD_URL",
    "RADARR_4K_URL",
    "SONARR_HD_URL",
    "SONARR_4K_URL",
)
"""sync-webhook's documents name these too; the loader does not read them as aliases."""

NUMBERED_INSTANCE = re.compile(r"(SONARR|RADARR)_([A-Z0-9]+)_(URL|API_KEY)")
"""sync-webhook's ``RADARR_HD_URL``, ``SONARR_4K_URL`` (and the ``..._API_KEY`` its catch-up
used): one instance each. ``SONARR_URL`` (no infix) is TVMaze-Sync's."""

TVMAZE_SECTIONS = frozenset({"tvmaze", "sync", "filters"})
"""Top-level keys only TVMaze-Sync's config.yaml has."""
ARRKESTRA_ONLY_SECTIONS = frozenset(
    {"mirror", "cleanup", "discovery", "overseerr", "notifications", "radarr", "catchup"}
)


@dataclass(frozen=True)
class Variable:
    """One old setting: ``name`` as an environment variable, ``text`` as one would hold it.

    ``key`` is how the user wrote it (``PORT``, ``sync.poll_interval``); ``verbatim``: a
    ``${NAME}`` reference from a config file, written to the new file as it is.
    """

    name: str
    text: str
    tool: str
    source: str
    key: str
    verbatim: bool = False


def tool_variables(tool: str) -> tuple[str, ...]:
    """Every variable of ``tool``, as the alias table and the tool's documents know them."""
    names = [name for alias in ALIASES if tool in alias.tool for name in alias.names]
    if tool == ARRSYNC:
        names += ARRSYNC_VARIABLES
    if tool == SYNC_WEBHOOK:
        names += SYNC_WEBHOOK_EXTRA
    return tuple(dict.fromkeys(names))


def tools_of(values: Mapping[str, str]) -> tuple[str, ...]:
    """The tools whose variables an environment file holds, in a stable order."""
    found = []
    for tool in (ARRSYNC, SYNC_WEBHOOK, TVMAZE_SYNC):
        own = set(tool_variables(tool))
        if tool == SYNC_WEBHOOK:
            own |= {name for name in values if NUMBERED_INSTANCE.fullmatch(name)}
        if tool == TVMAZE_SYNC:  # DRY_RUN alone is ArrSync's as much as TVMaze-Sync's
            own -= set(ARRSYNC_VARIABLES)
        if own & set(values):
            found.append(tool)
    return tuple(found)


def env_variables(values: Mapping[str, str], tools: tuple[str, ...], source: str) -> list[Variable]:
    """An environment file's lines; each belongs to the first of ``tools`` that has it."""
    out = []
    for name, text in values.items():
        owner = next((t for t in tools if name in tool_variables(t)), tools[0])
        if NUMBERED_INSTANCE.fullmatch(name) and SYNC_WEBHOOK in tools:
            owner = SYNC_WEBHOOK
        out.append(Variable(name, text, owner, source, name))
    return out


def config_variables(data: Mapping[str, Any], source: str) -> Iterator[Variable]:
    """TVMaze-Sync's config.yaml as the variables that override it (``null`` = unset)."""
    for path, value in _leaves(data, ()):
        if value is None:
            continue
        text = _as_text(value)
        name = "_".join(path).upper()
        verbatim = isinstance(value, str) and "${" in value
        yield Variable(name, text, TVMAZE_SYNC, source, ".".join(path), verbatim)


def _leaves(
    data: Mapping[str, Any], prefix: tuple[str, ...]
) -> Iterator[tuple[tuple[str, ...], Any]]:
    for key, value in data.items():
        path = (*prefix, str(key))
        if isinstance(value, dict) and value:
            yield from _leaves(value, path)
        else:
            yield path, value


def _as_text(value: Any) -> str:
    """A YAML value as an environment variable would hold it (lists as JSON)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list | dict):
        return json.dumps(value, default=str)
    return str(value)
