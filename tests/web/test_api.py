import base64
from typing import Any

import pytest
from fastapi import FastAPI
from tests.conftest import API_KEY
from tests.web.conftest import AppFactory, cleanup_sections

from arrkestra.testing.fake_overseerr import FakeOverseerr
from arrkestra.testing.loopback import LoopbackServer

KEY = {"X-Api-Key": API_KEY}


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


async def test_api_needs_credentials_and_errors_are_json(running_app: AppFactory) -> None:
    async with running_app() as r:
        missing = await r.client.get("/api/v1/jobs")
        wrong = await r.client.get("/api/v1/jobs", headers={"X-Api-Key": "nope"})
        right = await r.client.get("/api/v1/jobs", headers=KEY)
    assert missing.status_code == wrong.status_code == 401
    assert set(missing.json()) == {"error", "detail"} and missing.json()["error"] == "unauthorized"
    said = missing.json()["detail"]  # which credential, and where it is set; never its value
    assert "X-Api-Key" in said and "ARRKESTRA_API_KEY" in said and API_KEY not in said
    assert right.status_code == 200 and right.json() == {"jobs": [], "next_before": None}


async def test_basic_auth_including_non_ascii_passwords(running_app: AppFactory) -> None:
    auth = {"basic_auth": {"username": "admin", "password": "pässwörd-ø"}}
    async with running_app(server={"api_key": None, **auth}) as r:
        ok = await r.client.get("/api/v1/jobs", headers=basic("admin", "pässwörd-ø"))
        bad = await r.client.get("/api/v1/jobs", headers=basic("admin", "password"))
        garbage = await r.client.get("/api/v1/jobs", headers={"Authorization": "Basic %%%"})
    assert ok.status_code == 200
    assert bad.status_code == garbage.status_code == 401
    assert "Basic" in bad.headers["www-authenticate"]


async def test_without_configured_credentials_the_api_is_refused_with_a_hint(
    running_app: AppFactory,
) -> None:
    async with running_app(server={"api_key": None}) as r:
        answer = await r.client.get("/api/v1/jobs", headers=KEY)
    assert answer.status_code == 401 and "server.api_key" in answer.json()["detail"]


def movie_delete(tmdb: int, **extra: Any) -> dict[str, Any]:
    return {"eventType": "MovieDelete", "movie": {"id": tmdb, "tmdbId": tmdb}, **extra}


async def test_job_lifecycle_through_the_api(
    running_app: AppFactory, overseerr: tuple[FakeOverseerr, LoopbackServer]
) -> None:
    fake, server = overseerr
    media = fake.add_media(media_type="movie", tmdb_id=603)
    sections = cleanup_sections(server)
    async with running_app(background=False, **sections) as r:
        await r.services.queue.pause("cleanup", "keep it pending")
        created = await r.client.post("/webhook/radarr/hd", json=movie_delete(603))
        assert created.status_code == 202
        (job_id,) = created.json()["jobs"]
        again = await r.client.post("/webhook/radarr/hd", json=movie_delete(603, deletedFiles=True))
        assert again.json()["jobs"] == [job_id]  # the same work: the idempotency key holds

        listed = (
            await r.client.get(
                "/api/v1/jobs", params={"status": "pending", "pipeline": "cleanup"}, headers=KEY
            )
        ).json()
        assert [j["id"] for j in listed["jobs"]] == [job_id]
        cancelled = await r.client.post(f"/api/v1/jobs/{job_id}/cancel", headers=KEY)
        assert cancelled.json()["status"] == "cancelled"
        conflict = await r.client.post(f"/api/v1/jobs/{job_id}/cancel", headers=KEY)
        assert conflict.status_code == 409 and conflict.json()["error"] == "conflict"

        pipelines = (await r.client.get("/api/v1/pipelines", headers=KEY)).json()
        assert pipelines == [
            {
                "name": "cleanup",
                "concurrency": 1,
                "paused": True,
                "paused_reason": "keep it pending",
            }
        ]
        resumed = await r.client.post("/api/v1/pipelines/cleanup/resume", headers=KEY)
        assert resumed.json()["resumed"] is True
        assert await r.services.worker.run_until_idle() == 0  # cancelled: nothing runs

        retried = await r.client.post(f"/api/v1/jobs/{job_id}/retry", headers=KEY)
        assert retried.status_code == 200
        assert await r.services.worker.run_until_idle() == 1
        detail = (await r.client.get(f"/api/v1/jobs/{job_id}", headers=KEY)).json()
    assert detail["status"] == "succeeded" and detail["result"]["outcome"] == "deleted"
    assert [a["outcome"] for a in detail["attempts_log"]] == ["succeeded"]
    assert not fake.has_media(media)


