"""The validated scalar types of the config: URLs, cron schedules, time zones, names, secrets.

Each type checks its value once, at load time, with an error message that never repeats a
secret and a hint that says what a valid value looks like.
"""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger
from pydantic import AfterValidator, BeforeValidator, PlainSerializer, SecretStr

from arrkestra.config.models.base import config_error
from arrkestra.core.redact import MASK

INSTANCE_NAME = r"[a-z0-9][a-z0-9_-]{0,31}"
INSTANCE_KINDS = ("sonarr", "radarr")
_INSTANCE_NAME = re.compile(INSTANCE_NAME)
_INSTANCE_REF = re.compile(rf"(sonarr|radarr)\.({INSTANCE_NAME})")
_TIME_OF_DAY = re.compile(r"([0-9]{1,2}):([0-9]{2})")
_HEADER_NAME = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+")
_ABSOLUTE = re.compile(r"/|[A-Za-z]:[\\/]|\\\\")
_APPRISE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S+")


def _http_url(value: str) -> str:
    text = value.strip()
    try:
        parts = urlsplit(text)
        _ = parts.port  # raises ValueError for a non-numeric or out-of-range port
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        raise config_error("url", "must be an http:// or https:// URL", "e.g. http://sonarr:8989")
    return text.rstrip("/")


def _cron(value: str) -> str:
    fields = value.split()
    hint = 'five fields: minute hour day-of-month month day-of-week, e.g. "30 2 * * *"'
    if len(fields) != 5:
        raise config_error(
            "cron", f"a cron schedule has 5 fields, this one has {len(fields)}", hint
        )
    text = " ".join(fields)
    try:
        CronTrigger.from_crontab(text, timezone="UTC")
    except ValueError as exc:
        raise config_error("cron", f"invalid cron schedule {text!r}: {exc}", hint) from None
    return text


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        hint = "an IANA time zone name such as UTC, Europe/Berlin or America/New_York"
        raise config_error("timezone", f"unknown time zone {value!r}", hint) from None
    return value


def _time_of_day(value: object) -> str:
    hint = (
        'a 24-hour "HH:MM" time in quotes, e.g. "00:05" (YAML reads an unquoted 12:30 as a number)'
    )
    match = _TIME_OF_DAY.fullmatch(value) if isinstance(value, str) else None
    if match is None or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise config_error("time_of_day", "must be a time of day written HH:MM", hint)
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def _instance_name(value: str) -> str:
    if not _INSTANCE_NAME.fullmatch(value):
        hint = "1-32 lowercase letters, digits, '-' or '_', starting with a letter or digit"
        raise config_error("instance_name", f"invalid instance name {value!r}", hint)
    return value


def _instance_ref(value: str) -> str:
    if not _INSTANCE_REF.fullmatch(value):
        hint = "write KIND.NAME with KIND sonarr or radarr, e.g. radarr.hd"
        raise config_error("instance_ref", f"invalid instance reference {value!r}", hint)
    return value


def _header_name(value: str) -> str:
    if not _HEADER_NAME.fullmatch(value):
        raise config_error("header", "invalid HTTP header name", "e.g. X-Webhook-Secret")
    return value


def _absolute_path(value: str) -> str:
    if not _ABSOLUTE.match(value):
        hint = "the path exactly as Sonarr/Radarr show it, e.g. /movies or D:\\Movies"
        raise config_error("absolute_path", f"{value!r} is not an absolute path", hint)
    return value


def _number_as_text(value: object) -> object:
    """YAML reads ``tags: [2024]`` or ``quality_profile: 4`` as numbers; they are names here."""
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


def _plex_section(value: object) -> object:
    """A section id (``3``, ``"3"``) becomes an int; any other text is a section title."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise config_error("plex_section", "must be a section id or title", "e.g. 3 or Movies")
    return value


def _empty_is_none(value: object) -> object:
    """An empty secret (``${VAR}`` with VAR set to "") means "not configured", never a key."""
    return None if value == "" else _number_as_text(value)


def _non_empty_secret(value: SecretStr) -> SecretStr:
    if not value.get_secret_value():
        raise config_error("secret", "must not be empty", "set a value or remove the key")
    return value


def _apprise_url(value: SecretStr) -> SecretStr:
    if not _APPRISE.fullmatch(value.get_secret_value().strip()):
        hint = "an Apprise URL such as tgram://TOKEN/CHAT_ID or discord://ID/TOKEN"
        raise config_error("apprise_url", "not an Apprise URL (scheme://...)", hint)
    return value


def _mask(value: SecretStr | None) -> str | None:
    return None if value is None else MASK


_MASKED = PlainSerializer(_mask, return_type=str | None, when_used="json")

HttpUrl = Annotated[str, AfterValidator(_http_url)]
"""An http(s) base URL without a trailing slash."""
CronSchedule = Annotated[str, AfterValidator(_cron)]
TimeZoneName = Annotated[str, AfterValidator(_timezone)]
TimeOfDay = Annotated[str, BeforeValidator(_time_of_day)]
InstanceName = Annotated[str, AfterValidator(_instance_name)]
"""Instance names appear in URLs (/webhook/sonarr/hd) and metric labels, hence the strict form."""
InstanceRef = Annotated[str, AfterValidator(_instance_ref)]
HeaderName = Annotated[str, AfterValidator(_header_name)]
ArrPath = Annotated[str, AfterValidator(_absolute_path)]
Name = Annotated[str, BeforeValidator(_number_as_text)]
PlexSection = Annotated[int | str, BeforeValidator(_plex_section)]
Secret = Annotated[
    SecretStr, BeforeValidator(_number_as_text), AfterValidator(_non_empty_secret), _MASKED
]
"""A secret: hidden in ``repr``, dumped as ``***`` in JSON mode, so it cannot leak by accident."""
OptionalSecret = Annotated[SecretStr | None, BeforeValidator(_empty_is_none), _MASKED]
AppriseUrl = Annotated[
    SecretStr, AfterValidator(_non_empty_secret), AfterValidator(_apprise_url), _MASKED
]
"""Apprise URLs carry tokens in their host and path, so each is a secret as a whole."""
