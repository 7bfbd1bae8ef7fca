"""The Jellyfin/Emby adapter against the fake server, in-process over httpx.ASGITransport.

Answers no fake should ever give (bodies that are not the spec's JSON, timeouts, refused
connections) come from ``httpx.MockTransport``, a real httpx transport answering from a
function.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, cast

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from arrkestra.adapters.media_browser import (
    Library,
    MediaBrowserClient,
    ServerInfo,
    library_holding,
)
from arrkestra.core.errors import PermanentError, TransientError, UpstreamAuthError
from arrkestra.core.job_kinds.server_update import MediaChange, ServerKind
from arrkestra.core.redact import Redactor
from arrkestra.testing.fake_media_browser import FakeMediaBrowser

KEY = "mediabrowser-key-0123456789abcdef"
UPDATED = "/Library/Media/Updated"
LIBRARIES = [
    ("Shows", "tvshows", ["/media/tv", "/mnt/extra/TV Shows"]),
    ("Movies", "movies", ["/media/movies"]),
    ("Movies 4K", "movies", ["/media/movies-4k"]),
    ("Home", "", ["/media/home"]),  # a mixed library: no CollectionType
]
CHANGES = [
    MediaChange(path="/media/tv/The Show/Season 01/The Show - S01E01.mkv", type="Created"),
    MediaChange(path="/media/tv/The Show/Season 01/The Show - S01E02.mkv", type="Modified"),
    MediaChange(path="/media/tv/The Show/Season 01/The Show - S01E03.mkv", type="Deleted"),
]


@dataclass
class Rig:
    """A fake server, an HTTP client in front of it that records every request, and a
    factory of adapters for it."""

    fake: FakeMediaBrowser
    http: httpx.AsyncClient
    requests: list[httpx.Request] = field(default_factory=list)

    def client(
        self,
        kind: ServerKind | None = None,
        *,
        url: str = "http://media.test:8096",
        api_key: str = KEY,
        upstream: str = "jellyfin.default",
    ) -> MediaBrowserClient:
        return MediaBrowserClient(
            kind or cast(ServerKind, self.fake.kind),
            url,
            api_key,
            client=self.http,
            redactor=Redactor.of([KEY]),
            upstream=upstream,
        )


@pytest.fixture
async def make_rig() -> AsyncIterator[Callable[..., Rig]]:
    clients: list[httpx.AsyncClient] = []

    def make(kind: str = "jellyfin", *, app: Any = None, **options: Any) -> Rig:
        fake = FakeMediaBrowser(kind, KEY, LIBRARIES, **options)
        requests: list[httpx.Request] = []

        async def record(request: httpx.Request) -> None:
            requests.append(request)

        http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app(fake) if app else fake.app),
            event_hooks={"request": [record]},
        )
        clients.append(http)
        return Rig(fake, http, requests)

    yield make
    for http in clients:
        await http.aclose()


def mock_client(answer: Callable[[httpx.Request], httpx.Response]) -> MediaBrowserClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    return MediaBrowserClient(
        "jellyfin",
        "http://jellyfin.invalid:8096",
        KEY,
        client=http,
        redactor=Redactor(),
        upstream="jellyfin.default",
    )


# -- reporting changes -----------------------------------------------------------------------


async def test_changes_are_reported_as_one_request_with_the_authorization_header(
    make_rig: Callable[..., Rig],
) -> None:
    rig = make_rig()
    await rig.client().report_updates(CHANGES)
    assert rig.fake.updates == [
        [{"Path": change.path, "UpdateType": change.type} for change in CHANGES]
    ]
    assert rig.fake.calls == [("POST", UPDATED, "authorization")]
    (request,) = rig.requests
    assert request.headers["authorization"] == f'MediaBrowser Token="{KEY}"'
    assert "x-emby-token" not in request.headers
    assert request.headers["content-type"] == "application/json"


async def test_no_changes_make_no_request(make_rig: Callable[..., Rig]) -> None:
    rig = make_rig()
    await rig.client().report_updates([])
    assert rig.fake.calls == []


@pytest.mark.parametrize(
    "url",
    [
        "http://emby.test:8096",
        "http://emby.test:8096/",
        "http://emby.test:8096/emby",
        "http://emby.test:8096/emby/",
    ],
)
async def test_emby_routes_are_under_emby_whether_or_not_the_url_ends_with_it(
    make_rig: Callable[..., Rig], url: str
) -> None:
    rig = make_rig("emby")
    client = rig.client(url=url, upstream="emby.living")
    await client.report_updates(CHANGES[:1])
    await client.libraries()
    assert [path for _, path, _ in rig.fake.calls] == [
        "/emby/Library/Media/Updated",
        "/emby/Library/VirtualFolders",
    ]
    assert rig.fake.updates == [[{"Path": CHANGES[0].path, "UpdateType": "Created"}]]


async def test_a_jellyfin_base_path_is_kept_and_nothing_is_added(
    make_rig: Callable[..., Rig],
) -> None:
    rig = make_rig(app=lambda fake: Starlette(routes=[Mount("/jellyfin", app=fake.app)]))
    await rig.client(url="http://media.test/jellyfin/").report_updates(CHANGES[:1])
    assert [request.url.path for request in rig.requests] == ["/jellyfin/Library/Media/Updated"]
    assert len(rig.fake.updates) == 1


# -- auth --------------------------------------------------------------------------------------


async def test_an_older_server_gets_x_emby_token_after_one_401_and_from_then_on(
    make_rig: Callable[..., Rig],
) -> None:
    rig = make_rig(legacy_auth=True)
    client = rig.client()
    await client.report_updates(CHANGES[:1])
    await client.report_updates(CHANGES[1:2])
    assert await client.system_info() == ServerInfo(
        "Fake Media Server", "10.10.3", "Jellyfin Server"
    )
    assert rig.fake.calls == [
        ("POST", UPDATED, "authorization"),
        ("POST", UPDATED, "x-emby-token"),
        ("POST", UPDATED, "x-emby-token"),
        ("GET", "/System/Info", "x-emby-token"),
    ]
    assert client.auth_style == "x-emby-token"
    assert len(rig.fake.updates) == 2  # the 401 request changed nothing
    assert rig.requests[1].headers["x-emby-token"] == KEY
    assert "authorization" not in rig.requests[1].headers


async def test_a_remembered_header_that_stops_working_falls_back_to_the_other(
    make_rig: Callable[..., Rig],
) -> None:
    """A server upgraded behind the client: X-Emby-Token now rejected, Authorization read."""
    rig = make_rig(legacy_auth=True)
    client = rig.client()
    await client.check_auth()
    assert client.auth_style == "x-emby-token"
    rig.fake.calls.clear()
    rig.fake.api_key = "rotated-key-is-not-ours-at-all"  # both rejected now
    with pytest.raises(UpstreamAuthError):
        await client.check_auth()
    assert [style for _, _, style in rig.fake.calls] == ["x-emby-token", "authorization"]
    assert client.auth_style == "x-emby-token"  # nothing got through: nothing learned


@pytest.mark.parametrize("legacy", [False, True])
async def test_a_key_rejected_both_ways_is_an_auth_error_naming_the_server_not_the_key(
    make_rig: Callable[..., Rig], caplog: pytest.LogCaptureFixture, legacy: bool
) -> None:
    caplog.set_level(logging.DEBUG)
    rig = make_rig(legacy_auth=legacy)
    rig.fake.api_key = "the-server-has-another-key-now"
    client = rig.client(upstream="jellyfin.living")
    with pytest.raises(UpstreamAuthError) as caught:
        await client.report_updates(CHANGES)
    error = caught.value
    assert error.upstream == "jellyfin.living"
    message = str(error)
    assert "HTTP 401" in message
    assert "is the api_key of jellyfin.living right?" in message
    assert "Authorization" in message and "X-Emby-Token" in message
    assert KEY not in message and KEY not in caplog.text
    assert [style for _, _, style in rig.fake.calls] == ["authorization", "x-emby-token"]
    assert rig.fake.updates == []


async def test_no_key_at_all_says_so(make_rig: Callable[..., Rig]) -> None:
    rig = make_rig()
    with pytest.raises(UpstreamAuthError, match=r"emby\.den has no api_key set"):
        await rig.client(api_key="", upstream="emby.den").check_auth()


async def test_a_403_is_an_auth_error_without_a_second_try(make_rig: Callable[..., Rig]) -> None:
    rig = make_rig()
    rig.fake.fail_with = 403
    with pytest.raises(
        UpstreamAuthError, match=r"is the api_key of jellyfin\.default right"
    ) as caught:
        await rig.client().libraries()
    assert caught.value.upstream == "jellyfin.default"
    assert len(rig.fake.calls) == 1


async def test_the_key_is_only_ever_in_a_header(make_rig: Callable[..., Rig]) -> None:
    rig = make_rig(legacy_auth=True)
    client = rig.client()
    await client.report_updates(CHANGES)
    await client.system_info()
    await client.libraries()
    assert rig.requests
    for request in rig.requests:
        assert KEY not in str(request.url)
        assert KEY.encode() not in request.content


# -- failures ----------------------------------------------------------------------------------


async def test_a_starting_server_is_transient_with_its_retry_after(
    make_rig: Callable[..., Rig],
) -> None:
    rig = make_rig()
    rig.fake.down = True
    with pytest.raises(TransientError) as caught:
        await rig.client(upstream="jellyfin.living").report_updates(CHANGES)
    assert caught.value.retry_after == 30.0
    assert "jellyfin.living POST" in str(caught.value)
    assert "HTTP 503" in str(caught.value) and "starting" in str(caught.value)


@pytest.mark.parametrize(
    ("status", "error"),
    [(500, TransientError), (502, TransientError), (429, TransientError), (400, PermanentError)],
)
async def test_status_codes_follow_the_error_taxonomy(
    make_rig: Callable[..., Rig], status: int, error: type[Exception]
) -> None:
    rig = make_rig()
    rig.fake.fail_with = status
    with pytest.raises(error, match=f"HTTP {status}"):
        await rig.client().report_updates(CHANGES)


async def test_a_jellyfin_url_that_is_not_the_root_is_permanent_with_a_hint(
    make_rig: Callable[..., Rig],
) -> None:
    rig = make_rig()
    client = rig.client(url="http://media.test:8096/web")
    with pytest.raises(PermanentError, match="HTTP 404") as caught:
        await client.system_info()
    assert "is http://media.test:8096/web the server's root" in str(caught.value)


async def test_an_emby_server_configured_as_jellyfin_gets_a_404_with_the_emby_hint(
    make_rig: Callable[..., Rig],
) -> None:
    """Jellyfin's routes are at the root; a server that serves them under /emby only 404s."""
    rig = make_rig("jellyfin")
    client = rig.client("emby", url="http://media.test:8096", upstream="emby.default")
    with pytest.raises(PermanentError) as caught:
        await client.report_updates(CHANGES)
    assert "with or without /emby" in str(caught.value)
    assert rig.fake.calls == [("POST", "/emby/Library/Media/Updated", "authorization")]


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (b"<html><body>Jellyfin</body></html>", "Invalid JSON"),
        (b'{"Version": "10.10.3"}', "ServerName"),
        (b'{"ServerName": "x", "Version": 10}', "Version"),
        (b"[]", "body"),
    ],
)
async def test_system_info_that_is_not_the_spec_s_json_is_transient_naming_the_problem(
    body: bytes, named: str
) -> None:
    client = mock_client(lambda request: httpx.Response(200, content=body))
    with pytest.raises(TransientError, match="unexpected answer") as caught:
        await client.system_info()
    assert named in str(caught.value)
    assert "jellyfin.default GET http://jellyfin.invalid:8096/System/Info" in str(caught.value)


