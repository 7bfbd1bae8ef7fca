"""Credentials for /api (and the future dashboard): ``X-Api-Key`` or HTTP Basic.

Comparisons are constant-time. With no credential configured the API is refused, with
a detail saying how to enable it, rather than left open on the home network.
"""

from __future__ import annotations

import base64
import binascii
import hmac

from fastapi import HTTPException, Request

from arrkestra.config import Settings

CHALLENGE = {"WWW-Authenticate": 'Basic realm="arrkestra", charset="UTF-8"'}


def _equal(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode("utf-8"))


def _basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        raw = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    user, sep, password = text.partition(":")
    return (user, password) if sep else None


def credentials_valid(settings: Settings, request: Request) -> bool:
    server = settings.server
    given_key = request.headers.get("x-api-key")
    if server.api_key is not None and given_key is not None:
        return _equal(given_key, server.api_key.get_secret_value())
    basic = server.basic_auth
    header = request.headers.get("authorization")
    if basic is not None and header:
        pair = _basic_credentials(header)
        if pair is None:
            return False
        user_ok = _equal(pair[0], basic.username)
        password_ok = _equal(pair[1], basic.password.get_secret_value())
        return user_ok and password_ok
    return False


def require_credentials(settings: Settings, request: Request) -> None:
    server = settings.server
    if server.api_key is None and server.basic_auth is None:
        raise HTTPException(
            401,
            "the API is disabled until server.api_key (or server.basic_auth) is configured",
        )
    if not credentials_valid(settings, request):
        headers = CHALLENGE if server.basic_auth is not None else None
        raise HTTPException(
            401, "missing or wrong credentials (X-Api-Key or Basic)", headers=headers
        )
