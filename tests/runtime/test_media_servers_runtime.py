"""Jellyfin and Emby in the running daemon: the real services, real rsync on temp trees, a
fake Jellyfin, a fake Emby and a fake Plex on loopback, and the notification receiver.

Each server sees the copies under its own path (``jellyfin_path`` / ``emby_path``, both
unlike the destination), is told exactly which files of a folder changed, once per folder,
and fails alone: a rejected key pauses its kind's updates, a server down retries its own,
while the copies, Plex and the other server go on.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import API_KEY
from tests.web.conftest import AppFactory, Running

from arrkestra.runtime.clock import ManualClock
from arrkestra.runtime.worker import history_line
from arrkestra.testing.fake_media_browser import FakeMediaBrowser
from arrkestra.testing.fake_notify import FakeNotify
from arrkestra.testing.fake_plex import FakePlex
from arrkestra.testing.loopback import LoopbackServer

HEADERS = {"X-Api-Key": API_KEY}
PLEX_TOKEN = "plex-token-media-0123456789"
JELLYFIN_KEY = "jellyfin-key-media-0123456789"
EMBY_KEY = "emby-key-media-0123456789abc"
SHOW = "Show (2020)"
SEASON = f"{SHOW}/Season 01"
DEBOUNCE = 1.0
JELLYFIN_ROOT = "/media/tv"  # the copies inside Jellyfin's container
EMBY_ROOT = "/mnt/share/TV"  # and inside Emby's


@dataclass
class Fakes:
    plex: FakePlex
    jellyfin: FakeMediaBrowser
    emby: FakeMediaBrowser
    notify: FakeNotify
    urls: dict[str, str]

    def alerts(self, word: str) -> list[Any]:
        return [m for m in self.notify.received("/alerts") if word in m.title]


@pytest.fixture
def fakes() -> Iterator[Fakes]:
    plex = FakePlex(PLEX_TOKEN, sections=[("2", "show", "TV Shows", ["/data/TV"])])
    jellyfin = FakeMediaBrowser("jellyfin", JELLYFIN_KEY, [("Shows", "tvshows", [JELLYFIN_ROOT])])
    emby = FakeMediaBrowser("emby", EMBY_KEY, [("TV", "tvshows", [EMBY_ROOT])])
    notify = FakeNotify()
    with (
        LoopbackServer(plex.app) as p,
        LoopbackServer(jellyfin.app) as j,
        LoopbackServer(emby.app) as e,
        LoopbackServer(notify.app) as n,
    ):
        urls = {"plex": p.url, "jellyfin": j.url, "emby": e.url, "notify": str(n.port)}
        yield Fakes(plex, jellyfin, emby, notify, urls)


def sections_for(tmp: Path, fakes: Fakes, **mirror: Any) -> dict[str, Any]:
    """Sonarr, Plex, one flat Jellyfin (``jellyfin.default``), one named Emby
    (``emby.living``); each server sees the destination under its own root."""
    debounce = f"{DEBOUNCE:g}s"
    return {
        "sonarr": {"hd": {"url": "http://sonarr:8989"}},
        "plex": {"url": fakes.urls["plex"], "token": PLEX_TOKEN, "scan_debounce": debounce},
        "jellyfin": {
            "url": fakes.urls["jellyfin"],
            "api_key": JELLYFIN_KEY,
            "scan_debounce": debounce,
        },
        "emby": {
            "living": {"url": fakes.urls["emby"], "api_key": EMBY_KEY, "scan_debounce": debounce}
        },
        "notifications": {
            "urls": [f"json://127.0.0.1:{fakes.urls['notify']}/alerts"],
            "coalesce_window": "1s",
        },
        "mirror": {
            "paths": [
                {
                    "arr_path": "/tv",
                    "source": str(tmp / "src" / "tv"),
                    "destination": str(tmp / "dst" / "TV"),
                    "plex_path": "/data/TV",
                    "jellyfin_path": JELLYFIN_ROOT,
                    "emby_path": EMBY_ROOT,
                }
            ],
            **mirror,
        },
    }


def episode_name(number: int) -> str:
    return f"{SHOW} - S01E{number:02d}.mkv"


def make_source(tmp: Path, *numbers: int) -> None:
    season = tmp / "src" / "tv" / SEASON
    season.mkdir(parents=True, exist_ok=True)
    for number in numbers:
        (season / episode_name(number)).write_bytes(os.urandom(2000 + number))
        (season / episode_name(number).replace(".mkv", ".en.srt")).write_bytes(b"1\n")
    (tmp / "dst" / "TV").mkdir(parents=True, exist_ok=True)


def season_pack(*numbers: int) -> dict[str, Any]:
    return {
        "eventType": "Download",
        "series": {"id": 1, "title": SHOW, "path": f"/tv/{SHOW}", "tvdbId": 1},
        "episodeFiles": [
            {"id": 100 + n, "relativePath": f"Season 01/{episode_name(n)}", "size": 1}
            for n in numbers
        ],
        "episodes": [{"id": n, "episodeNumber": n, "seasonNumber": 1} for n in numbers],
    }


def updates(root: str, change: str, *numbers: int) -> list[dict[str, str]]:
    """One request's ``Updates``: each episode file under ``root``, in order."""
    return [{"Path": f"{root}/{SEASON}/{episode_name(n)}", "UpdateType": change} for n in numbers]


