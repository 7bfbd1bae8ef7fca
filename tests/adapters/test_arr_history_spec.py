"""Every request the history client makes exists in Sonarr's or Radarr's OpenAPI file.

The client runs every public method against the fake (Sonarr v3 and v4, Radarr v3 and v5),
through ``/history/since`` and through the paged fallback; each recorded request must match
a path template with that method, and each query parameter must be declared for that
operation with a value its schema allows. ``openapi_check`` checks enums and integers; this
file adds what it leaves open: booleans, integer arrays (``/history``'s ``eventType``) and
``date-time`` values (ISO 8601 with ``Z`` or an offset, a ``+`` percent-encoded).

One exception the spec cannot express: the v3 versions (Nancy) read ``/history/since``'s
``eventType`` with ``Convert.ToInt32``, so they get the number (history.md's table) where
the ASP.NET Core-era spec lists the camelCase names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import httpx
import pytest
from tests.adapters.openapi_check import Call, OpenApiSpec

from arrkestra.adapters.arr_history import ArrHistoryClient
from arrkestra.core.redact import Redactor
from arrkestra.testing.fake_arr_history import (
    RADARR_V3,
    RADARR_V5,
    SONARR_V3,
    SONARR_V4,
    FakeArr,
)

SPECS = Path(__file__).resolve().parents[1] / "fixtures" / "specs"
KEY = "arr-history-spec-key-0123456789abcdef"
VERSIONS = [
    ("sonarr", SONARR_V3),
    ("sonarr", SONARR_V4),
    ("radarr", RADARR_V3),
    ("radarr", RADARR_V5),
]
SINCE_NUMBERS = {"sonarr": {"3", "5", "6"}, "radarr": {"3", "6", "9"}}  # history.md
DATE_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
OPERATIONS = {
    "sonarr": {
        ("GET", "/api/v3/system/status"),
        ("GET", "/api/v3/history/since"),
        ("GET", "/api/v3/series"),
        ("GET", "/api/v3/series/{id}"),
        ("GET", "/api/v3/episode/{id}"),
    },
    "radarr": {
        ("GET", "/api/v3/system/status"),
        ("GET", "/api/v3/history/since"),
        ("GET", "/api/v3/movie"),
        ("GET", "/api/v3/movie/{id}"),
    },
}


@cache
def checker(kind: str) -> OpenApiSpec:
    document = json.loads((SPECS / f"{kind}-openapi-v3.json").read_text(encoding="utf-8"))
    return OpenApiSpec(document, name=f"the {kind} spec")


def schema_problems(spec: OpenApiSpec, calls: Sequence[Call]) -> list[str]:
    """Booleans, integer arrays and date-times, which ``OpenApiSpec.violations`` passes."""
    problems = []
    for method, path, query in calls:
        matched = spec.match(method, path)
        if matched is None:
            continue  # reported by violations()
        op = matched[0]
        for name, value in query.items():
            schema = spec.resolve(op.parameters.get(("query", name), {}))
            kind = schema.get("type")
            if kind == "array":
                kind = spec.resolve(schema.get("items", {})).get("type")
            where = f"{method} {op.template}: query {name}"
            if kind == "boolean" and value not in ("true", "false"):
                problems.append(f"{where}: {value!r} is not a boolean")
            elif kind == "integer" and not re.fullmatch(r"-?\d+", value):
                problems.append(f"{where}: {value!r} is not an integer")
            elif schema.get("format") == "date-time" and not DATE_TIME.fullmatch(value):
                problems.append(f"{where}: {value!r} is not an ISO 8601 date-time")
    return problems


def nancy_numbers(fake: FakeArr, calls: list[Call]) -> list[Call]:
    """v3's ``/since`` calls with their (numeric) eventType taken out, after checking it."""
    if not fake.is_v3:
        return calls
    kept = []
    for method, path, query in calls:
        if path.endswith("/history/since"):
            assert query["eventType"] in SINCE_NUMBERS[fake.kind]
            query = {k: v for k, v in query.items() if k != "eventType"}
        kept.append((method, path, query))
    return kept


