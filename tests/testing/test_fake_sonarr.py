"""The fake Sonarr behaves like the real server where clients depend on it.

Raw HTTP in-process (httpx.ASGITransport), no arrkestra client: the fake is checked
against Sonarr's documented behaviour, not against the adapter's reading of it.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from arrkestra.testing.fake_sonarr import V3_VERSION, V4_VERSION, Call, FakeSonarr

KEY = "fake-sonarr-key-0123456789abcdef"


@pytest.fixture(params=[V3_VERSION, V4_VERSION], ids=["v3", "v4"])
def fake(request: pytest.FixtureRequest) -> FakeSonarr:
    fake = FakeSonarr(KEY, version=request.param)
    fake.state.add_root_folder("/tv")
    return fake


@pytest.fixture
async def http(fake: FakeSonarr) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=fake.app)
    base = "http://sonarr:8989/api/v3"
    async with httpx.AsyncClient(
        transport=transport, base_url=base, headers={"X-Api-Key": KEY}
    ) as client:
        yield client


def new_series(fake: FakeSonarr, tvdb_id: int = 81189, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Breaking Bad",
        "tvdbId": tvdb_id,
        "qualityProfileId": fake.state.quality_profiles[0]["id"],
        "rootFolderPath": "/tv",
        "seasonFolder": True,
        "monitored": True,
        "tags": [],
        "addOptions": {"monitor": "all", "searchForMissingEpisodes": True},
    }
    if fake.state.is_v3:
        body["languageProfileId"] = fake.state.language_profiles[0]["id"]
    return {**body, **changes}


async def test_the_key_comes_in_a_header_or_the_query(fake: FakeSonarr) -> None:
    transport = httpx.ASGITransport(app=fake.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sonarr:8989") as raw:
        assert (await raw.get("/api/v3/system/status")).status_code == 401
        wrong = await raw.get("/api/v3/series", headers={"X-Api-Key": "nope"})
        assert wrong.status_code == 401
        by_query = await raw.get("/api/v3/system/status", params={"apikey": KEY})
        assert by_query.status_code == 200
        assert by_query.json()["version"] == fake.state.version
        assert by_query.json()["appName"] == "Sonarr"
    assert fake.state.requests[-1] == Call("GET", "/api/v3/system/status", {})


async def test_language_profiles_are_real_on_v3_and_a_stub_on_v4(
    fake: FakeSonarr, http: httpx.AsyncClient
) -> None:
    fake.state.add_language_profile("German")
    names = [p["name"] for p in (await http.get("/languageprofile")).json()]
    if fake.state.is_v3:
        assert names == ["English", "German"]
    else:
        assert names == ["Deprecated"]  # v4's obsolete controller, whatever is configured


async def test_lookup_by_tvdb_id(fake: FakeSonarr, http: httpx.AsyncClient) -> None:
    fake.state.add_to_catalogue(81189, "Breaking Bad", tvmaze_id=169)
    library_id = fake.state.add_series(121361, "Game of Thrones", tvmaze_id=82)
    [found] = (await http.get("/series/lookup", params={"term": "tvdb:81189"})).json()
    assert found["title"] == "Breaking Bad" and found["tvMazeId"] == 169
    assert "id" not in found and found["titleSlug"] == "breaking-bad" and found["images"]
    assert ("languageProfileId" in found) == fake.state.is_v3
    assert ("folder" in found) == (not fake.state.is_v3)
    [owned] = (await http.get("/series/lookup", params={"term": "tvdb:121361"})).json()
    assert owned["id"] == library_id
    assert (await http.get("/series/lookup", params={"term": "tvdb:1"})).json() == []
    by_title = (await http.get("/series/lookup", params={"term": "breaking"})).json()
    assert [s["tvdbId"] for s in by_title] == [81189]


async def test_adding_a_series(fake: FakeSonarr, http: httpx.AsyncClient) -> None:
    fake.state.add_to_catalogue(81189, "Breaking Bad", tvmaze_id=169)
    body = new_series(fake, tags=[3, 3])
    answer = await http.post("/series", json=body)
    assert answer.status_code == 201
    created = answer.json()
    assert created["id"] > 0 and created["path"] == "/tv/Breaking Bad"
    assert created["tvMazeId"] == 169 and created["tags"] == [3]
    assert "addOptions" not in created
    assert fake.state.series_posts == [body]
    listed = (await http.get("/series")).json()
    assert [s["tvdbId"] for s in listed] == [81189]
    assert (await http.get("/series", params={"tvdbId": 1})).json() == []


async def test_adding_a_known_tvdb_id_is_refused_with_a_validation_array(
    fake: FakeSonarr, http: httpx.AsyncClient
) -> None:
    fake.state.add_series(81189, "Breaking Bad")
    answer = await http.post("/series", json=new_series(fake))
    assert answer.status_code == 400
    [failure] = answer.json()
    assert failure["propertyName"] == "TvdbId"
    assert failure["errorMessage"] == "This series has already been added"
    assert failure["errorCode"] == "SeriesExistsValidator"
    assert failure["attemptedValue"] == 81189 and failure["severity"] == "error"


async def test_every_validation_failure_is_listed_at_once(
    fake: FakeSonarr, http: httpx.AsyncClient
) -> None:
    body = new_series(fake, qualityProfileId=999, rootFolderPath="tv", title="")
    body.pop("languageProfileId", None)
    answer = await http.post("/series", json=body)
    assert answer.status_code == 400
    codes = {f["propertyName"]: f["errorCode"] for f in answer.json()}
    expected = {
        "QualityProfileId": "ProfileExistsValidator",
        "RootFolderPath": "PathValidator",
        "Title": "NotEmptyValidator",
    }
    if fake.state.is_v3:  # v4 has no language profiles and ignores the field
        expected["LanguageProfileId"] = "LanguageProfileExistsValidator"
    assert codes == expected


async def test_a_body_that_cannot_be_bound_is_a_problem_object(
    fake: FakeSonarr, http: httpx.AsyncClient
) -> None:
    body = new_series(fake, addOptions={"monitor": "sometimes"})
    answer = await http.post("/series", json=body)
    assert answer.status_code == 400
    assert "MonitorTypes" in answer.json()["errors"]["$"][0]
    assert fake.state.series == []


async def test_tags_are_lower_case_and_unique(fake: FakeSonarr, http: httpx.AsyncClient) -> None:
    first = await http.post("/tag", json={"label": "TVMaze"})
    assert first.status_code == 201 and first.json()["label"] == "tvmaze"
    again = await http.post("/tag", json={"label": "tvmaze"})
    assert again.json()["id"] == first.json()["id"]
    assert (await http.post("/tag", json={"label": ""})).status_code == 400
    assert (await http.get("/tag")).json() == [first.json()]


async def test_exclusions_plain_and_paged_where_the_version_has_it(
    fake: FakeSonarr, http: httpx.AsyncClient
) -> None:
    ids = [fake.state.add_exclusion(100 + n, f"Show {n}") for n in range(5)]
    assert [e["tvdbId"] for e in (await http.get("/importlistexclusion")).json()] == [
        100,
        101,
        102,
        103,
        104,
    ]
    paged = await http.get("/importlistexclusion/paged", params={"page": 2, "pageSize": 2})
    if fake.state.is_v3:
        assert paged.status_code == 404
        return
    body = paged.json()
    assert body["totalRecords"] == 5 and body["sortDirection"] == "descending"
    assert [r["id"] for r in body["records"]] == ids[::-1][2:4]
    ascending = {"page": 3, "pageSize": 2, "sortKey": "id", "sortDirection": "ascending"}
    last = (await http.get("/importlistexclusion/paged", params=ascending)).json()
    assert [r["id"] for r in last["records"]] == [ids[4]]


@pytest.mark.parametrize(
    ("version", "paged"),
    [("3.0.10.1567", False), ("4.0.1.929", False), ("4.0.3.1413", True), ("4.0.14.2939", True)],
)
async def test_the_paged_route_appears_with_4_0_3(version: str, paged: bool) -> None:
    fake = FakeSonarr(KEY, version=version)
    transport = httpx.ASGITransport(app=fake.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sonarr") as raw:
        answer = await raw.get("/api/v3/importlistexclusion/paged", headers={"X-Api-Key": KEY})
    assert (answer.status_code == 200) is paged


async def test_failure_injection_counts_down(fake: FakeSonarr, http: httpx.AsyncClient) -> None:
    fake.state.fail("/api/v3/rootfolder", 503, times=2, retry_after=7)
    first = await http.get("/rootfolder")
    assert first.status_code == 503 and first.headers["retry-after"] == "7"
    assert (await http.get("/rootfolder")).status_code == 503
    assert (await http.get("/rootfolder")).status_code == 200
    fake.state.fail("/api/v3/series", 409, method="POST")
    assert (await http.get("/series")).status_code == 200  # only POST fails
    assert (await http.post("/series", json=new_series(fake))).status_code == 409
    assert (await http.post("/series", json=new_series(fake))).status_code == 201


async def test_down_and_slow(fake: FakeSonarr, http: httpx.AsyncClient) -> None:
    fake.state.down = True
    assert (await http.get("/system/status")).status_code == 503
    fake.state.down, fake.state.delay = False, 0.2
    started = time.monotonic()
    assert (await http.get("/system/status")).status_code == 200
    assert time.monotonic() - started >= 0.2


async def test_requests_are_recorded_without_the_key(
    fake: FakeSonarr, http: httpx.AsyncClient
) -> None:
    await http.get("/series/lookup", params={"term": "tvdb:5", "apikey": KEY})
    assert fake.state.requests == [Call("GET", "/api/v3/series/lookup", {"term": "tvdb:5"})]


def test_reset_starts_a_fresh_install() -> None:
    fake = FakeSonarr(KEY, version=V3_VERSION)
    fake.state.add_series(1, "One")
    state = fake.reset(version=V4_VERSION)
    assert state is fake.state and state.series == [] and not state.is_v3
    assert [p["name"] for p in state.quality_profiles][:2] == ["Any", "SD"]