@pytest.mark.parametrize(
    "body", [b'{"Items": []}', b'[{"Name": "Movies", "Locations": "/media/movies"}]', b"nope"]
)
async def test_libraries_that_are_not_the_spec_s_json_are_transient(body: bytes) -> None:
    client = mock_client(lambda request: httpx.Response(200, content=body))
    with pytest.raises(TransientError, match="VirtualFolders: unexpected answer"):
        await client.libraries()


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectError("connection refused"), httpx.ReadTimeout("timed out")],
)
async def test_timeouts_and_refused_connections_are_transient(failure: httpx.HTTPError) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        raise failure

    with pytest.raises(TransientError, match=r"jellyfin\.default POST") as caught:
        await mock_client(answer).report_updates(CHANGES)
    assert KEY not in str(caught.value)


async def test_an_invalid_url_is_permanent() -> None:
    client = MediaBrowserClient(
        "jellyfin",
        "http://[::1",
        KEY,
        client=httpx.AsyncClient(),
        redactor=Redactor(),
        upstream="jellyfin.default",
    )
    with pytest.raises(PermanentError, match="invalid URL"):
        await client.check_auth()


# -- reading the server ------------------------------------------------------------------------


async def test_system_info_of_jellyfin_and_emby(make_rig: Callable[..., Rig]) -> None:
    jellyfin = make_rig(server_name="Living Room", version="10.10.3")
    assert await jellyfin.client().system_info() == ServerInfo(
        "Living Room", "10.10.3", "Jellyfin Server"
    )
    emby = make_rig("emby", server_name="Den", version="4.8.10.0")
    assert await emby.client(upstream="emby.den").system_info() == ServerInfo(
        "Den", "4.8.10.0", None
    )
    assert emby.fake.calls == [("GET", "/emby/System/Info", "authorization")]


