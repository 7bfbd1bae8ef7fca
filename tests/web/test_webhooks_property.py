"""Arbitrary bytes and arbitrary JSON at every webhook route: never a 5xx, never a crash."""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import API_KEY, base_config, write_config

from arrkestra.config import load_settings
from arrkestra.core.events import KNOWN_EVENT_TYPES
from arrkestra.runtime.services import open_services
from arrkestra.testing.loopback import LoopbackServer
from arrkestra.web.app import create_app

ROUTES = ["/webhook/sonarr/hd", "/webhook/radarr/hd", "/webhook/sonarr", "/sync/radarr"]
EVENT_TYPES = sorted({t for types in KNOWN_EVENT_TYPES.values() for t in types})

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)  # beyond: 400 (tests/faults)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=25,
)
# objects that look like webhooks: a known (or random) eventType plus garbage in the usual places
event_like = st.fixed_dictionaries(
    {"eventType": st.sampled_from(EVENT_TYPES) | st.text(min_size=1, max_size=20)},
    optional={
        "series": json_values,
        "movie": json_values,
        "episodes": json_values,
        "episodeFile": json_values,
        "episodeFiles": json_values,
        "movieFile": json_values,
        "deletedFiles": json_values,
        "renamedEpisodeFiles": json_values,
        "renamedMovieFiles": json_values,
        "release": json_values,
        "isUpgrade": json_values,
        "deleteReason": json_values,
        "instanceName": json_values,
    },
)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    tmp: Path = tmp_path_factory.mktemp("prop")
    instances: dict[str, Any] = {
        "sonarr": {"hd": {"url": "http://sonarr:8989", "default": True}},
        "radarr": {"hd": {"url": "http://radarr:7878", "default": True}},
    }
    data = base_config(tmp, server={"rate_limit": None}, **instances)
    app_settings = load_settings(write_config(tmp, data), {})
    services = open_services(app_settings, daemon=True)
    with (
        LoopbackServer(create_app(app_settings, services), lifespan=True) as server,
        httpx.Client(base_url=server.url, timeout=10) as http,
    ):
        yield http


def check(client: httpx.Client, route: str, content: bytes, method: str = "POST") -> None:
    answer = client.request(
        method, route, content=content, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code < 500, (answer.status_code, answer.text)
    assert answer.status_code in (200, 202, 400), answer.text
    assert "error" in answer.json() or "event_id" in answer.json()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(route=st.sampled_from(ROUTES), body=st.binary(max_size=300))
def test_arbitrary_bytes(client: httpx.Client, route: str, body: bytes) -> None:
    check(client, route, body)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(route=st.sampled_from(ROUTES), value=json_values)
def test_arbitrary_json(client: httpx.Client, route: str, value: Any) -> None:
    check(client, route, json.dumps(value).encode())


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(route=st.sampled_from(ROUTES), value=event_like, method=st.sampled_from(["POST", "PUT"]))
def test_arbitrary_event_shaped_objects_are_stored(
    client: httpx.Client, route: str, value: Any, method: str
) -> None:
    answer = client.request(
        method,
        route,
        content=json.dumps(value).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code in (200, 202), answer.text
    assert isinstance(answer.json()["event_id"], int)


def all_routes() -> list[tuple[str, str]]:
    """Every (method, path template) the daemon serves, from a throwaway app's OpenAPI."""
    tmp = Path(tempfile.mkdtemp())
    config = write_config(tmp, base_config(tmp))
    paths: dict[str, dict[str, Any]] = create_app(load_settings(config, {})).openapi()["paths"]
    return sorted((method.upper(), path) for path, ops in paths.items() for method in ops)


ALL_ROUTES = all_routes()


def test_the_route_list_is_complete() -> None:
    assert ("POST", "/webhook/sonarr/{instance}") in ALL_ROUTES
    assert ("POST", "/api/v1/events/{event_id}/replay") in ALL_ROUTES
    assert len(ALL_ROUTES) > 20


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    route=st.sampled_from(ALL_ROUTES),
    body=st.binary(max_size=200) | json_values.map(lambda v: json.dumps(v).encode()),
    param=st.integers(min_value=-5, max_value=2**63)
    | st.text(alphabet=st.characters(categories=["L", "N"]), max_size=10),
    query=st.dictionaries(
        st.sampled_from(["limit", "before", "status", "since", "type", "token"]),
        st.text(max_size=8),
        max_size=3,
    ),
)
def test_no_route_answers_5xx_to_anything(
    client: httpx.Client,
    route: tuple[str, str],
    body: bytes,
    param: int | str,
    query: dict[str, str],
) -> None:
    method, template = route
    path = re.sub(r"\{[^}]+\}", str(param) or "x", template)
    answer = client.request(
        method, path, content=body, params=query, headers={"X-Api-Key": API_KEY}
    )
    assert answer.status_code < 500, (method, path, answer.status_code, answer.text)
