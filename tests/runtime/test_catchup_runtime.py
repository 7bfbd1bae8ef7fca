"""catch-up in the real services against a fake Sonarr/Radarr on loopback (written from the
specs): what a webhook already brought is skipped, what was missed is queued once, the
first run looks back ``first_lookback`` and no further, both history routes work, a
rejected key pauses the instance with one notification, and what cannot be replayed is
counted, never raised."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import API_KEY
from tests.web.conftest import AppFactory, Running

from arrkestra.runtime.clock import ManualClock
from arrkestra.testing.fake_arr_history import FakeArr
from arrkestra.testing.fake_notify import FakeNotify
from arrkestra.testing.loopback import LoopbackServer

HEADERS = {"X-Api-Key": API_KEY}
KEY = "sonarr-catchup-key-0123456789"
HOUR = 3600.0


@pytest.fixture
def sonarr() -> Iterator[tuple[FakeArr, LoopbackServer]]:
    fake = FakeArr("sonarr", KEY)
    with LoopbackServer(fake.app) as server:
        yield fake, server


@pytest.fixture
def notify() -> Iterator[tuple[FakeNotify, LoopbackServer]]:
    fake = FakeNotify()
    with LoopbackServer(fake.app) as server:
        yield fake, server


def at(clock: ManualClock, hours_ago: float) -> datetime:
    return datetime.fromtimestamp(clock.now() - hours_ago * HOUR, UTC)


def sections(tmp: Path, sonarr: LoopbackServer, notify: LoopbackServer) -> dict[str, Any]:
    return {
        "sonarr": {"hd": {"url": sonarr.url, "api_key": KEY}},
        "notifications": {"urls": [f"json://127.0.0.1:{notify.port}/alerts"]},
        "mirror": {
            "paths": [
                {
                    "arr_path": "/tv",
                    "source": str(tmp / "src/tv"),
                    "destination": str(tmp / "dst/tv"),
                }
            ]
        },
        "reconcile": {"enabled": False},
    }


class Library:
    """A series in the fake Sonarr, and its files on disk under ``src/tv``."""

    def __init__(self, fake: FakeArr, tmp: Path) -> None:
        self.fake, self.tmp = fake, tmp
        (tmp / "dst" / "tv").mkdir(parents=True, exist_ok=True)
        self.series = fake.add_series("The Show", path="/tv/The Show", tvdb_id=81189)
        self.episodes = [fake.add_episode(self.series, 1, n) for n in range(1, 9)]

    def imported(self, n: int, hours_ago: float, clock: ManualClock) -> str:
        path = f"/tv/The Show/Season 01/The Show - S01E{n:02d}.mkv"
        local = self.tmp / "src" / path.removeprefix("/")
        local.parent.mkdir(parents=True, exist_ok=True)
        local.write_bytes(os.urandom(100 + n))
        self.fake.add_import(self.series, self.episodes[n - 1], path, date=at(clock, hours_ago))
        return path

    def webhook(self, path: str, n: int) -> dict[str, Any]:
        return {
            "eventType": "Download",
            "series": {"id": self.series, "title": "The Show", "path": "/tv/The Show"},
            "episodes": [{"id": self.episodes[n - 1], "seasonNumber": 1, "episodeNumber": n}],
            "episodeFile": {"relativePath": path.removeprefix("/tv/The Show/"), "size": 1},
        }


async def catch_up(r: Running, **body: Any) -> dict[str, Any]:
    """POST /api/v1/catchup, run the queue, the catch-up job's result."""
    answer = await r.client.post("/api/v1/catchup", json=body or None, headers=HEADERS)
    assert answer.status_code == 202, answer.text
    [job_id] = answer.json()["jobs"]
    await r.services.worker.run_until_idle()
    job = (await r.client.get(f"/api/v1/jobs/{job_id}", headers=HEADERS)).json()
    assert job["status"] == "succeeded", job
    result: dict[str, Any] = job["result"]
    return result


