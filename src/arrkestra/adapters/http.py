"""The shared ``httpx.AsyncClient`` factory: timeouts, pooling, a recognisable User-Agent.

Error messages built from requests go through ``describe_request`` so a URL with a token
in its query never reaches a log or an error message unmasked.
"""

from __future__ import annotations

import math

import httpx

from arrkestra import __version__
from arrkestra.core.redact import Redactor

USER_AGENT = f"arrkestra/{__version__}"


def make_client(*, timeout: float, max_connections: int = 20) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=10),
        headers={"User-Agent": USER_AGENT},
        follow_redirects=False,
        trust_env=False,  # a proxy from the environment must not see the upstreams' keys
    )


def describe_request(request: httpx.Request, redactor: Redactor) -> str:
    return redactor(f"{request.method} {request.url}")


def retry_after_seconds(response: httpx.Response) -> float | None:
    """``Retry-After`` in seconds; an HTTP date is left to the queue's own backoff."""
    value = response.headers.get("retry-after", "").strip()
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None
