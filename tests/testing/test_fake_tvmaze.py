"""The fake TVMaze behaves like the real API where clients depend on it.

Raw HTTP in-process (httpx.ASGITransport), no arrkestra client: the fake is checked
against specs/tvmaze.md and the real samples, not against the adapter's reading of them.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from arrkestra.testing.fake_tvmaze import (
    Catalogue,
    FakeTvmaze,
    generate_catalogue,
    make_show,
    route_of,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "tvmaze"
NOW = 1_700_000_000
DAY = 86_400


def sample(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


class Clock:
    """A hand-moved clock, used both as wall clock (catalogue) and as monotonic (limit)."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake(clock: Clock) -> FakeTvmaze:
    catalogue = Catalogue.generated(1_000, seed=7, clock=clock)
    return FakeTvmaze(catalogue, rate_limit=None, monotonic=clock)


@pytest.fixture
async def http(fake: FakeTvmaze) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=fake.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://tvmaze") as client:
        yield client


# -- the generator --------------------------------------------------------------------


def test_generated_shows_have_the_real_shapes() -> None:
    shows = generate_catalogue(3_000, seed=1)
    modern = set(sample("show-750-rhony.modern-shape.2022.json"))
    legacy = set(sample("show-13-the-flash.embed-seasons.2020.json")) - {"_embedded"}
    shapes = {frozenset(show) for show in shows}
    assert shapes == {frozenset(modern), frozenset(legacy)}
    network = sample("show-750-rhony.modern-shape.2022.json")["network"]
    for show in shows:
        channel = show["network"] or show["webChannel"]
        assert set(channel) <= set(network) and set(show["externals"]) == {
            "tvrage",
            "thetvdb",
            "imdb",
        }


def test_generated_catalogue_has_the_quirks() -> None:
    shows = generate_catalogue(3_000, seed=1)
    ids = [show["id"] for show in shows]
    assert len(ids) == 3_000 and ids == sorted(set(ids))
    assert ids[-1] > 3_000  # gaps, so some index pages are short
    assert any(s["network"] is None and s["webChannel"]["country"] is None for s in shows)
    assert any(s["network"] is None and s["webChannel"]["country"] for s in shows)
    assert any(not any(s["externals"].values()) for s in shows)
    assert any("averageRuntime" not in s and "ended" not in s for s in shows)
    assert any(s.get("averageRuntime") and s["runtime"] is None for s in shows)
    assert any(s["genres"] == [] for s in shows)
    assert any(s["language"] is None for s in shows)
    assert any(s["rating"]["average"] is None for s in shows)
    assert any(s["premiered"] is None for s in shows)
    assert any(not s["name"].isascii() for s in shows)
    assert any(s["name"].isdigit() for s in shows)
    assert {s["status"] for s in shows} == {
        "Running",
        "Ended",
        "To Be Determined",
        "In Development",
    }
    assert len({s["type"] for s in shows}) >= 10


def test_generation_is_deterministic_and_fast() -> None:
    assert generate_catalogue(500, seed=3) == generate_catalogue(500, seed=3)
    assert generate_catalogue(500, seed=3) != generate_catalogue(500, seed=4)
    started = time.perf_counter()
    shows = generate_catalogue(90_000)
    elapsed = time.perf_counter() - started
    assert len(shows) == 90_000
    assert elapsed < 5.0, f"generating 90,000 shows took {elapsed:.2f}s"  # ~0.6 s normally


# -- routes ---------------------------------------------------------------------------


async def test_index_pages_by_id_until_404(fake: FakeTvmaze, http: httpx.AsyncClient) -> None:
    ids = fake.catalogue.ids()
    last = ids[-1] // 250
    seen: list[int] = []
    for page in range(last + 1):
        answer = await http.get("/shows", params={"page": page})
        assert answer.status_code == 200
        page_ids = [show["id"] for show in answer.json()]
        assert all(page * 250 <= i < page * 250 + 250 for i in page_ids)
        seen += page_ids
    assert seen == ids
    past = await http.get("/shows", params={"page": last + 1})
    assert past.status_code == 404
    assert past.json() == {"name": "Not Found", "message": "", "code": 0, "status": 404}
    assert (await http.get("/shows")).json() == (await http.get("/shows?page=0")).json()
    assert (await http.get("/shows?page=x")).status_code == 400


