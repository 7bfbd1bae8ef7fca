"""The history client against the fake Sonarr/Radarr over HTTP (in-process), every version.

Odd servers the fake does not play (one that never stops paging, one answering the wrong
shape, one echoing the key) are small apps written here, also served over HTTP.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse

from arrkestra.adapters.arr_history import ArrHistoryClient, HistoryBatch, LibraryItem
from arrkestra.core.errors import PermanentError, TransientError, UpstreamAuthError
from arrkestra.core.redact import Redactor
from arrkestra.testing.fake_arr_history import (
    RADARR_V3,
    RADARR_V5,
    SONARR_V3,
    SONARR_V4,
    Call,
    FakeArr,
)

KEY = "arr-history-key-0123456789abcdef"
VERSIONS = [
    ("sonarr", SONARR_V3),
    ("sonarr", SONARR_V4),
    ("radarr", RADARR_V3),
    ("radarr", RADARR_V5),
]
IDS = [f"{kind}-{version.split('.')[0]}" for kind, version in VERSIONS]
SINCE = datetime(2026, 11, 30, 21, 0, tzinfo=UTC)
ALL = ("import", "delete", "rename")


def at(text: str) -> datetime:
    return datetime.fromisoformat(f"2026-11-30T{text}+00:00")


@dataclass
class Rig:
    fake: FakeArr
    http: httpx.AsyncClient

    def client(self, *, api_key: str = KEY, url: str = "http://arr:8989") -> ArrHistoryClient:
        return ArrHistoryClient(
            self.fake.kind,  # type: ignore[arg-type]
            url,
            api_key,
            client=self.http,
            redactor=Redactor.of([]),
            upstream=f"{self.fake.kind}.hd",
        )

    def calls(self, path: str) -> list[Call]:
        return [call for call in self.fake.calls if call.path == f"/api/v3{path}"]


@pytest.fixture(params=VERSIONS, ids=IDS)
async def rig(request: pytest.FixtureRequest) -> AsyncIterator[Rig]:
    kind, version = request.param
    fake = FakeArr(kind, KEY, version=version)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app)) as http:
        yield Rig(fake, http)


def populate(fake: FakeArr) -> dict[str, int]:
    """A grab, an import before the window, then (from 21:00) import, upgrade delete,
    import, rename, import."""
    if fake.kind == "sonarr":
        item = fake.add_series("Show", path="/tv/Show", tvdb_id=1001)
        one, two, three = (fake.add_episode(item, 1, n) for n in (1, 2, 3))
        folder = "/tv/Show/Season 01/"
    else:
        item = fake.add_movie("Film", path="/movies/Film (2020)", tmdb_id=2002)
        one = two = three = None  # type: ignore[assignment]
        folder = "/movies/Film (2020)/"
    return {
        "grab": fake.add_grab(item, one, "Show.S01E01", date=at("20:00:00")),
        "early": fake.add_import(item, one, f"{folder}a.mkv", date=at("20:30:00")),
        "first": fake.add_import(item, one, f"{folder}b.mkv", date=at("21:00:00")),
        "delete": fake.add_delete(item, one, f"{folder}a.mkv", "Upgrade", date=at("21:00:05")),
        "second": fake.add_import(item, two, f"{folder}c.mkv", date=at("21:10:00")),
        "rename": fake.add_rename(
            item, three, f"{folder}d.mkv", f"{folder}e.mkv", date=at("21:20:00")
        ),
        "third": fake.add_import(item, three, f"{folder}e.mkv", date=at("22:00:00")),
    }


def expected(ids: dict[str, int]) -> list[int]:
    return [ids[k] for k in ("first", "delete", "second", "rename", "third")]


def serve(routes: Callable[[FastAPI], None]) -> httpx.AsyncClient:
    """An HTTP client for a small app of the test's own (a server the fake does not play)."""
    app = FastAPI()
    routes(app)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app))


def odd_client(http: httpx.AsyncClient, kind: str = "sonarr") -> ArrHistoryClient:
    redactor = Redactor.of([])
    return ArrHistoryClient(
        kind,  # type: ignore[arg-type]
        "http://arr:8989/",
        KEY,
        client=http,
        redactor=redactor,
        upstream=f"{kind}.hd",
    )


def status_route(app: FastAPI, version: str = "4.0.14.2939") -> None:
    @app.get("/api/v3/system/status")
    async def status() -> dict[str, str]:
        return {"appName": "Sonarr", "version": version}


# -- status --------------------------------------------------------------------------------


async def test_status_returns_the_version(rig: Rig) -> None:
    assert await rig.client().status() == rig.fake.version
    assert rig.fake.calls[-1] == Call("GET", "/api/v3/system/status", {})


