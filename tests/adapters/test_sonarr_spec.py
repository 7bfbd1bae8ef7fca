"""Every request the Sonarr adapter makes exists in Sonarr's OpenAPI description.

The adapter runs every public method against the fake (v3, an early v4 and a current v4);
each recorded request must match a path template with that method, and each query
parameter must be declared for that operation with a value its schema allows (enum,
integer). The JSON bodies it POSTs may only use properties the schema declares (the
schemas forbid additional properties), and no read-only ones, with one exception the
spec cannot express: Sonarr v3 requires ``languageProfileId``, which the v4-era spec
marks read-only and deprecated.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.adapters.openapi_check import Call, OpenApiSpec, Operation

from arrkestra.adapters.sonarr import SonarrClient, TargetSpec
from arrkestra.core.redact import Redactor
from arrkestra.testing.fake_sonarr import V3_VERSION, V4_VERSION, FakeSonarr

SPEC = Path(__file__).resolve().parents[1] / "fixtures" / "specs" / "sonarr-openapi-v3.json"
KEY = "sonarr-spec-key-0123456789abcdef"
COMMON_OPERATIONS = {
    ("GET", "/api/v3/system/status"),
    ("GET", "/api/v3/series"),
    ("GET", "/api/v3/series/lookup"),
    ("POST", "/api/v3/series"),
    ("GET", "/api/v3/rootfolder"),
    ("GET", "/api/v3/qualityprofile"),
    ("GET", "/api/v3/tag"),
    ("POST", "/api/v3/tag"),
}
V3_ONLY = {("GET", "/api/v3/languageprofile")}


@cache
def checker() -> OpenApiSpec:
    return OpenApiSpec(json.loads(SPEC.read_text(encoding="utf-8")), name="the spec")


def match(method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
    return checker().match(method, path)


def violations(calls: Sequence[Call]) -> list[str]:
    return checker().violations(calls)


def operations_used(calls: Sequence[Call]) -> set[tuple[str, str]]:
    return checker().operations_used(calls)


def body_violations(schema: dict[str, Any], body: Any, where: str, allowed: set[str]) -> list[str]:
    return checker().body_violations(schema, body, where, allowed)


async def exercise(fake: FakeSonarr) -> None:
    """Every public method, paged (several pages) or plain exclusions, a created tag."""
    state = fake.state
    state.add_root_folder("/tv")
    state.add_series(121361, "Game of Thrones", tvmaze_id=82)
    state.add_to_catalogue(81189, "Breaking Bad", tvmaze_id=169)
    for n in range(3):
        state.add_exclusion(500 + n, f"Excluded {n}")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app)) as http:
        client = SonarrClient(
            "http://sonarr:8989",
            KEY,
            client=http,
            instance="sonarr.hd",
            redactor=Redactor(),
            page_size=2,
        )
        status = await client.system_status()
        await client.existing_series()
        assert await client.excluded_tvdb_ids(status) == {500, 501, 502}
        wanted = TargetSpec("/tv", "HD-1080p", "English", tags=("tvmaze",), create_tags=True)
        target = await client.resolve_target(wanted, status)
        found = await client.lookup_tvdb(81189)
        assert found is not None
        assert (await client.add_series(found, target)).kind == "added"
        assert await client.lookup_tvdb(1) is None


@pytest.mark.parametrize("version", [V3_VERSION, "4.0.1.929", V4_VERSION])
async def test_every_adapter_request_is_in_the_sonarr_spec(version: str) -> None:
    fake = FakeSonarr(KEY, version=version)
    await exercise(fake)
    calls = fake.state.requests
    assert violations(calls) == []
    exclusions = (
        "/importlistexclusion/paged" if fake.state.has_paged_exclusions else "/importlistexclusion"
    )
    expected = {*COMMON_OPERATIONS, ("GET", f"/api/v3{exclusions}")}
    if fake.state.is_v3:
        expected |= V3_ONLY
    assert operations_used(calls) == expected
    allowed = {"body.languageProfileId"} if fake.state.is_v3 else set()
    assert [path for path, _ in fake.state.posts] == ["/api/v3/tag", "/api/v3/series"]
    for path, body in fake.state.posts:
        op, _ = match("POST", path) or pytest.fail(f"POST {path} not in the spec")
        assert op.body is not None
        assert body_violations(op.body, body, "body", allowed) == []


@pytest.mark.parametrize(
    ("call", "complaint"),
    [
        (("GET", "/api/v3/lookup", {}), "no such operation"),
        (("PATCH", "/api/v3/series", {}), "no such operation"),
        (("GET", "/api/v3/series/lookup", {"tvdbId": "5"}), "'tvdbId' undeclared"),
        (("GET", "/api/v3/importlistexclusion/paged", {"sortDirection": "up"}), "not one of"),
        (("GET", "/api/v3/importlistexclusion/paged", {"page": "one"}), "not an integer"),
        (("GET", "/api/v3/series/abc", {}), "not an integer"),
    ],
)
def test_the_checker_catches_what_the_spec_does_not_allow(
    call: tuple[str, str, dict[str, str]], complaint: str
) -> None:
    [problem] = violations([call])
    assert complaint in problem


def test_the_body_checker_catches_unknown_and_read_only_properties() -> None:
    op, _ = match("POST", "/api/v3/series") or pytest.fail("no POST /series")
    assert op.body is not None
    body = {"title": "x", "languageProfileId": 1, "seasonFolders": True}
    body["addOptions"] = {"monitor": "everything"}
    assert body_violations(op.body, body, "body", set()) == [
        "body.languageProfileId: read-only",
        "body.seasonFolders: not a property of the schema",
        "body.addOptions.monitor: 'everything' not in "
        + str(checker().resolve({"$ref": "#/components/schemas/MonitorTypes"})["enum"]),
    ]


def test_literal_paths_win_over_templates() -> None:
    assert operations_used([("GET", "/api/v3/series/lookup", {})]) == {
        ("GET", "/api/v3/series/lookup")
    }
