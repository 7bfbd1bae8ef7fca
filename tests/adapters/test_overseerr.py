"""The Overseerr adapter against the fake server over real HTTP on 127.0.0.1.

A few malformed-answer cases use ``httpx.MockTransport`` (a real httpx transport that
answers from a function): no fake server should ever send such answers.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Callable

import httpx
import pytest
from tests.adapters.conftest import OVERSEERR_KEY, OverseerrRig

from arrkestra.adapters.overseerr import (
    MEDIA_STATUS,
    REQUEST_STATUS,
    Media,
    MediaRequest,
    OverseerrClient,
    ServerStatus,
)
from arrkestra.core.errors import PermanentError, TransientError, UpstreamAuthError
from arrkestra.core.redact import Redactor
from arrkestra.testing.fake_overseerr import FakeOverseerr


def index_pagings(rig: OverseerrRig) -> int:
    """How many times the media index was paged from its first page."""
    return sum(1 for _, path, q in rig.fake.calls if path == "/api/v1/media" and q["skip"] == "0")


async def test_status_is_public_and_check_auth_needs_the_key(rig: OverseerrRig) -> None:
    assert await rig.client().status() == ServerStatus("1.34.0")
    await rig.client().check_auth()
    wrong = rig.client(api_key="wrong-key-000000")
    assert await wrong.status() == ServerStatus("1.34.0")
    with pytest.raises(UpstreamAuthError) as caught:
        await wrong.check_auth()
    assert caught.value.upstream == "overseerr" and "403" in str(caught.value)


async def test_a_movie_is_found_through_media_info(rig: OverseerrRig) -> None:
    media_id = rig.fake.add_media(media_type="movie", tmdb_id=603, title="The Matrix")
    request_id = rig.fake.add_request(media_id, is_4k=True, status=1)
    found = await rig.client().find_movie(603)
    assert found == Media(
        id=media_id,
        media_type="movie",
        tmdb_id=603,
        tvdb_id=None,
        status=5,
        status4k=1,
        requests=(MediaRequest(request_id, 1, True),),
        title="The Matrix",
    )
    assert media_id != 603
    assert rig.paths() == ["/api/v1/movie/603"]  # mediaInfo carried the requests


async def test_a_series_is_found_through_media_info(rig: OverseerrRig) -> None:
    media_id = rig.fake.add_media(media_type="tv", tmdb_id=1399, tvdb_id=121361, title="GoT")
    found = await rig.client().find_tv(tmdb_id=1399, tvdb_id=121361)
    assert found is not None
    assert (found.id, found.media_type, found.tvdb_id, found.title) == (
        media_id,
        "tv",
        121361,
        "GoT",
    )
    assert rig.paths() == ["/api/v1/tv/1399"]


async def test_missing_media_info_never_becomes_a_media_id(rig: OverseerrRig) -> None:
    """ArrSync's bug: with no mediaInfo it used the TMDB id as the media id."""
    victim = rig.fake.add_media(media_type="movie", tmdb_id=42)
    rig.fake.add_tmdb("movie", victim, title="Known to TMDB only")  # tmdb id == victim's media id
    assert await rig.client().find_movie(victim) is None
    assert "/api/v1/media" in rig.paths()  # the index agreed before saying "not in Overseerr"
    assert rig.fake.has_media(victim) and not rig.paths("DELETE")


async def test_an_unknown_tmdb_id_500_falls_back_to_the_index(rig: OverseerrRig) -> None:
    media_id = rig.fake.add_media(media_type="movie", tmdb_id=777)
    request_id = rig.fake.add_request(media_id, status=2)
    rig.fake.known_tmdb.discard(("movie", 777))  # TMDB no longer resolves it: 500
    found = await rig.client().find_movie(777)
    assert found is not None and found.id == media_id and found.title is None
    assert found.requests == (MediaRequest(request_id, 2, False),)
    assert rig.paths() == ["/api/v1/movie/777", "/api/v1/media", "/api/v1/request"]