async def test_status_refuses_the_other_app(rig: Rig) -> None:
    other = "radarr" if rig.fake.kind == "sonarr" else "sonarr"
    client = ArrHistoryClient(
        other, "http://arr:8989", KEY, client=rig.http, redactor=Redactor(), upstream="x.hd"
    )
    with pytest.raises(PermanentError, match=rig.fake.kind.capitalize()):
        await client.status()


# -- history: /history/since ----------------------------------------------------------------


async def test_since_merges_the_families_oldest_first(rig: Rig) -> None:
    ids = populate(rig.fake)
    batch = await rig.client().history(SINCE, ALL)
    assert isinstance(batch, HistoryBatch)
    assert (batch.route, batch.malformed) == ("since", 0)
    assert [r.id for r in batch.records] == expected(ids)
    assert batch.records[0].date == at("21:00:00")
    assert batch.records[0].datum("importedPath") is not None
    calls = rig.calls("/history/since")
    assert [c.query["date"] for c in calls] == ["2026-11-30T21:00:00Z"] * 3
    names = {"sonarr": ("episodeFileDeleted", "5"), "radarr": ("movieFileDeleted", "6")}
    deleted = names[rig.fake.kind][1 if rig.fake.is_v3 else 0]
    assert [c.query["eventType"] for c in calls][1] == deleted  # v3 (Nancy) takes numbers
    assert len(rig.calls("/system/status")) == 1  # read once, for that choice
    await rig.client().history(SINCE, ALL)
    assert rig.calls("/history") == []


async def test_only_the_families_asked_for(rig: Rig) -> None:
    ids = populate(rig.fake)
    client = rig.client()
    imports = await client.history(SINCE, ["import"])
    assert [r.id for r in imports.records] == [ids["first"], ids["second"], ids["third"]]
    assert (await client.history(SINCE, [])).records == []
    assert len(rig.calls("/history/since")) == 1


async def test_include_embeds_series_and_episode_or_movie(rig: Rig) -> None:
    populate(rig.fake)
    batch = await rig.client().history(SINCE, ["import"])
    first = batch.records[0]
    if rig.fake.kind == "sonarr":
        assert rig.calls("/history/since")[0].query["includeSeries"] == "true"
        assert first.series is not None and first.series.path == "/tv/Show"
        assert first.series.tvdb_id == 1001
        assert first.episode is not None and first.episode.episode_number == 1
        assert first.movie is None
    else:
        assert rig.calls("/history/since")[0].query["includeMovie"] == "true"
        assert first.movie is not None and first.movie.path == "/movies/Film (2020)"
        assert first.movie.tmdb_id == 2002
        assert first.series is None


async def test_the_date_goes_in_utc_with_z(rig: Rig) -> None:
    populate(rig.fake)
    plus_two = datetime(2026, 11, 30, 23, 10, tzinfo=timezone(timedelta(hours=2)))
    batch = await rig.client().history(plus_two, ["import"])
    assert [r.date for r in batch.records] == [at("21:10:00"), at("22:00:00")]
    [call] = rig.calls("/history/since")
    assert call.query["date"] == "2026-11-30T21:10:00Z"
    raw = rig.fake.raw_queries[rig.fake.calls.index(call)]
    assert "date=2026-11-30T21%3A10%3A00Z" in raw
    assert "+" not in raw and "%2B" not in raw
    minus = datetime(2026, 11, 30, 17, 59, 59, 500_000, tzinfo=timezone(timedelta(hours=-4)))
    later = await rig.client().history(minus, ["import"])  # 21:59:59.5Z: seconds round down
    assert rig.calls("/history/since")[-1].query["date"] == "2026-11-30T21:59:59Z"
    assert [r.date for r in later.records] == [at("22:00:00")]


async def test_a_naive_since_is_refused(rig: Rig) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        await rig.client().history(datetime(2026, 11, 30, 21, 0), ALL)
    assert rig.fake.calls == []


