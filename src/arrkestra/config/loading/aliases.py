"""The environment variables of the three tools arrkestra replaces, read as aliases.

``ALIASES`` is THE table: the loader applies it and the docs test checks every name in it is
documented. An alias only fills a setting that nothing else set (key absent, ``null`` or an
empty list): ``ARRKESTRA_*`` variables and the file always win, and the first alias in the
table wins over a later one with the same target.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from arrkestra.config.models.fieldtree import Loc

Fill = tuple[Loc, Any]
Values = tuple[str | None, ...]
Filler = Callable[[Values, Mapping[str, Any]], list[Fill]]

_DISCORD = re.compile(
    r"https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/([0-9]+)/([A-Za-z0-9_-]+)/?"
)


class AliasIgnored(Exception):
    """The alias cannot apply to this config (no matching path rule...): a warning, not an error."""


@dataclass(frozen=True)
class Alias:
    """Old variable(s) -> where the value goes in the new model."""

    names: tuple[str, ...]
    tool: str
    target: str
    rule: str
    fills: Filler


def loc_of(path: str) -> Loc:
    return tuple(int(k) if k.isdigit() else k for k in path.split("."))


def lookup(data: Mapping[str, Any], loc: Loc) -> Any:
    """The raw value at ``loc`` in not-yet-validated data, or ``None``."""
    current: Any = data
    for key in loc:
        if isinstance(current, dict) and isinstance(key, str):
            current = current.get(key)
        elif isinstance(current, list) and isinstance(key, int) and key < len(current):
            current = current[key]
        else:
            return None
    return current


def _to(path: str, convert: Callable[[str], Any] = str) -> Filler:
    return lambda values, _data: [(loc_of(path), convert(values[0] or ""))]


def attempts(text: str) -> int:
    """The old tools counted retries; arrkestra counts attempts (the first run included)."""
    stripped = text.strip()
    if not stripped.isdigit():
        raise ValueError("must be a whole number of retries (0 or more)")
    return int(stripped) + 1


def retries(text: str) -> int:
    """A count of quick retries of one request (0 to 10)."""
    stripped = text.strip()
    if not stripped.isdigit() or int(stripped) > 10:
        raise ValueError("must be a whole number of retries, 0 to 10")
    return int(stripped)


def text_list(text: str) -> list[str]:
    """``Reality,Talk Show`` or a JSON list."""
    if text.lstrip().startswith("["):
        try:
            decoded = json.loads(text)
        except ValueError:
            raise ValueError("is not a valid JSON list") from None
        return [str(item) for item in decoded] if isinstance(decoded, list) else [str(decoded)]
    return [part.strip() for part in text.split(",") if part.strip()]


def _parent_dir(text: str) -> str:
    return str(PurePath(text).parent)


def _log_path(values: Values, _data: Mapping[str, Any]) -> list[Fill]:
    """A file (it has an extension) is the log file; anything else is a log directory."""
    text = values[0] or ""
    if PurePath(text).suffix and not text.endswith(("/", "\\")):
        return [(("logging", "file"), text)]
    folder = PurePath(text)
    return [
        (("logging", "file"), str(folder / "arrkestra.log")),
        (("logging", "history_file"), str(folder / "sync_history.log")),
    ]


def _retry_interval(values: Values, _data: Mapping[str, Any]) -> list[Fill]:
    return [(("mirror", "retry", "base"), values[0]), (("mirror", "retry", "cap"), values[0])]


def _not_a_cap(values: Values, _data: Mapping[str, Any]) -> list[Fill]:
    """sync-webhook gave up on a copy after N retries; arrkestra keeps it for a day."""
    attempts(values[0] or "")  # still a clear error for a value that is no count at all
    raise AliasIgnored(
        "a failed copy is retried with backoff until mirror.retry.max_age (24h) and a "
        "mount that is down costs no attempt; set mirror.retry.max_attempts to cap it"
    )


def _telegram(values: Values, _data: Mapping[str, Any]) -> list[Fill]:
    token, chat = values
    if not token or not chat:
        missing = "TELEGRAM_CHAT_ID" if token else "TELEGRAM_BOT_TOKEN"
        raise ValueError(f"{missing} is not set; Telegram needs both variables")
    return [(("notifications", "urls"), [f"tgram://{token}/{chat}"])]


def _discord(values: Values, _data: Mapping[str, Any]) -> list[Fill]:
    match = _DISCORD.fullmatch((values[0] or "").strip())
    if match is None:
        raise ValueError("is not a Discord webhook URL (https://discord.com/api/webhooks/ID/TOKEN)")
    return [(("notifications", "fallback_urls"), [f"discord://{match[1]}/{match[2]}"])]


def _default_instance(kind: str, key: str) -> Filler:
    """Fill ``<kind>.default``; create it when no instance of that kind is configured."""

    def fills(values: Values, data: Mapping[str, Any]) -> list[Fill]:
        instances = lookup(data, (kind,)) or {}
        if isinstance(instances, dict) and instances and "default" not in instances:
            names = ", ".join(f"{kind}.{n}" for n in instances)
            app = kind.capitalize()
            raise AliasIgnored(f"the config has {app} instances ({names}), none named default")
        return [((kind, "default", key), values[0])]

    return fills


def _time_zone(values: Values, data: Mapping[str, Any]) -> list[Fill]:
    """``TZ``: the zone of every schedule and of the daily summary's day (not re-enabling a
    summary the file turned off with ``daily_summary: null``)."""
    zone = (values[0] or "").strip().lstrip(":")
    if not _known_zone(zone):
        raise AliasIgnored(f"TZ={values[0]!r} is not an IANA time zone name (like Europe/Paris)")
    fills: list[Fill] = [(("storage", "timezone"), zone)]
    notifications = lookup(data, ("notifications",))
    disabled = isinstance(notifications, dict) and (
        "daily_summary" in notifications and notifications["daily_summary"] is None
    )
    if not disabled:
        fills.append((("notifications", "daily_summary", "timezone"), zone))
    return fills


def _known_zone(name: str) -> bool:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return bool(name)


def _webhook_secret(values: Values, data: Mapping[str, Any]) -> list[Fill]:
    """Every instance without a webhook credential gets the old shared secret; a kind with
    no instance gets it on ``default``, the instance its legacy URL implies."""
    fills: list[Fill] = []
    for kind in ("sonarr", "radarr"):
        instances = lookup(data, (kind,))
        if not instances:
            fills.append(((kind, "default", "webhook", "secret"), values[0]))
        for name, instance in (instances if isinstance(instances, dict) else {}).items():
            webhook = lookup(instance, ("webhook",)) if isinstance(instance, dict) else None
            has_user = isinstance(webhook, dict) and webhook.get("username") is not None
            if isinstance(instance, dict) and not has_user:
                fills.append(((kind, name, "webhook", "secret"), values[0]))
    return fills


def _plex_section(arr_path: str) -> Filler:
    def fills(values: Values, data: Mapping[str, Any]) -> list[Fill]:
        rules = lookup(data, ("mirror", "paths"))
        hits = [
            index
            for index, rule in enumerate(rules if isinstance(rules, list) else [])
            if isinstance(rule, dict) and str(rule.get("arr_path", "")).rstrip("/") == arr_path
        ]
        if not hits:
            raise AliasIgnored(f"no mirror.paths rule has arr_path {arr_path}")
        return [(("mirror", "paths", index, "plex_section"), values[0]) for index in hits]

    return fills


def _alias(
    name: str,
    tool: str,
    target: str,
    rule: str = "",
    fills: Filler | None = None,
    convert: Callable[[str], Any] = str,
) -> Alias:
    return Alias((name,), tool, target, rule, fills or _to(target, convert))


ARRSYNC, SYNC_WEBHOOK, TVMAZE_SYNC = "ArrSync", "sync-webhook", "TVMaze-Sync"
ARRKESTRA_EXAMPLES = "arrkestra's compose example"  # names users set next to the old ones
SECONDS = "a bare number means seconds"
LIST = "comma-separated text or a JSON list"

ALIASES: tuple[Alias, ...] = (
    _alias("OVERSEER_URL", ARRSYNC, "overseerr.url", "creates the overseerr section"),
    _alias("OVERSEER_API_KEY", ARRSYNC, "overseerr.api_key"),
    _alias("API_TIMEOUT", ARRSYNC, "overseerr.timeout", SECONDS),
    _alias("OVERSEER_POLL_INTERVAL", ARRSYNC, "overseerr.poll_interval", SECONDS),
    _alias("PORT", ARRSYNC, "server.port"),
    _alias("SYNC_WEBHOOK_PORT", SYNC_WEBHOOK, "server.port", "used when PORT is not set"),
    _alias("SERVER_PORT", TVMAZE_SYNC, "server.port", "used when PORT is not set"),
    _alias(
        "MAX_RETRIES",
        ARRSYNC,
        "overseerr.retries",
        "retries of one Overseerr request; cleanup keeps its 7-day retry of the job",
        convert=retries,
    ),
    _alias("DRY_RUN", f"{ARRSYNC}, {TVMAZE_SYNC}", "dry_run", "the global dry run"),
    _alias("LOG_LEVEL", ARRSYNC, "logging.level", "case-insensitive"),
    _alias("SYNC_LOG_LEVEL", SYNC_WEBHOOK, "logging.level", "used when LOG_LEVEL is not set"),
    _alias("LOGGING_LEVEL", TVMAZE_SYNC, "logging.level", "used when LOG_LEVEL is not set"),
    _alias("LOGGING_FORMAT", TVMAZE_SYNC, "logging.format", "json or text"),
    _alias("SYNC_DRY_RUN", SYNC_WEBHOOK, "mirror.dry_run", "the mirror's own dry run"),
    _alias("STORAGE_PATH", TVMAZE_SYNC, "storage.path"),
    _alias(
        "SYNC_DB_PATH",
        SYNC_WEBHOOK,
        "storage.path",
        "the old SQLite file's directory; used when STORAGE_PATH is not set",
        convert=_parent_dir,
    ),
    _alias(
        "SYNC_LOG_PATH",
        SYNC_WEBHOOK,
        "logging.file, logging.history_file",
        "a file (with an extension) is logging.file; a directory DIR gives "
        "DIR/arrkestra.log and DIR/sync_history.log",
        _log_path,
    ),
    _alias("PLEX_URL", SYNC_WEBHOOK, "plex.url", "creates the plex section"),
    _alias("PLEX_TOKEN", SYNC_WEBHOOK, "plex.token"),
    *(
        _alias(
            f"PLEX_SECTION_{suffix}",
            SYNC_WEBHOOK,
            "mirror.paths[].plex_section",
            f"on the rule whose arr_path is {arr_path}",
            _plex_section(arr_path),
        )
        for suffix, arr_path in (
            ("MOVIES", "/movies"),
            ("MOVIES_4K", "/movies-4k"),
            ("TV", "/tv"),
            ("TV_4K", "/tv-4k"),
        )
    ),
    Alias(
        ("TELEGRAM_BOT_TOKEN", "TELEGRAM_CHAT_ID"),
        SYNC_WEBHOOK,
        "notifications.urls",
        "both together become tgram://TOKEN/CHAT_ID",
        _telegram,
    ),
    _alias(
        "DISCORD_WEBHOOK_URL",
        SYNC_WEBHOOK,
        "notifications.fallback_urls",
        "https://discord.com/api/webhooks/ID/TOKEN becomes discord://ID/TOKEN",
        _discord,
    ),
    _alias(
        "SYNC_RETRY_INTERVAL",
        SYNC_WEBHOOK,
        "mirror.retry.base, mirror.retry.cap",
        f"a fixed interval: base = cap = the value; {SECONDS}",
        _retry_interval,
    ),
    _alias(
        "SYNC_MAX_RETRIES",
        SYNC_WEBHOOK,
        "mirror.retry",
        "not a cap any more: a copy is retried until mirror.retry.max_age (24h), and a mount "
        "that is down costs no attempt (a warning says so)",
        _not_a_cap,
    ),
    _alias(
        "SONARR_URL",
        TVMAZE_SYNC,
        "sonarr.default.url",
        "creates the instance sonarr.default when no Sonarr instance is configured",
        _default_instance("sonarr", "url"),
    ),
    _alias(
        "SONARR_API_KEY",
        TVMAZE_SYNC,
        "sonarr.default.api_key",
        "as SONARR_URL",
        _default_instance("sonarr", "api_key"),
    ),
    _alias(
        "RADARR_URL",
        ARRKESTRA_EXAMPLES,
        "radarr.default.url",
        "creates the instance radarr.default when no Radarr instance is configured",
        _default_instance("radarr", "url"),
    ),
    _alias(
        "RADARR_API_KEY",
        ARRKESTRA_EXAMPLES,
        "radarr.default.api_key",
        "as RADARR_URL",
        _default_instance("radarr", "api_key"),
    ),
    _alias(
        "ARRKESTRA_API_KEY",
        ARRKESTRA_EXAMPLES,
        "server.api_key",
        "the key /api/v1 and the old tools' control endpoints ask for",
    ),
    _alias(
        "WEBHOOK_SECRET",
        SYNC_WEBHOOK,
        "sonarr.<name>.webhook.secret, radarr.<name>.webhook.secret",
        "every instance without webhook credentials (sonarr.default and radarr.default, "
        "the instances behind the legacy URLs, when none is configured)",
        _webhook_secret,
    ),
    _alias(
        "TZ",
        SYNC_WEBHOOK,
        "storage.timezone, notifications.daily_summary.timezone",
        "the zone of cron schedules (backup, reconcile) and of the daily summary's time and day",
        _time_zone,
    ),
    _alias("TVMAZE_API_KEY", TVMAZE_SYNC, "discovery.tvmaze.api_key"),
    _alias("TVMAZE_RATE_LIMIT", TVMAZE_SYNC, "discovery.tvmaze.rate_limit"),
    _alias(
        "TVMAZE_UPDATE_WINDOW",
        TVMAZE_SYNC,
        "discovery.tvmaze.update_window",
        "day, week or month: the smallest window asked for (widened to cover any gap)",
    ),
    _alias("SYNC_POLL_INTERVAL", TVMAZE_SYNC, "discovery.poll_interval", SECONDS),
    _alias("SYNC_RETRY_DELAY", TVMAZE_SYNC, "discovery.retry_delay", SECONDS),
    _alias("SYNC_ABANDON_AFTER", TVMAZE_SYNC, "discovery.abandon_after", SECONDS),
    *(
        _alias(
            f"FILTERS_{path.replace('.', '_').upper()}",
            TVMAZE_SYNC,
            f"discovery.filters.{path}",
            LIST,
            convert=text_list,
        )
        for path in (
            "genres.exclude",
            "genres.include",
            "types.include",
            "types.exclude",
            "countries.include",
            "countries.exclude",
            "languages.include",
            "languages.exclude",
            "networks.include",
            "networks.exclude",
            "web_channels.include",
            "web_channels.exclude",
            "status.include",
        )
    ),
    _alias("FILTERS_STATUS_EXCLUDE_ENDED", TVMAZE_SYNC, "discovery.filters.status.exclude_ended"),
    *(
        _alias(
            f"FILTERS_PREMIERED_{bound.upper()}",
            TVMAZE_SYNC,
            f"discovery.filters.premiered.{bound}",
            "a date, YYYY-MM-DD",
        )
        for bound in ("after", "before")
    ),
    _alias("FILTERS_MIN_RUNTIME", TVMAZE_SYNC, "discovery.filters.min_runtime", "minutes"),
    _alias("FILTERS_MIN_RATING", TVMAZE_SYNC, "discovery.filters.min_rating", "0 to 10"),
    _alias("SONARR_ROOT_FOLDER", TVMAZE_SYNC, "discovery.target.root_folder"),
    _alias("SONARR_QUALITY_PROFILE", TVMAZE_SYNC, "discovery.target.quality_profile"),
    _alias("SONARR_LANGUAGE_PROFILE", TVMAZE_SYNC, "discovery.target.language_profile"),
    _alias("SONARR_MONITOR", TVMAZE_SYNC, "discovery.target.monitor"),
    _alias("SONARR_SEARCH_ON_ADD", TVMAZE_SYNC, "discovery.target.search_on_add"),
    _alias(
        "SONARR_TAGS",
        TVMAZE_SYNC,
        "discovery.target.tags",
        LIST,
        convert=text_list,
    ),
)
"""In order: for two aliases with one target, the earlier wins."""