async def test_a_title_unknown_everywhere_is_not_in_overseerr(rig: OverseerrRig) -> None:
    rig.fake.add_media(media_type="tv", tmdb_id=777)  # same TMDB id, other media type
    assert await rig.client().find_movie(777) is None
    assert await rig.client().find_tv(tmdb_id=888, tvdb_id=999) is None


async def test_tmdb_failing_still_finds_the_row_in_the_index(rig: OverseerrRig) -> None:
    media_id = rig.fake.add_media(media_type="tv", tmdb_id=5000, tvdb_id=7000)
    rig.fake.tmdb_failing = True
    found = await rig.client().find_tv(tmdb_id=5000, tvdb_id=None)
    assert found is not None and found.id == media_id


async def test_lookup_500_and_an_unreadable_index_is_transient(rig: OverseerrRig) -> None:
    rig.fake.add_media(media_type="movie", tmdb_id=550)
    rig.fake.tmdb_failing = True
    rig.fake.fail_paths = {"/api/v1/media": 502}
    with pytest.raises(TransientError) as caught:
        await rig.client().find_movie(550)
    assert "Unable to retrieve movie" in str(caught.value) and "502" in str(caught.value)


async def test_a_series_without_tmdb_id_goes_to_the_index_by_tvdb(rig: OverseerrRig) -> None:
    media_id = rig.fake.add_media(media_type="tv", tmdb_id=63639, tvdb_id=280619)
    rig.fake.add_media(media_type="tv", tmdb_id=1, tvdb_id=2)
    for tmdb_id in (None, 0):
        found = await rig.client().find_tv(tmdb_id=tmdb_id, tvdb_id=280619)
        assert found is not None and found.id == media_id and found.tmdb_id == 63639
    assert not [path for path in rig.paths() if path.startswith("/api/v1/tv/")]


async def test_a_tmdb_match_wins_over_a_tvdb_match(rig: OverseerrRig) -> None:
    by_tvdb = rig.fake.add_media(media_type="tv", tmdb_id=10, tvdb_id=20)
    by_tmdb = rig.fake.add_media(media_type="tv", tmdb_id=11, tvdb_id=21)
    rig.fake.tmdb_failing = True
    found = await rig.client().find_tv(tmdb_id=11, tvdb_id=20)
    assert found is not None and found.id == by_tmdb != by_tvdb


async def test_tv_lookup_without_media_info_searches_the_index_by_tmdb_tvdb(
    rig: OverseerrRig,
) -> None:
    """TMDB now says tvdb 30 for tmdb 12; Overseerr's row has an older tmdb id."""
    media_id = rig.fake.add_media(media_type="tv", tmdb_id=99, tvdb_id=30)
    rig.fake.add_tmdb("tv", 12, title="Renumbered", tvdb_id=30)
    found = await rig.client().find_tv(tmdb_id=12, tvdb_id=None)
    assert found is not None and found.id == media_id and found.title == "Renumbered"


async def test_a_bad_key_is_an_auth_error_without_the_key(rig: OverseerrRig) -> None:
    rig.fake.add_media(media_type="movie", tmdb_id=603)
    rig.fake.api_key = "the-new-key-0000"
    for call in (
        rig.client().find_movie(603),
        rig.client().find_tv(tmdb_id=None, tvdb_id=5),
        rig.client().delete_media(1000),
        rig.client().delete_request(5000),
    ):
        with pytest.raises(UpstreamAuthError) as caught:
            await call
        assert caught.value.upstream == "overseerr" and OVERSEERR_KEY not in str(caught.value)


@pytest.mark.parametrize(
    "breakage",
    [
        lambda fake: setattr(fake, "down", True),
        lambda fake: setattr(fake, "fail_with", 503),
        lambda fake: setattr(fake, "fail_with", 502),
    ],
)
async def test_a_server_down_or_failing_is_transient(
    rig: OverseerrRig, breakage: Callable[[FakeOverseerr], None]
) -> None:
    breakage(rig.fake)
    for call in (rig.client().status(), rig.client().find_movie(603), rig.client().delete_media(1)):
        with pytest.raises(TransientError):
            await call


