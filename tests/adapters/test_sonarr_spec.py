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
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest

from arrkestra.adapters.sonarr import SonarrClient, TargetSpec
from arrkestra.core.redact import Redactor
from arrkestra.testing.fake_sonarr import V3_VERSION, V4_VERSION, FakeSonarr

SPEC = Path(__file__).resolve().parents[1] / "fixtures" / "specs" / "sonarr-openapi-v3.json"
KEY = "sonarr-spec-key-0123456789abcdef"
METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}
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


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    pattern: re.Pattern[str]
    parameters: dict[tuple[str, str], dict[str, Any]]  # (in, name) -> resolved schema
    body: dict[str, Any] | None  # resolved JSON request body schema

    @property
    def literal_length(self) -> int:
        return len(re.sub(r"\{[^}]+\}", "", self.template))


@cache
def spec() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SPEC.read_text(encoding="utf-8"))
    return data


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        schema = spec()["components"]["schemas"][name]
    return schema


@cache
def operations() -> tuple[Operation, ...]:
    found = []
    for template, item in spec()["paths"].items():
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        for method, op in item.items():
            if method not in METHODS:
                continue
            declared = [*item.get("parameters", []), *op.get("parameters", [])]
            parameters = {(p["in"], p["name"]): resolve(p.get("schema", {})) for p in declared}
            content = op.get("requestBody", {}).get("content", {})
            body = content.get("application/json", {}).get("schema")
            body = resolve(body) if body else None
            found.append(
                Operation(method.upper(), template, re.compile(f"^{regex}$"), parameters, body)
            )
    # a literal segment beats a template one: /series/lookup before /series/{id}
    return tuple(sorted(found, key=lambda op: -op.literal_length))


def value_problem(value: str, schema: dict[str, Any]) -> str | None:
    if "enum" in schema and value not in [str(v) for v in schema["enum"]]:
        return f"{value!r} is not one of {schema['enum']}"
    if schema.get("type") == "integer" and not re.fullmatch(r"-?\d+", value):
        return f"{value!r} is not an integer"
    return None


def match(method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
    for op in operations():
        found = op.pattern.match(path)
        if op.method == method and found:
            return op, found.groupdict()
    return None


def violations(calls: Sequence[tuple[str, str, dict[str, str]]]) -> list[str]:
    problems = []
    for method, path, query in calls:
        matched = match(method, path)
        if matched is None:
            problems.append(f"{method} {path}: no such operation in the spec")
            continue
        op, path_values = matched
        values = [("path", k, v) for k, v in path_values.items()]
        values += [("query", k, v) for k, v in query.items()]
        for where, name, value in values:
            if (where, name) not in op.parameters:
                problems.append(f"{method} {op.template}: {where} parameter {name!r} undeclared")
            elif problem := value_problem(value, op.parameters[(where, name)]):
                problems.append(f"{method} {op.template}: {where} {name}: {problem}")
    return problems


def body_violations(schema: dict[str, Any], body: Any, where: str, allowed: set[str]) -> list[str]:
    """Properties the schema lacks or marks read-only; enum values it does not list."""
    schema = resolve(schema)
    if "enum" in schema:
        return [] if body in schema["enum"] else [f"{where}: {body!r} not in {schema['enum']}"]
    if schema.get("type") == "array" and isinstance(body, list):
        return [p for item in body for p in body_violations(schema["items"], item, where, allowed)]
    if not isinstance(body, dict) or "properties" not in schema:
        return []
    problems = []
    for name, value in body.items():
        prop = schema["properties"].get(name)
        path = f"{where}.{name}"
        if prop is None:
            problems.append(f"{path}: not a property of the schema")
        elif prop.get("readOnly") and path not in allowed:
            problems.append(f"{path}: read-only")
        else:
            problems += body_violations(prop, value, path, allowed)
    return problems


def operations_used(calls: Sequence[tuple[str, str, dict[str, str]]]) -> set[tuple[str, str]]:
    return {(m, found[0].template) for m, p, _ in calls if (found := match(m, p))}


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
        + str(resolve({"$ref": "#/components/schemas/MonitorTypes"})["enum"]),
    ]


def test_literal_paths_win_over_templates() -> None:
    assert operations_used([("GET", "/api/v3/series/lookup", {})]) == {
        ("GET", "/api/v3/series/lookup")
    }