async def test_not_found_and_invalid_parameters(running_app: AppFactory) -> None:
    async with running_app() as r:
        missing = await r.client.get("/api/v1/jobs/999", headers=KEY)
        assert missing.status_code == 404 and missing.json() == {
            "error": "not_found",
            "detail": "no job with id 999",
        }
        invalid = await r.client.get("/api/v1/jobs", params={"limit": 0}, headers=KEY)
        assert invalid.status_code == 422 and invalid.json()["error"] == "invalid_request"
        bad_status = await r.client.get("/api/v1/jobs", params={"status": "exploded"}, headers=KEY)
        assert bad_status.status_code == 422
        for path in ("/api/v1/jobs/9223372036854775808", "/api/v1/events/9223372036854775808"):
            huge = await r.client.get(
                path, headers=KEY
            )  # past SQLite's INTEGER range: 422, not 500
            assert huge.status_code == 422
        cursor = await r.client.get("/api/v1/events", params={"before": 2**64}, headers=KEY)
        assert cursor.status_code == 422
        nowhere = await r.client.get("/no/such/route")
        assert nowhere.status_code == 404 and nowhere.json()["error"] == "not_found"


async def test_bodies_over_the_limit_get_413(running_app: AppFactory) -> None:
    async with running_app(server={"body_limit": "1KiB"}) as r:
        big = await r.client.post(
            "/api/v1/mirror/sync", content=b"{" + b" " * 2000 + b"}", headers=KEY
        )
        assert big.status_code == 413 and big.json()["error"] == "payload_too_large"

        async def chunks():  # no Content-Length: counted while streaming
            for _ in range(4):
                yield b" " * 512

        streamed = await r.client.post("/api/v1/mirror/sync", content=chunks(), headers=KEY)
        assert streamed.status_code == 413


async def test_unexpected_errors_are_500_with_a_correlation_id_in_body_and_log(
    running_app: AppFactory, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_app() as r:
        app: FastAPI = r.app

        async def explode() -> None:
            raise RuntimeError("kaboom with token=supersecret")

        app.add_api_route("/boom", explode)
        answer = await r.client.get("/boom")
    assert answer.status_code == 500
    body = answer.json()
    correlation = answer.headers["x-correlation-id"]
    assert (
        correlation in body["detail"]
        and "kaboom" not in answer.text
        and "Traceback" not in answer.text
    )
    assert any(correlation in rec.getMessage() for rec in caplog.records)


async def test_openapi_docs_are_served(running_app: AppFactory) -> None:
    async with running_app() as r:
        docs = await r.client.get("/api/docs")
        spec = (await r.client.get("/api/openapi.json")).json()
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    assert "/api/v1/jobs/{job_id}/retry" in spec["paths"]


async def test_effective_config_masks_secrets(running_app: AppFactory) -> None:
    secret = "sonarr-key-abcdef123456"
    async with running_app(sonarr={"hd": {"url": "http://sonarr:8989", "api_key": secret}}) as r:
        answer = await r.client.get("/api/v1/config", headers=KEY)
    assert answer.status_code == 200
    assert secret not in answer.text and API_KEY not in answer.text
