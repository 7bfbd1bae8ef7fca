"""The shared ``httpx.AsyncClient`` factory: one deadline per request, pooling, a
recognisable User-Agent, and one DEBUG line per upstream request.

httpx's timeouts are per operation (connect, each read, each write): an upstream sending a
byte every 0.1 s never trips one, and held a cleanup attempt for ten minutes. So every
request made here also has one deadline for all of it (:class:`DeadlineTransport`):
waiting for the pool, connecting, sending, and reading the whole body, streamed or not,
within the request's timeout (the client's, or the ``timeout=`` of that one request).
Past it the request fails with ``httpx.ReadTimeout``, which the adapters already turn
into a TransientError.

Error messages built from requests go through ``describe_request`` so a URL with a token
in its query never reaches a log or an error message unmasked. The DEBUG line
(``GET sonarr:8989/api/v3/series -> 200 in 12 ms``) is written by the client's transport,
so every client made here logs alike; it names the method, host and path only (never
the query string or a header, where keys and tokens travel) and is redacted as well.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import AsyncIterator, Callable

import httpx
from pydantic import ValidationError

from arrkestra import __version__
from arrkestra.core.errors import (
    ArrkestraError,
    PermanentError,
    TransientError,
    Unreachable,
    UpstreamAuthError,
)
from arrkestra.core.redact import Redactor

USER_AGENT = f"arrkestra/{__version__}"
TRANSIENT_4XX = frozenset({408, 429})  # timeouts and rate limits: try again later
log = logging.getLogger("arrkestra.http")


def request_target(request: httpx.Request) -> str:
    """``sonarr:8989/api/v3/series``: host, port and path; no user, query or fragment."""
    url = request.url
    port = f":{url.port}" if url.port is not None else ""
    return f"{url.host}{port}{url.path}"


class LoggedTransport(httpx.AsyncBaseTransport):
    """Wraps a transport with one DEBUG line per request: method, target, status, time."""

    def __init__(self, inner: httpx.AsyncBaseTransport, redactor: Redactor) -> None:
        self._inner = inner
        self._redact = redactor

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not log.isEnabledFor(logging.DEBUG):
            return await self._inner.handle_async_request(request)
        started = time.perf_counter()
        target = self._redact(f"{request.method} {request_target(request)}")
        try:
            response = await self._inner.handle_async_request(request)
        except Exception as exc:
            ms = (time.perf_counter() - started) * 1000
            log.debug("%s failed after %.0f ms: %s", target, ms, type(exc).__name__)
            raise
        ms = (time.perf_counter() - started) * 1000
        log.debug("%s -> %d in %.0f ms", target, response.status_code, ms)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


class DeadlineTransport(httpx.AsyncBaseTransport):
    """Wraps a transport with one deadline for the whole request, body included.

    The budget is the request's own timeout (the largest of its connect, read, write and
    pool values: ``make_client``'s ``timeout``, or a per-request ``timeout=``); a request
    without one has no deadline. The answer's body is read through :class:`_DeadlineStream`,
    so ``client.stream`` is bounded as well as ``client.get``.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        budget = request_budget(request)
        if budget is None:
            return await self._inner.handle_async_request(request)
        deadline = asyncio.get_running_loop().time() + budget
        try:
            async with asyncio.timeout_at(deadline):
                response = await self._inner.handle_async_request(request)
        except TimeoutError:
            raise _deadline_passed(request, budget) from None
        stream = response.stream
        if isinstance(stream, httpx.AsyncByteStream):
            response.stream = _DeadlineStream(stream, request, deadline, budget)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


class _DeadlineStream(httpx.AsyncByteStream):
    """An answer's body, each chunk awaited only until the request's deadline."""

    def __init__(
        self, inner: httpx.AsyncByteStream, request: httpx.Request, deadline: float, budget: float
    ) -> None:
        self._inner = inner
        self._request = request
        self._deadline = deadline
        self._budget = budget

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunks = aiter(self._inner)
        while True:
            try:
                async with asyncio.timeout_at(self._deadline):
                    chunk = await anext(chunks)
            except StopAsyncIteration:
                return
            except TimeoutError:
                raise _deadline_passed(self._request, self._budget) from None
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


def request_budget(request: httpx.Request) -> float | None:
    """Seconds the whole request may take: the largest of its httpx timeouts, if any."""
    timeouts = request.extensions.get("timeout") or {}
    values = [value for value in timeouts.values() if isinstance(value, int | float)]
    return max(values) if values else None


def _deadline_passed(request: httpx.Request, budget: float) -> httpx.ReadTimeout:
    return httpx.ReadTimeout(f"no whole answer within {budget:g}s", request=request)


def make_client(
    *,
    timeout: float,
    max_connections: int = 20,
    retries: int = 0,
    redactor: Redactor | None = None,
) -> httpx.AsyncClient:
    """``retries``: a request that could not connect is tried again at once this many times
    (httpx's transport retries, with its short backoff) inside one attempt of a job; every
    other failure is the job queue's to retry. ``timeout`` bounds each request as a whole,
    its body included (:class:`DeadlineTransport`), and each connect to 10 s at most.
    Every request is logged at DEBUG (:class:`LoggedTransport`); ``redactor`` masks the
    configured secrets in those lines (its URL patterns apply without one)."""
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=10)
    transport = DeadlineTransport(httpx.AsyncHTTPTransport(limits=limits, retries=retries))
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        transport=LoggedTransport(transport, redactor or Redactor()),
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


NO_ANSWER = (httpx.HTTPError, httpx.InvalidURL)
"""What httpx raises when a request got no answer: ``except NO_ANSWER as exc`` then
``raise no_answer(exc, ...) from None`` (``InvalidURL`` is not an ``HTTPError``)."""


def no_answer(exc: Exception, request: str, redact: Callable[[str], str]) -> ArrkestraError:
    """A request that got no answer, as the error taxonomy has it: a URL httpx cannot use is
    permanent (``PermanentError``: fix the config), a timeout or a connection that failed is
    ``Unreachable`` (retried; the upstream is down). ``request`` names it for a person
    (``Overseerr GET http://...``) and is redacted with the reason."""
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return PermanentError(redact(f"{request}: invalid URL ({exc})"))
    if isinstance(exc, httpx.TimeoutException):
        return Unreachable(redact(f"{request}: timed out"))
    reason = str(exc) or type(exc).__name__
    return Unreachable(redact(f"{request}: unreachable ({reason})"))


def validation_problem(exc: ValidationError) -> str:
    """What is wrong with an answer that does not fit its model, for an "unexpected answer
    (...)" message: the first error's place and words (``series.0.id: Field required``)."""
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "body"
    return f"{where}: {first['msg']}"
