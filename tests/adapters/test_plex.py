"""The Plex adapter against the fake Plex over real HTTP on 127.0.0.1.

Answers no fake should ever give (the legacy XML sample, malformed bodies, timeouts) come
from ``httpx.MockTransport``, a real httpx transport that answers from a function.
"""

from __future__ import annotations

import logging
import socket
import xml.etree.ElementTree as ElementTree
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from arrkestra.adapters.plex import PlexClient, Section
from arrkestra.core.errors import PermanentError, TransientError, UpstreamAuthError
from arrkestra.core.redact import Redactor
from arrkestra.testing.fake_plex import FakePlex
from arrkestra.testing.loopback import LoopbackServer

TOKEN = "plex-token-0123456789abcdefXYZ"
FIXTURES = Path(__file__).parent.parent / "fixtures" / "plex"
LEGACY_XML = FIXTURES / "library-sections.legacy-agents.xml"
SECTIONS = [
    ("1", "show", "TV Shows", ["/data/TV", "/mnt/extra/TV Shows"]),
    ("2", "movie", "Movies", ["/data/media/movies"]),
    ("3", "movie", "Movies", ["/data/media/movies-4k"]),  # titles are not unique
    ("4", "show", "Anime", ["/data/TV/Anime"]),  # nested inside section 1's location
]
SPECIAL = "/data/TV/Amélie & Co #1 + 'Ça' [2001] 100%/Season 01"


@dataclass
class PlexRig:
    fake: FakePlex
    url: str
    http: httpx.AsyncClient
    now: float = 1_700_000_000.0

    def client(self, *, token: str = TOKEN, **options: Any) -> PlexClient:
        return PlexClient(
            options.pop("base_url", self.url),
            token,
            client=options.pop("http", self.http),
            redactor=Redactor.of([TOKEN]),
            clock=lambda: self.now,
            **options,
        )

    def paths(self) -> list[str]:
        return [path for _, path, _ in self.fake.calls]


@pytest.fixture(scope="module")
def plex_server() -> Iterator[tuple[FakePlex, LoopbackServer]]:
    fake = FakePlex(TOKEN, SECTIONS)
    with LoopbackServer(fake.app) as server:
        yield fake, server


@pytest.fixture
async def rig(plex_server: tuple[FakePlex, LoopbackServer]) -> AsyncIterator[PlexRig]:
    fake, server = plex_server
    fake.reset()
    async with httpx.AsyncClient(timeout=5.0) as http:
        yield PlexRig(fake, server.url, http)


def mock_client(answer: Callable[[httpx.Request], httpx.Response]) -> PlexClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    return PlexClient(
        "http://plex.invalid:32400", TOKEN, client=http, redactor=Redactor(), clock=lambda: 0.0
    )


# -- sections --------------------------------------------------------------------------------


async def test_sections_are_read_from_json(rig: PlexRig) -> None:
    assert await rig.client().sections() == [
        Section("1", "show", "TV Shows", ("/data/TV", "/mnt/extra/TV Shows")),
        Section("2", "movie", "Movies", ("/data/media/movies",)),
        Section("3", "movie", "Movies", ("/data/media/movies-4k",)),
        Section("4", "show", "Anime", ("/data/TV/Anime",)),
    ]


@pytest.mark.parametrize(
    ("folder", "key"),
    [
        ("/data/TV/Show (2020)/Season 01", "1"),
        ("/mnt/extra/TV Shows/Show", "1"),  # the second location of section 1
        ("/data/TV", "1"),  # a location itself
        ("/data/TV/Show/", "1"),
        ("/data/TV/Anime/Frieren", "4"),  # the longest location wins
        ("/data/media/movies/Dune (2021)", "2"),
        ("/data/media/movies-4k/Dune (2021)", "3"),  # not under /data/media/movies
        ("/data/TVX/Show", None),  # whole components only
        ("/data", None),
        ("/mnt/extra/TV", None),
        ("data/TV/Show", None),  # relative
        ("/data/TV/../media/movies/X", None),  # ".." could escape the location
    ],
)
async def test_section_for_matches_whole_location_components(
    rig: PlexRig, folder: str, key: str | None
) -> None:
    found = await rig.client().section_for(folder)
    assert (found.key if found else None) == key


