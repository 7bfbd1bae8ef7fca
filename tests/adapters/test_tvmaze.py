"""The TVMaze adapter against the fake TVMaze over real HTTP (in-process ASGI, or loopback).

Pacing is tested on a virtual clock shared by the client and the fake (so 60 requests at
20 per 10 s take no real time) and once on loopback with the window scaled down. A few
malformed answers come from ``httpx.MockTransport``: no fake should ever send them.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from arrkestra.adapters.http import make_client
from arrkestra.adapters.tvmaze import TvmazeClient
from arrkestra.adapters.tvmaze_models import parse_page, parse_updates
from arrkestra.core.errors import PermanentError, TransientError, UpstreamAuthError
from arrkestra.core.shows import Show
from arrkestra.testing.fake_tvmaze import Catalogue, FakeTvmaze, make_show
from arrkestra.testing.loopback import LoopbackServer

FIXTURES = Path(__file__).parent.parent / "fixtures" / "tvmaze"
KEY = "tvmaze-premium-key-0123456789abcdef"
NOW = 1_700_000_000
SINGLE_SAMPLES = (
    "show-13-the-flash.embed-seasons.2020.json",
    "show-3928-daily-show-trevor-noah.null-externals.2017.json",
    "show-750-rhony.modern-shape.2022.json",
    "singlesearch-1370-marvels-jessica-jones.webchannel.2017.json",
    "singlesearch-15824-kroniken.unicode.2017.json",
    "singlesearch-4879-1992.numeric-name.2017.json",
    "singlesearch-66-the-big-bang-theory.2017.json",
    "singlesearch-8652-unite-9.french.2017.json",
)
PAGE_SAMPLES = (
    "shows-page-0.assembled-from-real.json",
    "shows-page-0.first-2-entries.2020.json",
    "shows-page-1.assembled-from-real.json",
)
US = {"country": "US", "language": "English"}
EXPECTED = {
    13: Show(13, "The Flash", 1578488180, 279121, "tt3107288", **US, type="Scripted",
             status="Running", premiered=date(2014, 10, 7), network="The CW",
             genres=("Drama", "Action", "Science-Fiction"), runtime=60, rating=7.9),
    3928: Show(3928, "The Daily Show with Trevor Noah", 1490488159, None, None, **US,
               type="Talk Show", status="Running", premiered=date(2015, 9, 28),
               network="Comedy Central", genres=("Comedy",), runtime=30, rating=6.5),
    750: Show(750, "The Real Housewives of New York City", 1661587084, 84669, "tt1191056",
              **US, type="Reality", status="Running", premiered=date(2008, 3, 4),
              network="Bravo", genres=(), runtime=60, rating=6.1),
    1370: Show(1370, "Marvel's Jessica Jones", 1489944882, 284190, "tt2357547", **US,
               type="Scripted", status="Running", premiered=date(2015, 11, 20),
               web_channel="Netflix", genres=("Action", "Crime", "Science-Fiction"),
               runtime=60, rating=8.0),
    15824: Show(15824, "Krøniken", 1490447191, 83471, "tt0327321", "English", "DK",
                "Scripted", "Ended", date(2004, 1, 4), network="DR1", runtime=60),
    4879: Show(4879, "1992", 1466951790, 292192, "tt2983290", "Italian", "IT", "Scripted",
               "Ended", date(2015, 3, 24), network="Sky Cinema",
               genres=("Drama", "Crime", "History"), runtime=50, rating=9.0),
    66: Show(66, "The Big Bang Theory", 1490360147, 80379, "tt0898266", **US,
             type="Scripted", status="Running", premiered=date(2007, 9, 24), network="CBS",
             genres=("Comedy",), runtime=30, rating=8.3),
    8652: Show(8652, "Unité 9", 1489931426, 261952, "tt2388350", "French", "CA", "Scripted",
               "Running", date(2012, 9, 11), network="ICI Radio-Canada Télé", runtime=45),
}  # fmt: skip


def sample(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


class VirtualTime:
    """A monotonic clock that only moves when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