@pytest.mark.parametrize("since_route", [True, False], ids=["since", "paged"])
async def test_malformed_records_are_counted_not_raised(rig: Rig, since_route: bool) -> None:
    ids = populate(rig.fake)
    rig.fake.since_route = since_route
    good = {"eventType": "downloadFolderImported", "date": "2026-11-30T21:30:00Z"}
    rig.fake.add_record({**good, "id": "not a number"})
    rig.fake.add_record({**good, "id": 900, "data": {"size": 5}})  # data holds strings
    rig.fake.add_record({**good, "id": 901, "date": "someday"})
    rig.fake.add_record({**good, "id": 902})  # fine: only id, eventType and date are needed
    rig.fake.add_record({**good, "id": 903, "date": "2026-11-30T21:40:00"})  # no Z: UTC
    rig.fake.add_record({**good, "id": 904, "date": "2026-11-30T20:40:00Z", "data": {"a": 1}})
    batch = await rig.client().history(SINCE, ["import"], page_size=3)
    assert batch.malformed == 3  # 904 is odd too, but outside the window
    assert [r.id for r in batch.records] == [ids["first"], ids["second"], 902, 903, ids["third"]]
    assert batch.records[3].date == at("21:40:00")


async def test_since_answering_not_a_list_is_permanent() -> None:
    def routes(app: FastAPI) -> None:
        status_route(app)

        @app.get("/api/v3/history/since")
        async def since() -> dict[str, Any]:
            return {"records": []}

    async with serve(routes) as http:
        with pytest.raises(PermanentError, match="not a JSON array"):
            await odd_client(http).history(SINCE, ALL)


# -- history: the paged fallback -------------------------------------------------------------


async def test_without_since_the_paged_history_is_read_down_to_the_window(rig: Rig) -> None:
    ids = populate(rig.fake)
    rig.fake.since_route = False
    batch = await rig.client().history(SINCE, ALL, page_size=2)
    assert (batch.route, batch.malformed) == ("paged", 0)
    assert [r.id for r in batch.records] == expected(ids)
    assert len(rig.calls("/history/since")) == 1  # one 404, then paging only
    pages = rig.calls("/history")
    import_pages = [c for c in pages if c.query["eventType"] == "3"]
    assert [c.query["page"] for c in import_pages] == ["1", "2"]  # page 2 reached 20:30
    assert len(pages) == 4  # one page each for the delete and the rename
    for call in pages:
        assert call.query["sortKey"] == "date" and call.query["sortDirection"] == "descending"
        assert call.query["pageSize"] == "2"
        includes = (
            {"includeSeries", "includeEpisode"} if rig.fake.kind == "sonarr" else {"includeMovie"}
        )
        assert {k for k, v in call.query.items() if v == "true"} == includes
    paged = [raw for raw in rig.fake.raw_queries if "page=" in raw]
    assert [raw.count("eventType=") for raw in paged] == [1] * 4  # v3 reads only one


async def test_paging_stops_at_the_reported_end(rig: Rig) -> None:
    populate(rig.fake)
    rig.fake.since_route = False
    early = datetime(2026, 1, 1, tzinfo=UTC)
    batch = await rig.client().history(early, ["import"], page_size=2)
    assert len(batch.records) == 4
    assert [c.query["page"] for c in rig.calls("/history")] == ["1", "2"]  # 4 of 4: no page 3
    assert batch.records[0].series is not None or batch.records[0].movie is not None


async def test_paging_has_a_hard_limit() -> None:
    served: list[int] = []

    def routes(app: FastAPI) -> None:
        status_route(app)

        @app.get("/api/v3/history")
        async def endless(page: int, pageSize: int) -> dict[str, Any]:
            served.append(page)
            record = {
                "id": page,
                "eventType": "downloadFolderImported",
                "date": "2030-01-01T00:00:00Z",
            }
            return {"page": page, "pageSize": pageSize, "totalRecords": 10**9, "records": [record]}

    async with serve(routes) as http:
        with pytest.raises(PermanentError, match="no end after 5 pages"):
            await odd_client(http).history(SINCE, ["import"], page_size=1, max_pages=5)
    assert served == [1, 2, 3, 4, 5]


async def test_a_server_without_either_route_is_permanent() -> None:
    async with serve(status_route) as http:
        with pytest.raises(PermanentError, match="HTTP 404"):
            await odd_client(http).history(SINCE, ALL)


# -- lookups and the library ----------------------------------------------------------------


async def test_lookups(rig: Rig) -> None:
    populate(rig.fake)
    client = rig.client()
    if rig.fake.kind == "sonarr":
        series_id = next(iter(rig.fake.series))
        series = await client.series(series_id)
        assert (series.id, series.title, series.path, series.tvdb_id) == (
            series_id,
            "Show",
            "/tv/Show",
            1001,
        )
        episode = await client.episode(next(iter(rig.fake.episodes)))
        assert (episode.season_number, episode.episode_number) == (1, 1)
        with pytest.raises(PermanentError, match="HTTP 404"):
            await client.series(999)
        with pytest.raises(ValueError, match="movie"):
            await client.movie(1)
    else:
        movie = await client.movie(next(iter(rig.fake.movies)))
        assert (movie.title, movie.path, movie.tmdb_id) == ("Film", "/movies/Film (2020)", 2002)
        with pytest.raises(PermanentError, match="HTTP 404"):
            await client.movie(999)
        with pytest.raises(ValueError, match="series"):
            await client.series(1)


