"""/api/v1/stats and /api/v1/mirror/sync: the real app over HTTP on a real database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from tests.conftest import API_KEY, base_config, eventually, write_config
from tests.web.conftest import Running

from arrkestra.config import load_settings
from arrkestra.core import jobs as machine
from arrkestra.core.jobs import JobSpec
from arrkestra.pipelines.mirror.messages import human_bytes as bytes_human
from arrkestra.runtime.clock import ManualClock
from arrkestra.runtime.services import open_services
from arrkestra.runtime.summary import day_start
from arrkestra.store import jobs as job_store
from arrkestra.web.app import create_app

KEY = {"X-Api-Key": API_KEY}
EPISODE = "/tv/Show (2020)/Season 01/Show (2020) - S01E01.mkv"
# 2024-03-10 02:30 in New York (EST, UTC-5): local midnight was 05:00 UTC
NOW = datetime(2024, 3, 10, 7, 30, tzinfo=UTC).timestamp()

Factory = Callable[..., AbstractAsyncContextManager[Running]]


@pytest.fixture
def app_at(tmp_path: Path) -> Factory:
    """The real app and services on a file database, with a clock the test sets."""

    @asynccontextmanager
    async def factory(clock: ManualClock | None = None, **sections: Any) -> AsyncIterator[Running]:
        settings = load_settings(write_config(tmp_path, base_config(tmp_path, **sections)), {})
        services = open_services(settings, daemon=True, clock=clock or ManualClock(NOW))
        app = create_app(settings, services)
        await services.start()
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://a.test") as client:
                yield Running(settings, services, app, client)
        finally:
            await services.stop()

    return factory


def mirror_sections(tmp: Path) -> dict[str, Any]:
    return {
        "sonarr": {
            "hd": {"url": "http://sonarr:8989", "default": True},
            "4k": {"url": "http://sonarr4k:8989", "is_4k": True},
        },
        "radarr": {"hd": {"url": "http://radarr:7878"}},
        "mirror": {
            "paths": [
                {
                    "arr_path": "/tv",
                    "source": str(tmp / "src/tv"),
                    "destination": str(tmp / "dst/TV"),
                },
                {
                    "arr_path": "/tv-4k",
                    "source": str(tmp / "src/tv4k"),
                    "destination": str(tmp / "dst/TV4K"),
                    "instances": ["sonarr.4k"],
                },
                {
                    "arr_path": "/movies",
                    "source": str(tmp / "src/movies"),
                    "destination": str(tmp / "dst/Movies"),
                },
            ]
        },
    }


async def finish(r: Running, spec: JobSpec, outcome: str | None, size: int = 0) -> None:
    """Drive one job through the real queue: claimed, then succeeded (with outcome) or dead."""
    db, now = r.services.db, r.services.clock.now()
    job, _ = await db.run(job_store.enqueue, spec, now=now)
    claimed = await db.run(job_store.claim_next, ["mirror"], now=now, owner="t", lease=60)
    assert claimed is not None and claimed.id == job.id

    def done(j: machine.Job) -> machine.JobUpdate:
        if outcome is None:
            return machine.fail(
                j,
                now=now,
                kind=machine.FailureKind.PERMANENT,
                error=f"rsync failed, token={API_KEY}",
                policy=r.services.settings.retry_policy("mirror"),
                rand=lambda: 0.0,
            )
        result = {"outcome": outcome, "bytes_transferred": size, "summary": spec.params["title"]}
        return machine.succeed(j, now=now, result=result)

    await db.run(job_store.transition, job.id, done, owner="t")


def mirror_spec(instance: str, name: str) -> JobSpec:
    params = {"instance": instance, "library_path": f"/x/{name}.mkv", "title": name}
    return JobSpec("mirror", f"{instance}/{name}", params)


def test_bytes_human_matches_sync_webhook() -> None:
    assert bytes_human(150_000_000_000) == "139.7 GB"
    assert [bytes_human(n) for n in (0, 1023, 1024, 1536 * 1024)] == [
        "0 B",
        "1023 B",
        "1.0 KB",
        "1.5 MB",
    ]
    assert bytes_human(3 * 1024**6) == "3072.0 PB"


def test_day_start_is_local_midnight() -> None:
    assert (
        day_start(NOW, ZoneInfo("America/New_York"))
        == datetime(2024, 3, 10, 5, tzinfo=UTC).timestamp()
    )
    assert day_start(NOW, ZoneInfo("UTC")) == datetime(2024, 3, 10, tzinfo=UTC).timestamp()


async def test_stats_counts_today_in_the_summary_time_zone(app_at: Factory) -> None:
    clock = ManualClock(NOW - 3 * 3600)  # 04:30 UTC: still yesterday in New York
    summary = {"daily_summary": {"at": "00:05", "timezone": "America/New_York"}}
    async with app_at(clock, notifications=summary) as r:
        await finish(r, mirror_spec("radarr.hd", "Yesterday Film"), "copied", 2 * 1024**3)
        clock.current = NOW
        await finish(r, mirror_spec("sonarr.hd", "Show S01E01"), "copied", 1024**3)
        await finish(r, mirror_spec("sonarr.hd", "Show S01E02"), None)
        answer = await r.client.get("/api/v1/stats", headers=KEY)
        since = await r.client.get(
            "/api/v1/stats", params={"since": "2024-03-10T06:00:00Z"}, headers=KEY
        )
        bad = await r.client.get("/api/v1/stats", params={"since": "yesterday"}, headers=KEY)
        anonymous = await r.client.get("/api/v1/stats")
    body = answer.json()
    assert answer.status_code == 200
    assert body["movies_synced"] == 1 and body["episodes_synced"] == 1
    assert body["bytes_transferred"] == 3 * 1024**3 and body["bytes_transferred_human"] == "3.0 GB"
    assert (body["total_successful"], body["today_successful"]) == (2, 1)
    assert (body["failures"], body["total_failed"], body["today_failed"]) == (1, 1, 1)
    assert body["timezone"] == "America/New_York"
    assert body["day_start"].startswith("2024-03-10T05:00:00")
    assert [j["title"] for j in body["needs_attention"]] == ["Show S01E02"]
    assert body["needs_attention"][0]["status"] == "dead"
    assert API_KEY not in answer.text  # the error's secret is masked
    assert since.json()["movies_synced"] == 0 and since.json()["episodes_synced"] == 1
    assert bad.status_code == 422 and anonymous.status_code == 401


async def test_manual_sync_queues_the_job_an_import_would(app_at: Factory, tmp_path: Path) -> None:
    async with app_at(**mirror_sections(tmp_path)) as r:
        await r.services.queue.pause("mirror", "keep jobs pending")
        body = {"path": EPISODE, "type": "episode", "instance": None}
        first = await r.client.post("/api/v1/mirror/sync", json=body, headers=KEY)
        again = await r.client.post("/api/v1/mirror/sync", json={"path": EPISODE}, headers=KEY)
    assert first.status_code == 202
    job = first.json()
    assert job["pipeline"] == "mirror" and job["status"] == "pending"
    assert job["key"] == f"sonarr.hd/{EPISODE}"  # routing's key: instance + library path
    assert job["params"]["instance"] == "sonarr.hd" and job["params"]["library_path"] == EPISODE
    assert again.status_code == 200 and again.json()["id"] == job["id"]


async def test_manual_sync_coalesces_with_a_waiting_import(app_at: Factory, tmp_path: Path) -> None:
    show = "Show (2020)"
    webhook = {
        "eventType": "Download",
        "series": {"id": 1, "title": show, "path": f"/tv/{show}", "tvdbId": 1},
        "episodes": [{"id": 1, "episodeNumber": 1, "seasonNumber": 1}],
        "episodeFile": {"id": 9, "relativePath": f"Season 01/{show} - S01E01.mkv"},
    }
    async with app_at(**mirror_sections(tmp_path)) as r:
        await r.services.queue.pause("mirror", "keep jobs pending")
        imported = await r.client.post("/webhook/sonarr/hd", json=webhook)
        manual = await r.client.post("/api/v1/mirror/sync", json={"path": EPISODE}, headers=KEY)
    assert imported.status_code == 202
    assert manual.status_code == 200 and manual.json()["id"] == imported.json()["jobs"][0]


async def test_manual_sync_picks_the_instance_a_rule_names_or_the_kind(
    app_at: Factory, tmp_path: Path
) -> None:
    async with app_at(**mirror_sections(tmp_path)) as r:
        await r.services.queue.pause("mirror", "keep jobs pending")

        async def instance_for(**body: Any) -> str:
            answer = await r.client.post("/api/v1/mirror/sync", json=body, headers=KEY)
            assert answer.status_code == 202, answer.text
            return str(answer.json()["params"]["instance"])

        assert await instance_for(path="/tv-4k/Show/Season 01/Show - S01E01.mkv") == "sonarr.4k"
        assert await instance_for(path="/movies/Film (2020)/Film (2020).mkv") == "radarr.hd"
        assert await instance_for(path="/movies/Film (2020)/Film.mkv", type="movie") == "radarr.hd"
        assert await instance_for(path="/tv/Show/Extras/Clip.mkv", type="tv") == "sonarr.hd"
        assert await instance_for(path="/tv/Show/Special.mkv", instance="sonarr.4k") == "sonarr.4k"


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"path": "/music/Album/track.flac"}, 400, "no mirror.paths rule matches"),
        ({"path": "/tv/Show/../../etc/passwd"}, 400, "'..'"),
        ({"path": "/tv"}, 400, "a file below it is needed"),
        ({"path": "/tv/Show/bad\nname.mkv"}, 400, "control character"),
        ({"path": "relative/file.mkv"}, 400, "not an absolute path"),
        ({"path": "/tv-4k/Show/S01E01.mkv", "instance": "sonarr.hd"}, 400, "no mirror.paths"),
        ({"path": EPISODE, "type": "song"}, 400, "movie, episode"),
        ({"path": EPISODE, "instance": "lidarr.hd"}, 400, "sonarr.NAME or radarr.NAME"),
        ({"path": EPISODE, "instance": "radarr.hd", "type": "episode"}, 400, "cannot come"),
        ({"path": ""}, 422, "path"),
        ({"path": EPISODE, "surprise": 1}, 422, "surprise"),
    ],
)
async def test_manual_sync_refuses_bad_requests_before_storing_anything(
    app_at: Factory, tmp_path: Path, body: dict[str, Any], status: int, says: str
) -> None:
    async with app_at(**mirror_sections(tmp_path)) as r:
        answer = await r.client.post("/api/v1/mirror/sync", json=body, headers=KEY)
        jobs = await r.client.get("/api/v1/jobs", headers=KEY)
    assert answer.status_code == status
    assert says in str(answer.json()["detail"])
    assert jobs.json()["jobs"] == []


async def test_manual_sync_without_mirror_is_a_conflict(app_at: Factory) -> None:
    async with app_at() as r:
        answer = await r.client.post("/api/v1/mirror/sync", json={"path": EPISODE}, headers=KEY)
        anonymous = await r.client.post("/api/v1/mirror/sync", json={"path": EPISODE})
    assert answer.status_code == 409 and "mirror is not configured" in answer.json()["detail"]
    assert anonymous.status_code == 401


async def test_a_manual_sync_is_copied_by_the_real_pipeline(
    app_at: Factory, tmp_path: Path
) -> None:
    source = tmp_path / "src/tv" / EPISODE.removeprefix("/tv/")
    source.parent.mkdir(parents=True)
    source.write_bytes(b"x" * 5000)
    (source.parent / (source.stem + ".en.srt")).write_text("subtitle")
    (tmp_path / "dst/TV").mkdir(parents=True)
    async with app_at(ManualClock(NOW), **mirror_sections(tmp_path)) as r:
        queued = await r.client.post("/api/v1/mirror/sync", json={"path": EPISODE}, headers=KEY)
        job_id = queued.json()["id"]

        async def finished() -> bool:
            job = (await r.client.get(f"/api/v1/jobs/{job_id}", headers=KEY)).json()
            return bool(job["status"] in ("succeeded", "dead"))

        await eventually(finished, within=30)
        job = (await r.client.get(f"/api/v1/jobs/{job_id}", headers=KEY)).json()
        stats = (await r.client.get("/api/v1/stats", headers=KEY)).json()
    assert job["status"] == "succeeded" and job["result"]["outcome"] == "copied", job
    copy = tmp_path / "dst/TV" / EPISODE.removeprefix("/tv/")
    assert copy.read_bytes() == source.read_bytes()
    assert copy.with_name(source.stem + ".en.srt").exists()
    assert stats["episodes_synced"] == 1 and stats["bytes_transferred"] >= 5000
