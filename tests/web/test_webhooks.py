"""Webhook routes through the real app and a real database file."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest
from tests.conftest import API_KEY
from tests.web.conftest import AppFactory

SECRET = "hook-secret-0123456789"
KEY = {"X-Api-Key": API_KEY}
DELETE = {
    "eventType": "SeriesDelete",
    "series": {"id": 7, "title": "Show", "tvdbId": 81189, "path": "/tv/Show"},
    "deletedFiles": True,
    "instanceName": "Sonarr",
}
MOVIE_DELETE = {
    "eventType": "MovieDelete",
    "movie": {"id": 3, "title": "Film", "tmdbId": 603, "folderPath": "/movies/Film"},
    "deletedFiles": False,
}
INSTANCES: dict[str, Any] = {
    "sonarr": {
        "hd": {"url": "http://sonarr:8989", "default": True, "webhook": {"secret": SECRET}},
        "uhd": {
            "url": "http://sonarr-4k:8989",
            "is_4k": True,
            "webhook": {"username": "sonarr", "password": "pässwörd", "header": "X-Hook"},
        },
    },
    "radarr": {"hd": {"url": "http://radarr:7878"}},
}


def basic(user: str, password: str, encoding: str) -> dict[str, str]:
    return {
        "Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode(encoding)).decode()
    }


async def post(
    client: httpx.AsyncClient, path: str, body: Any = DELETE, **kwargs: Any
) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json", **kwargs.pop("headers", {})}
    return await client.request(
        kwargs.pop("method", "POST"), path, content=content, headers=headers, **kwargs
    )


async def stored(client: httpx.AsyncClient, event_id: int) -> dict[str, Any]:
    answer = await client.get(f"/api/v1/events/{event_id}", headers={"X-Api-Key": API_KEY})
    assert answer.status_code == 200
    result: dict[str, Any] = answer.json()
    return result


async def test_a_known_event_is_stored_then_answered_202(running_app: AppFactory) -> None:
    async with running_app(**INSTANCES) as r:
        answer = await post(r.client, "/webhook/sonarr/hd", headers={"X-Webhook-Secret": SECRET})
        assert answer.status_code == 202
        body = answer.json()
        assert body["jobs"] == [] and "cleanup is not configured" in body["note"]
        event = await stored(r.client, body["event_id"])
    assert (event["source"], event["instance"], event["event_type"]) == (
        "sonarr",
        "hd",
        "SeriesDelete",
    )
    assert event["body"]["series"]["tvdbId"] == 81189 and event["routed_to"] == []


@pytest.mark.parametrize(
    "path", ["/webhook/sonarr", "/sync/sonarr", "/webhook/radarr", "/sync/radarr"]
)
async def test_the_replaced_tools_urls_reach_the_default_instance(
    running_app: AppFactory, path: str
) -> None:
    async with running_app(**INSTANCES) as r:
        answer = await post(
            r.client, f"{path}?token={SECRET}", {**DELETE, "eventType": "Grab"}, method="PUT"
        )
        assert answer.status_code == 202, answer.text
        event = await stored(r.client, answer.json()["event_id"])
    assert event["instance"] == "hd" and event["source"] == path.rsplit("/", 1)[1]


async def test_unknown_instances_and_missing_defaults_are_404(running_app: AppFactory) -> None:
    two_without_default = {"radarr": {"a": {"url": "http://r:1"}, "b": {"url": "http://r:2"}}}
    async with running_app(**two_without_default) as r:
        unknown = await post(r.client, "/webhook/radarr/nope")
        no_default = await post(r.client, "/webhook/radarr")
        typo_of_implied = await post(r.client, "/webhook/sonarr/hd")
    assert unknown.status_code == no_default.status_code == typo_of_implied.status_code == 404
    assert "nope" in unknown.json()["detail"] and "default: true" in no_default.json()["detail"]


@pytest.mark.parametrize("path", ["/webhook/sonarr", "/sync/sonarr", "/webhook/radarr"])
async def test_legacy_urls_work_with_no_instance_configured(
    running_app: AppFactory, path: str
) -> None:
    """ArrSync and sync-webhook needed no instance: the legacy URL implies ``default``."""
    async with running_app() as r:
        answer = await post(r.client, path)
        event = await stored(r.client, answer.json()["event_id"])
    assert answer.is_success  # stored (a SeriesDelete sent to Radarr is stored, ignored)
    assert event["instance"] == "default" and event["source"] == path.rsplit("/", 1)[1]


async def test_webhook_secret_guards_the_implied_instance(running_app: AppFactory) -> None:
    implied = {"sonarr": {"default": {"webhook": {"secret": SECRET}}}}  # what WEBHOOK_SECRET makes
    async with running_app(**implied) as r:
        refused = await post(r.client, "/webhook/sonarr")
        taken = await post(r.client, "/webhook/sonarr", headers={"X-Webhook-Secret": SECRET})
    assert (refused.status_code, taken.status_code) == (401, 202)
    detail = refused.json()["detail"]  # which credential, and where it is set
    assert "X-Webhook-Secret header or ?token=" in detail and "WEBHOOK_SECRET" in detail
    assert SECRET not in refused.text


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        ("/webhook/sonarr/hd", {"X-Webhook-Secret": SECRET}, 202),
        ("/webhook/sonarr/hd?token=" + SECRET, {}, 202),
        ("/webhook/sonarr/hd", {}, 401),
        ("/webhook/sonarr/hd", {"X-Webhook-Secret": "wrong"}, 401),
        ("/webhook/sonarr/hd?token=wrong", {}, 401),
        ("/webhook/sonarr/hd", {"X-Webhook-Secret": "sécret".encode()}, 401),
        ("/webhook/sonarr/uhd", basic("sonarr", "pässwörd", "latin-1"), 202),  # how Sonarr encodes
        ("/webhook/sonarr/uhd", basic("sonarr", "pässwörd", "utf-8"), 202),  # how curl encodes
        ("/webhook/sonarr/uhd", basic("sonarr", "passwort", "utf-8"), 401),
        ("/webhook/sonarr/uhd", basic("someone", "pässwörd", "latin-1"), 401),
        ("/webhook/sonarr/uhd", {"Authorization": "Basic !!!notbase64"}, 401),
        ("/webhook/sonarr/uhd", {"Authorization": "Bearer xyz"}, 401),
        ("/webhook/radarr/hd", {}, 202),  # no credential configured: accepted (and flagged)
    ],
)
async def test_authentication(
    running_app: AppFactory, path: str, headers: dict[str, Any], status: int
) -> None:
    body = MOVIE_DELETE if "radarr" in path else DELETE
    async with running_app(**INSTANCES) as r:
        answer = await post(r.client, path, body, headers=headers)
    assert answer.status_code == status, answer.text
    if status == 401:
        assert SECRET not in answer.text and answer.json()["error"] == "unauthorized"


async def test_unauthenticated_instances_are_listed_on_health(running_app: AppFactory) -> None:
    async with running_app(**INSTANCES) as r:
        notes = (await r.client.get("/health")).json()["notes"]
    assert "unauthenticated webhooks: radarr.hd" in notes


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty"),
        (b"not json at all", "not JSON"),
        (b"[1, 2, 3]", "not an object"),
        (b'{"series": {}}', "no string eventType"),
        (b'{"eventType": 42}', "no string eventType"),
        (b'{"eventType": ""}', "no string eventType"),
        (b'{"eventType": "Download", "x": "\xff\xfe"}', "UTF-8"),
        (b"[" * 100_000, "nested too deeply"),
    ],
)
async def test_only_bodies_that_are_not_event_objects_get_400(
    running_app: AppFactory, body: bytes, reason: str
) -> None:
    async with running_app(**INSTANCES, server={"body_limit": "1MiB"}) as r:
        answer = await post(r.client, "/webhook/radarr/hd", body)
    assert answer.status_code == 400
    assert reason in answer.json()["detail"]


async def test_unknown_event_types_are_stored_and_ignored(running_app: AppFactory) -> None:
    async with running_app(**INSTANCES) as r:
        answer = await post(r.client, "/webhook/radarr/hd", {"eventType": "SomethingNew", "x": 1})
        assert answer.status_code == 200
        assert answer.json()["status"] == "ignored"
        event = await stored(r.client, answer.json()["event_id"])
    assert event["event_type"] == "SomethingNew"


async def test_test_events_answer_200_and_are_recorded(running_app: AppFactory) -> None:
    async with running_app(**INSTANCES) as r:
        answer = await post(
            r.client, "/webhook/radarr/hd", {"eventType": "Test", "instanceName": "Radarr"}
        )
        events = (
            await r.client.get(
                "/api/v1/events", params={"type": "Test"}, headers={"X-Api-Key": API_KEY}
            )
        ).json()
    assert answer.status_code == 200
    assert answer.json()["detail"] == "radarr/hd can reach arrkestra"
    assert [e["id"] for e in events["events"]] == [answer.json()["event_id"]]


async def test_a_redelivery_answers_200_with_the_original_event(running_app: AppFactory) -> None:
    async with running_app(**INSTANCES) as r:
        first = await post(
            r.client, "/webhook/sonarr/uhd", DELETE, headers=basic("sonarr", "pässwörd", "utf-8")
        )
        again = await post(
            r.client, "/webhook/sonarr/uhd", DELETE, headers=basic("sonarr", "pässwörd", "latin-1")
        )
        other_instance = await post(r.client, f"/webhook/sonarr/hd?token={SECRET}", DELETE)
        count = len(
            (await r.client.get("/api/v1/events", headers={"X-Api-Key": API_KEY})).json()["events"]
        )
    assert first.status_code == 202 and again.status_code == 200
    assert again.json() == {"status": "duplicate", "event_id": first.json()["event_id"], "jobs": []}
    assert other_instance.status_code == 202 and count == 2


async def test_bodies_over_the_limit_are_413(running_app: AppFactory) -> None:
    async with running_app(**INSTANCES, server={"body_limit": "2KiB"}) as r:
        answer = await post(r.client, "/webhook/radarr/hd", {**DELETE, "pad": "x" * 4000})
    assert answer.status_code == 413


async def test_rate_limit_answers_429_with_retry_after(running_app: AppFactory) -> None:
    """The API is limited; a webhook (here from an instance without credentials) is not."""
    async with running_app(**INSTANCES, server={"rate_limit": {"requests": 3, "per": "60s"}}) as r:
        codes = [
            (await post(r.client, "/webhook/radarr/hd", {**MOVIE_DELETE, "n": i})).status_code
            for i in range(5)
        ]
        api = [(await r.client.get("/api/v1/jobs", headers=KEY)).status_code for _ in range(3)]
        limited = await r.client.get("/api/v1/jobs", headers=KEY)
    assert codes == [202] * 5 and api == [200] * 3
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert limited.json()["error"] == "too_many_requests"


async def test_metrics_count_webhooks_by_outcome(running_app: AppFactory) -> None:
    async with running_app(**INSTANCES) as r:
        await post(r.client, "/webhook/radarr/hd", MOVIE_DELETE)
        await post(r.client, "/webhook/radarr/hd", MOVIE_DELETE)
        await post(r.client, "/webhook/radarr/hd", {"eventType": f"Random{SECRET}"})
        await post(r.client, "/webhook/sonarr/hd")
        text = (await r.client.get("/metrics")).text
    for outcome in ("accepted", "duplicate"):
        labels = f'event="MovieDelete",instance="hd",kind="radarr",outcome="{outcome}"'
        assert f"arrkestra_webhooks_total{{{labels}}} 1.0" in text
    assert 'outcome="unauthorized"' in text and 'event="unknown"' in text and SECRET not in text
    assert "arrkestra_webhook_intake_seconds_bucket" in text


async def test_replay_routes_a_stored_event_again(running_app: AppFactory) -> None:
    async with running_app(**INSTANCES) as r:
        first = await post(r.client, "/webhook/radarr/hd", MOVIE_DELETE)
        event_id = first.json()["event_id"]
        replay = await r.client.post(
            f"/api/v1/events/{event_id}/replay", headers={"X-Api-Key": API_KEY}
        )
        missing = await r.client.post("/api/v1/events/999/replay", headers={"X-Api-Key": API_KEY})
        unauthenticated = await r.client.post(f"/api/v1/events/{event_id}/replay")
    assert replay.status_code == 200 and replay.json() == {
        "event_id": event_id,
        "jobs": [],
        "created": [],
    }
    assert missing.status_code == 404 and unauthenticated.status_code == 401


async def test_an_import_nothing_here_acts_on_says_so_and_is_kept(
    running_app: AppFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """sync-webhook's URL with no mirror configured: stored (202), but the answer and a
    WARNING say nothing will copy it, instead of a silent 202."""
    download = {
        "eventType": "Download",
        "movie": {"id": 1, "title": "Film", "folderPath": "/movies/Film (2024)"},
        "movieFile": {"path": "/movies/Film (2024)/Film.mkv", "relativePath": "Film.mkv"},
    }
    async with running_app() as r:
        answer = await post(r.client, "/sync/radarr", download)
        test = await post(r.client, "/sync/radarr", {"eventType": "Test"})
    assert answer.status_code == 202 and answer.json()["jobs"] == []
    assert "mirror is not configured" in answer.json()["note"]
    assert "note" not in test.json()
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("Download from radarr.default stored but not acted on" in m for m in warned)
