"""mirror in the real services: real rsync on temp trees, fake Plex, notification receiver."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import API_KEY, eventually
from tests.web.conftest import AppFactory, Running

from arrkestra.runtime.clock import ManualClock
from arrkestra.testing.fake_notify import FakeNotify
from arrkestra.testing.fake_plex import FakePlex
from arrkestra.testing.loopback import LoopbackServer

TOKEN = "plex-token-0123456789abcdef"
HEADERS = {"X-Api-Key": API_KEY}
SHOW = 'Show (2020) ["odd"] ☃'
SCAN_DEBOUNCE = 1.0


@pytest.fixture
def upstreams() -> Iterator[tuple[FakePlex, LoopbackServer, FakeNotify, LoopbackServer]]:
    plex = FakePlex(TOKEN, sections=[("2", "show", "TV Shows", ["/data/TV"])])
    notify = FakeNotify()
    with LoopbackServer(plex.app) as p, LoopbackServer(notify.app) as n:
        yield plex, p, notify, n


def write(path: Path, size: int) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = os.urandom(size)
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def season_pack(episodes: int) -> dict[str, Any]:
    files = [
        {
            "id": 100 + n,
            "relativePath": f"Season 01/{SHOW} - S01E{n:02d}.mkv",
            "quality": "WEBDL-1080p",
            "size": 1,
        }
        for n in range(1, episodes + 1)
    ]
    return {
        "eventType": "Download",
        "series": {"id": 1, "title": SHOW, "path": f"/tv/{SHOW}", "tvdbId": 1},
        "episodeFiles": files,
        "episodes": [
            {"id": n, "episodeNumber": n, "seasonNumber": 1} for n in range(1, episodes + 1)
        ],
    }


def sections_for(tmp: Path, upstreams: Any, **mirror: Any) -> dict[str, Any]:
    """Sonarr, Plex and notifications on loopback, ``mirror.paths`` under ``tmp``."""
    _, p, _, n = upstreams
    return {
        "sonarr": {"hd": {"url": "http://sonarr:8989"}},
        "plex": {"url": p.url, "token": TOKEN, "scan_debounce": f"{SCAN_DEBOUNCE:g}s"},
        "notifications": {"urls": [f"json://127.0.0.1:{n.port}/alerts"], "coalesce_window": "1s"},
        "mirror": {
            "paths": [
                {
                    "arr_path": "/tv",
                    "source": str(tmp / "src" / "tv"),
                    "destination": str(tmp / "dst" / "TV"),
                    "plex_path": "/data/TV",
                }
            ],
            **mirror,
        },
    }


async def mirror_jobs(r: Running) -> list[dict[str, Any]]:
    answer = await r.client.get(
        "/api/v1/jobs", params={"pipeline": "mirror", "limit": 100}, headers=HEADERS
    )
    jobs: list[dict[str, Any]] = answer.json()["jobs"]
    return jobs


async def test_a_season_pack_is_copied_with_subtitles_scanned_once_and_announced(
    running_app: AppFactory, tmp_path: Path, upstreams: Any
) -> None:
    plex, _, notify, _ = upstreams
    season = tmp_path / "src" / "tv" / SHOW / "Season 01"
    sums = {}
    for n in range(1, 11):
        sums[f"{SHOW} - S01E{n:02d}.mkv"] = write(season / f"{SHOW} - S01E{n:02d}.mkv", 200_000 + n)
        write(season / f"{SHOW} - S01E{n:02d}.en.srt", 500)
    write(season / "unrelated.nfo", 10)
    (tmp_path / "dst" / "TV").mkdir(parents=True)
    clock = ManualClock()
    sections = sections_for(tmp_path, upstreams)
    async with running_app(background=False, clock=clock, **sections) as r:
        answer = await r.client.post("/webhook/sonarr/hd", json=season_pack(10))
        assert answer.status_code == 202 and len(answer.json()["jobs"]) == 10
        await r.services.worker.run_until_idle()  # the copies: up to two runs (concurrency 2)
        jobs = await mirror_jobs(r)
        assert len(jobs) == 10 and all(j["status"] == "succeeded" for j in jobs)
        assert plex.scans == []  # every run asked for the folder's scan: one job, debounced
        clock.advance(SCAN_DEBOUNCE)
        assert await r.services.worker.run_until_idle() == 1

        def announced() -> list[Any]:
            return [m for m in notify.received("/alerts") if "mirrored" in m.title]

        async def has_announcement() -> bool:
            return bool(announced())

        await eventually(has_announcement, within=15)  # after the quiet window
    copied = tmp_path / "dst" / "TV" / SHOW / "Season 01"
    names = sorted(p.name for p in copied.iterdir())
    assert names == sorted([*sums, *(n.replace(".mkv", ".en.srt") for n in sums)])
    for name, digest in sums.items():
        assert hashlib.sha256((copied / name).read_bytes()).hexdigest() == digest
    assert plex.scans == [("2", f"/data/TV/{SHOW}/Season 01")]  # one scan for the folder
    assert {j["result"]["outcome"] for j in jobs} == {"copied"}
    (message,) = announced()  # one message for the season pack, listing every episode
    assert f"{SHOW} (10 episodes)" in message.title
    assert all(f"S01E{n:02d}" in message.message for n in range(1, 11))


async def test_the_same_file_delivered_twice_is_copied_and_announced_once(
    running_app: AppFactory, tmp_path: Path, upstreams: Any
) -> None:
    _, _, notify, _ = upstreams
    write(tmp_path / "src" / "tv" / SHOW / "Season 01" / f"{SHOW} - S01E01.mkv", 1000)
    (tmp_path / "dst" / "TV").mkdir(parents=True)
    single = {
        "eventType": "Download",
        "series": {"id": 1, "title": SHOW, "path": f"/tv/{SHOW}"},
        "episodeFile": {"id": 101, "relativePath": f"Season 01/{SHOW} - S01E01.mkv"},
        "isUpgrade": False,
    }
    async with running_app(background=False, **sections_for(tmp_path, upstreams)) as r:
        await r.client.post("/webhook/sonarr/hd", json=single)
        await r.services.worker.run_until_idle()
        # "On Import Complete" of the same file
        await r.client.post("/webhook/sonarr/hd", json=season_pack(1))
        await r.services.worker.run_until_idle()
        jobs = await mirror_jobs(r)
        assert len(jobs) == 2 and all(j["status"] == "succeeded" for j in jobs)
        outcomes = sorted(j["result"]["outcome"] for j in jobs)
    assert outcomes == ["already_present", "copied"]
    assert len([m for m in notify.received("/alerts") if "mirrored" in m.title]) == 1


async def test_escapes_are_dead_and_a_missing_root_only_holds_its_own_jobs(
    running_app: AppFactory, tmp_path: Path, upstreams: Any
) -> None:
    write(tmp_path / "src" / "tv" / SHOW / f"{SHOW} - S01E01.mkv", 100)
    sections = sections_for(tmp_path, upstreams, retry={"base": "1h", "cap": "1h"})
    async with running_app(background=False, **sections) as r:  # no destination root yet
        escape = {
            "eventType": "Download",
            "series": {"id": 2, "title": "X", "path": "/tv/../../etc"},
            "episodeFile": {"id": 1, "relativePath": "passwd"},
        }
        await r.client.post("/webhook/sonarr/hd", json=escape)
        ok = {
            "eventType": "Download",
            "series": {"id": 1, "title": SHOW, "path": f"/tv/{SHOW}"},
            "episodeFile": {"id": 2, "relativePath": f"{SHOW} - S01E01.mkv"},
        }
        await r.client.post("/webhook/sonarr/hd", json=ok)
        assert await r.services.worker.run_until_idle() == 2  # one waits on the mount
        await r.services.scheduler.run("mirror.mounts")
        jobs = {j["key"]: j for j in await mirror_jobs(r)}
        health = (await r.client.get("/health")).json()
    escaped = next(j for k, j in jobs.items() if "etc" in k)
    waiting = next(j for k, j in jobs.items() if "etc" not in k)
    assert escaped["status"] == "dead" and ".." in escaped["last_error"]
    assert waiting["status"] == "pending" and "destination root" in waiting["last_error"]
    assert waiting["attempts"] == 0  # waiting on a mount costs no attempt
    assert health["nfs_status"] == "error" and health["status"] == "degraded"
    assert not (tmp_path / "etc").exists()


async def test_a_running_transfer_shows_live_progress_and_feeds_the_metrics(
    running_app: AppFactory, tmp_path: Path, upstreams: Any
) -> None:
    name = f"{SHOW} - S01E01.mkv"
    digest = write(tmp_path / "src" / "tv" / SHOW / name, 6 * 1024 * 1024)
    (tmp_path / "dst" / "TV").mkdir(parents=True)
    sections = sections_for(tmp_path, upstreams, bwlimit="2M")  # about 3 s for 6 MiB
    async with running_app(background=False, **sections) as r:
        ok = {
            "eventType": "Download",
            "series": {"id": 1, "title": SHOW, "path": f"/tv/{SHOW}"},
            "episodeFile": {"id": 2, "relativePath": name},
        }
        (job_id,) = (await r.client.post("/webhook/sonarr/hd", json=ok)).json()["jobs"]
        queue = asyncio.create_task(r.services.worker.run_until_idle())
        seen: list[dict[str, Any]] = []

        async def progress_shown() -> bool:
            job = (await r.client.get(f"/api/v1/jobs/{job_id}", headers=HEADERS)).json()
            if job["status"] == "running" and job["progress"]:
                seen.append(job["progress"])
            return len(seen) >= 2

        await eventually(progress_shown, within=30)
        await queue
        await r.services.scheduler.run("mirror.mounts")
        done = (await r.client.get(f"/api/v1/jobs/{job_id}", headers=HEADERS)).json()
        metrics = (await r.client.get("/metrics")).text
    assert set(seen[-1]) == {"percent", "bytes_done", "rate", "eta"}
    assert 0 <= seen[0]["percent"] <= seen[-1]["percent"] <= 100
    assert done["status"] == "succeeded"
    assert done["progress"] is None  # only a running job has progress
    copied = tmp_path / "dst" / "TV" / SHOW / name
    assert hashlib.sha256(copied.read_bytes()).hexdigest() == digest
    assert "arrkestra_mirror_bytes_transferred_total 6.291456e+06" in metrics
    assert 'arrkestra_mirror_files_total{outcome="copied"} 1.0' in metrics
    destination = tmp_path / "dst" / "TV"
    assert f'arrkestra_mount_up{{path="{destination}",role="destination"}} 1.0' in metrics