async def test_a_slow_server_times_out_transiently(rig: OverseerrRig) -> None:
    rig.fake.delay = 0.5
    async with httpx.AsyncClient(timeout=0.1) as impatient:
        with pytest.raises(TransientError, match="timed out"):
            await rig.client(http=impatient).find_movie(603)


async def test_a_refused_connection_is_transient(rig: OverseerrRig) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(TransientError, match="unreachable"):
        await rig.client(base_url=f"http://127.0.0.1:{port}").status()


async def test_429_passes_retry_after_on(rig: OverseerrRig) -> None:
    rig.fake.fail_with, rig.fake.retry_after = 429, 30
    with pytest.raises(TransientError) as caught:
        await rig.client().find_movie(603)
    assert caught.value.retry_after == 30.0
    rig.fake.retry_after = None
    with pytest.raises(TransientError) as caught:
        await rig.client().find_movie(603)
    assert caught.value.retry_after is None


@pytest.mark.parametrize("status", [400, 405, 422])
async def test_other_client_errors_are_permanent(rig: OverseerrRig, status: int) -> None:
    rig.fake.fail_with = status
    with pytest.raises(PermanentError, match=str(status)):
        await rig.client().delete_media(1000)


async def test_the_index_is_cached_for_its_ttl(rig: OverseerrRig) -> None:
    ids = [rig.fake.add_media(media_type="tv", tmdb_id=i, tvdb_id=100 + i) for i in range(50)]
    client = rig.client(index_ttl=60)
    found = [await client.find_tv(tmdb_id=None, tvdb_id=100 + i) for i in range(50)]
    assert [m.id for m in found if m] == ids and index_pagings(rig) == 1
    client.invalidate_index()
    await client.find_tv(tmdb_id=None, tvdb_id=100)
    assert index_pagings(rig) == 2
    rig.now += 61
    await client.find_tv(tmdb_id=None, tvdb_id=100)
    assert index_pagings(rig) == 3


async def test_concurrent_searches_share_one_paging(rig: OverseerrRig) -> None:
    for i in range(10):
        rig.fake.add_media(media_type="tv", tmdb_id=i, tvdb_id=100 + i)
    client = rig.client()
    found = await asyncio.gather(
        *(client.find_tv(tmdb_id=None, tvdb_id=100 + i) for i in range(10))
    )
    assert all(found) and index_pagings(rig) == 1


async def test_the_index_pages_to_the_last_page(rig: OverseerrRig) -> None:
    oldest = rig.fake.add_media(media_type="tv", tmdb_id=1, tvdb_id=11)
    for i in range(2, 8):
        rig.fake.add_media(media_type="tv", tmdb_id=i, tvdb_id=10 + i)
    found = await rig.client(page_size=3).find_tv(tmdb_id=None, tvdb_id=11)
    assert found is not None and found.id == oldest
    skips = [q["skip"] for _, path, q in rig.fake.calls if path == "/api/v1/media"]
    assert skips == ["0", "3", "6"]
    assert {q["take"] for _, path, q in rig.fake.calls if path == "/api/v1/media"} == {"3"}


async def test_index_rows_with_requests_need_no_request_listing(rig: OverseerrRig) -> None:
    media_id = rig.fake.add_media(media_type="tv", tmdb_id=1, tvdb_id=11, requests=[(False, 2)])
    rig.fake.index_with_requests = True
    found = await rig.client().find_tv(tmdb_id=None, tvdb_id=11)
    assert found is not None and [r.status for r in found.requests] == [2]
    assert "/api/v1/request" not in rig.paths() and found.id == media_id