async def test_library(rig: Rig) -> None:
    client = rig.client()
    assert await client.library() == []  # an empty library is a legitimate answer
    if rig.fake.kind == "sonarr":
        ident = rig.fake.add_series("Show", path="/tv/Show", tvdb_id=1001, imdb_id="tt01")
        wanted = LibraryItem(ident, "Show", 1001, None, "tt01")  # tmdbId 0 means none
    else:
        ident = rig.fake.add_movie("Film", path="/movies/Film", tmdb_id=2002)
        wanted = LibraryItem(ident, "Film", None, 2002, None)
    assert await client.library() == [wanted]
    rig.fake.fail_library = True
    with pytest.raises(TransientError, match="HTTP 500"):
        await client.library()


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ({"records": []}, "not a JSON array"),
        ([{"title": "no id"}], r"\[0\]\.id"),
    ],
)
async def test_a_library_answer_that_is_not_a_list_of_items_raises(
    answer: Any, problem: str
) -> None:
    def routes(app: FastAPI) -> None:
        @app.get("/api/v3/series")
        async def series() -> Any:
            return answer

    async with serve(routes) as http:
        with pytest.raises(PermanentError, match=problem):
            await odd_client(http).library()


async def test_a_library_answer_that_is_not_json_is_tried_again_later() -> None:
    """A proxy's login page is not an empty library, nor a reason to give up for good."""

    def routes(app: FastAPI) -> None:
        @app.get("/api/v3/series")
        async def series() -> HTMLResponse:
            return HTMLResponse("<html>please log in</html>")

    async with serve(routes) as http:
        with pytest.raises(TransientError, match="not JSON"):
            await odd_client(http).library()


# -- errors -----------------------------------------------------------------------------------


async def test_a_wrong_key_is_an_upstream_auth_error(rig: Rig) -> None:
    rig.fake.api_key = "the-key-was-changed-0123456789"
    client = rig.client()
    for call in (client.status(), client.history(SINCE, ALL), client.library()):
        with pytest.raises(UpstreamAuthError) as raised:
            await call
        assert raised.value.upstream == f"{rig.fake.kind}.hd"
        assert "HTTP 401" in str(raised.value) and f"{rig.fake.kind}.hd.api_key" in str(
            raised.value
        )
        assert KEY not in str(raised.value)


async def test_a_server_that_is_down_is_transient(rig: Rig) -> None:
    rig.fake.down = True
    client = rig.client()
    for call in (client.status(), client.history(SINCE, ALL), client.library()):
        with pytest.raises(TransientError, match="HTTP 503"):
            await call


async def test_an_unreachable_port_is_transient() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again before the request: nobody listens
    async with httpx.AsyncClient(timeout=5.0) as http:
        client = ArrHistoryClient(
            "radarr",
            f"http://127.0.0.1:{port}",
            KEY,
            client=http,
            redactor=Redactor(),
            upstream="radarr.hd",
        )
        with pytest.raises(TransientError, match="unreachable") as raised:
            await client.history(SINCE, ALL)
    assert KEY not in str(raised.value)


async def test_a_secret_never_appears_in_an_error_message() -> None:
    """A proxy echoing the request (key included) into its error pages, a key in the URL."""

    def routes(app: FastAPI) -> None:
        @app.get("/api/v3/system/status")
        async def status(request: Request) -> JSONResponse:
            echoed = f"bad request with X-Api-Key {request.headers['x-api-key']}"
            return JSONResponse({"message": echoed}, status_code=400)

        @app.get("/api/v3/series")
        async def series(request: Request) -> JSONResponse:
            return JSONResponse({"message": request.headers["x-api-key"]}, status_code=502)

        @app.get("/api/v3/series/{ident}")
        async def one(request: Request) -> JSONResponse:
            return JSONResponse({"title": request.headers["x-api-key"]}, status_code=403)

    async with serve(routes) as http:
        client = ArrHistoryClient(
            "sonarr",
            f"http://user:{KEY}@arr:8989",
            KEY,
            client=http,
            redactor=Redactor(),
            upstream="s.hd",
        )
        for call, error in (
            (client.status(), PermanentError),
            (client.library(), TransientError),
            (client.series(1), UpstreamAuthError),
        ):
            with pytest.raises(error) as raised:
                await call
            assert KEY not in str(raised.value)
            assert "***" in str(raised.value)
