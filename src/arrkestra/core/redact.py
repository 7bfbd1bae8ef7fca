"""Secret redaction for anything that leaves the process: logs, errors, API answers.

Two layers: the exact secret values the configuration knows (API keys, tokens,
passwords), and patterns for secrets that appear in URLs and headers whatever their
value (``X-Plex-Token=``, ``apikey=``, ``user:pass@``, Apprise URLs such as
``tgram://<bot token>/<chat>``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

MASK = "***"
# Shorter values would mask ordinary words; no real key or token is this short.
MIN_SECRET_LENGTH = 4

_QUERY_SECRET = re.compile(
    r"(?i)((?:x-plex-token|x-api-key|api[_-]?key|access[_-]?token|token|password|passwd|"
    r"secret|auth|signature)=)([^&\s\"'#;,)][^&\s\"'#;,]*)"  # "as ?token=) or" is prose
)
_HEADER_SECRET = re.compile(
    r"(?i)((?:x-api-key|x-plex-token|x-webhook-secret|authorization|proxy-authorization|"
    r"cookie)[\"']?\s*[:=]\s*[\"']?)((?:basic |bearer )?[^\s\"',}]+)"
)
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@\"']*:)([^@/\s\"']+)(@)")
# Apprise and other notification URLs carry their tokens in the host and path.
_NOTIFY_URL = re.compile(r"(?i)\b((?!https?://)[a-z][a-z0-9+.-]{1,20}://)([^\s\"'<>]+)")


@dataclass(frozen=True)
class Redactor:
    """Masks known secret values and secret-shaped URL/header parts in text."""

    secrets: tuple[str, ...] = ()
    _pattern: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        values = sorted(
            {s for s in self.secrets if len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True
        )
        pattern = re.compile("|".join(re.escape(v) for v in values)) if values else None
        object.__setattr__(self, "_pattern", pattern)

    @classmethod
    def of(cls, secrets: Iterable[str]) -> Redactor:
        return cls(tuple(secrets))

    def __call__(self, text: str) -> str:
        if self._pattern is not None:
            text = self._pattern.sub(MASK, text)
        text = _URL_USERINFO.sub(rf"\g<1>{MASK}\g<3>", text)
        text = _QUERY_SECRET.sub(rf"\g<1>{MASK}", text)
        text = _HEADER_SECRET.sub(rf"\g<1>{MASK}", text)
        return _NOTIFY_URL.sub(_mask_notify_url, text)


def _mask_notify_url(match: re.Match[str]) -> str:
    scheme = match.group(1)
    if scheme.lower() in {"sqlite://", "file://", "unix://"}:
        return match.group(0)
    return f"{scheme}{MASK}"


def redact_value(value: object, redactor: Redactor) -> object:
    """Redact every string inside a JSON-like value (dicts, lists), returning a copy."""
    if isinstance(value, str):
        return redactor(value)
    if isinstance(value, dict):
        return {k: redact_value(v, redactor) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(v, redactor) for v in value]
    return value


SECRET_KEY_PARTS = (
    "apikey",
    "token",
    "password",
    "passwd",
    "secret",
    "authorization",
    "cookie",
    "credential",
    "signature",
    "privatekey",
)
"""A JSON key holding one of these (any case, ``_``/``-`` ignored) names a secret."""


def secret_key(key: str) -> bool:
    """``apiKey``, ``X-Api-Key``, ``access_token``, ``auth``: a key whose value is a secret."""
    bare = key.lower().replace("_", "").replace("-", "")
    return bare == "auth" or any(part in bare for part in SECRET_KEY_PARTS)


def redact_payload(value: object, redactor: Redactor) -> object:
    """:func:`redact_value`, and the value of every key that names a secret masked whole
    (whatever it holds): for showing a payload someone else wrote (a stored webhook)."""
    if isinstance(value, dict):
        return {
            k: MASK if secret_key(str(k)) else redact_payload(v, redactor) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact_payload(v, redactor) for v in value]
    return redact_value(value, redactor)
