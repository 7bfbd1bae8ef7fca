"""The Jellyfin/Emby adapter and the fake against Jellyfin's OpenAPI document.

``tests/fixtures/specs/jellyfin-openapi-subset.json`` holds the four operations arrkestra
uses and the schemas they reference, cut unchanged from the shared document (one test
checks that it still is). Every request the adapter makes must be one of those
operations, carry the key as the document's security scheme (or X-Emby-Token) says, and
send a body MediaUpdateInfoDto accepts; every answer of the fake must fit its schema, and
the fake must refuse what the schema refuses.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs
import pytest
from tests.adapters.openapi_check import Call, OpenApiSpec

from arrkestra.adapters.media_browser import MediaBrowserClient
from arrkestra.core.job_kinds.server_update import MediaChange, ServerKind
from arrkestra.core.redact import Redactor
from arrkestra.testing.fake_media_browser import FakeMediaBrowser

REPOSITORY = Path(__file__).resolve().parents[2]
SUBSET = REPOSITORY / "tests" / "fixtures" / "specs" / "jellyfin-openapi-subset.json"
SHARED = REPOSITORY.parent / "shared" / "specs" / "jellyfin-openapi-stable.json"
KEY = "spec-check-key-0123456789abcdef"
USED = {
    ("POST", "/Library/Media/Updated"),
    ("GET", "/System/Info"),
    ("GET", "/Library/VirtualFolders"),
}
CHANGES = [
    MediaChange(path="/media/tv/Amélie & Co #1 [2001]/Season 01/x.mkv", type="Created"),
    MediaChange(path="D:\\Media\\TV\\Show\\Season 01\\y.mkv", type="Modified"),
    MediaChange(path="/media/tv/Show/Season 01", type="Deleted"),
]


@cache
def subset() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(SUBSET.read_text(encoding="utf-8"))
    return document


def validator(schema: dict[str, Any]) -> jsonschema_rs.Draft4Validator:
    """A validator of ``schema`` whose ``$ref``s resolve in the subset's components
    (OpenAPI 3.0 schemas are JSON Schema draft 4 with extensions, ignored here)."""
    return jsonschema_rs.Draft4Validator({**schema, "components": subset()["components"]})


def schema_errors(schema: dict[str, Any], value: Any) -> list[str]:
    return [error.message for error in validator(schema).iter_errors(value)]


def answer_schema(path: str, method: str = "get") -> dict[str, Any]:
    content = subset()["paths"][path][method]["responses"]["200"]["content"]
    schema: dict[str, Any] = content["application/json"]["schema"]
    return schema


def body_schema() -> dict[str, Any]:
    content = subset()["paths"]["/Library/Media/Updated"]["post"]["requestBody"]["content"]
    schema: dict[str, Any] = content["application/json"]["schema"]
    return schema


def test_the_subset_is_the_shared_document_s_own_text() -> None:
    if not SHARED.exists():
        pytest.skip(f"{SHARED} is absent")
    shared = json.loads(SHARED.read_text(encoding="utf-8"))
    mine = subset()
    assert mine["openapi"] == shared["openapi"]
    assert mine["info"] == shared["info"]
    for path, operations in mine["paths"].items():
        for method, operation in operations.items():
            assert operation == shared["paths"][path][method], f"{method} {path}"
    for name, schema in mine["components"]["schemas"].items():
        assert schema == shared["components"]["schemas"][name], name
    assert mine["components"]["securitySchemes"] == shared["components"]["securitySchemes"]


def test_the_subset_holds_every_schema_its_operations_reach() -> None:
    text = json.dumps(subset()["paths"]) + json.dumps(subset()["components"]["schemas"])
    names = {ref.split('"')[0] for ref in text.split('"#/components/schemas/')[1:]}
    assert names <= set(subset()["components"]["schemas"])


async def exercise(
    kind: ServerKind, *, legacy_auth: bool
) -> tuple[FakeMediaBrowser, list[httpx.Request]]:
    """Every public method of the adapter against a fake, every request recorded."""
    fake = FakeMediaBrowser(
        kind, KEY, [("Shows", "tvshows", ["/media/tv"])], legacy_auth=legacy_auth
    )
    requests: list[httpx.Request] = []

    async def record(request: httpx.Request) -> None:
        requests.append(request)

    transport = httpx.ASGITransport(app=fake.app)
    async with httpx.AsyncClient(transport=transport, event_hooks={"request": [record]}) as http:
        client = MediaBrowserClient(
            kind,
            "http://media.test:8096",
            KEY,
            client=http,
            redactor=Redactor(),
            upstream=f"{kind}.default",
        )
        await client.check_auth()
        await client.system_info()
        await client.libraries()
        await client.report_updates(CHANGES)
        await client.report_updates(CHANGES[:1])
    return fake, requests


@pytest.mark.parametrize("legacy_auth", [False, True])
@pytest.mark.parametrize("kind", ["jellyfin", "emby"])
async def test_every_request_is_an_operation_of_the_document(
    kind: ServerKind, legacy_auth: bool
) -> None:
    fake, requests = await exercise(kind, legacy_auth=legacy_auth)
    spec = OpenApiSpec(subset(), name=SUBSET.name, root="/emby" if kind == "emby" else "")
    calls: list[Call] = [(r.method, r.url.path, dict(r.url.params)) for r in requests]
    assert spec.violations(calls) == []
    assert spec.operations_used(calls) == USED
    assert len(fake.updates) == 2


@pytest.mark.parametrize("legacy_auth", [False, True])
async def test_every_request_carries_the_key_as_the_document_says(legacy_auth: bool) -> None:
    _, requests = await exercise("jellyfin", legacy_auth=legacy_auth)
    scheme = subset()["components"]["securitySchemes"]["CustomAuthentication"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    for request in requests:
        if "authorization" in request.headers:
            assert request.headers["authorization"] == f'MediaBrowser Token="{KEY}"'
            assert "x-emby-token" not in request.headers
        else:  # the older servers' header, after their 401
            assert legacy_auth
            assert request.headers["x-emby-token"] == KEY
        assert KEY not in str(request.url)


async def test_every_body_sent_is_a_media_update_info_dto() -> None:
    fake, requests = await exercise("jellyfin", legacy_auth=True)
    bodies = [json.loads(r.content) for r in requests if r.method == "POST"]
    assert len(bodies) == 2  # the older server's 401 came to check_auth, before them
    for body in bodies:
        assert schema_errors(body_schema(), body) == []
        assert all(u["UpdateType"] in ("Created", "Modified", "Deleted") for u in body["Updates"])
    assert fake.updates == [body["Updates"] for body in bodies]
    assert fake.updates[0] == [{"Path": c.path, "UpdateType": c.type} for c in CHANGES]


@pytest.mark.parametrize("kind", ["jellyfin", "emby"])
async def test_the_fake_s_answers_fit_the_document(kind: str) -> None:
    fake = FakeMediaBrowser(
        kind, KEY, [("Shows", "tvshows", ["/media/tv"]), ("Home", "", ["/media/home"])]
    )
    prefix = "/emby" if kind == "emby" else ""
    transport = httpx.ASGITransport(app=fake.app)
    headers = {"Authorization": f'MediaBrowser Token="{KEY}"'}
    async with httpx.AsyncClient(transport=transport, base_url="http://media.test") as http:
        for path in ("/System/Info", "/System/Info/Public", "/Library/VirtualFolders"):
            response = await http.get(prefix + path, headers=headers)
            assert response.status_code == 200, path
            assert schema_errors(answer_schema(path), response.json()) == [], path


@pytest.mark.parametrize(
    "body",
    [
        {"Updates": [{"Path": "/media/tv/x.mkv", "UpdateType": "Created", "Extra": 1}]},
        {"Updates": [{"Path": 3, "UpdateType": "Created"}]},
        {"Updates": [{"Path": "/media/tv/x.mkv", "UpdateType": "Created"}], "Other": []},
        {"Updates": {"Path": "/media/tv/x.mkv", "UpdateType": "Created"}},
    ],
)
async def test_the_fake_refuses_bodies_the_schema_refuses(body: dict[str, Any]) -> None:
    assert schema_errors(body_schema(), body) != []
    fake = FakeMediaBrowser("jellyfin", KEY)
    transport = httpx.ASGITransport(app=fake.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://media.test") as http:
        response = await http.post(
            "/Library/Media/Updated", json=body, headers={"X-Emby-Token": KEY}
        )
    assert response.status_code == 400
    assert response.json()["status"] == 400
    assert fake.updates == []
