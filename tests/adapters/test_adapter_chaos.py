"""Every adapter against the chaos fake: each bad answer is a known class of the error tree.

A 401 is an ``UpstreamAuthError`` (the pipeline waits for the key); a 500, an HTML page
where JSON was asked for (a login proxy, a maintenance page), garbage JSON (a cut-off
body), a reset connection, a hang and a trickle are ``TransientError`` (tried again
later). Never another exception, never longer than the client's timeout, never the key
in the message.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from arrkestra.adapters.arr_history import ArrHistoryClient
from arrkestra.adapters.http import make_client
from arrkestra.adapters.overseerr import OverseerrClient
from arrkestra.adapters.plex import PlexClient
from arrkestra.adapters.sonarr import SonarrClient
from arrkestra.adapters.tvmaze import TvmazeClient
from arrkestra.core.errors import ArrkestraError, TransientError, Unreachable, UpstreamAuthError
from arrkestra.core.redact import Redactor
from arrkestra.testing.fake_chaos import Chaos, ChaosServer

KEY = "chaos-key-0123456789abcdef"
TIMEOUT = 1.0
WITHIN = 2.5  # the timeout and some slack
GUARD = 8.0  # the test's own bound: a hang here is a failure, not a stuck run
SINCE = datetime(2026, 1, 1, tzinfo=UTC)

Call = Callable[[httpx.AsyncClient, str], Awaitable[Any]]


def _overseerr(http: httpx.AsyncClient, url: str) -> OverseerrClient:
    return OverseerrClient(url, KEY, client=http, redactor=Redactor(), clock=time.monotonic)


def _sonarr(http: httpx.AsyncClient, url: str) -> SonarrClient:
    return SonarrClient(url, KEY, client=http, instance="sonarr.hd", redactor=Redactor())


def _radarr(http: httpx.AsyncClient, url: str) -> ArrHistoryClient:
    return ArrHistoryClient(
        "radarr", url, KEY, client=http, redactor=Redactor(), upstream="radarr.main"
    )


def _plex(http: httpx.AsyncClient, url: str) -> PlexClient:
    return PlexClient(url, KEY, client=http, redactor=Redactor(), clock=time.monotonic)


CALLS: dict[str, Call] = {
    "overseerr find_movie": lambda http, url: _overseerr(http, url).find_movie(603),
    "overseerr check_auth": lambda http, url: _overseerr(http, url).check_auth(),
    "sonarr system_status": lambda http, url: _sonarr(http, url).system_status(),
    "sonarr existing_series": lambda http, url: _sonarr(http, url).existing_series(),
    "radarr history": lambda http, url: _radarr(http, url).history(SINCE, ["import"]),
    "radarr library": lambda http, url: _radarr(http, url).library(),
    "tvmaze updates": lambda http, url: TvmazeClient(url, client=http).updates("day"),
    "tvmaze show": lambda http, url: TvmazeClient(url, client=http, api_key=KEY).show(1),
    "plex sections": lambda http, url: _plex(http, url).sections(),
    "plex scan": lambda http, url: _plex(http, url).scan("/media/tv/Show", section=2),
}

EXPECTED: dict[Chaos, type[ArrkestraError]] = {
    Chaos.SERVER_ERROR: TransientError,
    Chaos.UNAUTHORIZED: UpstreamAuthError,
    Chaos.HTML: TransientError,
    Chaos.GARBAGE: TransientError,
    Chaos.RESET: Unreachable,  # no answer: the upstream is down
    Chaos.HANG: Unreachable,
    Chaos.TRICKLE: Unreachable,
}
BODY_IGNORED = {"plex scan"}  # a 200 is "scan queued" whatever its body says


@pytest.fixture(scope="module")
def chaos() -> Iterator[ChaosServer]:
    with ChaosServer() as server:
        yield server


@pytest.mark.parametrize("mode", list(Chaos))
@pytest.mark.parametrize("call", CALLS)
async def test_each_bad_answer_is_a_known_error(chaos: ChaosServer, call: str, mode: Chaos) -> None:
    chaos.reset()
    chaos.otherwise = mode
    if call in BODY_IGNORED and mode in (Chaos.HTML, Chaos.GARBAGE):
        pytest.skip("the body of a 200 is not read")
    async with make_client(timeout=TIMEOUT) as http:
        started = time.monotonic()
        with pytest.raises(ArrkestraError) as caught:
            await asyncio.wait_for(CALLS[call](http, chaos.url), GUARD)
        elapsed = time.monotonic() - started
    assert type(caught.value) is EXPECTED[mode], repr(caught.value)
    assert elapsed < WITHIN, elapsed
    assert KEY not in str(caught.value)
    assert chaos.seen, "the request reached the fake"