@dataclass
class Rig:
    fake: FakeTvmaze
    http: httpx.AsyncClient
    time: VirtualTime
    calls: list[tuple[str, int]] = field(default_factory=list)

    def client(self, **options: Any) -> TvmazeClient:
        defaults: dict[str, Any] = {
            "client": self.http,
            "sleep": self.time.sleep,
            "monotonic": self.time.monotonic,
            "on_request": lambda endpoint, status: self.calls.append((endpoint, status)),
        }
        return TvmazeClient("http://tvmaze", **{**defaults, **options})


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    time = VirtualTime()
    shows = [sample(name) for name in SINGLE_SAMPLES]
    catalogue = Catalogue(shows, clock=lambda: NOW)
    fake = FakeTvmaze(catalogue, monotonic=time.monotonic)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app)) as http:
        yield Rig(fake, http, time)


def with_catalogue(rig: Rig, count: int, **options: Any) -> list[int]:
    rig.fake.catalogue = Catalogue.generated(count, seed=5, clock=lambda: NOW, **options)
    return rig.fake.catalogue.ids()


def mock_client(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


# -- parsing --------------------------------------------------------------------------


async def test_every_real_show_sample_parses_to_the_expected_show(rig: Rig) -> None:
    client = rig.client()
    for tvmaze_id, expected in EXPECTED.items():
        assert await client.show(tvmaze_id) == expected
    assert client.skipped == 0


def test_real_index_pages_parse_whole() -> None:
    pages = {name: parse_page((FIXTURES / name).read_bytes()) for name in PAGE_SAMPLES}
    ids = {name: [show.tvmaze_id for show in page.shows] for name, page in pages.items()}
    assert ids == {
        PAGE_SAMPLES[0]: [4, 118, 150, 167, 180, 210, 249],
        PAGE_SAMPLES[1]: [1, 2],
        PAGE_SAMPLES[2]: [260, 430],
    }
    assert all(page.skipped == 0 for page in pages.values())
    twenty_four = pages[PAGE_SAMPLES[0]].shows[3]
    assert (twenty_four.title, twenty_four.tvdb_id, twenty_four.ended) == ("24", 76290, None)
    x_files = pages[PAGE_SAMPLES[2]].shows[1]
    assert (x_files.status, x_files.premiered, x_files.country) == (
        "To Be Determined",
        date(1993, 9, 10),
        "US",
    )


def test_the_updates_sample_becomes_int_ids() -> None:
    updates = parse_updates((FIXTURES / "updates-shows.constructed.json").read_bytes())
    assert updates == {
        1: 1573667713,
        2: 1588773151,
        13: 1578488180,
        66: 1490360147,
        750: 1661587084,
        1370: 1489944882,
    }


async def test_quirks_of_the_shape(rig: Rig) -> None:
    netflix = {"id": 1, "name": "Netflix", "country": None}
    rig.fake.catalogue.add(make_show(5, "Global", network=None, webChannel=netflix))
    rig.fake.catalogue.add(make_show(6, "Average", runtime=None, averageRuntime=47))
    old = make_show(7, "Old Shape", externals={"imdb": "", "thetvdb": 0})
    for key in ("averageRuntime", "ended", "dvdCountry", "rating", "genres"):
        old.pop(key)
    rig.fake.catalogue.add(old)
    page = await rig.client().shows_page(0)
    assert page is not None
    by_id = {show.tvmaze_id: show for show in page}
    assert (by_id[5].country, by_id[5].web_channel, by_id[5].network) == (None, "Netflix", None)
    assert by_id[6].runtime == 47
    assert (by_id[7].tvdb_id, by_id[7].imdb_id, by_id[7].rating, by_id[7].genres) == (
        None,
        None,
        None,
        (),
    )


async def test_malformed_entries_are_skipped_not_fatal(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    rig.fake.catalogue.add(make_show(5, "Fine"))
    rig.fake.catalogue.add(make_show(6, "Odd date", premiered={"year": 2020}, genres="Drama"))
    rig.fake.catalogue.add({**make_show(7, "x"), "name": None})
    client = rig.client()
    with caplog.at_level(logging.WARNING):
        page = await client.shows_page(0)
    assert page is not None
    assert [(s.tvmaze_id, s.premiered, s.genres) for s in page if s.tvmaze_id in (5, 6)] == [
        (5, date(2015, 1, 1), ("Drama",)),
        (6, None, ()),
    ]
    assert 7 not in {s.tvmaze_id for s in page}
    assert client.skipped == 1
    assert "id 7" in caplog.text and "1 unusable entries skipped" in caplog.text


async def test_entries_that_are_not_objects_are_skipped() -> None:
    body = [1, None, make_show(3, "Kept", updated=5)]
    async with mock_client(lambda request: httpx.Response(200, json=body)) as http:
        client = TvmazeClient("http://tvmaze", client=http)
        assert [show.title for show in await client.shows_page(0) or []] == ["Kept"]
        assert client.skipped == 2


# -- the index, single shows, updates -------------------------------------------------


async def test_the_index_is_read_until_404(rig: Rig) -> None:
    ids = with_catalogue(rig, 2_000)
    for tvmaze_id in [i for i in ids if 500 <= i < 750]:  # an emptied page is not the end
        rig.fake.catalogue.remove(tvmaze_id)
    client, seen, page = rig.client(), [], 0
    while (shows := await client.shows_page(page)) is not None:
        seen += [show.tvmaze_id for show in shows]
        page += 1
    assert seen == rig.fake.catalogue.ids()
    assert page == ids[-1] // 250 + 1
    assert rig.fake.count("shows_page") == page + 1 and rig.fake.rate_limited == 0


async def test_unknown_show_is_none_and_updates_map(rig: Rig) -> None:
    client = rig.client()
    assert await client.show(999_999) is None
    assert await client.updates("month") == {}  # the samples are years old
    rig.fake.catalogue.add(make_show(20, "New"))
    assert await client.updates("day") == {20: NOW}
    assert rig.calls == [("show", 404), ("updates", 200), ("updates", 200)]


async def test_edge_cached_index_is_stale_while_shows_are_live(rig: Rig) -> None:
    rig.fake.snapshot_index()
    rig.fake.catalogue.update(13, name="The Flash (2014)")
    client = rig.client()
    page = await client.shows_page(0)
    assert page is not None and next(s for s in page if s.tvmaze_id == 13).title == "The Flash"
    fresh = await client.show(13)
    assert fresh is not None and fresh.title == "The Flash (2014)" and fresh.updated == NOW
    assert (await client.updates("day"))[13] == NOW


# -- pacing and 429s -------------------------------------------------------------------


def busiest_window(rig: Rig, per: float) -> int:
    arrivals = [r.at for r in rig.fake.requests]
    return max(sum(1 for b in arrivals if a - per < b <= a) for a in arrivals)


async def test_a_burst_stays_under_the_limit(rig: Rig) -> None:
    ids = with_catalogue(rig, 60)
    client = rig.client()
    start = rig.time.now
    shows = await asyncio.gather(*(client.show(i) for i in ids))
    assert all(shows) and rig.fake.total == 60 and rig.fake.rate_limited == 0
    assert busiest_window(rig, 10.0) == 20
    assert rig.time.now - start >= 20.0  # three windows of 20


async def test_a_stricter_server_costs_retries_not_requests(rig: Rig) -> None:
    ids = with_catalogue(rig, 60)
    client = rig.client(rate_limit=40)  # the server allows 20 per 10 s
    shows = await asyncio.gather(*(client.show(i) for i in ids))
    assert [show.tvmaze_id for show in shows if show] == ids
    assert rig.fake.rate_limited > 0 and rig.fake.count("show", 200) == 60


async def test_a_429_is_retried_with_exponential_backoff(rig: Rig) -> None:
    rig.fake.fail_next(429, 3)
    assert await rig.client().show(13) == EXPECTED[13]
    assert rig.time.sleeps == [2.0, 4.0, 8.0]  # 4 * per / rate_limit, doubled
    assert rig.calls == [("show", 429)] * 3 + [("show", 200)]


async def test_retry_after_is_honoured(rig: Rig) -> None:
    rig.fake.fail_next(429, retry_after=7)
    assert await rig.client().show(66) == EXPECTED[66]
    assert rig.time.sleeps == [7.0]


async def test_rate_limited_too_often_gives_up(rig: Rig) -> None:
    rig.fake.fail_next(429, 50, retry_after=1)
    with pytest.raises(TransientError, match="rate limited") as caught:
        await rig.client(max_rate_limited=3).shows_page(0)
    assert caught.value.retry_after == 1 and rig.fake.total == 4
    rig.fake.clear_failures()
    rig.fake.reset_counters()
    rig.fake.fail_next(429, retry_after=3_600)  # not worth waiting inside a call
    with pytest.raises(TransientError) as caught:
        await rig.client().show(13)
    assert caught.value.retry_after == 3_600 and rig.fake.total == 1


async def test_pacing_on_loopback_with_scaled_time() -> None:
    fake = FakeTvmaze(Catalogue.generated(60, clock=lambda: NOW), per=0.25)
    with LoopbackServer(fake.app) as server:
        async with make_client(timeout=5.0) as http:
            client = TvmazeClient(server.url, client=http, per=0.25)
            results = await asyncio.gather(*(client.show(i) for i in fake.catalogue.ids()))
    assert all(results) and fake.total == 60 and fake.rate_limited == 0


# -- errors and secrets ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (500, TransientError),
        (502, TransientError),
        (503, TransientError),
        (401, UpstreamAuthError),
        (403, UpstreamAuthError),
        (400, PermanentError),
        (422, PermanentError),
    ],
)
async def test_status_codes_map_to_the_taxonomy(
    rig: Rig, status: int, error: type[Exception]
) -> None:
    rig.fake.fail_next(status, retry_after=30)
    with pytest.raises(error) as caught:
        await rig.client().shows_page(0)
    assert f"HTTP {status}" in str(caught.value)
    if isinstance(caught.value, UpstreamAuthError):
        assert caught.value.upstream == "tvmaze"
    if isinstance(caught.value, TransientError):
        assert caught.value.retry_after == 30