async def test_an_emptied_page_is_empty_not_the_end(
    fake: FakeTvmaze, http: httpx.AsyncClient
) -> None:
    for tvmaze_id in [i for i in fake.catalogue.ids() if 250 <= i < 500]:
        fake.catalogue.remove(tvmaze_id)
    assert (await http.get("/shows?page=1")).json() == []
    assert (await http.get("/shows?page=2")).status_code == 200


async def test_single_show_and_unknown_id(fake: FakeTvmaze, http: httpx.AsyncClient) -> None:
    first = fake.catalogue.ids()[0]
    assert (await http.get(f"/shows/{first}")).json() == fake.catalogue.get(first)
    missing = await http.get("/shows/999999")
    assert missing.status_code == 404 and missing.json()["name"] == "Not Found"
    assert (await http.get("/nothing/here")).json()["status"] == 404


async def test_real_samples_are_served_back_unchanged(clock: Clock) -> None:
    shows = [
        sample("show-750-rhony.modern-shape.2022.json"),
        sample("singlesearch-15824-kroniken.unicode.2017.json"),
    ]
    fake = FakeTvmaze(Catalogue(shows, clock=clock), rate_limit=None)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=fake.app), base_url="http://tvmaze"
    ) as http:
        assert (await http.get("/shows/15824")).json() == shows[1]
        assert (await http.get("/shows?page=3")).json() == [shows[0]]
        assert (await http.get("/shows?page=63")).json() == [shows[1]]


async def test_updates_map_ids_to_updated(
    fake: FakeTvmaze, clock: Clock, http: httpx.AsyncClient
) -> None:
    everything = (await http.get("/updates/shows")).json()
    assert everything == {str(s["id"]): s["updated"] for s in fake.catalogue}
    day = (await http.get("/updates/shows?since=day")).json()
    week = (await http.get("/updates/shows?since=week")).json()
    month = (await http.get("/updates/shows?since=month")).json()
    assert set(day) < set(week) < set(month) < set(everything)
    assert all(NOW - DAY <= stamp <= NOW for stamp in day.values())
    assert (await http.get("/updates/shows?since=year")).status_code == 400


async def test_changes_bump_updated_and_reach_every_route(
    fake: FakeTvmaze, clock: Clock, http: httpx.AsyncClient
) -> None:
    target = fake.catalogue.ids()[3]
    await http.get("/shows?page=0")  # cached page must not survive the change
    clock.now += 60
    fake.catalogue.update(target, name="Renamed")
    fake.catalogue.add(make_show(100_000, "Brand New"))
    assert (await http.get(f"/shows/{target}")).json()["updated"] == NOW + 60
    page = (await http.get("/shows?page=0")).json()
    assert next(s for s in page if s["id"] == target)["name"] == "Renamed"
    day = (await http.get("/updates/shows?since=day")).json()
    assert day[str(target)] == NOW + 60 and day["100000"] == NOW + 60
    assert (await http.get("/shows?page=400")).json()[0]["name"] == "Brand New"
    fake.catalogue.remove(100_000)
    assert (await http.get("/shows?page=400")).status_code == 404


async def test_the_edge_cached_index_lags_behind(
    fake: FakeTvmaze, clock: Clock, http: httpx.AsyncClient
) -> None:
    target = fake.catalogue.ids()[0]
    before = fake.catalogue.get(target)
    fake.snapshot_index()
    clock.now += 3_600
    fake.catalogue.update(target, name="Changed")
    fake.catalogue.add(make_show(100_000, "Too New For The Cache"))
    assert (await http.get("/shows?page=0")).json()[0] == before
    assert (await http.get("/shows?page=400")).status_code == 404
    assert (await http.get(f"/shows/{target}")).json()["name"] == "Changed"
    assert (await http.get("/updates/shows?since=day")).json()[str(target)] == NOW + 3_600
    fake.live_index()
    assert (await http.get("/shows?page=0")).json()[0]["name"] == "Changed"