async def copies(r: Running) -> list[dict[str, Any]]:
    answer = await r.client.get("/api/v1/jobs?pipeline=mirror&limit=500", headers=HEADERS)
    jobs: list[dict[str, Any]] = answer.json()["jobs"]
    return jobs


async def test_what_a_webhook_brought_is_skipped_what_was_missed_is_queued_once(
    running_app: AppFactory, tmp_path: Path, sonarr: Any, notify: Any
) -> None:
    fake, server = sonarr
    clock = ManualClock()
    library = Library(fake, tmp_path)
    received = library.imported(1, 3, clock)
    missed = [library.imported(n, 2, clock) for n in (2, 3)]
    config = sections(tmp_path, server, notify[1])
    async with running_app(background=False, clock=clock, **config) as r:
        answer = await r.client.post("/webhook/sonarr/hd", json=library.webhook(received, 1))
        assert answer.status_code == 202
        first = await catch_up(r)
        assert (first["queued"], first["skipped"]["already_received"]) == (2, 1)
        assert first["route"] == "since" and first["records"] == 3
        again = await catch_up(r)  # from the mark (less the overlap): the two missed ones
        assert (again["records"], again["queued"], again["skipped"]["seen"]) == (2, 0, 2)
        wide = await catch_up(r, since="4h")  # all three again: seen or received, not queued
        assert wide["queued"] == 0 and wide["skipped"]["seen"] == 2
        assert wide["skipped"]["already_received"] == 1
        jobs = await copies(r)
    by_path = {}
    for job in jobs:
        by_path.setdefault(job["params"]["library_path"], []).append(job)
    assert sorted(by_path) == sorted([received, *missed])
    assert all(len(found) == 1 for found in by_path.values())  # nothing queued twice
    assert all(j["status"] == "succeeded" for j in jobs)
    for path in missed:
        copied = tmp_path / "dst" / path.removeprefix("/")
        assert copied.read_bytes() == (tmp_path / "src" / path.removeprefix("/")).read_bytes()


async def test_the_first_run_looks_back_first_lookback_and_no_further(
    running_app: AppFactory, tmp_path: Path, sonarr: Any, notify: Any
) -> None:
    fake, server = sonarr
    clock = ManualClock()
    library = Library(fake, tmp_path)
    library.imported(1, 50, clock)  # before the 48 h window
    inside = library.imported(2, 47, clock)
    async with running_app(
        background=False, clock=clock, **sections(tmp_path, server, notify[1])
    ) as r:
        result = await catch_up(r)
        jobs = await copies(r)
    assert result["queued"] == 1 and [j["params"]["library_path"] for j in jobs] == [inside]
    asked = {call.query["date"] for call in fake.calls if call.path.endswith("/history/since")}
    assert asked == {at(clock, 48).strftime("%Y-%m-%dT%H:%M:%SZ")}


async def test_the_paged_route_when_history_since_does_not_exist(
    running_app: AppFactory, tmp_path: Path, sonarr: Any, notify: Any
) -> None:
    fake, server = sonarr
    fake.since_route = False  # an older version
    clock = ManualClock()
    library = Library(fake, tmp_path)
    paths = [library.imported(n, 1 + n, clock) for n in range(1, 5)]
    async with running_app(
        background=False, clock=clock, **sections(tmp_path, server, notify[1])
    ) as r:
        result = await catch_up(r)
        jobs = await copies(r)
    assert result["route"] == "paged" and result["queued"] == 4
    assert sorted(j["params"]["library_path"] for j in jobs) == sorted(paths)