async def exercise(fake: FakeArr) -> None:
    """Every public method; paging over several pages when ``/since`` is missing."""
    sonarr = fake.kind == "sonarr"
    if sonarr:
        item = fake.add_series("Show", path="/tv/Show", tvdb_id=1001)
        episode: int | None = fake.add_episode(item, 1, 1)
    else:
        item, episode = fake.add_movie("Film", path="/movies/Film", tmdb_id=2002), None
    for hour in (20, 21, 22):
        fake.add_import(item, episode, f"/media/{hour}.mkv", date=f"2026-11-30T{hour}:00:00Z")
    fake.add_delete(item, episode, "/media/20.mkv", "Upgrade", date="2026-11-30T21:00:01Z")
    fake.add_rename(item, episode, "/media/21.mkv", "/media/x.mkv", date="2026-11-30T21:30:00Z")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app)) as http:
        client = ArrHistoryClient(
            fake.kind,  # type: ignore[arg-type]
            "http://arr:8989",
            KEY,
            client=http,
            redactor=Redactor(),
            upstream=f"{fake.kind}.hd",
        )
        await client.status()
        since = datetime(2026, 11, 30, 20, 30, tzinfo=UTC)
        batch = await client.history(since, ("import", "delete", "rename"), page_size=1)
        assert len(batch.records) == 4
        if sonarr:
            await client.series(item)
            await client.episode(episode or 0)
        else:
            await client.movie(item)
        assert len(await client.library()) == 1


@pytest.mark.parametrize("since_route", [True, False], ids=["since", "paged"])
@pytest.mark.parametrize(("kind", "version"), VERSIONS, ids=[f"{k}-{v[0]}" for k, v in VERSIONS])
async def test_every_request_is_in_the_spec(kind: str, version: str, since_route: bool) -> None:
    fake = FakeArr(kind, KEY, version=version)
    fake.since_route = since_route
    await exercise(fake)
    spec, calls = checker(kind), list(fake.calls)
    assert spec.violations(nancy_numbers(fake, calls)) == []
    assert schema_problems(spec, calls) == []
    expected = OPERATIONS[kind] | ({("GET", "/api/v3/history")} if not since_route else set())
    assert spec.operations_used(calls) == expected
    if not since_route:
        assert len([c for c in calls if c.path == "/api/v3/history"]) > 3  # several pages
    assert all("+" not in raw for raw in fake.raw_queries)


@pytest.mark.parametrize(
    ("call", "complaint"),
    [
        (("GET", "/api/v3/history", {"eventType": "downloadFolderImported"}), "not an integer"),
        (("GET", "/api/v3/history", {"includeSeries": "yes"}), "not a boolean"),
        (("GET", "/api/v3/history/since", {"date": "2026-11-30T21:00:00 01:00"}), "ISO 8601"),
        (("GET", "/api/v3/history/since", {"date": "30/11/2026"}), "ISO 8601"),
    ],
)
def test_the_extra_checks_catch_what_the_spec_does_not_allow(
    call: tuple[str, str, dict[str, str]], complaint: str
) -> None:
    [problem] = schema_problems(checker("sonarr"), [call])
    assert complaint in problem


@pytest.mark.parametrize(
    ("kind", "call", "complaint"),
    [
        (
            "sonarr",
            ("GET", "/api/v3/history/since", {"eventType": "movieFileDeleted"}),
            "not one of",
        ),
        ("radarr", ("GET", "/api/v3/history/since", {"includeSeries": "true"}), "undeclared"),
        ("radarr", ("GET", "/api/v3/history", {"includeEpisode": "true"}), "undeclared"),
        ("radarr", ("GET", "/api/v3/episode/1", {}), "no such operation"),
        ("sonarr", ("GET", "/api/v3/history", {"sortDirection": "down"}), "not one of"),
    ],
)
def test_the_spec_tells_sonarr_from_radarr(
    kind: str, call: tuple[str, str, dict[str, str]], complaint: str
) -> None:
    [problem] = checker(kind).violations([call])
    assert complaint in problem
