"""One GET of an upstream's JSON for ``arrkestra check --online``, sorted by what the user fixes.

A job's client turns a failure into the error taxonomy (retry, wait, give up); a check
needs to tell the user *what is wrong*: nothing listening, a host name that does not
resolve, a TLS mismatch, a rejected key, a wrong base path (a 404, or an HTML page where
the API answers JSON), a redirect to a login page. :func:`get_json` answers either the
parsed JSON or a :class:`Failure` naming one of those, never raises for them, and reads
at most ``BODY_LIMIT`` bytes. A client from ``adapters.http.make_client`` holds the request,
its streamed body included, to ``read_timeout`` as a whole (httpx's own timeouts are per
read, so a server trickling a byte at a time would outlast them); the caller bounds a probe
of several requests (``asyncio.wait_for``).
"""

from __future__ import annotations

import enum
import json
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from arrkestra.core.redact import Redactor

__all__ = ["BODY_LIMIT", "Failure", "Problem", "get_json"]

BODY_LIMIT = 2 * 1024 * 1024  # a status answer is a few hundred bytes


class Problem(enum.StrEnum):
    """What went wrong, by what the user does about it (each has its own hint)."""

    REFUSED = "unreachable"  # nothing listens there (connection refused, no route)
    NO_SUCH_HOST = "host not found"  # DNS
    TIMEOUT = "timed out"
    TLS = "TLS failed"
    NOT_HTTP = "no HTTP answer"  # the connection closed: an https port, or another service
    AUTH = "auth failed"  # 401/403
    WRONG_PATH = "not the API"  # 404, or a page that is not the API's JSON
    REDIRECT = "redirected"  # 3xx: an auth proxy in front, or a wrong scheme/path
    SERVER = "server error"  # 5xx
    UNEXPECTED = "unexpected answer"  # any other status


@dataclass(frozen=True)
class Failure:
    problem: Problem
    detail: str  # redacted: "HTTP 404", "connection refused", "certificate verify failed"
    location: str | None = None  # a redirect's target, redacted


async def get_json(
    client: httpx.AsyncClient,
    url: str,
    *,
    redactor: Redactor,
    headers: Mapping[str, str] | None = None,
    auth: httpx.Auth | None = None,
    read_timeout: float,
) -> Any | Failure:
    """The JSON body of a 2xx answer to ``GET url``, or what went wrong. ``read_timeout``
    is the request's timeout: with ``make_client``'s client, the deadline of all of it."""
    try:
        async with client.stream(
            "GET", url, headers=dict(headers or {}), auth=auth, timeout=read_timeout
        ) as response:
            status = response.status_code
            if not 200 <= status < 300:
                return _status_failure(response, redactor)
            body = await _read_limited(response)
    except httpx.TimeoutException:
        return Failure(Problem.TIMEOUT, f"no answer within {read_timeout:g}s")
    except httpx.ConnectError as exc:
        return _connect_failure(exc, redactor)
    except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
        reason = redactor(str(exc)) or type(exc).__name__
        return Failure(Problem.NOT_HTTP, f"the connection closed without an answer ({reason})")
    except httpx.HTTPError as exc:
        return Failure(Problem.UNEXPECTED, redactor(str(exc)) or type(exc).__name__)
    if body is None:
        return Failure(Problem.WRONG_PATH, f"an answer over {BODY_LIMIT} bytes is not the API")
    try:
        return json.loads(body)
    except ValueError:
        kind = "an HTML page" if body.lstrip()[:1] == b"<" else "not JSON"
        return Failure(Problem.WRONG_PATH, f"HTTP {status} with {kind}, not the API's JSON")


async def _read_limited(response: httpx.Response) -> bytes | None:
    """The body, or None when it is over ``BODY_LIMIT``."""
    chunks, size = [], 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > BODY_LIMIT:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _status_failure(response: httpx.Response, redactor: Redactor) -> Failure:
    status = response.status_code
    detail = f"HTTP {status}"
    if status in (401, 403):
        return Failure(Problem.AUTH, detail)
    if status == 404:
        return Failure(Problem.WRONG_PATH, detail)
    if 300 <= status < 400:
        location = redactor(response.headers.get("location", "")) or None
        return Failure(Problem.REDIRECT, detail, location)
    if status >= 500:
        return Failure(Problem.SERVER, detail)
    return Failure(Problem.UNEXPECTED, detail)


def _connect_failure(exc: httpx.ConnectError, redactor: Redactor) -> Failure:
    """httpx wraps the socket's own error: find it in the chain."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLError):
            reason = getattr(cause, "verify_message", None) or cause.reason or str(cause)
            return Failure(Problem.TLS, redactor(str(reason)))
        if isinstance(cause, socket.gaierror):
            return Failure(Problem.NO_SUCH_HOST, "the host name does not resolve")
        if isinstance(cause, ConnectionRefusedError):
            return Failure(Problem.REFUSED, "connection refused")
        cause = cause.__cause__ or cause.__context__
    return Failure(Problem.REFUSED, redactor(str(exc)) or type(exc).__name__)
