"""The fake Sonarr/Radarr history behaves like the real apps where catch-up depends on it.

Raw HTTP in-process (httpx.ASGITransport), no arrkestra client: the fake is checked
against shared/specs/history.md and the apps' controllers, not against the adapter.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from arrkestra.testing.fake_arr_history import (
    RADARR_V3,
    RADARR_V5,
    SONARR_V3,
    SONARR_V4,
    Call,
    FakeArr,
)

KEY = "fake-arr-history-key-0123456789abcdef"
VERSIONS = [
    ("sonarr", SONARR_V3),
    ("sonarr", SONARR_V4),
    ("radarr", RADARR_V3),
    ("radarr", RADARR_V5),
]


def populate(fake: FakeArr) -> list[int]:
    """Four records out of date order: import 21:00, grab 20:00, import 22:00, delete 21:30."""
    if fake.kind == "sonarr":
        item = fake.add_series("Show", path="/tv/Show", tvdb_id=1001)
        episode: int | None = fake.add_episode(item, 1, 1)
        files = ["/tv/Show/Season 01/Show - S01E01.mkv", "/tv/Show/Season 01/Show - S01E02.mkv"]
    else:
        item = fake.add_movie("Film", path="/movies/Film (2020)", tmdb_id=2002)
        episode = None
        files = ["/movies/Film (2020)/Film (2020).mkv", "/movies/Film (2020)/Film.mkv"]
    return [
        fake.add_import(item, episode, files[0], date="2026-11-30T21:00:00Z", download_id="A"),
        fake.add_grab(item, episode, "Show.S01E01", date="2026-11-30T20:00:00Z"),
        fake.add_import(item, episode, files[1], date="2026-11-30T22:00:00+00:00", size=5),
        fake.add_delete(item, episode, files[0], "Upgrade", date="2026-11-30T21:30:00Z"),
    ]


@pytest.fixture(params=VERSIONS, ids=[f"{k}-{v.split('.')[0]}" for k, v in VERSIONS])
def fake(request: pytest.FixtureRequest) -> FakeArr:
    kind, version = request.param
    return FakeArr(kind, KEY, version=version)


@pytest.fixture
async def http(fake: FakeArr) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=fake.app)
    base = "http://arr:8989/api/v3"
    async with httpx.AsyncClient(
        transport=transport, base_url=base, headers={"X-Api-Key": KEY}
    ) as client:
        yield client


def number(fake: FakeArr, family: str) -> str:
    names = {"import": 3, "delete": 5 if fake.kind == "sonarr" else 6}
    return str(names[family])


async def test_the_key_is_read_from_the_header_or_the_query(
    fake: FakeArr, http: httpx.AsyncClient
) -> None:
    assert (await http.get("/system/status")).status_code == 200
    bare = httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app), base_url=http.base_url)
    async with bare:
        assert (await bare.get("/system/status")).status_code == 401
        assert (await bare.get("/system/status", params={"apikey": KEY})).status_code == 200
        wrong = await bare.get("/system/status", headers={"X-Api-Key": "wrong-key-000"})
        assert wrong.status_code == 401
    fake.api_key = "another-key-0123456789"
    assert (
        await http.get("/history/since", params={"date": "2026-01-01T00:00:00Z"})
    ).status_code == 401
    assert fake.calls[1] == Call("GET", "/api/v3/system/status", {})  # apikey left out


async def test_status_names_the_app_and_its_version(fake: FakeArr, http: httpx.AsyncClient) -> None:
    body = (await http.get("/system/status")).json()
    assert (body["appName"], body["version"]) == (fake.kind.capitalize(), fake.version)


async def test_since_is_oldest_first_and_filters_by_date(
    fake: FakeArr, http: httpx.AsyncClient
) -> None:
    ids = populate(fake)
    answer = await http.get("/history/since", params={"date": "2026-11-30T21:00:00Z"})
    assert answer.status_code == 200
    assert [r["id"] for r in answer.json()] == [ids[0], ids[3], ids[2]]
    everything = (await http.get("/history/since", params={"date": "2026-01-01T00:00:00Z"})).json()
    assert [r["id"] for r in everything] == [ids[1], ids[0], ids[3], ids[2]]


async def test_an_offset_counts_and_a_plus_sent_as_a_space_is_a_400(
    fake: FakeArr, http: httpx.AsyncClient
) -> None:
    ids = populate(fake)
    encoded = await http.get("/history/since?date=2026-11-30T23%3A00%3A00%2B01%3A00")
    assert [r["id"] for r in encoded.json()] == [ids[2]]  # 23:00+01:00 is 22:00Z
    literal = await http.get("/history/since?date=2026-11-30T23:00:00+01:00")
    assert literal.status_code == 400
    assert (await http.get("/history/since?date=yesterday")).status_code == 400
    assert (await http.get("/history/since")).status_code == 400
    assert fake.raw_queries[-3] == "date=2026-11-30T23:00:00+01:00"  # as sent


async def test_since_filters_by_event_type_number_and_name_where_the_version_binds_names(
    fake: FakeArr, http: httpx.AsyncClient
) -> None:
    ids = populate(fake)
    since = "2026-01-01T00:00:00Z"
    by_number = await http.get("/history/since", params={"date": since, "eventType": "3"})
    assert [r["id"] for r in by_number.json()] == [ids[0], ids[2]]
    deleted = "episodeFileDeleted" if fake.kind == "sonarr" else "movieFileDeleted"
    by_name = await http.get("/history/since", params={"date": since, "eventType": deleted})
    if fake.is_v3:
        assert by_name.status_code == 500  # Nancy: Convert.ToInt32 of a name
    else:
        assert [r["id"] for r in by_name.json()] == [ids[3]]
        bad = await http.get("/history/since", params={"date": since, "eventType": "nonsense"})
        assert bad.status_code == 400


async def test_records_have_the_real_shape(fake: FakeArr, http: httpx.AsyncClient) -> None:
    ids = populate(fake)
    answer = await http.get("/history/since", params={"date": "2026-11-30T20:30:00Z"})
    imported, deleted, second = answer.json()
    assert imported["eventType"] == "downloadFolderImported"
    assert imported["date"] == "2026-11-30T21:00:00Z"
    assert imported["downloadId"] == "A"
    assert "downloadId" not in second and "downloadId" not in deleted  # nulls left out
    assert all(isinstance(v, str) for r in answer.json() for v in r["data"].values())
    assert second["data"]["size"] == "5"
    assert imported["data"]["importedPath"].endswith(".mkv")
    assert imported["data"]["droppedPath"].startswith("/downloads/")
    assert set(imported["quality"]) == {"quality", "revision"}
    assert {"id", "name", "source", "resolution"} <= set(imported["quality"]["quality"])
    assert deleted["sourceTitle"] == imported["data"]["importedPath"]
    assert deleted["data"]["reason"] == "Upgrade"
    owner = {"seriesId", "episodeId"} if fake.kind == "sonarr" else {"movieId"}
    assert owner <= set(imported)
    assert ids[0] == imported["id"]


async def test_series_episode_and_movie_are_embedded_only_when_asked(
    fake: FakeArr, http: httpx.AsyncClient
) -> None:
    populate(fake)
    params: dict[str, Any] = {"date": "2026-01-01T00:00:00Z"}
    plain = (await http.get("/history/since", params=params)).json()[0]
    assert not {"series", "episode", "movie"} & set(plain)
    if fake.kind == "sonarr":
        params |= {"includeSeries": "true", "includeEpisode": "true"}
        full = (await http.get("/history/since", params=params)).json()[0]
        assert (full["series"]["path"], full["episode"]["episodeNumber"]) == ("/tv/Show", 1)
        only = await http.get("/history/since", params={**params, "includeEpisode": "false"})
        assert "episode" not in only.json()[0] and "series" in only.json()[0]
    else:
        full = await http.get("/history/since", params={**params, "includeMovie": "true"})
        assert full.json()[0]["movie"]["tmdbId"] == 2002


async def test_history_pages_newest_first_by_default(
    fake: FakeArr, http: httpx.AsyncClient
) -> None:
    ids = populate(fake)
    first = (await http.get("/history", params={"page": "1", "pageSize": "3"})).json()
    assert {k: first[k] for k in ("page", "pageSize", "sortKey", "sortDirection")} == {
        "page": 1,
        "pageSize": 3,
        "sortKey": "date",
        "sortDirection": "descending",
    }
    assert first["totalRecords"] == 4
    assert [r["id"] for r in first["records"]] == [ids[2], ids[3], ids[0]]
    second = (await http.get("/history", params={"page": "2", "pageSize": "3"})).json()
    assert [r["id"] for r in second["records"]] == [ids[1]]
    up = {"page": "1", "pageSize": "10", "sortKey": "date", "sortDirection": "ascending"}
    ascending = (await http.get("/history", params=up)).json()
    assert [r["id"] for r in ascending["records"]] == [ids[1], ids[0], ids[3], ids[2]]
    assert (await http.get("/history", params={"page": "x"})).status_code == 400


async def test_history_filters_by_event_type_numbers(
    fake: FakeArr, http: httpx.AsyncClient
) -> None:
    ids = populate(fake)
    imports = (await http.get("/history", params={"eventType": "3", "pageSize": "10"})).json()
    assert (imports["totalRecords"], [r["id"] for r in imports["records"]]) == (2, [ids[2], ids[0]])
    both = f"/history?pageSize=10&eventType=3&eventType={number(fake, 'delete')}"
    answer = (await http.get(both)).json()
    expected = 2 if fake.is_v3 else 3  # v3 reads one value; v4+ binds an array
    assert answer["totalRecords"] == expected
    name = await http.get("/history", params={"eventType": "downloadFolderImported"})
    assert name.status_code == (500 if fake.is_v3 else 400)


async def test_lookups_and_the_library(fake: FakeArr, http: httpx.AsyncClient) -> None:
    populate(fake)
    if fake.kind == "sonarr":
        [series] = (await http.get("/series")).json()
        assert series["tvdbId"] == 1001
        assert (await http.get(f"/series/{series['id']}")).json()["path"] == "/tv/Show"
        episode = next(iter(fake.episodes))
        assert (await http.get(f"/episode/{episode}")).json()["seasonNumber"] == 1
        assert (await http.get("/series/999")).status_code == 404
        assert (await http.get("/episode/999")).status_code == 404
        assert (await http.get("/movie")).status_code == 404  # not Radarr
    else:
        [movie] = (await http.get("/movie")).json()
        assert (await http.get(f"/movie/{movie['id']}")).json()["tmdbId"] == 2002
        assert (await http.get("/movie/999")).status_code == 404
        assert (await http.get("/series")).status_code == 404  # not Sonarr


async def test_removing_an_item_removes_its_history(fake: FakeArr, http: httpx.AsyncClient) -> None:
    populate(fake)
    if fake.kind == "sonarr":
        fake.remove_series(next(iter(fake.series)))
        assert (await http.get("/series")).json() == []
        assert fake.episodes == {}
    else:
        fake.remove_movie(next(iter(fake.movies)))
        assert (await http.get("/movie")).json() == []
    assert (await http.get("/history/since", params={"date": "2026-01-01T00:00:00Z"})).json() == []


async def test_switches(fake: FakeArr, http: httpx.AsyncClient) -> None:
    since = {"date": "2026-01-01T00:00:00Z"}
    fake.since_route = False
    assert (await http.get("/history/since", params=since)).status_code == 404
    assert (await http.get("/history")).status_code == 200
    fake.fail_library = True
    library = "/series" if fake.kind == "sonarr" else "/movie"
    assert (await http.get(library)).status_code == 500
    fake.down = True
    assert (await http.get("/system/status")).status_code == 503
    assert [c.path for c in fake.calls][-1] == "/api/v3/system/status"


def test_malformed_records_are_served_as_given() -> None:
    fake = FakeArr("sonarr", KEY)
    assert (
        fake.add_record({"id": 40, "eventType": "downloadFolderImported", "data": {"size": 1}})
        == 40
    )
    ident = fake.add_import(1, 2, "/tv/x.mkv", date="2026-11-30T21:00:00Z")
    assert ident == 41  # ids never collide with given ones
    assert fake.select({3}, None)[-1] == {
        "id": 40,
        "eventType": "downloadFolderImported",
        "data": {"size": 1},
    }
    with pytest.raises(ValueError, match="episode"):
        fake.add_import(1, None, "/tv/x.mkv", date="2026-11-30T21:00:00Z")
