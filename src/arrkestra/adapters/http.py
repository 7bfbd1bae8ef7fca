"""The shared ``httpx.AsyncClient`` factory: timeouts, pooling, a recognisable User-Agent.

Error messages built from requests go through ``describe_request`` so a URL with a token
in its query never reaches a log or an error message unmasked.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import httpx

from arrkestra import __version__
from arrkestra.core.errors import PermanentError, TransientError, UpstreamAuthError
from arrkestra.core.redact import Redactor

USER_AGENT = f"arrkestra/{__version__}"
TRANSIENT_4XX = frozenset({408, 429})  # timeouts and rate limits: try again later


def make_client(
    *, timeout: float, max_connections: int = 20, retries: int = 0
) -> httpx.AsyncClient:
    """``retries``: a request that could not connect is tried again at once this many times
    (httpx's transport retries, with its short backoff) inside one attempt of a job; every
    other failure is the job queue's to retry."""
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=10)
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        transport=httpx.AsyncHTTPTransport(limits=limits, retries=retries),
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


def raise_for_upstream_status(
    response: httpx.Response,
    message: str,
    *,
    upstream: str,
    credential: str,
    redact: Callable[[str], str],
) -> None:
    """Translate a non-2xx answer into the error taxonomy (DESIGN.md, "Errors").

    401/403 and redirects (an auth proxy in front, or a wrong URL) are credential
    problems: the upstream's jobs wait. 5xx, 408 and 429 are transient, honouring
    ``Retry-After``. Any other 4xx is permanent. ``message`` must already be redacted.
    """
    status = response.status_code
    if 200 <= status < 300:
        return
    if status in (401, 403):
        raise UpstreamAuthError(f"{message} (is {credential} right?)", upstream=upstream)
    if 300 <= status < 400:
        where = redact(response.headers.get("location", "?"))
        hint = f"{message}, redirected to {where}: an auth proxy in front, or a wrong URL?"
        raise UpstreamAuthError(hint, upstream=upstream)
    if status >= 500 or status in TRANSIENT_4XX:
        raise TransientError(message, retry_after=retry_after_seconds(response))
    raise PermanentError(message)
