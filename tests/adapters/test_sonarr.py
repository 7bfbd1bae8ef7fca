"""The Sonarr adapter against the fake Sonarr over HTTP, for Sonarr v3 and v4."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest

from arrkestra.adapters.http import make_client
from arrkestra.adapters.sonarr import (
    AddKind,
    LookupResult,
    ResolvedTarget,
    SonarrClient,
    SonarrStatus,
    TargetSpec,
)
from arrkestra.core.errors import PermanentError, TransientError, UpstreamAuthError
from arrkestra.core.redact import Redactor
from arrkestra.testing.fake_arr import create_fake_arr
from arrkestra.testing.fake_sonarr import V3_VERSION, V4_VERSION, FakeSonarr
from arrkestra.testing.loopback import LoopbackServer

KEY = "sonarr-adapter-key-0123456789abcdef"
INSTANCE = "sonarr.hd"
PAGED = "/api/v3/importlistexclusion/paged"


@dataclass
class Rig:
    fake: FakeSonarr
    http: httpx.AsyncClient

    def client(self, *, api_key: str = KEY, **options: Any) -> SonarrClient:
        return SonarrClient(
            options.pop("base_url", "http://sonarr:8989"),
            api_key,
            client=options.pop("http", self.http),
            instance=INSTANCE,
            redactor=Redactor.of([]),
            **options,
        )

    def paths(self, method: str = "GET") -> list[str]:
        return [call.path for call in self.fake.state.requests if call.method == method]


@pytest.fixture(params=[V3_VERSION, V4_VERSION], ids=["v3", "v4"])
async def rig(request: pytest.FixtureRequest) -> AsyncIterator[Rig]:
    fake = FakeSonarr(KEY, version=request.param)
    fake.state.add_root_folder("/tv")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app)) as http:
        yield Rig(fake, http)


def target(rig: Rig, **changes: Any) -> ResolvedTarget:
    state = rig.fake.state
    resolved = ResolvedTarget(
        root_folder="/tv",
        quality_profile_id=state.quality_profiles[0]["id"],
        language_profile_id=state.language_profiles[0]["id"] if state.is_v3 else None,
        monitor="all",
        search_on_add=True,
        tag_ids=(),
    )
    return replace(resolved, **changes)


async def looked_up(rig: Rig, tvdb_id: int = 81189, title: str = "Breaking Bad") -> LookupResult:
    rig.fake.state.add_to_catalogue(tvdb_id, title, tvmaze_id=169)
    found = await rig.client().lookup_tvdb(tvdb_id)
    assert found is not None
    return found


# -- reading ---------------------------------------------------------------------------


async def test_system_status(rig: Rig) -> None:
    status = await rig.client().system_status()
    assert status == SonarrStatus(rig.fake.state.version, 3 if rig.fake.state.is_v3 else 4)


async def test_a_radarr_behind_the_url_is_named() -> None:
    app = create_fake_arr("radarr", KEY)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as http:
        client = SonarrClient(
            "http://radarr:7878", KEY, client=http, instance=INSTANCE, redactor=Redactor.of([])
        )
        with pytest.raises(PermanentError, match="is Radarr"):
            await client.system_status()


async def test_existing_series_in_one_request(rig: Rig) -> None:
    rig.fake.state.add_series(81189, "Breaking Bad", tvmaze_id=169)
    rig.fake.state.add_series(121361, "Game of Thrones", tvmaze_id=82)
    rig.fake.state.add_series(5, "No TVMaze id")
    existing = await rig.client().existing_series()
    assert existing.tvdb_ids == {81189, 121361, 5}
    assert existing.tvmaze_ids == {169, 82}
    assert rig.paths() == ["/api/v3/series"]


async def test_exclusions_read_every_page_where_sonarr_pages_them(rig: Rig) -> None:
    for n in range(7):
        rig.fake.state.add_exclusion(1000 + n, f"Show {n}")
    client = rig.client(page_size=3)
    excluded = await client.excluded_tvdb_ids(await client.system_status())
    assert excluded == {1000 + n for n in range(7)}
    reads = [c for c in rig.fake.state.requests if "importlistexclusion" in c.path]
    if rig.fake.state.is_v3:
        assert [c.path for c in reads] == ["/api/v3/importlistexclusion"]
    else:
        assert [c.path for c in reads] == [PAGED] * 3
        assert [c.query["page"] for c in reads] == ["1", "2", "3"]
        assert reads[0].query["pageSize"] == "3"


@pytest.mark.parametrize("version", ["4.0.1.929", "4.0.2.1183"])
async def test_exclusions_on_releases_before_paging_use_the_plain_list(version: str) -> None:
    fake = FakeSonarr(KEY, version=version)
    fake.state.add_exclusion(42, "Excluded")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app)) as http:
        client = Rig(fake, http).client()
        assert await client.excluded_tvdb_ids(await client.system_status()) == {42}
    assert [c.path for c in fake.state.requests][-1] == "/api/v3/importlistexclusion"
    assert PAGED not in [c.path for c in fake.state.requests]


async def test_exclusions_fall_back_when_the_paged_route_is_missing() -> None:
    fake = FakeSonarr(KEY, version=V4_VERSION)
    fake.state.add_exclusion(42, "Excluded")
    fake.state.fail(PAGED, 404)  # a build or fork without it
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app)) as http:
        client = Rig(fake, http).client()
        assert await client.excluded_tvdb_ids(SonarrStatus(V4_VERSION, 4)) == {42}
    assert [c.path for c in fake.state.requests] == [PAGED, "/api/v3/importlistexclusion"]


async def test_lookup(rig: Rig) -> None:
    found = await looked_up(rig)
    summary = (found.tvdb_id, found.title, found.tvmaze_id, found.series_id)
    assert summary == (81189, "Breaking Bad", 169, None)
    assert found.resource["titleSlug"] == "breaking-bad"
    assert rig.fake.state.requests[-1].query == {"term": "tvdb:81189"}
    assert await rig.client().lookup_tvdb(1) is None  # Sonarr answers []
    rig.fake.state.fail("/api/v3/series/lookup", 404)
    assert await rig.client().lookup_tvdb(81189) is None


async def test_lookup_of_a_series_in_the_library_carries_its_id(rig: Rig) -> None:
    series_id = rig.fake.state.add_series(81189, "Breaking Bad")
    found = await rig.client().lookup_tvdb(81189)
    assert found is not None and found.series_id == series_id


@pytest.mark.parametrize("bad", [0, -3, True])
async def test_lookup_refuses_an_invalid_tvdb_id(rig: Rig, bad: int) -> None:
    with pytest.raises(PermanentError, match="invalid tvdb id"):
        await rig.client().lookup_tvdb(bad)
    assert rig.fake.state.requests == []


# -- resolving the target ----------------------------------------------------------------


async def test_resolve_target_by_name(rig: Rig) -> None:
    state = rig.fake.state
    hd = next(p["id"] for p in state.quality_profiles if p["name"] == "HD-1080p")
    german = state.add_language_profile("German")
    anime = state.add_tag("anime")
    client = rig.client()
    status = await client.system_status()
    # v4 ignores the language profile: it serves only a stub named "Deprecated"
    spec = TargetSpec("/tv/", "hd-1080p", "German", monitor="future", tags=("Anime",))
    resolved = await client.resolve_target(spec, status)
    assert resolved == ResolvedTarget(
        root_folder="/tv",
        quality_profile_id=hd,
        language_profile_id=german if state.is_v3 else None,
        monitor="future",
        search_on_add=True,
        tag_ids=(anime,),
    )
    assert ("/api/v3/languageprofile" in rig.paths()) == state.is_v3


async def test_resolve_target_defaults_to_the_first_ones(rig: Rig) -> None:
    rig.fake.state.add_root_folder("/tv2")
    client = rig.client()
    resolved = await client.resolve_target(
        TargetSpec(None, None, None), await client.system_status()
    )
    assert resolved.root_folder == "/tv"
    assert resolved.quality_profile_id == rig.fake.state.quality_profiles[0]["id"]
    assert "/api/v3/tag" not in rig.paths()  # no tags wanted, none read


async def test_every_target_problem_is_listed_at_once() -> None:
    fake = FakeSonarr(KEY, version=V4_VERSION)
    fake.state.add_root_folder("/data/tv")
    fake.state.quality_profiles = [
        p for p in fake.state.quality_profiles if p["name"] in ("Any", "HD-720p")
    ]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app)) as http:
        client = Rig(fake, http).client()
        spec = TargetSpec("/tv", "HD-1080p", None)
        with pytest.raises(PermanentError) as caught:
            await client.resolve_target(spec, await client.system_status())
    assert str(caught.value) == (
        "Sonarr sonarr.hd: root folder /tv not found (have: /data/tv); "
        "quality profile 'HD-1080p' not found (have: Any, HD-720p)"
    )


async def test_v3_problems_include_the_language_profile_tags_and_monitor() -> None:
    fake = FakeSonarr(KEY, version=V3_VERSION)
    fake.state.add_tag("keep")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app)) as http:
        client = Rig(fake, http).client()
        spec = TargetSpec(None, "Any", "French", monitor="sometimes", tags=("new", "keep"))
        with pytest.raises(PermanentError) as caught:
            await client.resolve_target(spec, await client.system_status())
    problems = str(caught.value).removeprefix("Sonarr sonarr.hd: ").split("; ")
    assert problems[0] == "no root folder is set up in Sonarr"
    assert problems[1] == "language profile 'French' not found (have: English)"
    assert problems[2].startswith("monitor 'sometimes' is not one of all, future,")
    assert problems[3] == "tag 'new' not found (have: keep) and create_tags is off"
    assert "POST" not in {c.method for c in fake.state.requests}


async def test_create_tags_creates_the_missing_ones(rig: Rig) -> None:
    keep = rig.fake.state.add_tag("keep")
    client = rig.client()
    spec = TargetSpec("/tv", None, None, tags=("Discovered", "keep", "tvmaze"), create_tags=True)
    resolved = await client.resolve_target(spec, await client.system_status())
    labels = {t["label"]: t["id"] for t in rig.fake.state.tags}
    assert set(labels) == {"keep", "discovered", "tvmaze"}
    assert resolved.tag_ids == (labels["discovered"], keep, labels["tvmaze"])
    assert rig.paths("POST") == ["/api/v3/tag", "/api/v3/tag"]


async def test_create_tags_waits_until_the_rest_is_right(rig: Rig) -> None:
    client = rig.client()
    spec = TargetSpec("/nowhere", None, None, tags=("new",), create_tags=True)
    with pytest.raises(PermanentError, match="root folder /nowhere not found"):
        await client.resolve_target(spec, await client.system_status())
    assert rig.fake.state.tags == [] and rig.paths("POST") == []


# -- adding ------------------------------------------------------------------------------


async def test_add_series_sends_what_sonarr_needs(rig: Rig) -> None:
    found = await looked_up(rig)
    tag = rig.fake.state.add_tag("tvmaze")
    outcome = await rig.client().add_series(found, target(rig, tag_ids=(tag,)))
    assert outcome.kind is AddKind.ADDED and outcome.series_id is not None
    [body] = rig.fake.state.series_posts
    assert body["addOptions"]["monitor"] == "all"
    assert body["addOptions"]["searchForMissingEpisodes"] is True
    assert body["tags"] == [tag] and body["seasonFolder"] is True and body["monitored"] is True
    assert body["rootFolderPath"] == "/tv"
    assert body["qualityProfileId"] == rig.fake.state.quality_profiles[0]["id"]
    identity = (body["title"], body["tvdbId"], body["titleSlug"])
    assert identity == ("Breaking Bad", 81189, "breaking-bad")
    assert body["images"] == found.resource["images"]
    assert body["seasons"] == found.resource["seasons"]
    if rig.fake.state.is_v3:
        assert body["languageProfileId"] == rig.fake.state.language_profiles[0]["id"]
    else:
        assert "languageProfileId" not in body
    assert 81189 in (await rig.client().existing_series()).tvdb_ids


async def test_add_series_without_search_and_other_monitoring(rig: Rig) -> None:
    found = await looked_up(rig)
    settings = target(rig, monitor="none", search_on_add=False)
    assert (await rig.client().add_series(found, settings)).kind is AddKind.ADDED
    [body] = rig.fake.state.series_posts
    assert body["addOptions"]["monitor"] == "none" and body["monitored"] is False
    assert body["addOptions"]["searchForMissingEpisodes"] is False


@pytest.mark.parametrize("refusal", ["validator", "409"])
async def test_already_added_is_exists(rig: Rig, refusal: str) -> None:
    found = await looked_up(rig)
    if refusal == "409":
        rig.fake.state.fail("/api/v3/series", 409, method="POST")
    else:
        rig.fake.state.add_series(81189, "Breaking Bad")  # added by someone else meanwhile
    outcome = await rig.client().add_series(found, target(rig))
    assert outcome.kind is AddKind.EXISTS
    if refusal == "validator":
        assert outcome.detail == "TvdbId: This series has already been added"


async def test_a_lookup_already_in_the_library_is_exists_without_a_post(rig: Rig) -> None:
    series_id = rig.fake.state.add_series(81189, "Breaking Bad")
    found = await rig.client().lookup_tvdb(81189)
    assert found is not None
    outcome = await rig.client().add_series(found, target(rig))
    assert (outcome.kind, outcome.series_id) == (AddKind.EXISTS, series_id)
    assert rig.paths("POST") == []


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ({"quality_profile_id": 999}, "QualityProfileId: Quality Profile does not exist"),
        ({"monitor": "sometimes"}, "One or more validation errors occurred.; The JSON value"),
    ],
)
async def test_other_400_is_failed_with_sonarrs_message(
    rig: Rig, change: dict[str, Any], detail: str
) -> None:
    found = await looked_up(rig)
    outcome = await rig.client().add_series(found, target(rig, **change))
    assert outcome.kind is AddKind.FAILED and outcome.detail.startswith(detail)
    assert rig.fake.state.series == []


# -- errors ------------------------------------------------------------------------------


async def test_401_is_an_auth_error_without_the_key(rig: Rig) -> None:
    wrong = "wrong-sonarr-key-fedcba9876543210"
    with pytest.raises(UpstreamAuthError) as caught:
        await rig.client(api_key=wrong).existing_series()
    assert caught.value.upstream == INSTANCE
    assert "HTTP 401" in str(caught.value) and "sonarr.hd.api_key" in str(caught.value)
    assert wrong not in str(caught.value) and KEY not in str(caught.value)


@pytest.mark.parametrize("status", [500, 503, 429])
async def test_5xx_and_429_are_transient(rig: Rig, status: int) -> None:
    rig.fake.state.fail("/api/v3/series", status, retry_after=12)
    with pytest.raises(TransientError) as caught:
        await rig.client().existing_series()
    assert caught.value.retry_after == 12
    assert await rig.client().existing_series() is not None  # the next call works


async def test_a_server_that_is_down_is_transient_for_adds_too(rig: Rig) -> None:
    found = await looked_up(rig)
    rig.fake.state.down = True
    with pytest.raises(TransientError, match="HTTP 503"):
        await rig.client().add_series(found, target(rig))


async def test_an_unexpected_4xx_is_permanent(rig: Rig) -> None:
    rig.fake.state.fail("/api/v3/rootfolder", 404)
    client = rig.client()
    with pytest.raises(PermanentError, match="HTTP 404"):
        await client.resolve_target(TargetSpec(None, None, None), SonarrStatus(V4_VERSION, 4))


async def test_an_answer_of_the_wrong_shape_is_permanent(rig: Rig) -> None:
    rig.fake.state.root_folders = [{"id": 1, "accessible": True}]  # no path
    with pytest.raises(PermanentError) as caught:
        await rig.client().resolve_target(TargetSpec(None, None, None), SonarrStatus("4.0", 4))
    message = str(caught.value)
    assert "GET http://sonarr:8989/api/v3/rootfolder: unexpected answer (0.path:" in message
    rig.fake.state.version = "nightly"
    with pytest.raises(PermanentError, match="unexpected version 'nightly'"):
        await rig.client().system_status()


async def test_a_refused_connection_is_transient() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again before the request
    async with make_client(timeout=2.0) as http:
        client = SonarrClient(
            f"http://127.0.0.1:{port}", KEY, client=http, instance=INSTANCE, redactor=Redactor()
        )
        with pytest.raises(TransientError, match="unreachable"):
            await client.system_status()


async def test_a_timeout_is_transient() -> None:
    fake = FakeSonarr(KEY)
    fake.state.delay = 2.0
    with LoopbackServer(fake.app) as server:
        async with make_client(timeout=0.2) as http:
            client = SonarrClient(
                server.url, KEY, client=http, instance=INSTANCE, redactor=Redactor()
            )
            with pytest.raises(TransientError, match="timed out"):
                await client.existing_series()


async def test_the_key_never_reaches_logs_or_errors(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[str] = []
    found = await looked_up(rig)
    rig.fake.state.down = True
    for call in (rig.client().existing_series, lambda: rig.client().add_series(found, target(rig))):
        with pytest.raises(TransientError) as caught:
            await call()
        errors.append(str(caught.value))
    assert KEY not in caplog.text  # it travels in a header, which nothing logs
    # A key pasted into the URL is masked in errors as well (runtime.logs masks httpx's lines).
    misplaced = rig.client(base_url=f"http://sonarr:8989/?apikey={KEY}")
    with pytest.raises(TransientError) as caught:
        await misplaced.system_status()
    errors.append(str(caught.value))
    assert all(KEY not in text for text in errors)