async def test_bad_arguments_and_a_missing_updates_route_are_permanent(rig: Rig) -> None:
    client = rig.client()
    with pytest.raises(PermanentError):
        await client.shows_page(-1)
    with pytest.raises(PermanentError):
        await client.show(0)
    with pytest.raises(PermanentError):
        await client.updates("year")  # type: ignore[arg-type]
    rig.fake.fail_next(404)
    with pytest.raises(PermanentError, match="HTTP 404"):
        await client.updates("day")
    assert rig.fake.total == 1


async def test_unreachable_slow_and_garbled_servers_are_transient() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    async with make_client(timeout=2.0) as http:
        with pytest.raises(TransientError, match="unreachable"):
            await TvmazeClient(closed, client=http).show(1)
    fake = FakeTvmaze(Catalogue.generated(3, clock=lambda: NOW))
    fake.delay = 0.5
    with LoopbackServer(fake.app) as server:
        async with make_client(timeout=0.1) as http:
            with pytest.raises(TransientError, match="timed out"):
                await TvmazeClient(server.url, client=http).show(1)
    html = httpx.Response(200, text="<html>maintenance</html>")
    async with mock_client(lambda request: html) as http:
        with pytest.raises(TransientError, match="not JSON"):
            await TvmazeClient("http://tvmaze", client=http).shows_page(0)
    async with mock_client(lambda request: httpx.Response(200, json={"a": 1})) as http:
        with pytest.raises(TransientError, match="expected a list"):
            await TvmazeClient("http://tvmaze", client=http).shows_page(0)


async def test_the_key_goes_as_basic_auth_and_never_into_logs(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    rig.fake.credentials = ("viewer", KEY)
    caplog.set_level(logging.DEBUG)
    rig.fake.fail_next(429)
    assert await rig.client(api_key=KEY, username="viewer").show(13) == EXPECTED[13]
    token = base64.b64encode(f"viewer:{KEY}".encode()).decode()
    assert rig.fake.requests[-1].authorization == f"Basic {token}"
    with pytest.raises(UpstreamAuthError) as caught:
        await rig.client(api_key="wrong-key-0000").show(13)
    assert "discovery.tvmaze.api_key" in str(caught.value)

    def echo(request: httpx.Request) -> httpx.Response:
        said = request.headers["authorization"]  # a server that repeats what it got
        return httpx.Response(401, json={"message": f"bad {said} ({KEY})"})

    async with mock_client(echo) as http:
        client = TvmazeClient("http://tvmaze", client=http, api_key=KEY, username="viewer")
        with pytest.raises(UpstreamAuthError) as echoed:
            await client.show(13)
    for text in (str(caught.value), str(echoed.value), caplog.text):
        assert KEY not in text and token not in text
    assert "***" in str(echoed.value)