async def test_a_tie_goes_to_the_first_section_listed(rig: PlexRig) -> None:
    rig.fake.add_section("9", "movie", "Same folder", ["/data/media/movies"])
    found = await rig.client().section_for("/data/media/movies/X")
    assert found is not None and found.key == "2"


async def test_windows_locations_match_case_insensitively(rig: PlexRig) -> None:
    rig.fake.add_section("7", "movie", "Films", ["D:\\Media\\Films"])
    found = await rig.client().section_for("d:/media/films/Alien (1979)")
    assert found is not None and found.key == "7"


async def test_sections_are_cached_for_their_ttl(rig: PlexRig) -> None:
    client = rig.client(sections_ttl=300.0)
    await client.section_for("/data/TV/A")
    rig.now += 299
    await client.section_for("/data/media/movies/B")
    assert rig.paths().count("/library/sections") == 1
    rig.now += 1
    await client.section_for("/data/TV/A")
    assert rig.paths().count("/library/sections") == 2
    client.invalidate_sections()
    await client.sections()
    assert rig.paths().count("/library/sections") == 3


async def test_a_folder_no_cached_section_holds_reads_the_sections_again(rig: PlexRig) -> None:
    client = rig.client()
    await client.sections()
    rig.fake.add_section("5", "artist", "Music", ["/data/music"])
    found = await client.section_for("/data/music/Artist")
    assert found == Section("5", "artist", "Music", ("/data/music",))
    assert rig.paths().count("/library/sections") == 2


# -- scans -----------------------------------------------------------------------------------


async def test_scan_finds_the_section_and_sends_the_folder(rig: PlexRig) -> None:
    client = rig.client()
    assert await client.scan("/data/media/movies-4k/Dune (2021)") == "3"
    assert await client.scan(SPECIAL) == "1"  # &, #, +, ', [], %, non-ASCII survive
    assert rig.fake.scans == [("3", "/data/media/movies-4k/Dune (2021)"), ("1", SPECIAL)]
    assert rig.paths().count("/library/sections") == 1


async def test_an_explicit_section_is_scanned_without_discovery(rig: PlexRig) -> None:
    client = rig.client()
    assert await client.scan("/data/TV/Show", section=4) == "4"
    assert await client.scan("/data/TV/Show", section="1") == "1"
    assert rig.fake.scans == [("4", "/data/TV/Show"), ("1", "/data/TV/Show")]
    assert "/library/sections" not in rig.paths()


async def test_an_unknown_explicit_section_is_permanent(rig: PlexRig) -> None:
    with pytest.raises(PermanentError, match="no such section 12"):
        await rig.client().scan("/data/TV/Show", section=12)
    assert rig.fake.scans == []


async def test_a_section_named_by_title_is_found_by_its_title(rig: PlexRig) -> None:
    client = rig.client()
    assert await client.scan("/data/TV/Anime/Show", section="anime") == "4"
    # titles are not unique: the section holding the folder wins
    assert await client.scan("/data/media/movies-4k/Dune", section="Movies") == "3"
    with pytest.raises(PermanentError, match="no library section titled 'Films'"):
        await client.scan("/data/media/movies/X", section="Films")
    assert [key for key, _ in rig.fake.scans] == ["4", "3"]


@pytest.mark.parametrize("section", ["../1", "", " ", "1/refresh", True])
async def test_an_invalid_section_is_refused_before_any_request(rig: PlexRig, section: Any) -> None:
    with pytest.raises(PermanentError, match="invalid Plex section"):
        await rig.client().scan("/data/TV/Show", section=section)
    assert rig.fake.calls == []


async def test_a_folder_no_section_holds_is_permanent(rig: PlexRig) -> None:
    client = rig.client()
    with pytest.raises(PermanentError, match="no Plex library section holds /srv/other/X"):
        await client.scan("/srv/other/X")
    assert rig.paths() == ["/library/sections"]  # just read: no second look
    with pytest.raises(PermanentError):
        await client.scan("/srv/other/X")
    assert rig.paths() == ["/library/sections"] * 2  # from the cache: read once more
    assert rig.fake.scans == []


