"""Issue 13, findings 1 and 7: a missing tool and a rejected token are states that end.

rsync missing (PATH pointing at an empty folder) pauses mirror with one alert and an
``rsync: down`` component, no job spends an attempt, and mirror resumes by itself when
rsync appears. A Plex 401 pauses scans; the pause, and the ``plex`` component, survive a
restart, and the Plex monitor resumes scans once the token is accepted again.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import API_KEY, base_config, write_config
from tests.web.conftest import AppFactory, Running, running_app
from typer.testing import CliRunner

from arrkestra.cli import app
from arrkestra.config import config_warnings, load_settings
from arrkestra.runtime.clock import ManualClock
from arrkestra.testing.fake_notify import FakeNotify
from arrkestra.testing.fake_overseerr import FakeOverseerr
from arrkestra.testing.fake_plex import FakePlex
from arrkestra.testing.loopback import LoopbackServer

__all__ = ["running_app"]

HEADERS = {"X-Api-Key": API_KEY}
TOKEN = "plex-token-pause-0123456789"
SHOW = "Paused Show (2021)"
REAL_RSYNC = shutil.which("rsync")


@pytest.fixture
def upstreams() -> Iterator[tuple[FakePlex, LoopbackServer, FakeNotify, LoopbackServer]]:
    plex = FakePlex(TOKEN, sections=[("2", "show", "TV Shows", ["/data/TV"])])
    notify = FakeNotify()
    with LoopbackServer(plex.app) as p, LoopbackServer(notify.app) as n:
        yield plex, p, notify, n


def sections_for(tmp: Path, upstreams: Any, *, plex: bool) -> dict[str, Any]:
    _, p, _, n = upstreams
    sections: dict[str, Any] = {
        "sonarr": {"hd": {"url": "http://sonarr:8989"}},
        "notifications": {"urls": [f"json://127.0.0.1:{n.port}/alerts"]},
        "mirror": {
            "paths": [
                {
                    "arr_path": "/tv",
                    "source": str(tmp / "src" / "tv"),
                    "destination": str(tmp / "dst" / "TV"),
                    "plex_path": "/data/TV",
                }
            ]
        },
    }
    if plex:
        sections["plex"] = {"url": p.url, "token": TOKEN, "scan_debounce": "1s"}
    return sections


def episode(number: int) -> dict[str, Any]:
    return {
        "eventType": "Download",
        "series": {"id": 1, "title": SHOW, "path": f"/tv/{SHOW}", "tvdbId": 1},
        "episodeFile": {
            "id": number,
            "relativePath": f"Season 01/{SHOW} - S01E{number:02d}.mkv",
            "size": 1,
        },
        "episodes": [{"id": number, "episodeNumber": number, "seasonNumber": 1}],
    }


def make_source(tmp: Path, *numbers: int) -> None:
    season = tmp / "src" / "tv" / SHOW / "Season 01"
    season.mkdir(parents=True, exist_ok=True)
    for number in numbers:
        (season / f"{SHOW} - S01E{number:02d}.mkv").write_bytes(os.urandom(1000 + number))
    (tmp / "dst" / "TV").mkdir(parents=True, exist_ok=True)


async def jobs_of(r: Running, pipeline: str) -> list[dict[str, Any]]:
    answer = await r.client.get(
        "/api/v1/jobs", params={"pipeline": pipeline, "limit": 100}, headers=HEADERS
    )
    jobs: list[dict[str, Any]] = answer.json()["jobs"]
    return jobs


async def component(r: Running, name: str) -> str | None:
    components = (await r.client.get("/health")).json()["components"]
    found = components.get(name)
    return None if found is None else str(found["state"])


def critical(notify: FakeNotify, word: str) -> list[Any]:
    return [m for m in notify.received("/alerts") if word in m.title.lower()]


# -- finding 1: rsync missing ------------------------------------------------------------------


async def test_missing_rsync_pauses_mirror_once_and_resumes_when_it_appears(
    running_app: AppFactory,
    tmp_path: Path,
    upstreams: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert REAL_RSYNC is not None
    _, _, notify, _ = upstreams
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    monkeypatch.setenv("PATH", str(empty_bin))
    make_source(tmp_path, 1, 2)
    clock = ManualClock()
    async with running_app(
        background=False, clock=clock, **sections_for(tmp_path, upstreams, plex=False)
    ) as r:
        assert await component(r, "rsync") == "down"  # looked up at start-up
        for number in (1, 2):
            answer = await r.client.post("/webhook/sonarr/hd", json=episode(number))
            assert answer.status_code == 202
        await r.services.worker.run_until_idle()
        jobs = await jobs_of(r, "mirror")
        assert len(jobs) == 2
        assert all(j["status"] in ("pending", "failed") for j in jobs)  # waiting, not dead
        assert all(j["attempts"] == 0 for j in jobs)  # no attempt spent
        assert "mirror" in await r.services.queue.paused()
        health = (await r.client.get("/health")).json()
        assert health["status"] == "degraded" and health["components"]["rsync"]["state"] == "down"
        await r.services.scheduler.run("mirror.tools")  # still missing: no second alert
        assert len(critical(notify, "rsync")) == 1
        assert not critical(notify, "failed")  # no job-dead alerts

        (empty_bin / "rsync").symlink_to(REAL_RSYNC)  # installed: the re-lookup resumes
        await r.services.scheduler.run("mirror.tools")
        health = (await r.client.get("/health")).json()
        assert health["status"] == "healthy" and health["components"]["rsync"]["state"] == "ok"
        assert "mirror" not in await r.services.queue.paused()
        await r.services.worker.run_until_idle()
        jobs = await jobs_of(r, "mirror")
        assert [j["status"] for j in jobs] == ["succeeded", "succeeded"]
        messages = critical(notify, "rsync")
        assert len(messages) == 2 and "resumed" in messages[1].message
    copied = tmp_path / "dst" / "TV" / SHOW / "Season 01"
    assert len(list(copied.iterdir())) == 2


def test_check_warns_when_mirror_is_configured_without_rsync(
    tmp_path: Path, upstreams: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = base_config(tmp_path, **sections_for(tmp_path, upstreams, plex=False))
    settings = load_settings(write_config(tmp_path, config), {})
    assert not [w for w in config_warnings(settings) if "rsync" in w.render()]
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    warnings = [w.render() for w in config_warnings(settings) if "rsync" in w.render()]
    assert len(warnings) == 1 and "not found" in warnings[0]
    checked = CliRunner().invoke(app, ["check", "--config", str(tmp_path / "arrkestra.yaml")])
    assert checked.exit_code == 1, checked.output  # the mirror configured cannot copy
    assert "rsync is not installed" in checked.output and "Traceback" not in checked.output


# -- finding 7: a Plex 401 -----------------------------------------------------------------------


async def test_a_plex_401_pause_survives_a_restart_and_resumes_when_the_token_works(
    running_app: AppFactory, tmp_path: Path, upstreams: Any
) -> None:
    plex, _, notify, _ = upstreams
    make_source(tmp_path, 1)
    sections = sections_for(tmp_path, upstreams, plex=True)
    plex.token = "a-token-we-do-not-have"  # Plex now rejects ours
    clock = ManualClock()
    async with running_app(background=False, clock=clock, **sections) as r:
        assert (await r.client.post("/webhook/sonarr/hd", json=episode(1))).status_code == 202
        await r.services.worker.run_until_idle()  # the copy
        clock.advance(1.0)
        await r.services.worker.run_until_idle()  # the scan meets the 401
        assert "plex_scan" in await r.services.queue.paused()
        assert await component(r, "plex") == "auth_failed"
        (scan,) = await jobs_of(r, "plex_scan")
        assert scan["attempts"] == 0 and scan["status"] != "dead"
        await r.services.scheduler.run("plex.health")  # still rejected: probed, no new alert
    assert len(critical(notify, "plex")) == 1

    async with running_app(background=False, clock=clock, **sections) as r:  # a restart
        assert await component(r, "plex") == "auth_failed"  # still shown, before any probe
        assert "plex_scan" in await r.services.queue.paused()
        probes = len(plex.calls)
        await r.services.scheduler.run("plex.health")
        assert len(plex.calls) > probes  # probed while paused
        assert len(critical(notify, "plex")) == 1

        plex.token = TOKEN  # fixed
        await r.services.scheduler.run("plex.health")
        health = (await r.client.get("/health")).json()
        assert health["status"] == "healthy" and health["components"]["plex"]["state"] == "ok"
        assert "plex_scan" not in await r.services.queue.paused()
        clock.advance(3600.0)
        await r.services.worker.run_until_idle()
        (scan,) = await jobs_of(r, "plex_scan")
        assert scan["status"] == "succeeded"
    assert plex.scans == [("2", f"/data/TV/{SHOW}/Season 01")]
    messages = critical(notify, "plex")
    assert len(messages) == 2 and "resumed" in messages[1].message


# -- every pause resumes: Overseerr, also with poll_interval 0 and across a restart -------------


async def test_an_overseerr_key_pause_survives_a_restart_and_resumes_without_polling(
    running_app: AppFactory, upstreams: Any
) -> None:
    _, _, notify, n = upstreams
    key = "overseerr-key-pause-0123456789"
    overseerr = FakeOverseerr(key)
    media = overseerr.add_media(media_type="movie", tmdb_id=603)
    overseerr.api_key = "the key was rotated"
    delete = {"eventType": "MovieDelete", "movie": {"id": 1, "title": "Film", "tmdbId": 603}}
    with LoopbackServer(overseerr.app) as o:
        sections = {
            "radarr": {"hd": {"url": "http://radarr:7878"}},
            "overseerr": {"url": o.url, "api_key": key, "poll_interval": "0s"},  # no polling
            "notifications": {"urls": [f"json://127.0.0.1:{n.port}/alerts"]},
        }
        async with running_app(background=False, **sections) as r:
            assert (await r.client.post("/webhook/radarr/hd", json=delete)).status_code == 202
            await r.services.worker.run_until_idle()  # the attempt meets the 403
            assert "cleanup" in await r.services.queue.paused()

        async with running_app(background=False, **sections) as r:  # a restart
            health = (await r.client.get("/health")).json()
            assert health["overseer"] == "auth_failed"  # shown before any probe
            await r.services.scheduler.run("overseerr.health")  # probed while paused
            assert len(critical(notify, "overseerr")) == 1
            overseerr.api_key = key  # fixed
            await r.services.scheduler.run("overseerr.health")
            assert (await r.client.get("/health")).json()["overseer"] == "available"
            assert "cleanup" not in await r.services.queue.paused()
            assert await r.services.worker.run_until_idle() == 1
            (job,) = await jobs_of(r, "cleanup")
            assert job["status"] == "succeeded"
    assert not overseerr.has_media(media)
    messages = critical(notify, "overseerr")
    assert len(messages) == 2 and "resumed" in messages[1].message