def requests(fake: FakeMediaBrowser) -> list[list[dict[str, str]]]:
    """Each request's ``Updates`` by path (copies finish in any order)."""
    return [sorted(request, key=lambda update: update["Path"]) for request in fake.updates]


async def jobs_of(r: Running, pipeline: str) -> list[dict[str, Any]]:
    answer = await r.client.get(
        "/api/v1/jobs", params={"pipeline": pipeline, "limit": 100}, headers=HEADERS
    )
    jobs: list[dict[str, Any]] = answer.json()["jobs"]
    return jobs


async def components(r: Running) -> dict[str, str]:
    body = (await r.client.get("/health", headers=HEADERS)).json()
    return {name: c["state"] for name, c in body["components"].items()}


async def copy_and_tell(r: Running, clock: ManualClock, payload: dict[str, Any]) -> None:
    """The webhook, its copies, then (the debounce over) every server's jobs."""
    assert (await r.client.post("/webhook/sonarr/hd", json=payload)).status_code == 202
    await r.services.worker.run_until_idle()
    clock.advance(DEBOUNCE)
    await r.services.worker.run_until_idle()


# -- a season pack ---------------------------------------------------------------------------


async def test_a_season_pack_is_one_request_per_server_naming_each_file_as_it_sees_it(
    running_app: AppFactory, tmp_path: Path, fakes: Fakes
) -> None:
    make_source(tmp_path, 1, 2, 3)
    clock = ManualClock()
    async with running_app(background=False, clock=clock, **sections_for(tmp_path, fakes)) as r:
        listed = await components(r)  # from start-up, before anything contacted them
        assert listed["jellyfin.default"] == listed["emby.living"] == "unknown"
        assert (
            await r.client.post("/webhook/sonarr/hd", json=season_pack(1, 2, 3))
        ).status_code == 202
        await r.services.worker.run_until_idle()
        assert fakes.jellyfin.updates == [] and fakes.emby.updates == []  # debounced
        clock.advance(DEBOUNCE)
        await r.services.worker.run_until_idle()
        (jellyfin_job,) = await jobs_of(r, "jellyfin_scan")
        (emby_job,) = await jobs_of(r, "emby_scan")
        health = await components(r)
        page = (await r.client.get(f"/ui/jobs/{jellyfin_job['id']}", headers=HEADERS)).text
        job, _ = await r.services.queue.get(jellyfin_job["id"])
    assert requests(fakes.jellyfin) == [updates(JELLYFIN_ROOT, "Created", 1, 2, 3)]
    assert requests(fakes.emby) == [updates(EMBY_ROOT, "Created", 1, 2, 3)]
    assert fakes.plex.scans == [("2", f"/data/TV/{SEASON}")]
    assert (tmp_path / "dst" / "TV" / SEASON / episode_name(3)).exists()
    assert jellyfin_job["status"] == emby_job["status"] == "succeeded"
    assert jellyfin_job["result"]["server"] == "jellyfin.default"
    assert emby_job["result"]["server"] == "emby.living"
    assert jellyfin_job["result"]["folder"] == f"{JELLYFIN_ROOT}/{SEASON}"
    assert health["jellyfin.default"] == health["emby.living"] == "ok"
    told = f'told jellyfin.default about "{SEASON}" (3 paths)'
    assert history_line(job).endswith(told)
    assert f"Told jellyfin.default about {SEASON!r} (3 paths)".replace("'", '"') in unescape(page)
    assert all(call[2] == "authorization" for call in fakes.jellyfin.calls)  # never in a URL


# -- deletes and renames ---------------------------------------------------------------------


def file_delete(number: int) -> dict[str, Any]:
    return {
        "eventType": "EpisodeFileDelete",
        "series": {"id": 1, "title": SHOW, "path": f"/tv/{SHOW}"},
        "episodes": [{"id": number, "episodeNumber": number, "seasonNumber": 1}],
        "episodeFile": {"id": 100 + number, "relativePath": f"Season 01/{episode_name(number)}"},
        "deleteReason": "manual",
    }