@pytest.mark.parametrize("folder", ["relative/folder", "/data/TV/../../etc"])
async def test_a_folder_that_is_not_an_absolute_normalized_path_is_permanent(
    rig: PlexRig, folder: str
) -> None:
    with pytest.raises(PermanentError, match="not an absolute, normalized path"):
        await rig.client().scan(folder, section=1)
    assert rig.fake.calls == []


async def test_a_discovered_section_that_vanished_is_found_again_next_time(
    rig: PlexRig,
) -> None:
    client = rig.client()
    await client.sections()
    rig.fake.remove_section("3")
    rig.fake.add_section("8", "movie", "Movies 4K", ["/data/media/movies-4k"])
    with pytest.raises(TransientError, match="section 3 is gone"):
        await client.scan("/data/media/movies-4k/X")
    assert await client.scan("/data/media/movies-4k/X") == "8"
    assert rig.fake.scans == [("8", "/data/media/movies-4k/X")]


# -- identity and XML ------------------------------------------------------------------------


async def test_identity_and_sections_from_a_server_answering_xml(rig: PlexRig) -> None:
    expected = await rig.client().sections()
    assert await rig.client().identity() == rig.fake.machine_identifier
    rig.fake.xml_only = True  # whatever Accept says
    assert await rig.client().sections() == expected
    assert await rig.client().identity() == rig.fake.machine_identifier


async def test_the_legacy_xml_sample_is_parsed() -> None:
    sample = LEGACY_XML.read_bytes()

    def answer(request: httpx.Request) -> httpx.Response:
        assert request.headers["x-plex-token"] == TOKEN
        return httpx.Response(200, content=sample, headers={"content-type": "text/xml"})

    client = mock_client(answer)
    assert await client.sections() == [
        Section("3", "movie", "Movies", ("/home/marv/Media/Videos/Movies",)),
        Section("2", "artist", "Music", ("/home/marv/Media/Musik",)),
        Section("1", "show", "TV Shows", ("/home/marv/Media/Videos/Series",)),
    ]
    found = await client.section_for("/home/marv/Media/Videos/Series/Show/Season 1")
    assert found is not None and found.key == "1"
    assert await client.section_for("/home/marv/Media/Videos") is None


async def test_the_fake_xml_has_the_shape_of_the_real_sample() -> None:
    """Every attribute the real (older) server sends, the fake sends too."""
    real = ElementTree.fromstring(LEGACY_XML.read_bytes())
    transport = httpx.ASGITransport(app=FakePlex(TOKEN, SECTIONS).app)
    async with httpx.AsyncClient(transport=transport, base_url="http://plex") as http:
        response = await http.get("/library/sections", headers={"X-Plex-Token": TOKEN})
    assert response.status_code == 200
    fake = ElementTree.fromstring(response.content)
    assert fake.tag == real.tag and set(real.attrib) <= set(fake.attrib)
    real_directory, fake_directory = real.find("Directory"), fake.find("Directory")
    assert real_directory is not None and fake_directory is not None
    assert set(real_directory.attrib) <= set(fake_directory.attrib)
    real_location, fake_location = real_directory.find("Location"), fake_directory.find("Location")
    assert real_location is not None and fake_location is not None
    assert set(real_location.attrib) == set(fake_location.attrib)


# -- failures --------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [TOKEN[::-1], ""])
async def test_a_wrong_or_missing_token_is_an_auth_error(rig: PlexRig, token: str) -> None:
    client = rig.client(token=token)
    for call in (client.sections(), client.identity(), client.scan("/data/TV/X", section=1)):
        with pytest.raises(UpstreamAuthError) as caught:
            await call
        assert caught.value.upstream == "plex"
        assert "HTTP 401: Unauthorized (is plex.token right?)" in str(caught.value)
    assert rig.fake.scans == []


