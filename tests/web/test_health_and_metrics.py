from typing import Any

from tests.conftest import API_KEY
from tests.web.conftest import AppFactory, cleanup_sections

from arrkestra.runtime.health import ComponentState
from arrkestra.testing.fake_overseerr import FakeOverseerr
from arrkestra.testing.loopback import LoopbackServer


async def test_health_has_components_and_the_replaced_tools_fields(running_app: AppFactory) -> None:
    async with running_app() as r:
        answer = await r.client.get("/health")
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    assert body["status"] == "healthy" and body["healthy"] is True
    assert body["service"] == "arrkestra" and body["dry_run"] is False
    assert body["components"] == {"store": {"state": "ok"}}
    for legacy in (
        "overseer",
        "nfs_status",
        "nfs_issues",
        "jobs_24h",
        "uptime_since",
        "version",
        "notifications",
    ):
        assert legacy in body
    assert body["jobs_24h"] == {"success": 0, "failed": 0}


async def test_an_upstream_down_degrades_but_stays_200_a_broken_store_is_503(
    running_app: AppFactory,
) -> None:
    async with running_app() as r:
        r.services.health.set("overseerr", ComponentState.DOWN, "connection refused")
        degraded = await r.client.get("/health")
        assert degraded.status_code == 200
        assert (
            degraded.json()["status"] == "degraded" and degraded.json()["overseer"] == "unavailable"
        )
        assert degraded.json()["healthy"] is False  # what ArrSync's monitors read
        assert degraded.json()["service"] == "arrkestra"
        r.services.health.set("store", ComponentState.DOWN, "integrity check failed")
        broken = await r.client.get("/health")
        assert broken.status_code == 503 and broken.json()["status"] == "unhealthy"


async def test_ready_only_after_start_and_independent_of_upstreams(running_app: AppFactory) -> None:
    async with running_app() as r:
        r.services.health.set("sonarr.hd", ComponentState.DOWN)
        assert (await r.client.get("/ready")).json() == {"ready": True}
        r.services.ready = False
        answer = await r.client.get("/ready")
        assert answer.status_code == 503 and answer.json()["ready"] is False


async def test_metrics_expose_queue_state_and_build_info(
    running_app: AppFactory, overseerr: tuple[FakeOverseerr, LoopbackServer]
) -> None:
    async with running_app(background=False, **cleanup_sections(overseerr[1])) as r:
        for tmdb in (1, 2):
            body = {"eventType": "MovieDelete", "movie": {"id": tmdb, "tmdbId": tmdb}}
            assert (await r.client.post("/webhook/radarr/hd", json=body)).status_code == 202
        text = (await r.client.get("/metrics")).text
    assert 'arrkestra_build_info{python="' in text
    assert 'arrkestra_jobs{pipeline="cleanup",status="pending"} 2.0' in text
    assert 'arrkestra_queue_depth{pipeline="cleanup"} 2.0' in text
    assert 'arrkestra_queue_oldest_age_seconds{pipeline="cleanup"}' in text
    assert "arrkestra_job_duration_seconds" in text


async def test_health_can_be_protected(running_app: AppFactory) -> None:
    async with running_app(server={"protect_health": True}) as r:
        assert (await r.client.get("/health")).status_code == 401
        assert (await r.client.get("/metrics")).status_code == 401
        assert (await r.client.get("/health", headers={"X-Api-Key": API_KEY})).status_code == 200


async def test_dry_run_shows_whichever_switch_set_it(running_app: AppFactory) -> None:
    async with running_app(mirror={"dry_run": True}) as r:
        body = (await r.client.get("/health")).json()
    assert body["dry_run"] is True
