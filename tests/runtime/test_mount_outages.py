"""A NAS outage never kills mirror work: jobs whose root is down wait on the mount (no
attempt spent, never dead, however long), one notification says the root is down and one
that it is back, and every file is copied once it is. Real services, real rsync, real
temporary trees; a root is "down" the way the mount checker sees it: renamed away."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.conftest import API_KEY, base_config, write_config
from tests.web.conftest import AppFactory, Running

from arrkestra.config import load_settings
from arrkestra.core.retry import RetryPolicy
from arrkestra.runtime.clock import ManualClock
from arrkestra.runtime.services import open_services
from arrkestra.store import jobs as job_store
from arrkestra.testing.fake_notify import FakeNotify, Received
from arrkestra.testing.loopback import LoopbackServer
from arrkestra.web.app import create_app

HEADERS = {"X-Api-Key": API_KEY}
SHOW = "Show (2020)"
EPISODES = 4
HOUR = 3600.0
DAY = 24 * HOUR
CAP = 15 * 60.0  # mirror's default backoff cap


@pytest.fixture
def notify() -> Iterator[tuple[FakeNotify, LoopbackServer]]:
    fake = FakeNotify()
    with LoopbackServer(fake.app) as server:
        yield fake, server


def sections(tmp: Path, server: LoopbackServer) -> dict[str, Any]:
    """Sonarr's webhooks mirrored from ``tmp/src/tv`` to ``tmp/dst/TV``, no Plex, and the
    product's own backoff (the test config's global ``retry`` is 0s)."""
    return {
        "sonarr": {"hd": {"url": "http://sonarr:8989"}},
        "notifications": {"urls": [f"json://127.0.0.1:{server.port}/alerts"]},
        "retry": {"base": "30s", "cap": "15m"},
        "mirror": {
            "paths": [
                {
                    "arr_path": "/tv",
                    "source": str(tmp / "src" / "tv"),
                    "destination": str(tmp / "dst" / "TV"),
                }
            ]
        },
    }


def episode_name(n: int) -> str:
    return f"{SHOW} - S01E{n:02d}.mkv"


def import_event(n: int) -> dict[str, Any]:
    return {
        "eventType": "Download",
        "series": {"id": 1, "title": SHOW, "path": f"/tv/{SHOW}"},
        "episodes": [{"id": n, "episodeNumber": n, "seasonNumber": 1}],
        "episodeFile": {"id": 100 + n, "relativePath": f"Season 01/{episode_name(n)}"},
    }


def season(tmp: Path) -> dict[str, str]:
    """The source files and their digests; the destination root exists, empty."""
    folder = tmp / "src" / "tv" / SHOW / "Season 01"
    folder.mkdir(parents=True)
    digests = {}
    for n in range(1, EPISODES + 1):
        data = os.urandom(50_000 + n)
        (folder / episode_name(n)).write_bytes(data)
        digests[episode_name(n)] = hashlib.sha256(data).hexdigest()
    (tmp / "dst" / "TV").mkdir(parents=True)
    return digests


def copied(tmp: Path) -> dict[str, str]:
    folder = tmp / "dst" / "TV" / SHOW / "Season 01"
    if not folder.is_dir():
        return {}
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


async def jobs_of(r: Running) -> list[dict[str, Any]]:
    answer = await r.client.get(
        "/api/v1/jobs", params={"pipeline": "mirror", "limit": 100}, headers=HEADERS
    )
    jobs: list[dict[str, Any]] = answer.json()["jobs"]
    return jobs


async def attempt_outcomes(r: Running, job_id: int) -> list[str | None]:
    detail = (await r.client.get(f"/api/v1/jobs/{job_id}", headers=HEADERS)).json()
    return [a["outcome"] for a in detail["attempts_log"]]


def mount_messages(fake: FakeNotify) -> list[Received]:
    return [m for m in fake.received("/alerts") if " mount " in m.title]


def failure_messages(fake: FakeNotify) -> list[Received]:
    return [m for m in fake.received("/alerts") if "failed" in m.title or "gave up" in m.message]


ROOTS = {"destination": ("dst", "TV"), "source": ("src", "tv")}


@pytest.mark.parametrize("role", ["destination", "source"])
async def test_a_mount_gone_longer_than_the_retry_schedule_loses_nothing(
    running_app: AppFactory,
    tmp_path: Path,
    notify: Any,
    role: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake, server = notify
    digests = season(tmp_path)
    root = tmp_path.joinpath(*ROOTS[role])
    away = root.with_name(root.name + "-rebooting")
    clock = ManualClock()
    caplog.set_level(logging.INFO, logger="arrkestra.mounts")
    async with running_app(background=False, clock=clock, **sections(tmp_path, server)) as r:
        await r.services.scheduler.run("mirror.mounts")  # up: nothing to say
        root.rename(away)  # the NAS reboots
        for n in range(1, EPISODES + 1):
            answer = await r.client.post("/webhook/sonarr/hd", json=import_event(n))
            assert answer.status_code == 202
        await r.services.worker.run_until_idle()
        await r.services.scheduler.run("mirror.mounts")  # down: announced once
        health = (await r.client.get("/health", headers=HEADERS)).json()  # details: with the key
        # longer than the whole retry schedule (a day, plus the cap), checked all along
        for _ in range(int((DAY + 2 * CAP) // HOUR) + 1):
            clock.advance(HOUR)
            await r.services.worker.run_until_idle()
            await r.services.scheduler.run("mirror.mounts")
        waiting = await jobs_of(r)
        away.rename(root)  # back
        await r.services.scheduler.run("mirror.mounts")  # back: announced, the jobs woken
        ran = await r.services.worker.run_until_idle()
        await r.services.scheduler.run("mirror.mounts")  # nothing more to say
        done = await jobs_of(r)
        outcomes = await attempt_outcomes(r, done[0]["id"])

    assert len(waiting) == EPISODES
    assert all(j["status"] == "pending" and j["attempts"] == 0 for j in waiting), waiting
    assert all(f"{role} root {root}" in j["last_error"] for j in waiting)
    component = health["components"][f"mount:{root}"]
    assert component["state"] == "down" and f"{EPISODES} job(s) wait on it" in component["detail"]
    assert health["nfs_status"] == "error"

    assert 1 <= ran <= EPISODES  # a batch run takes the folder's other copies along
    assert all(j["status"] == "succeeded" and j["attempts"] == 1 for j in done), done
    assert sorted(j["result"]["outcome"] for j in done) == ["copied"] * EPISODES
    assert copied(tmp_path) == digests  # each file once, byte for byte
    assert outcomes[-1] == "succeeded" and "dead" not in outcomes

    down, up = mount_messages(fake)
    assert down.title == f"arrkestra: {role} mount down: {root}"
    assert f"{EPISODES} job(s) wait on it" in down.message and down.type == "failure"
    assert up.title == f"arrkestra: {role} mount back: {root}"
    assert f"{EPISODES} waiting job(s) run now" in up.message
    assert failure_messages(fake) == []  # no per-job failure alert for a wait
    said = [rec.levelno for rec in caplog.records if rec.name == "arrkestra.mounts"]
    assert said == [logging.WARNING, logging.INFO]  # down, back: once each


async def test_a_blip_between_two_checks_costs_nothing_and_says_nothing(
    running_app: AppFactory, tmp_path: Path, notify: Any
) -> None:
    fake, server = notify
    digests = season(tmp_path)
    root = tmp_path / "dst" / "TV"
    async with running_app(
        background=False, clock=ManualClock(), **sections(tmp_path, server)
    ) as r:
        await r.services.scheduler.run("mirror.mounts")
        root.rename(root.with_name("away"))
        for n in range(1, EPISODES + 1):
            await r.client.post("/webhook/sonarr/hd", json=import_event(n))
        await r.services.worker.run_until_idle()  # they wait on the mount
        root.with_name("away").rename(root)  # back before the next check
        assert await r.services.worker.run_until_idle() == 0  # nobody polls meanwhile
        await r.services.scheduler.run("mirror.mounts")  # up: it wakes them
        await r.services.worker.run_until_idle()
        done = await jobs_of(r)
    assert all(j["status"] == "succeeded" and j["attempts"] == 1 for j in done)
    assert copied(tmp_path) == digests
    assert mount_messages(fake) == [] and failure_messages(fake) == []


async def test_a_waiting_job_survives_a_restart_and_runs_once_the_mount_is_back(
    running_app: AppFactory, tmp_path: Path, notify: Any
) -> None:
    fake, server = notify
    digests = season(tmp_path)
    root = tmp_path / "dst" / "TV"
    away = root.with_name("away")
    clock = ManualClock()
    config = sections(tmp_path, server)
    root.rename(away)
    async with running_app(background=False, clock=clock, **config) as r:
        await r.client.post("/webhook/sonarr/hd", json=import_event(1))
        await r.services.worker.run_until_idle()
        await r.services.scheduler.run("mirror.mounts")
        [before] = await jobs_of(r)
    clock.advance(2 * DAY)
    async with running_app(background=False, clock=clock, **config) as r:  # same db file
        await r.services.scheduler.run("mirror.mounts")  # still down: said already
        assert await r.services.worker.run_until_idle() == 1  # its safety-net look: waits on
        away.rename(root)
        await r.services.scheduler.run("mirror.mounts")
        await r.services.worker.run_until_idle()
        [after] = await jobs_of(r)
    assert before["status"] == "pending" and before["attempts"] == 0
    assert after["id"] == before["id"]
    assert after["status"] == "succeeded" and after["attempts"] == 1
    assert copied(tmp_path) == {episode_name(1): digests[episode_name(1)]}
    assert [m.title.split(":")[1].strip() for m in mount_messages(fake)] == [
        "destination mount down",
        "destination mount back",
    ]


@asynccontextmanager
async def services_with_rand(
    tmp_path: Path, clock: ManualClock, rand: float, **config: Any
) -> AsyncIterator[Running]:
    """``running_app`` with a fixed random source: every backoff is its ceiling."""
    settings = load_settings(write_config(tmp_path, base_config(tmp_path, **config)), {})
    services = open_services(settings, daemon=True, clock=clock, rand=lambda: rand)
    app = create_app(settings, services)
    await services.start(background=False)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield Running(settings, services, app, client)
    finally:
        await services.stop()


async def test_an_ordinary_failure_backs_off_up_to_15_minutes_and_dies_after_a_day(
    tmp_path: Path, notify: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, server = notify
    season(tmp_path)
    # A disk that fails every write: rsync (a stand-in found first on PATH) exits 11, a
    # transient error, while both roots pass their mount check: the job's failure.
    stand_in = tmp_path / "bin" / "rsync"
    stand_in.parent.mkdir()
    stand_in.write_text(
        '#!/bin/sh\necho "rsync: write failed: Input/output error (5)" >&2\nexit 11\n'
    )
    stand_in.chmod(0o755)
    monkeypatch.setenv("PATH", f"{stand_in.parent}{os.pathsep}{os.environ['PATH']}")
    clock = ManualClock()
    config = sections(tmp_path, server)
    async with services_with_rand(tmp_path, clock, 0.999, **config) as r:
        assert r.services.worker.pipelines["mirror"].policy == RetryPolicy(None, DAY, 30.0, CAP)
        await r.client.post("/webhook/sonarr/hd", json=import_event(1))
        created = clock.now()
        delays = []
        while True:
            await r.services.worker.run_until_idle()
            [job] = await jobs_of(r)
            if job["status"] == "dead":
                break
            stored = await r.services.db.run(job_store.get_job, job["id"])
            assert stored.status == "failed" and "exit code 11" in (stored.last_error or "")
            delays.append(stored.next_attempt_at - clock.now())
            clock.current = stored.next_attempt_at
        died = clock.now()
    assert len(delays) > 3  # no attempt limit
    assert max(delays) <= CAP and delays[-1] > CAP * 0.99  # backs off up to the cap
    assert delays[:3] == pytest.approx([30 * 0.999, 60 * 0.999, 120 * 0.999])
    assert died - created > DAY - CAP  # alive until its next attempt would pass a day
    assert job["attempts"] == len(delays) + 1
    [alert] = failure_messages(fake)  # the one alert: it gave up
    assert "gave up" in alert.message