async def test_server_errors_and_a_server_that_is_down_are_transient(rig: PlexRig) -> None:
    rig.fake.fail_with = 500
    with pytest.raises(TransientError, match="HTTP 500"):
        await rig.client().scan("/data/TV/X", section=1)
    rig.fake.fail_with = None
    rig.fake.down = True
    with pytest.raises(TransientError, match="HTTP 503"):
        await rig.client().sections()
    assert rig.fake.scans == []


async def test_a_client_error_is_permanent(rig: PlexRig) -> None:
    rig.fake.fail_with = 400
    with pytest.raises(PermanentError, match="HTTP 400"):
        await rig.client().scan("/data/TV/X", section=1)


async def test_an_unreachable_server_is_transient(rig: PlexRig) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nobody listens there
    client = rig.client(base_url=f"http://127.0.0.1:{port}")
    with pytest.raises(TransientError, match="unreachable"):
        await client.scan("/data/TV/X", section=1)


def time_out(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("read timed out", request=request)


def answer_with(*args: Any, **kwargs: Any) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(*args, **kwargs)


REDIRECT = answer_with(302, headers={"location": "https://sso.example/login"})
NO_ID = answer_with(200, json={"MediaContainer": {"size": 0}})


@pytest.mark.parametrize(
    ("answer", "error", "match"),
    [
        (time_out, TransientError, "Plex GET http://plex.invalid:32400/identity: timed out"),
        (REDIRECT, UpstreamAuthError, r"redirected to https://sso\.example/login"),
        (NO_ID, TransientError, "no machineIdentifier"),
    ]
    + [
        (answer_with(200, content=body), TransientError, "unexpected answer")
        for body in [b"<html>proxy page</html>", b"", b"{}", b'{"MediaContainer": []}', b"[1]"]
    ],
)
async def test_failures_no_fake_gives(
    answer: Callable[[httpx.Request], httpx.Response], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        await mock_client(answer).identity()


async def test_too_many_requests_is_transient_with_its_retry_after() -> None:
    answer = answer_with(429, headers={"retry-after": "30"})
    with pytest.raises(TransientError) as caught:
        await mock_client(answer).scan("/data/TV/X", section=1)
    assert caught.value.retry_after == 30.0


# -- the token -------------------------------------------------------------------------------


async def test_the_token_travels_only_in_the_header_and_is_never_logged(
    rig: PlexRig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="httpx")  # a daemon test may have quietened it
    client = rig.client()
    await client.scan("/data/TV/Show")
    await client.identity()
    wrong = rig.client(token="wrong-" + TOKEN)
    with pytest.raises(UpstreamAuthError) as auth:
        await wrong.scan("/data/TV/Show", section=1)
    rig.fake.fail_with = 500
    with pytest.raises(TransientError) as server:
        await client.identity()
    assert all("X-Plex-Token" not in query for _, _, query in rig.fake.calls)
    assert any("HTTP Request: GET" in r.getMessage() for r in caplog.records)  # URLs logged
    assert any("Plex scan queued" in r.getMessage() for r in caplog.records)
    for text in [str(auth.value), str(server.value), caplog.text]:
        assert TOKEN not in text


async def test_a_token_in_an_error_from_httpx_is_masked() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot connect to http://plex/?X-Plex-Token={TOKEN}")

    with pytest.raises(TransientError) as caught:
        await mock_client(answer).sections()
    assert TOKEN not in str(caught.value) and "***" in str(caught.value)


# -- the fake itself -------------------------------------------------------------------------


async def test_the_fake_accepts_the_token_as_a_query_parameter_and_scans_all() -> None:
    fake = FakePlex(TOKEN, SECTIONS)
    transport = httpx.ASGITransport(app=fake.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://plex") as http:
        refresh = await http.get("/library/sections/all/refresh", params={"X-Plex-Token": TOKEN})
        missing = await http.get("/library/sections/1/refresh")
        unknown = await http.get("/nothing/here", headers={"X-Plex-Token": TOKEN})
    assert (refresh.status_code, refresh.text) == (200, "")
    assert fake.scans == [("1", ""), ("2", ""), ("3", ""), ("4", "")]
    assert missing.status_code == 401 and "Unauthorized" in missing.text
    assert unknown.status_code == 404