async def test_check_auth_passes_with_the_key_and_fails_once_it_changes(
    make_rig: Callable[..., Rig],
) -> None:
    rig = make_rig()
    client = rig.client()
    await client.check_auth()
    rig.fake.api_key = "a-new-key-nobody-told-us-about"
    with pytest.raises(UpstreamAuthError):
        await client.check_auth()


async def test_libraries_with_their_locations_and_types(make_rig: Callable[..., Rig]) -> None:
    rig = make_rig()
    assert await rig.client().libraries() == [
        Library("Shows", ("/media/tv", "/mnt/extra/TV Shows"), "tvshows"),
        Library("Movies", ("/media/movies",), "movies"),
        Library("Movies 4K", ("/media/movies-4k",), "movies"),
        Library("Home", ("/media/home",), None),
    ]


# -- which library holds a folder (the cases: tests/core/test_library_locations.py) -----------


def test_library_holding_finds_the_library_of_a_folder() -> None:
    libraries = [
        Library("Movies", ("/media/movies",), "movies"),
        Library("Movies 4K", ("/media/movies-4k",), "movies"),
        Library("Shows", ("D:\\Media\\TV",), "tvshows"),
    ]
    assert library_holding(libraries, "/media/movies-4k/Film (2020)") is libraries[1]
    assert library_holding(libraries, "d:/media/tv/Show/Season 01") is libraries[2]
    assert library_holding(libraries, "/media/television") is None