def rename(old: str, new: str) -> dict[str, Any]:
    return {
        "eventType": "Rename",
        "series": {"id": 1, "title": SHOW, "path": f"/tv/{SHOW}"},
        "renamedEpisodeFiles": [
            {
                "id": 101,
                "relativePath": f"Season 01/{new}",
                "previousRelativePath": f"Season 01/{old}",
            }
        ],
    }


async def test_a_delete_is_told_as_deleted_and_a_rename_as_deleted_old_and_created_new(
    running_app: AppFactory, tmp_path: Path, fakes: Fakes
) -> None:
    copy = tmp_path / "dst" / "TV" / SEASON
    copy.mkdir(parents=True)
    (tmp_path / "src" / "tv" / SEASON).mkdir(parents=True)
    (copy / episode_name(2)).write_bytes(b"gone soon")
    old, new = "show.s01e01.mkv", f"{SHOW} - S01E01 - Pilot.mkv"
    (copy / old).write_bytes(b"renamed soon")
    (tmp_path / "src" / "tv" / SEASON / new).write_bytes(b"renamed soon")
    clock = ManualClock()
    sections = sections_for(tmp_path, fakes, propagate_deletes=True, propagate_renames=True)
    async with running_app(background=False, clock=clock, **sections) as r:
        await copy_and_tell(r, clock, file_delete(2))
        await copy_and_tell(r, clock, rename(old, new))
    folder = f"{JELLYFIN_ROOT}/{SEASON}"
    assert not (copy / episode_name(2)).exists() and (copy / new).exists()
    assert fakes.jellyfin.updates == [
        [{"Path": f"{folder}/{episode_name(2)}", "UpdateType": "Deleted"}],
        [
            {"Path": f"{folder}/{old}", "UpdateType": "Deleted"},
            {"Path": f"{folder}/{new}", "UpdateType": "Created"},
        ],
    ]
    assert [u["UpdateType"] for request in fakes.emby.updates for u in request] == [
        "Deleted",
        "Deleted",
        "Created",
    ]
    assert all(u["Path"].startswith(EMBY_ROOT) for req in fakes.emby.updates for u in req)


# -- a rejected key --------------------------------------------------------------------------


async def test_a_401_pauses_jellyfin_alone_with_one_notification_until_the_key_works(
    running_app: AppFactory, tmp_path: Path, fakes: Fakes
) -> None:
    make_source(tmp_path, 1, 2)
    fakes.jellyfin.api_key = "a key arrkestra does not have"  # Jellyfin now rejects ours
    clock = ManualClock()
    async with running_app(background=False, clock=clock, **sections_for(tmp_path, fakes)) as r:
        await copy_and_tell(r, clock, season_pack(1))
        assert "jellyfin_scan" in await r.services.queue.paused()
        (waiting,) = await jobs_of(r, "jellyfin_scan")
        assert waiting["status"] != "dead" and waiting["attempts"] == 0
        health = await components(r)
        assert health["jellyfin.default"] == "auth_failed"
        assert health["emby.living"] == "ok"
        await r.services.scheduler.run("jellyfin.health")  # probed: still rejected
        await copy_and_tell(r, clock, season_pack(2))  # copies, Emby and Plex go on
        assert (tmp_path / "dst" / "TV" / SEASON / episode_name(2)).exists()
        assert len(fakes.emby.updates) == 2 and len(fakes.plex.scans) == 2
        assert len(fakes.alerts("jellyfin.default")) == 1  # one notification, however long

        fakes.jellyfin.api_key = JELLYFIN_KEY  # the key is accepted again
        await r.services.scheduler.run("jellyfin.health")
        assert "jellyfin_scan" not in await r.services.queue.paused()
        await r.services.worker.run_until_idle()
        jobs = await jobs_of(r, "jellyfin_scan")
        assert (await components(r))["jellyfin.default"] == "ok"
    assert {job["status"] for job in jobs} == {"succeeded"}
    sent = [u["Path"].rsplit("/", 1)[-1] for request in fakes.jellyfin.updates for u in request]
    assert sorted(sent) == [episode_name(1), episode_name(2)]  # the waiting updates, sent
    rejected, resumed = fakes.alerts("jellyfin.default")
    assert "jellyfin_scan pipeline is paused" in rejected.message
    assert "resumed" in resumed.message
    assert not fakes.alerts("emby") and not fakes.alerts("plex")