async def test_requests_are_listed_per_media_across_pages(rig: OverseerrRig) -> None:
    first = rig.fake.add_media(media_type="movie", tmdb_id=1)
    second = rig.fake.add_media(media_type="movie", tmdb_id=2)
    mine = [rig.fake.add_request(first, status=s) for s in (1, 2, 3)]
    rig.fake.add_request(second)
    requests = await rig.client(page_size=2).requests_for(first)
    assert [r.id for r in requests] == sorted(mine, reverse=True)


async def test_delete_media_is_true_then_false_and_takes_its_requests(rig: OverseerrRig) -> None:
    media_id = rig.fake.add_media(media_type="movie", tmdb_id=603, requests=[(False, 2)])
    client = rig.client()
    assert await client.delete_media(media_id) is True
    assert not rig.fake.has_media(media_id) and rig.fake.requests == {}
    assert await client.delete_media(media_id) is False
    assert rig.paths("DELETE") == [f"/api/v1/media/{media_id}"] * 2


async def test_delete_request_is_true_then_false(rig: OverseerrRig) -> None:
    media_id = rig.fake.add_media(media_type="movie", tmdb_id=603)
    request_id = rig.fake.add_request(media_id, is_4k=True)
    client = rig.client()
    assert await client.delete_request(request_id) is True
    assert await client.delete_request(request_id) is False
    assert rig.fake.has_media(media_id) and rig.fake.requests_of(media_id) == []


async def test_deletes_are_reflected_in_the_cached_index(rig: OverseerrRig) -> None:
    media_id = rig.fake.add_media(media_type="tv", tmdb_id=1, tvdb_id=11, requests=[(True, 1)])
    client = rig.client()
    found = await client.find_tv(tmdb_id=None, tvdb_id=11)
    assert found is not None and len(found.requests) == 1
    assert await client.delete_request(found.requests[0].id)
    found = await client.find_tv(tmdb_id=None, tvdb_id=11)
    assert found is not None and found.requests == ()
    assert await client.delete_media(media_id)
    assert await client.find_tv(tmdb_id=None, tvdb_id=11) is None
    assert index_pagings(rig) == 1


async def test_invalid_ids_are_refused_before_any_call(rig: OverseerrRig) -> None:
    client = rig.client()
    for call in (
        client.find_movie(0),
        client.find_tv(tmdb_id=None, tvdb_id=None),
        client.find_tv(tmdb_id=0, tvdb_id=0),
        client.delete_media(0),
        client.delete_request(-3),
    ):
        with pytest.raises(PermanentError):
            await call
    assert rig.fake.calls == []


async def test_a_base_url_with_the_api_root_works(rig: OverseerrRig) -> None:
    assert (await rig.client(base_url=rig.url + "/api/v1/").status()).version == "1.34.0"


async def test_jellyseerr_statuses_parse() -> None:
    fake = FakeOverseerr(OVERSEERR_KEY, jellyseerr=True)
    blacklisted = fake.add_media(media_type="movie", tmdb_id=1, status=6, status4k=7)
    request_id = fake.add_request(blacklisted, status=5)
    deleted = fake.add_media(media_type="tv", tmdb_id=2, tvdb_id=3, status=7)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app)) as http:
        client = OverseerrClient(
            "http://jellyseerr:5055",
            OVERSEERR_KEY,
            client=http,
            redactor=Redactor.of([]),
            clock=lambda: 0.0,
        )
        assert (await client.status()).version == "2.7.3"
        movie = await client.find_movie(1)
        series = await client.find_tv(tmdb_id=None, tvdb_id=3)
    assert movie is not None and series is not None
    assert (movie.id, movie.status, movie.status4k) == (blacklisted, 6, 7)
    assert MEDIA_STATUS(movie.status) is MEDIA_STATUS.BLACKLISTED
    assert MEDIA_STATUS(movie.status4k) is MEDIA_STATUS.DELETED
    assert movie.requests == (MediaRequest(request_id, REQUEST_STATUS.COMPLETED, False),)
    assert (series.id, series.status) == (deleted, MEDIA_STATUS.DELETED)


