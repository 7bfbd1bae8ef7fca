"""Finding every secret a config holds, so logs, errors and API answers can mask them.

The walks are generic (every ``SecretStr`` in the model tree), so a secret field added later
is masked without anyone remembering to list it. ``raw_secrets`` does the same on data that
has not been validated yet, so even the error report of a broken config can mask them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, SecretStr

from arrkestra.config.models.fieldtree import child, unwrap

# Parts of a notification URL long enough to be a token (bot tokens, webhook tokens); they
# can surface on their own, e.g. inside the HTTPS URL Apprise builds from tgram://TOKEN/CHAT.
TOKEN_PART_LENGTH = 16
_URL_SEPARATORS = re.compile(r"[/@?&=#]+")


def _with_token_parts(secret: str) -> Iterator[str]:
    yield secret
    if "://" in secret:
        rest = secret.split("://", 1)[1]
        yield from (p for p in _URL_SEPARATORS.split(rest) if len(p) >= TOKEN_PART_LENGTH)


def _url_password(text: str) -> Iterator[str]:
    """``http://user:PASSWORD@host``: a password inside an ordinary URL setting."""
    if "@" in text and "://" in text:
        try:
            password = urlsplit(text.strip()).password
        except ValueError:
            return
        if password:
            yield password


def secrets_in(value: object) -> Iterator[str]:
    """Every secret string inside a model, dict or list, plus the token parts of URL secrets."""
    if isinstance(value, SecretStr):
        yield from _with_token_parts(value.get_secret_value())
    elif isinstance(value, str):
        yield from _url_password(value)
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from secrets_in(getattr(value, name))
    elif isinstance(value, dict):
        for item in value.values():
            yield from secrets_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from secrets_in(item)


def raw_secrets(annotation: Any, data: object) -> Iterator[str]:
    """The values in raw ``data`` that land in a secret field of ``annotation``'s tree."""
    if unwrap(annotation) is SecretStr:
        if isinstance(data, str | int) and not isinstance(data, bool):
            yield from _with_token_parts(str(data))
        return
    items = (
        data.items()
        if isinstance(data, dict)
        else enumerate(data)
        if isinstance(data, list)
        else ()
    )
    for key, item in items:
        below = child(annotation, key) if isinstance(key, str | int) else None
        if below is not None:
            yield from raw_secrets(below, item)