async def test_what_cannot_be_replayed_is_counted(
    running_app: AppFactory, tmp_path: Path, sonarr: Any, notify: Any
) -> None:
    fake, server = sonarr
    clock = ManualClock()
    library = Library(fake, tmp_path)
    fake.add_import(library.series, library.episodes[0], "/elsewhere/x.mkv", date=at(clock, 1))
    fake.add_grab(library.series, library.episodes[0], "The.Show.S01E01", date=at(clock, 1))
    fake.add_record({"id": 999, "eventType": "downloadFolderImported", "date": "not a date"})
    fake.add_record(
        {
            "id": 998,
            "eventType": "downloadFolderImported",
            "date": "2023-11-14T20:00:00Z",
            "seriesId": library.series,
            "data": {"droppedPath": "/downloads/x.mkv"},
        }
    )
    async with running_app(
        background=False, clock=clock, **sections(tmp_path, server, notify[1])
    ) as r:
        result = await catch_up(r)
    skipped = result["skipped"]
    assert result["queued"] == 0
    assert skipped["unmapped"] == 1 and skipped["malformed"] == 2


async def test_a_rejected_key_pauses_the_instance_with_one_notification(
    running_app: AppFactory, tmp_path: Path, sonarr: Any, notify: Any
) -> None:
    fake, server = sonarr
    alerts, notify_server = notify
    clock = ManualClock()
    library = Library(fake, tmp_path)
    missed = library.imported(1, 1, clock)
    fake.api_key = "a-new-key-nobody-told-arrkestra"
    async with running_app(
        background=False, clock=clock, **sections(tmp_path, server, notify_server)
    ) as r:
        for _ in range(2):
            result = await catch_up(r)
            assert result["outcome"] == "auth_failed"
        health = (await r.client.get("/health", headers=HEADERS)).json()
        assert health["components"]["sonarr.hd"]["state"] == "auth_failed"
        rejected = [m for m in alerts.received("/alerts") if "credentials" in m.title]
        assert len(rejected) == 1 and KEY not in rejected[0].message
        fake.api_key = KEY  # fixed: the next run picks up where catch-up stopped
        result = await catch_up(r)
        health = (await r.client.get("/health", headers=HEADERS)).json()
        jobs = await copies(r)
    assert result["outcome"] == "caught_up" and result["queued"] == 1
    assert health["components"]["sonarr.hd"]["state"] == "ok"
    assert [j["params"]["library_path"] for j in jobs] == [missed]


async def test_an_unreachable_instance_is_retried_and_shown(
    running_app: AppFactory, tmp_path: Path, sonarr: Any, notify: Any
) -> None:
    fake, server = sonarr
    fake.down = True
    clock = ManualClock()
    config = sections(tmp_path, server, notify[1])
    config["catchup"] = {"retry": {"base": "60s", "cap": "60s"}}  # the next try is not due yet
    async with running_app(background=False, clock=clock, **config) as r:
        answer = await r.client.post("/api/v1/catchup", headers=HEADERS)
        [job_id] = answer.json()["jobs"]
        await r.services.worker.run_until_idle()
        job = (await r.client.get(f"/api/v1/jobs/{job_id}", headers=HEADERS)).json()
        health = (await r.client.get("/health", headers=HEADERS)).json()
    assert job["status"] == "failed" and job["next_attempt_at"] is not None  # will retry
    assert health["components"]["sonarr.hd"]["state"] == "down"
    assert "://" not in health["components"]["sonarr.hd"]["detail"]  # no URL on /health


async def test_on_demand_requests_are_checked(
    running_app: AppFactory, tmp_path: Path, sonarr: Any, notify: Any
) -> None:
    _, server = sonarr
    async with running_app(background=False, **sections(tmp_path, server, notify[1])) as r:
        unknown = await r.client.post(
            "/api/v1/catchup", json={"instance": "sonarr/4k"}, headers=HEADERS
        )
        bad = await r.client.post("/api/v1/catchup", json={"since": "soon"}, headers=HEADERS)
        named = await r.client.post(
            "/api/v1/catchup", json={"instance": "sonarr/hd", "since": "72h"}, headers=HEADERS
        )
    assert unknown.status_code == 404 and "sonarr/hd" in unknown.json()["detail"]
    assert bad.status_code == 422 and "since" in bad.json()["detail"]
    assert named.status_code == 202 and len(named.json()["jobs"]) == 1


