"""Every request the Overseerr adapter makes exists in the server's OpenAPI description.

The adapter runs a representative set of calls against the fake; each recorded request
must match a path template with that method, and each query parameter must be declared
for that operation with a value its schema allows (enum, number).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import httpx
import pytest
import yaml
from tests.adapters.conftest import OVERSEERR_KEY, OverseerrRig
from tests.adapters.openapi_check import Call, OpenApiSpec

from arrkestra.adapters.overseerr import OverseerrClient
from arrkestra.core.redact import Redactor
from arrkestra.testing.fake_overseerr import FakeOverseerr

SPECS = Path(__file__).resolve().parents[1] / "fixtures" / "specs"
API_ROOT = "/api/v1"  # servers: '{server}/api/v1'
EXPECTED_OPERATIONS = {
    ("GET", "/status"),
    ("GET", "/auth/me"),
    ("GET", "/movie/{movieId}"),
    ("GET", "/tv/{tvId}"),
    ("GET", "/media"),
    ("DELETE", "/media/{mediaId}"),
    ("GET", "/request"),
    ("DELETE", "/request/{requestId}"),
}


@cache
def checker(spec_file: str) -> OpenApiSpec:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    document = yaml.load((SPECS / spec_file).read_text(encoding="utf-8"), Loader=loader)
    return OpenApiSpec(document, name=spec_file, root=API_ROOT)


def violations(spec_file: str, calls: list[Call]) -> list[str]:
    return checker(spec_file).violations(calls)


def operations_used(spec_file: str, calls: list[Call]) -> set[tuple[str, str]]:
    return checker(spec_file).operations_used(calls)


async def exercise(client: OverseerrClient, fake: FakeOverseerr) -> None:
    """A representative run: every public method, every lookup path, both deletes."""
    await client.status()
    await client.check_auth()
    movie = fake.add_media(media_type="movie", tmdb_id=603, requests=[(False, 2)])
    series = fake.add_media(media_type="tv", tmdb_id=1399, tvdb_id=121361)
    fake.add_request(series, is_4k=True, status=1)
    assert await client.find_movie(603) is not None
    assert await client.find_movie(999_999) is None  # 500, then the index
    assert await client.find_tv(tmdb_id=1399, tvdb_id=121361) is not None
    fake.tmdb_failing = True
    found = await client.find_tv(tmdb_id=1399, tvdb_id=None)  # index, then /request
    assert found is not None and found.requests
    assert await client.find_tv(tmdb_id=None, tvdb_id=121361) is not None
    assert await client.delete_request(found.requests[0].id)
    assert await client.delete_media(movie)
    assert not await client.delete_media(movie)


async def test_every_adapter_request_is_in_the_overseerr_spec(rig: OverseerrRig) -> None:
    await exercise(rig.client(page_size=1), rig.fake)
    assert violations("overseerr-api.yml", rig.fake.calls) == []
    assert operations_used("overseerr-api.yml", rig.fake.calls) == EXPECTED_OPERATIONS


async def test_every_adapter_request_is_in_the_jellyseerr_spec() -> None:
    fake = FakeOverseerr(OVERSEERR_KEY, jellyseerr=True)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app)) as http:
        client = OverseerrClient(
            "http://jellyseerr:5055",
            OVERSEERR_KEY,
            client=http,
            redactor=Redactor.of([]),
            clock=lambda: 0.0,
        )
        await exercise(client, fake)
    assert violations("jellyseerr-api.yml", fake.calls) == []
    assert operations_used("jellyseerr-api.yml", fake.calls) == EXPECTED_OPERATIONS


@pytest.mark.parametrize(
    ("call", "complaint"),
    [
        (("GET", "/api/v1/lookup/5", {}), "no such operation"),
        (("PUT", "/api/v1/media/5", {}), "no such operation"),
        (("GET", "/api/v1/media", {"tmdbId": "5"}), "'tmdbId' undeclared"),
        (("GET", "/api/v1/media", {"filter": "deleted"}), "not one of"),
        (("GET", "/api/v1/request", {"take": "ten"}), "not a number"),
        (("GET", "/api/v1/movie/abc", {}), "not a number"),
    ],
)
def test_the_checker_catches_what_the_spec_does_not_allow(
    call: tuple[str, str, dict[str, str]], complaint: str
) -> None:
    [problem] = violations("overseerr-api.yml", [call])
    assert complaint in problem


def test_literal_paths_win_over_templates() -> None:
    assert violations("overseerr-api.yml", [("GET", "/api/v1/request/count", {})]) == []
    used = operations_used("overseerr-api.yml", [("GET", "/api/v1/request/count", {})])
    assert used == {("GET", "/request/count")}