def answering(handler: Callable[[httpx.Request], httpx.Response]) -> OverseerrClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return OverseerrClient(
        f"http://admin:pw-{OVERSEERR_KEY}@overseerr:5055",
        OVERSEERR_KEY,
        client=http,
        redactor=Redactor.of([]),
        clock=lambda: 0.0,
    )


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (httpx.Response(200, text="<html>login</html>"), "unexpected answer"),
        (httpx.Response(200, json={"title": "x", "mediaInfo": {"tmdbId": 5}}), "mediaInfo.id"),
        (httpx.Response(200, json={"mediaInfo": {"id": 7}}), "mediaInfo.status"),
        (httpx.Response(200, json=["not", "an", "object"]), "unexpected answer"),
    ],
)
async def test_malformed_answers_are_transient(answer: httpx.Response, expected: str) -> None:
    client = answering(lambda request: answer)
    with pytest.raises(TransientError, match=expected) as caught:
        await client.find_movie(5)
    assert OVERSEERR_KEY not in str(caught.value)


async def test_a_media_info_of_another_type_is_not_trusted() -> None:
    """Old servers keyed rows by tmdbId alone: a movie lookup could carry a series' row."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/movie/5":
            info = {"id": 1234, "mediaType": "tv", "tmdbId": 5, "status": 5, "requests": []}
            return httpx.Response(200, json={"title": "Film", "mediaInfo": info})
        page = {"pageInfo": {"pages": 1, "page": 1, "results": 1}, "results": []}
        return httpx.Response(200, json=page)

    assert await answering(handler).find_movie(5) is None


async def test_a_redirect_is_an_auth_problem_and_hides_the_key() -> None:
    target = f"https://sso.example.org/login?apikey={OVERSEERR_KEY}"
    client = answering(lambda request: httpx.Response(302, headers={"location": target}))
    with pytest.raises(UpstreamAuthError, match="redirected") as caught:
        await client.check_auth()
    assert OVERSEERR_KEY not in str(caught.value) and "pw-" not in str(caught.value)


async def test_the_key_never_appears_in_error_text(rig: OverseerrRig) -> None:
    body = json.dumps({"message": f"bad key {OVERSEERR_KEY}"})
    client = answering(lambda request: httpx.Response(500, text=body))
    with pytest.raises(TransientError) as caught:
        await client.status()
    assert OVERSEERR_KEY not in str(caught.value) and "bad key ***" in str(caught.value)
    rig.fake.fail_with = 404
    with_userinfo = rig.url.replace("http://", f"http://u:{OVERSEERR_KEY}@")
    with pytest.raises(PermanentError) as permanent:
        await rig.client(base_url=with_userinfo).status()
    assert OVERSEERR_KEY not in str(permanent.value)


async def test_a_server_that_caps_take_is_still_read_to_the_end() -> None:
    rows = [
        {"id": 2000 + i, "mediaType": "tv", "tmdbId": i, "tvdbId": 50 + i, "status": 5}
        for i in range(7)
    ]
    skips = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/request":
            return httpx.Response(200, json={"pageInfo": {"pages": 0, "results": 0}, "results": []})
        skip = int(request.url.params["skip"])
        skips.append(skip)
        info = {"pages": 4, "pageSize": 2, "results": len(rows), "page": skip // 2 + 1}
        return httpx.Response(200, json={"pageInfo": info, "results": rows[skip : skip + 2]})

    found = await answering(handler).find_tv(tmdb_id=None, tvdb_id=56)  # asked for take=100
    assert found is not None and found.id == 2006 and skips == [0, 2, 4, 6]


async def test_an_invalid_base_url_is_permanent(rig: OverseerrRig) -> None:
    with pytest.raises(PermanentError, match="invalid URL"):
        await rig.client(base_url="http://[::1").status()
