"""Issue 13, finding 6: a trickling upstream must not outlast its timeout.

httpx's timeouts are per read: an upstream sending a byte every 0.1 s never trips one, and
held a cleanup attempt (and its pipeline) for 600 s. Every request made through
``adapters.http.make_client`` now has one deadline for all of it (connect, send, the whole
body); ``check --online`` finishes in bounded time whatever the upstreams do. The upstream
here is the chaos fake on loopback, trickling or hanging for ever.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.conftest import base_config, write_config
from typer.testing import CliRunner

from arrkestra.adapters.arr_history import ArrHistoryClient
from arrkestra.adapters.http import make_client
from arrkestra.adapters.http_probe import Failure, Problem, get_json
from arrkestra.adapters.overseerr import OverseerrClient
from arrkestra.adapters.plex import PlexClient
from arrkestra.adapters.sonarr import SonarrClient
from arrkestra.adapters.tvmaze import TvmazeClient
from arrkestra.cli import app
from arrkestra.core.errors import TransientError
from arrkestra.core.redact import Redactor
from arrkestra.testing.fake_chaos import Chaos, ChaosServer

KEY = "deadline-key-0123456789abcdef"
TIMEOUT = 1.0  # the upstream's configured timeout
WITHIN = 2.5  # seconds an attempt may take in all: the timeout, and some slack
GUARD = 8.0  # the test's own bound, so a failing run does not hang

Call = Callable[[httpx.AsyncClient, str], Awaitable[Any]]

CALLS: dict[str, Call] = {
    "overseerr": lambda http, url: OverseerrClient(
        url, KEY, client=http, redactor=Redactor(), clock=time.monotonic
    ).check_auth(),
    "sonarr": lambda http, url: SonarrClient(
        url, KEY, client=http, instance="sonarr.hd", redactor=Redactor()
    ).existing_series(),
    "radarr history": lambda http, url: ArrHistoryClient(
        "radarr", url, KEY, client=http, redactor=Redactor(), upstream="radarr.main"
    ).library(),
    "tvmaze": lambda http, url: TvmazeClient(url, client=http).updates("day"),
    "plex": lambda http, url: PlexClient(
        url, KEY, client=http, redactor=Redactor(), clock=time.monotonic
    ).sections(),
}


@pytest.fixture(scope="module")
def trickle() -> Iterator[ChaosServer]:
    with ChaosServer(otherwise=Chaos.TRICKLE) as server:
        yield server


@pytest.mark.parametrize("upstream", CALLS)
async def test_a_trickling_upstream_fails_the_attempt_within_its_timeout(
    trickle: ChaosServer, upstream: str
) -> None:
    async with make_client(timeout=TIMEOUT) as http:
        started = time.monotonic()
        with pytest.raises(TransientError, match="timed out") as caught:
            await asyncio.wait_for(CALLS[upstream](http, trickle.url), GUARD)
        elapsed = time.monotonic() - started
    assert elapsed < WITHIN, elapsed
    assert KEY not in str(caught.value)


async def test_a_streamed_answer_has_the_same_deadline(trickle: ChaosServer) -> None:
    """``check --online``'s probe streams (to cap the body's size): bounded all the same."""
    async with make_client(timeout=15.0) as http:
        started = time.monotonic()
        answer = await asyncio.wait_for(
            get_json(http, trickle.url + "/status", redactor=Redactor(), read_timeout=TIMEOUT),
            GUARD,
        )
        elapsed = time.monotonic() - started
    assert isinstance(answer, Failure) and answer.problem is Problem.TIMEOUT
    assert elapsed < WITHIN, elapsed


def test_check_online_is_bounded_whatever_the_upstreams_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sonarr answers its status but trickles the library discovery validates; Radarr and
    Plex hang; Overseerr and TVMaze trickle. Every configured timeout is 1 s."""
    monkeypatch.delenv("ARRKESTRA_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    with (
        ChaosServer(otherwise=Chaos.TRICKLE) as sonarr,
        ChaosServer(otherwise=Chaos.HANG) as hanging,
        ChaosServer(otherwise=Chaos.TRICKLE) as trickling,
    ):
        sonarr.json("/api/v3/system/status", {"appName": "Sonarr", "version": "4.0.14.2939"})
        config = base_config(
            tmp_path,
            sonarr={"hd": {"url": sonarr.url, "api_key": KEY, "timeout": "1s"}},
            radarr={"main": {"url": hanging.url, "api_key": KEY, "timeout": "1s"}},
            overseerr={"url": trickling.url, "api_key": KEY, "timeout": "1s"},
            plex={"url": hanging.url, "token": KEY, "timeout": "1s"},
            discovery={
                "enabled": True,
                "tvmaze": {"url": trickling.url},
                "target": {"root_folder": "/tv", "quality_profile": "Any"},
            },
        )
        path = write_config(tmp_path, config)
        started = time.monotonic()
        answer = CliRunner().invoke(app, ["check", "--online", "-c", str(path)])
        elapsed = time.monotonic() - started
    assert answer.exit_code == 1, answer.output
    assert "Traceback" not in answer.output and KEY not in answer.output
    # the probes run at once; TVMaze has no timeout setting, so its probe may take
    # PROBE_LIMIT (15 s): before, discovery's targets alone took 60 s and Plex 15 more
    assert elapsed < 25, elapsed
    assert "discovery targets" in answer.output
