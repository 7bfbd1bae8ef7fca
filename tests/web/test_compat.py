"""sync-webhook's routes (web/compat.py): the real app over HTTP on a real database."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import API_KEY
from tests.web.conftest import AppFactory, Running

from arrkestra.core import jobs as machine
from arrkestra.core.jobs import FailureKind, Job, JobSpec
from arrkestra.core.retry import RetryPolicy
from arrkestra.store import jobs as job_store

KEY = {"X-Api-Key": API_KEY}
DAY = 86_400.0
HOUR_BACKOFF = RetryPolicy(max_attempts=3, base=3600, cap=3600)  # a failed job waits
EPISODE = "/tv/Show/Season 01/Show - S01E02.mkv"
SYNC_WEBHOOK_STATS = {
    "movies_synced",
    "episodes_synced",
    "failures",
    "bytes_transferred",
    "bytes_transferred_human",
    "total_successful",
    "total_failed",
    "today_successful",
    "today_failed",
}
SYNC_WEBHOOK_JOB = {
    "id",
    "job_type",
    "source_path",
    "dest_path",
    "title",
    "quality",
    "file_size",
    "status",
    "error_message",
    "created_at",
    "completed_at",
    "duration_seconds",
    "retry_count",
}


def mirror_sections(tmp: Path) -> dict[str, Any]:
    return {
        "sonarr": {"hd": {"url": "http://sonarr:8989"}},
        "radarr": {"hd": {"url": "http://radarr:7878"}},
        "mirror": {
            "paths": [
                {"arr_path": "/tv", "source": "/mnt/src/tv", "destination": "/mnt/dst/TV"},
                {"arr_path": "/movies", "source": "/mnt/src/mv", "destination": "/mnt/dst/Movies"},
            ]
        },
    }


def episode(n: int, **params: Any) -> JobSpec:
    path = f"/tv/Show/Season 01/Show - S01E{n:02d}.mkv"
    base = {"instance": "sonarr.hd", "library_path": path, "title": "Show", "season": 1}
    return JobSpec("mirror", f"sonarr.hd/{path}", base | {"episodes": [n]} | params)


def movie(name: str) -> JobSpec:
    path = f"/movies/{name}/{name}.mkv"
    params = {"instance": "radarr.hd", "library_path": path, "title": name, "size": 7}
    return JobSpec("mirror", f"radarr.hd/{path}", params)


async def start(r: Running, spec: JobSpec, now: float) -> Job:
    """Enqueue and claim through the real store: the job is running."""
    job, _ = await r.services.db.run(job_store.enqueue, spec, now=now)
    claimed = await r.services.db.run(
        job_store.claim_next, [spec.pipeline], now=now, owner="t", lease=3600
    )
    assert claimed is not None and claimed.id == job.id
    return claimed


async def end(r: Running, job: Job, now: float, result: dict[str, Any] | None, **fail: Any) -> Job:
    def change(j: Job) -> machine.JobUpdate:
        if result is not None:
            return machine.succeed(j, now=now, result=result)
        return machine.fail(j, now=now, policy=HOUR_BACKOFF, rand=lambda: 1.0, **fail)

    return await r.services.db.run(job_store.transition, job.id, change, owner="t")


async def fill(r: Running) -> dict[str, Job]:
    """One job in every state sync-webhook could show, plus a cleanup job it must not."""
    now = time.time()
    copied = {
        "outcome": "copied",
        "source": "/mnt/src/mv/Film/Film.mkv",
        "destination": "/mnt/dst/Movies/Film/Film.mkv",
        "files": ["Film.mkv"],
        "files_transferred": 1,
        "bytes_transferred": 1536,
        "seconds": 2,
        "summary": "Film",
    }
    jobs = {
        "old_dead": await end(
            r,
            await start(r, episode(1), now - 2 * DAY),
            now - 2 * DAY,
            None,
            kind=FailureKind.PERMANENT,
            error="old",
        ),
        "movie": await end(r, await start(r, movie("Film"), now - 60), now - 50, copied),
        "dead": await end(
            r,
            await start(r, episode(2), now - 40),
            now - 30,
            None,
            kind=FailureKind.PERMANENT,
            error="rsync: no such file",
        ),
        "retrying": await end(
            r,
            await start(r, episode(3), now - 20),
            now - 20,
            None,
            kind=FailureKind.TRANSIENT,
            error="mount is stale",
        ),
        "running": await start(r, episode(4), now - 10),
        "cleanup_dead": await end(
            r,
            await start(r, JobSpec("cleanup", "c", {"title": "x"}), now - 5),
            now - 5,
            None,
            kind=FailureKind.PERMANENT,
            error="gone",
        ),
    }
    jobs["pending"], _ = await r.services.db.run(job_store.enqueue, episode(5), now=now)
    return jobs


ROUTES = [
    ("GET", "/stats"),
    ("GET", "/jobs"),
    ("GET", "/jobs/1"),
    ("POST", "/jobs/1/retry"),
    ("POST", "/queue/retry-failed"),
    ("POST", "/sync/manual"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_every_route_needs_the_api_key(
    running_app: AppFactory, method: str, path: str
) -> None:
    async with running_app() as r:
        missing = await r.client.request(method, path, json={"path": EPISODE})
        wrong = await r.client.request(
            method, path, json={"path": EPISODE}, headers={"X-Api-Key": "nope"}
        )
    assert missing.status_code == wrong.status_code == 401
    assert missing.json()["error"] == "unauthorized"


async def test_stats_has_sync_webhooks_fields(running_app: AppFactory) -> None:
    async with running_app() as r:
        await fill(r)
        answer = await r.client.get("/stats", headers=KEY)
    stats = answer.json()
    assert answer.status_code == 200 and set(stats) == SYNC_WEBHOOK_STATS
    assert (stats["movies_synced"], stats["episodes_synced"]) == (1, 0)
    assert stats["bytes_transferred"] == 1536 and stats["bytes_transferred_human"] == "1.5 KB"
    assert (stats["total_successful"], stats["failures"], stats["total_failed"]) == (1, 2, 3)


async def test_jobs_lists_mirror_jobs_newest_first_with_old_names(
    running_app: AppFactory,
) -> None:
    async with running_app(**mirror_sections(Path("/unused"))) as r:
        await r.services.queue.pause("mirror", "hold")
        jobs = await fill(r)
        everything = (await r.client.get("/jobs", headers=KEY)).json()
        two = (await r.client.get("/jobs", params={"limit": 2}, headers=KEY)).json()
        by_status = {
            status: [
                j["id"]
                for j in (
                    await r.client.get("/jobs", params={"status": status}, headers=KEY)
                ).json()["jobs"]
            ]
            for status in ("pending", "in_progress", "success", "failed", "dead", "cancelled")
        }
        unknown = await r.client.get("/jobs", params={"status": "exploded"}, headers=KEY)
        too_many = await r.client.get("/jobs", params={"limit": 100_000}, headers=KEY)
    ids = {name: job.id for name, job in jobs.items()}
    mirror = [ids[n] for n in ("pending", "running", "retrying", "dead", "movie", "old_dead")]
    assert [j["id"] for j in everything["jobs"]] == mirror and everything["count"] == 6
    assert [j["id"] for j in two["jobs"]] == mirror[:2] and two["count"] == 2
    assert by_status == {
        "pending": [ids["pending"]],
        "in_progress": [ids["running"]],
        "success": [ids["movie"]],
        "failed": [ids["retrying"], ids["dead"], ids["old_dead"]],
        "dead": [ids["dead"], ids["old_dead"]],
        "cancelled": [],
    }
    assert unknown.status_code == 400 and "in_progress" in unknown.json()["detail"]
    assert too_many.status_code == 422

    rows = {j["id"]: j for j in everything["jobs"]}
    film = rows[ids["movie"]]
    assert set(film) >= SYNC_WEBHOOK_JOB
    assert film["job_type"] == "movie" and film["status"] == "success"
    assert film["source_path"] == "/mnt/src/mv/Film/Film.mkv"
    assert film["dest_path"] == "/mnt/dst/Movies/Film"
    assert (film["title"], film["file_size"], film["duration_seconds"]) == ("Film", 7, 2.0)
    assert film["retry_count"] == 0 and film["completed_at"] is not None
    dead = rows[ids["dead"]]
    assert dead["status"] == "failed" and dead["arrkestra_status"] == "dead"
    assert dead["job_type"] == "episode" and dead["title"] == "Show S01E02"
    assert dead["error_message"] == "rsync: no such file"
    assert rows[ids["running"]]["status"] == "in_progress"


async def test_one_job_and_its_retry(running_app: AppFactory) -> None:
    async with running_app() as r:
        jobs = await fill(r)
        dead, movie_id = jobs["dead"].id, jobs["movie"].id
        shown = await r.client.get(f"/jobs/{dead}", headers=KEY)
        not_mirror = await r.client.get(f"/jobs/{jobs['cleanup_dead'].id}", headers=KEY)
        missing = await r.client.get("/jobs/999999", headers=KEY)
        bad_id = await r.client.get("/jobs/abc", headers=KEY)
        retried = await r.client.post(f"/jobs/{dead}/retry", headers=KEY)
        after = await r.client.get(f"/jobs/{dead}", headers=KEY)
        succeeded = await r.client.post(f"/jobs/{movie_id}/retry", headers=KEY)
        cleanup = await r.client.post(f"/jobs/{jobs['cleanup_dead'].id}/retry", headers=KEY)
    assert shown.status_code == 200 and shown.json()["id"] == dead
    assert not_mirror.status_code == missing.status_code == 404
    assert bad_id.status_code == 422
    assert retried.json() == {"status": "retry_started", "job_id": dead}
    assert after.json()["status"] in ("pending", "in_progress")
    assert succeeded.status_code == 400 and "succeeded" in succeeded.json()["detail"]
    assert cleanup.status_code == 404


async def test_retry_failed_requeues_the_last_days_failed_mirror_jobs(
    running_app: AppFactory,
) -> None:
    async with running_app() as r:
        jobs = await fill(r)
        first = (await r.client.post("/queue/retry-failed", headers=KEY)).json()
        again = (await r.client.post("/queue/retry-failed", headers=KEY)).json()
        states = {n: (await r.services.queue.get(j.id))[0].status for n, j in jobs.items()}
    assert first["status"] == "retries_started" and first["count"] == 2
    assert sorted(first["job_ids"]) == sorted([jobs["dead"].id, jobs["retrying"].id])
    assert again == {"status": "no_failed_jobs", "count": 0, "job_ids": []}
    assert states["old_dead"] == states["cleanup_dead"] == "dead"  # too old / not mirror
    assert states["dead"] == states["retrying"] == "pending"


async def test_sync_manual_queues_a_mirror_job(running_app: AppFactory) -> None:
    async with running_app(**mirror_sections(Path("/unused"))) as r:
        await r.services.queue.pause("mirror", "hold")
        first = await r.client.post(
            "/sync/manual", json={"path": EPISODE, "type": "tv"}, headers=KEY
        )
        again = await r.client.post(
            "/sync/manual", json={"path": EPISODE, "type": "unknown"}, headers=KEY
        )
        no_rule = await r.client.post("/sync/manual", json={"path": "/music/a.mp3"}, headers=KEY)
        escape = await r.client.post("/sync/manual", json={"path": "/tv/../x.mkv"}, headers=KEY)
        no_path = await r.client.post("/sync/manual", json={"type": "movie"}, headers=KEY)
        job = (await r.client.get(f"/jobs/{first.json()['job_id']}", headers=KEY)).json()
    assert first.status_code == 202
    body = first.json()
    assert body["status"] == "accepted" and body["job_status"] == "pending"
    assert body["source"] == "/mnt/src/tv/Show/Season 01/Show - S01E02.mkv"
    assert body["dest"] == "/mnt/dst/TV/Show/Season 01"
    assert again.status_code == 200 and again.json()["status"] == "already_queued"
    assert again.json()["job_id"] == body["job_id"]
    assert job["job_type"] == "episode" and job["title"] == "Show - S01E02.mkv"
    assert no_rule.status_code == escape.status_code == 400
    assert "no mirror.paths rule" in no_rule.json()["detail"]
    assert no_path.status_code == 422


async def test_sync_manual_without_mirror_is_a_conflict(running_app: AppFactory) -> None:
    async with running_app() as r:
        answer = await r.client.post("/sync/manual", json={"path": EPISODE}, headers=KEY)
    assert answer.status_code == 409 and "mirror is not configured" in answer.json()["detail"]
