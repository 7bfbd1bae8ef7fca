"""TVMaze client: the show index page by page, single shows, and the updates map.

TVMaze allows about 20 calls per 10 seconds per address and answers 429 beyond that
(``specs/tvmaze.md``). Discovery mirrors the whole index (some 400 pages) and then
fetches changed shows, so the client paces itself: every concurrent caller shares one
sliding window and, normally, no 429 ever arrives. When one does (another process on the
same address, a stricter server), the request is retried inside the same call after an
exponential backoff that honours ``Retry-After``: a rate-limited request is never
dropped, and only after ``max_rate_limited`` refusals does the call give up with a
TransientError. This is the one retry loop inside an adapter (DESIGN.md: "rate limiter
lives in its client instance"); every other failure goes to the job queue.

The public API needs no key. A premium key is sent as TVMaze documents for its premium
API (HTTP Basic: TVMaze username, API key as password) and never appears in logs or
errors.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Literal, get_args

import httpx

from arrkestra.adapters.http import (
    NO_ANSWER,
    no_answer,
    raise_for_upstream_status,
    retry_after_seconds,
)
from arrkestra.adapters.tvmaze_models import BodyError, parse_page, parse_show, parse_updates
from arrkestra.core.errors import PermanentError, TransientError
from arrkestra.core.redact import Redactor
from arrkestra.core.shows import Show

__all__ = ["Pacer", "Since", "TvmazeClient"]

log = logging.getLogger(__name__)

UPSTREAM = "tvmaze"
CREDENTIAL = "discovery.tvmaze.api_key"
Since = Literal["day", "week", "month"]
OnRequest = Callable[[str, int], None]
Sleep = Callable[[float], Awaitable[None]]


class Pacer:
    """At most ``limit`` requests in any ``per`` seconds, shared by concurrent callers.

    A slot is taken before a request is sent and stamped when its answer arrives; the
    slot is reused once that stamp is ``per`` old. Stamping the answer rather than the
    sending keeps the window safe whatever the latency: the server saw the request
    before we saw its answer. Waiters queue on one lock, so they are served in order.
    """

    def __init__(
        self, limit: int, per: float, *, monotonic: Callable[[], float], sleep: Sleep
    ) -> None:
        if limit < 1 or per <= 0:
            raise ValueError("rate_limit must be at least 1 and per positive")
        self.limit, self.per = limit, per
        self._monotonic, self._sleep = monotonic, sleep
        self._done: deque[float] = deque()  # answer times inside the window, oldest first
        self._in_flight = 0
        self._paused_until = 0.0
        self._lock = asyncio.Lock()
        self._freed = asyncio.Event()

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        await self._acquire()
        try:
            yield
        finally:
            self._in_flight -= 1
            self._done.append(self._monotonic())
            self._freed.set()

    def pause(self, seconds: float) -> None:
        """After a 429 nobody sends for ``seconds``: the server is counting differently."""
        self._paused_until = max(self._paused_until, self._monotonic() + seconds)

    async def _acquire(self) -> None:
        async with self._lock:
            while True:
                now = self._monotonic()
                if now < self._paused_until:
                    await self._sleep(self._paused_until - now)
                    continue
                # "stamp + per <= now", computed the same way as the wait below, so an
                # injected clock that jumps by exactly that wait frees the slot
                while self._done and self._done[0] + self.per <= now:
                    self._done.popleft()
                if len(self._done) + self._in_flight < self.limit:
                    self._in_flight += 1
                    return
                if self._done:
                    await self._sleep(self._done[0] + self.per - now)
                else:  # every slot is in flight: wait for an answer
                    self._freed.clear()
                    await self._freed.wait()


class TvmazeClient:
    """Paced TVMaze reads returning ``core.shows.Show`` values.

    ``on_request(endpoint, status)`` is called for every HTTP attempt (``shows_page``,
    ``show`` or ``updates``; status 0 when no answer came), e.g. for a metric.
    ``skipped`` counts show entries that could not be used (each one is logged).
    """

    def __init__(
        self,
        base_url: str = "https://api.tvmaze.com",
        *,
        client: httpx.AsyncClient,
        api_key: str | None = None,
        username: str = "",
        rate_limit: int = 20,
        per: float = 10.0,
        sleep: Sleep = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        on_request: OnRequest | None = None,
        redactor: Redactor | None = None,
        max_rate_limited: int = 8,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._client = client
        self._auth = httpx.BasicAuth(username, api_key) if api_key else None
        secrets = [*(redactor.secrets if redactor else ())]
        if api_key:  # the key itself, and the Basic token that carries it
            token = base64.b64encode(f"{username}:{api_key}".encode()).decode()
            secrets += [api_key, token]
        self._redactor = Redactor.of(secrets)
        self._pacer = Pacer(rate_limit, per, monotonic=monotonic, sleep=sleep)
        self._on_request = on_request
        self._max_rate_limited = max(0, max_rate_limited)
        # about 2 s at TVMaze's limit, the owner's advice; scaled with ``per`` for tests
        self._backoff_base = 4 * per / rate_limit
        self._backoff_cap = 3 * per
        self.skipped = 0

    # -- public API ------------------------------------------------------------------

    async def shows_page(self, page: int) -> list[Show] | None:
        """Page ``page`` of the show index (ids ``page*250 … page*250+249``, possibly short
        or empty); None when TVMaze answers 404, its end-of-index signal."""
        if isinstance(page, bool) or not isinstance(page, int) or page < 0:
            raise PermanentError(f"invalid TVMaze index page {page!r}")
        response = await self._get("shows_page", "/shows", {"page": str(page)})
        if response.status_code == 404:
            return None
        self._raise_for_status(response)
        try:
            parsed = parse_page(response.content)
        except BodyError as exc:
            raise self._unexpected(response, exc) from None
        if parsed.skipped:
            self.skipped += parsed.skipped
            log.warning("TVMaze index page %d: %d unusable entries skipped", page, parsed.skipped)
        return parsed.shows

    async def show(self, tvmaze_id: int) -> Show | None:
        """One show; None when TVMaze does not know it (404), or when its answer lacks an
        id, name or ``updated`` (logged and counted in ``skipped``)."""
        if isinstance(tvmaze_id, bool) or not isinstance(tvmaze_id, int) or tvmaze_id <= 0:
            raise PermanentError(f"invalid TVMaze show id {tvmaze_id!r}")
        response = await self._get("show", f"/shows/{tvmaze_id}")
        if response.status_code == 404:
            return None
        self._raise_for_status(response)
        try:
            show = parse_show(response.content)
        except BodyError as exc:
            raise self._unexpected(response, exc) from None
        if show is None:
            self.skipped += 1
        return show

    async def updates(self, since: Since) -> dict[int, int]:
        """Show id -> last ``updated`` (unix seconds) for shows changed in that period."""
        if since not in get_args(Since):
            raise PermanentError(f"invalid TVMaze updates period {since!r}")
        response = await self._get("updates", "/updates/shows", {"since": since})
        self._raise_for_status(response)
        try:
            return parse_updates(response.content)
        except BodyError as exc:
            raise self._unexpected(response, exc) from None

    # -- HTTP ------------------------------------------------------------------------

    async def _get(
        self, endpoint: str, path: str, params: Mapping[str, str] | None = None
    ) -> httpx.Response:
        """GET, paced; a 429 is retried here with backoff (see the module docstring)."""
        for attempt in range(self._max_rate_limited + 1):
            response = await self._send(endpoint, path, params)
            if response.status_code != 429:
                return response
            hint = retry_after_seconds(response)
            if attempt == self._max_rate_limited or (hint or 0) > 10 * self._backoff_cap:
                break
            delay = self._backoff(attempt, hint)
            log.warning(
                "TVMaze rate limit reached (%s); waiting %.2fs before retry %d of %d",
                endpoint,
                delay,
                attempt + 1,
                self._max_rate_limited,
            )
            self._pacer.pause(delay)
        message = self._describe(response)
        raise TransientError(f"{message}: still rate limited", retry_after=hint)

    def _backoff(self, attempt: int, hint: float | None) -> float:
        """Exponential from about 2 s, capped; ``Retry-After`` when it asks for longer."""
        exponent = min(attempt, 32)
        delay = min(self._backoff_cap, self._backoff_base * 2.0**exponent)
        return max(delay, hint) if hint is not None else delay

    async def _send(
        self, endpoint: str, path: str, params: Mapping[str, str] | None
    ) -> httpx.Response:
        url = self._base + path
        async with self._pacer.slot():
            try:
                response = await self._client.get(
                    url, params=params, auth=self._auth, headers={"Accept": "application/json"}
                )
            except NO_ANSWER as exc:
                self._report(endpoint, 0)
                raise no_answer(exc, f"TVMaze GET {url}", self._text) from None
        self._report(endpoint, response.status_code)
        return response

    def _report(self, endpoint: str, status: int) -> None:
        if self._on_request is not None:
            self._on_request(endpoint, status)

    def _raise_for_status(self, response: httpx.Response) -> None:
        if 200 <= response.status_code < 300:
            return
        raise_for_upstream_status(
            response,
            self._describe(response),
            upstream=UPSTREAM,
            credential=CREDENTIAL,
            redact=self._text,
        )

    def _describe(self, response: httpx.Response) -> str:
        text = f"TVMaze GET {response.request.url}: HTTP {response.status_code}"
        detail = _server_message(response)
        return self._text(f"{text}: {detail}" if detail else text)

    def _unexpected(self, response: httpx.Response, exc: BodyError) -> TransientError:
        """A proxy's HTML page or a truncated body: try again later."""
        return TransientError(self._text(f"TVMaze GET {response.request.url}: {exc}"))

    def _text(self, text: str) -> str:
        return self._redactor(text)


def _server_message(response: httpx.Response) -> str:
    """TVMaze's ``message`` (errors are ``{name, message, code, status}``), shortened.

    Bodies may be empty (a ``singlesearch`` miss) or not JSON at all.
    """
    try:
        body = response.json()
    except ValueError:
        return ""
    text = (body.get("message") or body.get("name") or "") if isinstance(body, dict) else ""
    text = " ".join(str(text).split())
    return text[:200] + ("..." if len(text) > 200 else "")