async def test_a_second_jellyfin_that_answers_does_not_resume_the_first_ones_pause(
    running_app: AppFactory, tmp_path: Path, fakes: Fakes
) -> None:
    den_key = "den-key-0123456789abcdef"
    den = FakeMediaBrowser("jellyfin", den_key, [("TV", "tvshows", [JELLYFIN_ROOT])])
    make_source(tmp_path, 1, 2)
    clock = ManualClock()
    with LoopbackServer(den.app) as server:
        sections = sections_for(tmp_path, fakes)
        den_section = {"url": server.url, "api_key": den_key, "scan_debounce": "1s"}
        sections["jellyfin"] = {"living": sections["jellyfin"], "den": den_section}
        async with running_app(background=False, clock=clock, **sections) as r:
            den.down = True  # den's update fails (503): down, so its monitor probes it
            await copy_and_tell(r, clock, season_pack(1))
            assert (await components(r))["jellyfin.den"] == "down"
            fakes.jellyfin.api_key = "a key arrkestra does not have"  # living rejects ours
            await copy_and_tell(r, clock, season_pack(2))
            paused = await r.services.queue.paused()
            assert paused["jellyfin_scan"]["reason"].startswith("auth failure: jellyfin.living:")
            den.down = False
            await r.services.scheduler.run("jellyfin.health")  # den answers, living does not
            health = await components(r)
            still = await r.services.queue.paused()
    assert health["jellyfin.den"] == "ok" and health["jellyfin.living"] == "auth_failed"
    assert "jellyfin_scan" in still  # only living's own probe may resume it
    assert len(fakes.alerts("jellyfin.living")) == 1 and not fakes.alerts("jellyfin.den")


# -- a server down ---------------------------------------------------------------------------


async def test_a_server_down_retries_its_updates_without_holding_copies_or_plex(
    running_app: AppFactory, tmp_path: Path, fakes: Fakes
) -> None:
    make_source(tmp_path, 1, 2)
    fakes.emby.down = True  # 503, Retry-After 30 s: a starting server
    clock = ManualClock()
    async with running_app(background=False, clock=clock, **sections_for(tmp_path, fakes)) as r:
        await copy_and_tell(r, clock, season_pack(1))
        (failed,) = await jobs_of(r, "emby_scan")
        assert failed["status"] == "failed" and failed["attempts"] == 1
        assert "503" in failed["last_error"]
        assert (await components(r))["emby.living"] == "down"
        clock.advance(30.0)
        await r.services.worker.run_until_idle()  # retried, down still: not dead
        (failed,) = await jobs_of(r, "emby_scan")
        assert failed["status"] == "failed" and failed["attempts"] == 2
        await copy_and_tell(r, clock, season_pack(2))  # copies, Jellyfin and Plex go on
        assert (tmp_path / "dst" / "TV" / SEASON / episode_name(2)).exists()
        assert len(fakes.jellyfin.updates) == 2 and len(fakes.plex.scans) == 2
        assert "emby_scan" not in await r.services.queue.paused()

        fakes.emby.down = False  # back: its monitor's probe runs the waiting updates now
        await r.services.scheduler.run("emby.health")
        await r.services.worker.run_until_idle()
        jobs = await jobs_of(r, "emby_scan")
        health = await components(r)
    assert {job["status"] for job in jobs} == {"succeeded"}
    sent = sorted(u["Path"] for request in fakes.emby.updates for u in request)
    assert sent == [u["Path"] for u in updates(EMBY_ROOT, "Created", 1, 2)]
    assert health["emby.living"] == "ok"
    assert not fakes.alerts("failed")  # no job died


async def test_a_server_refusing_updates_backs_off_without_probes(
    running_app: AppFactory, tmp_path: Path, fakes: Fakes
) -> None:
    """A 500 to the update while the server answers: degraded, the job's own backoff; no
    probe makes it due every minute (the probe would pass and prove nothing)."""
    make_source(tmp_path, 1)
    fakes.jellyfin.updates_fail_with = 500
    clock = ManualClock()
    sections = sections_for(tmp_path, fakes, retry={"base": "1h", "cap": "1h"})
    async with running_app(background=False, clock=clock, **sections) as r:
        await copy_and_tell(r, clock, season_pack(1))
        (failed,) = await jobs_of(r, "jellyfin_scan")
        assert failed["status"] == "failed" and "HTTP 500" in failed["last_error"]
        assert (await components(r))["jellyfin.default"] == "degraded"
        calls = len(fakes.jellyfin.calls)
        await r.services.scheduler.run("jellyfin.health")
        assert len(fakes.jellyfin.calls) == calls  # not probed
        (still,) = await jobs_of(r, "jellyfin_scan")
        assert still["next_attempt_at"] == failed["next_attempt_at"]  # not made due

        fakes.jellyfin.updates_fail_with = None
        clock.advance(3601.0)  # past the backoff (at most the 1 h cap)
        await r.services.worker.run_until_idle()
        (done,) = await jobs_of(r, "jellyfin_scan")
        health = await components(r)
    assert done["status"] == "succeeded" and health["jellyfin.default"] == "ok"
    assert requests(fakes.jellyfin) == [updates(JELLYFIN_ROOT, "Created", 1)]
