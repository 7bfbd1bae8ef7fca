"""The fake Jellyfin/Emby behaves as the OpenAPI document and the real servers do: routes
(Emby's under /emby only), auth (both headers, or only X-Emby-Token on an older server),
a strict update body, and its switches. Its answers' shapes are checked against the
document in tests/adapters/test_media_browser_spec.py."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from arrkestra.testing.fake_media_browser import FakeMediaBrowser

KEY = "fake-media-browser-key-0123456789"
BEARER = {"Authorization": f'MediaBrowser Token="{KEY}"'}
LEGACY = {"X-Emby-Token": KEY}
UPDATE = {"Updates": [{"Path": "/media/tv/Show/Season 01/x.mkv", "UpdateType": "Created"}]}


async def http_for(fake: FakeMediaBrowser) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=fake.app), base_url="http://media.test"
    )


@pytest.fixture
async def jellyfin() -> AsyncIterator[tuple[FakeMediaBrowser, httpx.AsyncClient]]:
    fake = FakeMediaBrowser("jellyfin", KEY, [("Shows", "tvshows", ["/media/tv"])])
    async with await http_for(fake) as http:
        yield fake, http


def test_only_jellyfin_and_emby_are_faked() -> None:
    with pytest.raises(ValueError, match="plex"):
        FakeMediaBrowser("plex", KEY)


@pytest.mark.parametrize(
    ("kind", "served", "missing"),
    [("jellyfin", "", "/emby"), ("emby", "/emby", "")],
)
async def test_emby_serves_under_emby_only_and_jellyfin_at_the_root(
    kind: str, served: str, missing: str
) -> None:
    fake = FakeMediaBrowser(kind, KEY)
    async with await http_for(fake) as http:
        assert (await http.get(f"{served}/System/Info/Public")).status_code == 200
        assert (await http.get(f"{missing}/System/Info/Public")).status_code == 404
        assert (await http.post(f"{missing}/Library/Media/Updated", json=UPDATE)).status_code == 404
        answer = await http.post(f"{served}/Library/Media/Updated", json=UPDATE, headers=BEARER)
        assert answer.status_code == 204
    assert fake.updates == [UPDATE["Updates"]]


@pytest.mark.parametrize("path", ["/System/Info", "/Library/VirtualFolders"])
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": 'MediaBrowser Token="wrong-key-wrong-key"'},
        {"Authorization": f"Bearer {KEY}"},  # not a scheme these servers read
        {"X-Emby-Token": "wrong-key-wrong-key"},
    ],
)
async def test_authenticated_routes_answer_401_without_the_key(
    jellyfin: tuple[FakeMediaBrowser, httpx.AsyncClient], path: str, headers: dict[str, str]
) -> None:
    _, http = jellyfin
    assert (await http.get(path, headers=headers)).status_code == 401


@pytest.mark.parametrize(
    "headers",
    [
        BEARER,
        {"Authorization": f'Emby Client="arrkestra", Device="d", Token="{KEY}", Version="1"'},
        LEGACY,
    ],
)
async def test_the_key_is_read_from_either_header(
    jellyfin: tuple[FakeMediaBrowser, httpx.AsyncClient], headers: dict[str, str]
) -> None:
    _, http = jellyfin
    answer = await http.get("/Library/VirtualFolders", headers=headers)
    assert answer.status_code == 200
    assert [folder["Name"] for folder in answer.json()] == ["Shows"]


async def test_public_info_needs_no_key(
    jellyfin: tuple[FakeMediaBrowser, httpx.AsyncClient],
) -> None:
    fake, http = jellyfin
    answer = await http.get("/System/Info/Public")
    assert answer.status_code == 200
    assert answer.json()["Version"] == fake.version
    assert fake.calls == [("GET", "/System/Info/Public", "none")]


async def test_an_older_server_reads_only_x_emby_token() -> None:
    fake = FakeMediaBrowser("emby", KEY, legacy_auth=True)
    async with await http_for(fake) as http:
        assert (await http.get("/emby/System/Info", headers=BEARER)).status_code == 401
        assert (await http.get("/emby/System/Info", headers=LEGACY)).status_code == 200
    assert [style for _, _, style in fake.calls] == ["authorization", "x-emby-token"]


async def test_a_changed_key_turns_away_the_old_one(
    jellyfin: tuple[FakeMediaBrowser, httpx.AsyncClient],
) -> None:
    fake, http = jellyfin
    fake.api_key = "the-new-key-the-new-key"
    assert (await http.get("/System/Info", headers=BEARER)).status_code == 401
    answer = await http.get("/System/Info", headers={"X-Emby-Token": fake.api_key})
    assert answer.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"Updates": [{"Path": "/media/x.mkv"}]},
        {"Updates": [{"Path": "/media/x.mkv", "UpdateType": "Refreshed"}]},
        {"Updates": [{"Path": None, "UpdateType": "Created"}]},
        {"Updates": [{"Path": "/media/x.mkv", "UpdateType": "created"}]},
        {"Updates": None},
        [UPDATE],
    ],
)
async def test_an_update_body_outside_the_schema_is_a_400(
    jellyfin: tuple[FakeMediaBrowser, httpx.AsyncClient], body: Any
) -> None:
    fake, http = jellyfin
    answer = await http.post("/Library/Media/Updated", json=body, headers=BEARER)
    assert answer.status_code == 400
    problem = answer.json()
    assert problem["title"] == "One or more validation errors occurred."
    assert problem["errors"]
    assert fake.updates == []


async def test_an_update_body_that_is_not_json_is_refused(
    jellyfin: tuple[FakeMediaBrowser, httpx.AsyncClient],
) -> None:
    fake, http = jellyfin
    headers = {**BEARER, "Content-Type": "application/json"}
    broken = await http.post("/Library/Media/Updated", content=b"{nope", headers=headers)
    assert broken.status_code == 400
    plain = {**BEARER, "Content-Type": "text/plain"}
    assert (
        await http.post("/Library/Media/Updated", content=b"x", headers=plain)
    ).status_code == 415
    assert fake.updates == []


@pytest.mark.parametrize(
    "content_type", ["text/json", "application/json; charset=utf-8", "application/merge+json"]
)
async def test_every_json_content_type_of_the_document_is_read(
    jellyfin: tuple[FakeMediaBrowser, httpx.AsyncClient], content_type: str
) -> None:
    fake, http = jellyfin
    headers = {**BEARER, "Content-Type": content_type}
    body = b'{"Updates": [{"UpdateType": "Deleted", "Path": "D:\\\\TV\\\\x.mkv"}]}'
    answer = await http.post("/Library/Media/Updated", content=body, headers=headers)
    assert answer.status_code == 204
    assert fake.updates == [[{"UpdateType": "Deleted", "Path": "D:\\TV\\x.mkv"}]]  # as sent


async def test_down_answers_503_with_retry_after_and_a_message_to_every_request(
    jellyfin: tuple[FakeMediaBrowser, httpx.AsyncClient],
) -> None:
    fake, http = jellyfin
    fake.down = True
    for answer in (
        await http.get("/System/Info/Public"),
        await http.post("/Library/Media/Updated", json=UPDATE, headers=BEARER),
    ):
        assert answer.status_code == 503
        assert answer.headers["retry-after"] == "30"
        assert answer.headers["message"]
        assert answer.headers["content-type"].startswith("text/html")
    assert fake.updates == []
    assert len(fake.calls) == 2


async def test_fail_with_answers_that_status_to_everything(
    jellyfin: tuple[FakeMediaBrowser, httpx.AsyncClient],
) -> None:
    fake, http = jellyfin
    fake.fail_with = 502
    assert (await http.get("/System/Info/Public")).status_code == 502
    assert (await http.get("/Library/VirtualFolders", headers=BEARER)).status_code == 502


async def test_delay_holds_every_answer(
    jellyfin: tuple[FakeMediaBrowser, httpx.AsyncClient],
) -> None:
    fake, http = jellyfin
    fake.delay = 30.0
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(http.get("/System/Info/Public"), timeout=0.05)


async def test_reset_restores_the_key_and_libraries_and_forgets_everything(
    jellyfin: tuple[FakeMediaBrowser, httpx.AsyncClient],
) -> None:
    fake, http = jellyfin
    assert (
        await http.post("/Library/Media/Updated", json=UPDATE, headers=BEARER)
    ).status_code == 204
    fake.add_library("Movies", "movies", ["/media/movies"])
    fake.api_key, fake.down, fake.fail_with, fake.delay, fake.legacy_auth = (
        "x" * 8,
        True,
        500,
        1.0,
        True,
    )
    fake.reset()
    assert (fake.updates, fake.calls) == ([], [])
    assert (fake.down, fake.delay, fake.legacy_auth) == (False, 0.0, False)
    assert fake.fail_with is None
    answer = await http.get("/Library/VirtualFolders", headers=BEARER)
    assert [folder["Name"] for folder in answer.json()] == ["Shows"]


async def test_libraries_carry_their_locations_and_a_mixed_one_no_collection_type() -> None:
    fake = FakeMediaBrowser(
        "jellyfin",
        KEY,
        [("Shows", "tvshows", ["/media/tv", "/mnt/tv"]), ("Home", "", ["/media/home"])],
    )
    async with await http_for(fake) as http:
        folders = (await http.get("/Library/VirtualFolders", headers=BEARER)).json()
    assert [(f["Name"], f["Locations"], f.get("CollectionType")) for f in folders] == [
        ("Shows", ["/media/tv", "/mnt/tv"], "tvshows"),
        ("Home", ["/media/home"], None),
    ]
    assert folders[0]["LibraryOptions"]["PathInfos"] == [{"Path": "/media/tv"}, {"Path": "/mnt/tv"}]