async def test_deletes_renames_and_upgrades_are_replayed_as_their_webhooks(
    running_app: AppFactory, tmp_path: Path, sonarr: Any, notify: Any
) -> None:
    fake, server = sonarr
    clock = ManualClock()
    library = Library(fake, tmp_path)
    kept = library.imported(1, 5, clock)  # mirrored earlier
    gone = library.imported(2, 5, clock)
    renamed = library.imported(3, 5, clock)
    config = sections(tmp_path, server, notify[1])
    config["mirror"] |= {"propagate_deletes": True, "propagate_renames": True}
    async with running_app(background=False, clock=clock, **config) as r:
        await catch_up(r)  # the three copies
        clock.advance(2 * HOUR)  # what follows happened after that run
        dst = tmp_path / "dst"
        assert all((dst / p.removeprefix("/")).exists() for p in (kept, gone, renamed))
        fake.add_delete(library.series, library.episodes[1], gone, "Manual", date=at(clock, 1))
        (tmp_path / "src" / gone.removeprefix("/")).unlink()
        new_name = renamed.replace(".mkv", " (renamed).mkv")
        (tmp_path / "src" / renamed.removeprefix("/")).rename(
            tmp_path / "src" / new_name.removeprefix("/")
        )
        fake.add_rename(library.series, library.episodes[2], renamed, new_name, date=at(clock, 1))
        (tmp_path / "src" / kept.removeprefix("/")).write_bytes(b"a better release")
        fake.add_delete(library.series, library.episodes[0], kept, "Upgrade", date=at(clock, 0.5))
        fake.add_import(library.series, library.episodes[0], kept, date=at(clock, 0.5))
        result = await catch_up(r)
    assert result["queued"] == 4  # a delete, a move, the upgrade's copy and its delete (kept)
    assert not (dst / gone.removeprefix("/")).exists()
    assert (dst / new_name.removeprefix("/")).exists() and not (
        dst / renamed.removeprefix("/")
    ).exists()
    assert (dst / kept.removeprefix("/")).read_bytes() == b"a better release"  # same name replaced


async def test_a_since_over_a_year_is_refused(
    running_app: AppFactory, tmp_path: Path, sonarr: Any, notify: Any
) -> None:
    _, server = sonarr
    async with running_app(background=False, **sections(tmp_path, server, notify[1])) as r:
        answer = await r.client.post("/api/v1/catchup", json={"since": "9999d"}, headers=HEADERS)
    assert answer.status_code == 422 and "more than a year" in answer.json()["detail"]


async def test_radarr_history_is_replayed_too(
    running_app: AppFactory, tmp_path: Path, notify: Any
) -> None:
    radarr = FakeArr("radarr", KEY)
    clock = ManualClock()
    movie = radarr.add_movie("Film", path="/movies/Film (2020)", tmdb_id=42)
    path = "/movies/Film (2020)/Film (2020).mkv"
    (tmp_path / "src" / "movies" / "Film (2020)").mkdir(parents=True)
    (tmp_path / "src" / path.removeprefix("/")).write_bytes(b"film")
    (tmp_path / "dst" / "movies").mkdir(parents=True)
    radarr.add_import(movie, None, path, date=at(clock, 2))
    with LoopbackServer(radarr.app) as server:
        config = {
            "radarr": {"main": {"url": server.url, "api_key": KEY}},
            "mirror": {
                "paths": [
                    {
                        "arr_path": "/movies",
                        "source": str(tmp_path / "src/movies"),
                        "destination": str(tmp_path / "dst/movies"),
                    }
                ]
            },
            "reconcile": {"enabled": False},
        }
        async with running_app(background=False, clock=clock, **config) as r:
            result = await catch_up(r)
            jobs = await copies(r)
    assert result["instance"] == "radarr.main" and result["queued"] == 1
    assert [(j["params"]["library_path"], j["status"]) for j in jobs] == [(path, "succeeded")]
    assert (tmp_path / "dst" / path.removeprefix("/")).read_bytes() == b"film"