async def test_lookup_redirects_to_the_show(fake: FakeTvmaze, http: httpx.AsyncClient) -> None:
    show = next(s for s in fake.catalogue if s["externals"]["thetvdb"])
    answer = await http.get("/lookup/shows", params={"thetvdb": show["externals"]["thetvdb"]})
    assert answer.status_code == 302
    assert answer.headers["location"] == f"http://tvmaze/shows/{show['id']}"
    assert (await http.get("/lookup/shows?thetvdb=1")).status_code == 404


# -- rate limit, failures, records ----------------------------------------------------


async def test_rate_limit_per_client_with_retry_after(clock: Clock) -> None:
    fake = FakeTvmaze(Catalogue.generated(10, clock=clock), rate_limit=20, monotonic=clock)
    one = httpx.ASGITransport(app=fake.app, client=("10.0.0.1", 1000))
    other = httpx.ASGITransport(app=fake.app, client=("10.0.0.2", 1000))
    async with (
        httpx.AsyncClient(transport=one, base_url="http://tvmaze") as first,
        httpx.AsyncClient(transport=other, base_url="http://tvmaze") as second,
    ):
        statuses = [(await first.get("/shows/1")).status_code for _ in range(20)]
        assert statuses == [200] * 20
        refused = await first.get("/shows/1")
        assert refused.status_code == 429 and refused.headers["retry-after"] == "10"
        assert refused.json()["name"] == "Too Many Requests"
        assert (await second.get("/shows/1")).status_code == 200  # counted per address
        clock.now += 9.9
        assert (await first.get("/shows/1")).status_code == 429  # refusals don't count
        clock.now += 0.1
        assert (await first.get("/shows/1")).status_code == 200
    assert fake.rate_limited == 2 and fake.total == 24


async def test_time_scaled_limit_keeps_request_counts(clock: Clock) -> None:
    fake = FakeTvmaze(Catalogue.generated(10, clock=clock), per=0.5, monotonic=clock)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=fake.app), base_url="http://tvmaze"
    ) as http:
        for _ in range(20):
            await http.get("/shows")
        refused = await http.get("/shows")
        assert refused.status_code == 429 and refused.headers["retry-after"] == "0.500"
        clock.now += 0.5
        assert (await http.get("/shows")).status_code == 200


async def test_forced_failures_and_counters(fake: FakeTvmaze, http: httpx.AsyncClient) -> None:
    fake.fail_next(429, 2, retry_after=3)
    fake.fail_next(503)
    first = await http.get("/shows/1")
    assert first.status_code == 429 and first.headers["retry-after"] == "3"
    assert [(await http.get("/shows")).status_code for _ in range(3)] == [429, 503, 200]
    await http.get("/updates/shows", params={"since": "day"})
    assert fake.total == 5 and fake.rate_limited == 2
    assert fake.by_route == {"show": 1, "shows_page": 3, "updates": 1}
    assert fake.count("shows_page", 200) == 1
    assert fake.requests[-1].query == "since=day"
    fake.reset_counters()
    assert fake.total == 0


async def test_credentials_are_http_basic(clock: Clock) -> None:
    fake = FakeTvmaze(Catalogue.generated(5, clock=clock), credentials=("me", "premium-key-0123"))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=fake.app), base_url="http://tvmaze"
    ) as http:
        refused = await http.get("/shows/1")
        assert refused.status_code == 401 and refused.json()["name"] == "Unauthorized"
        assert (await http.get("/shows/1", auth=("me", "premium-key-0123"))).status_code == 200
    token = base64.b64encode(b"me:premium-key-0123").decode()
    assert fake.requests[-1].authorization == f"Basic {token}"


def test_route_names() -> None:
    assert route_of("/shows") == "shows_page"
    assert route_of("/shows/12") == "show"
    assert route_of("/updates/shows") == "updates"
    assert route_of("/lookup/shows") == "lookup"
    assert route_of("/search/shows") == "other"
