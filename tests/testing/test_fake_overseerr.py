"""The fake Overseerr behaves like the real server where clients depend on it.

Raw HTTP in-process (httpx.ASGITransport), no arrkestra client: the fake is checked
against the spec facts, not against the adapter's reading of them.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import pytest

from arrkestra.testing.fake_overseerr import FakeOverseerr

KEY = "fake-overseerr-key-0123456789"


@pytest.fixture
def fake() -> FakeOverseerr:
    return FakeOverseerr(KEY)


@pytest.fixture
async def http(fake: FakeOverseerr) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=fake.app)
    headers = {"X-Api-Key": KEY}
    base = "http://overseerr:5055/api/v1"
    async with httpx.AsyncClient(transport=transport, base_url=base, headers=headers) as client:
        yield client


async def test_status_is_public_and_the_rest_needs_the_key(http: httpx.AsyncClient) -> None:
    anonymous = {"X-Api-Key": ""}
    status = await http.get("/status", headers=anonymous)
    assert status.status_code == 200 and set(status.json()) >= {"version", "commitTag"}
    for path in ("/auth/me", "/media", "/movie/603", "/request"):
        answer = await http.get(path, headers=anonymous)
        assert answer.status_code == 403
        assert answer.json() == {
            "status": 403,
            "error": "You do not have permission to access this endpoint",
        }
    assert (await http.get("/auth/me", headers={"x-api-key": KEY})).json()["id"] == 1


async def test_lookups_follow_tmdb_and_media_rows(
    fake: FakeOverseerr, http: httpx.AsyncClient
) -> None:
    media_id = fake.add_media(media_type="movie", tmdb_id=603, title="The Matrix")
    request_id = fake.add_request(media_id, is_4k=True, status=1)
    fake.add_tmdb("movie", 604, title="Reloaded")
    found = (await http.get("/movie/603")).json()
    assert found["title"] == "The Matrix" and found["mediaInfo"]["id"] == media_id >= 1000
    assert [r["id"] for r in found["mediaInfo"]["requests"]] == [request_id]
    assert "mediaInfo" not in (await http.get("/movie/604")).json()
    unknown = await http.get("/movie/999999")
    assert unknown.status_code == 500 and unknown.json() == {"message": "Unable to retrieve movie."}
    assert (await http.get("/tv/603")).status_code == 500  # TMDB ids are per media type
    fake.tmdb_failing = True
    assert (await http.get("/movie/603")).status_code == 500


async def test_tv_lookups_carry_names_and_external_ids(
    fake: FakeOverseerr, http: httpx.AsyncClient
) -> None:
    fake.add_media(media_type="tv", tmdb_id=1399, tvdb_id=121361, title="GoT")
    body = (await http.get("/tv/1399")).json()
    assert body["name"] == "GoT" and body["externalIds"]["tvdbId"] == 121361
    assert body["mediaInfo"]["tvdbId"] == 121361


async def test_media_pages_newest_first_without_requests(
    fake: FakeOverseerr, http: httpx.AsyncClient
) -> None:
    ids = [fake.add_media(media_type="movie", tmdb_id=i, requests=[(False, 2)]) for i in range(5)]
    first = (await http.get("/media", params={"take": 2, "skip": 0})).json()
    assert first["pageInfo"] == {"pages": 3, "pageSize": 2, "results": 5, "page": 1}
    assert [r["id"] for r in first["results"]] == ids[::-1][:2]
    assert "requests" not in first["results"][0]  # GET /media does not load the relation
    last = (await http.get("/media", params={"take": 2, "skip": 4})).json()
    assert last["pageInfo"]["page"] == 3 and [r["id"] for r in last["results"]] == [ids[0]]
    assert (await http.get("/media")).json()["pageInfo"]["pageSize"] == 20


async def test_media_filters_and_query_validation(
    fake: FakeOverseerr, http: httpx.AsyncClient
) -> None:
    fake.add_media(media_type="movie", tmdb_id=1, status=5)
    partial = fake.add_media(media_type="movie", tmdb_id=2, status=4)
    body = (await http.get("/media", params={"filter": "partial"})).json()
    assert [r["id"] for r in body["results"]] == [partial]
    bad = await http.get("/media", params={"filter": "tmdb"})
    assert bad.status_code == 400 and "allowed values" in bad.json()["message"]
    assert (await http.get("/media", params={"take": "many"})).status_code == 400


async def test_deleting_media_cascades_to_its_requests(
    fake: FakeOverseerr, http: httpx.AsyncClient
) -> None:
    media_id = fake.add_media(media_type="movie", tmdb_id=603, requests=[(False, 2), (True, 1)])
    other = fake.add_media(media_type="movie", tmdb_id=604, requests=[(False, 2)])
    assert (await http.delete(f"/media/{media_id}")).status_code == 204
    assert not fake.has_media(media_id) and fake.requests_of(media_id) == []
    assert len(fake.requests_of(other)) == 1
    gone = await http.delete(f"/media/{media_id}")
    assert gone.status_code == 404 and gone.json() == {"message": "Media not found"}


async def test_requests_list_and_delete(fake: FakeOverseerr, http: httpx.AsyncClient) -> None:
    media_id = fake.add_media(media_type="tv", tmdb_id=1, tvdb_id=2)
    first = fake.add_request(media_id, status=1)
    second = fake.add_request(media_id, is_4k=True, status=2)
    body = (await http.get("/request", params={"take": 10, "skip": 0, "filter": "all"})).json()
    assert [r["id"] for r in body["results"]] == [second, first]
    assert body["results"][0]["media"]["id"] == media_id and body["results"][0]["is4k"] is True
    pending = (await http.get("/request", params={"filter": "pending"})).json()
    assert [r["id"] for r in pending["results"]] == [first]
    assert (await http.get(f"/request/{first}")).json()["status"] == 1
    assert (await http.delete(f"/request/{first}")).status_code == 204
    gone = await http.delete(f"/request/{first}")
    assert gone.status_code == 404 and gone.json() == {"message": "Request not found."}
    assert fake.has_media(media_id)


async def test_switches_down_fail_and_slow(fake: FakeOverseerr, http: httpx.AsyncClient) -> None:
    fake.down = True
    assert (await http.get("/status")).status_code == 503
    fake.down, fake.fail_with, fake.retry_after = False, 429, 7
    limited = await http.get("/status")
    assert limited.status_code == 429 and limited.headers["retry-after"] == "7"
    fake.fail_with = None
    fake.fail_paths = {"/api/v1/media": 500}
    assert (await http.get("/media")).status_code == 500
    assert (await http.get("/status")).status_code == 200
    fake.fail_paths, fake.delay = {}, 0.2
    started = time.monotonic()
    assert (await http.get("/status")).status_code == 200
    assert time.monotonic() - started >= 0.2


async def test_calls_are_recorded_and_reset_forgets_everything(
    fake: FakeOverseerr, http: httpx.AsyncClient
) -> None:
    fake.add_media(media_type="movie", tmdb_id=1)
    await http.get("/media", params={"take": 5})
    assert fake.calls == [("GET", "/api/v1/media", {"take": "5"})]
    fake.api_key, fake.down = "other", True
    fake.reset()
    assert (fake.calls, fake.media, fake.requests, fake.down, fake.api_key) == (
        [],
        {},
        {},
        False,
        KEY,
    )
    assert fake.add_media(media_type="movie", tmdb_id=1) == 1000


async def test_unknown_routes_answer_like_the_validator(http: httpx.AsyncClient) -> None:
    answer = await http.get("/lookup/tvdb/5")
    assert answer.status_code == 404 and answer.json()["message"] == "not found"


def test_statuses_are_checked_when_seeding(fake: FakeOverseerr) -> None:
    with pytest.raises(ValueError, match="status"):
        fake.add_media(media_type="movie", tmdb_id=1, status=9)
    with pytest.raises(ValueError, match="media_type"):
        fake.add_media(media_type="music", tmdb_id=1)
    with pytest.raises(KeyError):
        fake.add_request(12345)


async def test_jellyseerr_mode() -> None:
    fake = FakeOverseerr(KEY, jellyseerr=True)
    blacklisted = fake.add_media(media_type="movie", tmdb_id=1, status=6)
    completed = fake.add_request(fake.add_media(media_type="movie", tmdb_id=2), status=5)
    fake.add_request(blacklisted, status=2)
    transport = httpx.ASGITransport(app=fake.app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://jellyseerr/api/v1", headers={"X-Api-Key": KEY}
    ) as http:
        assert (await http.get("/status")).json()["version"].startswith("2.")
        listed = (await http.get("/request", params={"filter": "all"})).json()
        # completed requests are listed; requests on a blacklisted row are not
        assert [r["id"] for r in listed["results"]] == [completed]
        assert (await http.get("/media", params={"filter": "deleted"})).status_code == 200
        assert (await http.delete(f"/media/{blacklisted}/file")).status_code == 204
        assert fake.has_media(blacklisted)
