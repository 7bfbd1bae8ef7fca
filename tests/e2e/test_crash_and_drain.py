"""The real daemon process with the real cleanup pipeline against a slow fake Overseerr:
SIGKILL mid-job (the job runs once more after the restart) and the SIGTERM drain."""

from __future__ import annotations

import signal
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from arrkestra.testing.fake_overseerr import FakeOverseerr
from arrkestra.testing.loopback import LoopbackServer
from tests.conftest import base_config, wait_until, write_config
from tests.e2e.daemon import Daemon

pytestmark = pytest.mark.e2e
KEY = "overseerr-crash-key-0123456789"


@pytest.fixture
def overseerr() -> Iterator[tuple[FakeOverseerr, LoopbackServer]]:
    fake = FakeOverseerr(KEY)
    with LoopbackServer(fake.app) as server:
        yield fake, server


def cleanup_config(tmp_path: Path, overseerr: LoopbackServer, **sections: Any) -> Path:
    data = base_config(
        tmp_path,
        radarr={"hd": {"url": "http://radarr:7878"}},
        # no health polls: the only requests are the jobs' own
        overseerr={"url": overseerr.url, "api_key": KEY, "poll_interval": "0s", "timeout": "5m"},
        **sections,
    )
    return write_config(tmp_path, data)


def delete_movie(daemon: Daemon, tmdb: int) -> int:
    body = {
        "eventType": "MovieDelete",
        "movie": {"id": tmdb, "title": f"Film {tmdb}", "tmdbId": tmdb},
    }
    answer = httpx.post(f"{daemon.url}/webhook/radarr/hd", json=body, timeout=5)
    assert answer.status_code == 202, answer.text
    (job_id,) = answer.json()["jobs"]
    return int(job_id)


def job_status(daemon: Daemon, job_id: int) -> str:
    return str(daemon.api("GET", f"/api/v1/jobs/{job_id}").json()["status"])


def deletes(fake: FakeOverseerr) -> list[str]:
    return [path for method, path, _ in fake.calls if method == "DELETE"]


def test_sigkill_while_a_job_runs_then_restart_completes_it_exactly_once(
    tmp_path: Path, daemons: list[Daemon], overseerr: tuple[FakeOverseerr, LoopbackServer]
) -> None:
    fake, server = overseerr
    media = fake.add_media(media_type="movie", tmdb_id=7001)
    fake.slow_paths["/api/v1/movie/7001"] = 120.0  # the lookup hangs: the job is mid-run
    config = cleanup_config(tmp_path, server)
    first = Daemon(config, tmp_path / "daemon.log").start()
    daemons.append(first)
    first.wait_ready()
    job_id = delete_movie(first, 7001)
    wait_until(lambda: job_status(first, job_id) == "running")
    first.signal(signal.SIGKILL)
    assert first.wait_exit(10) == -signal.SIGKILL
    assert fake.has_media(media) and deletes(fake) == []

    fake.slow_paths.clear()
    second = Daemon(config, tmp_path / "daemon.log").start()
    daemons.append(second)
    second.wait_ready()
    wait_until(lambda: job_status(second, job_id) == "succeeded", timeout=30)
    detail = second.api("GET", f"/api/v1/jobs/{job_id}").json()
    assert [a["outcome"] for a in detail["attempts_log"]] == ["recovered", "succeeded"]
    assert detail["result"]["outcome"] == "deleted"
    assert not fake.has_media(media) and deletes(fake) == [f"/api/v1/media/{media}"]
    assert "recovered 1 job(s) left running" in second.log()


def test_sigterm_drains_running_jobs_and_exits_zero_within_the_drain_timeout(
    tmp_path: Path, daemons: list[Daemon], overseerr: tuple[FakeOverseerr, LoopbackServer]
) -> None:
    fake, server = overseerr
    quick_media = fake.add_media(media_type="movie", tmdb_id=7101)
    slow_media = fake.add_media(media_type="movie", tmdb_id=7102)
    fake.slow_paths["/api/v1/movie/7101"] = 1.0
    fake.slow_paths["/api/v1/movie/7102"] = 120.0
    config = cleanup_config(
        tmp_path, server, cleanup={"concurrency": 2}, server={"drain_timeout": "3s"}
    )
    daemon = Daemon(config, tmp_path / "daemon.log").start()
    daemons.append(daemon)
    daemon.wait_ready()
    quick = delete_movie(daemon, 7101)
    slow = delete_movie(daemon, 7102)
    wait_until(
        lambda: job_status(daemon, quick) == "running" and job_status(daemon, slow) == "running"
    )

    sent = time.monotonic()
    daemon.signal(signal.SIGTERM)
    assert daemon.wait_exit(15) == 0
    elapsed = time.monotonic() - sent
    assert elapsed < 3.0 + 2.0, f"took {elapsed:.1f}s"

    db = sqlite3.connect(tmp_path / "data" / "arrkestra.db")
    rows = dict(db.execute("SELECT id, status || '/' || attempts FROM jobs").fetchall())
    db.close()
    assert rows == {quick: "succeeded/1", slow: "pending/0"}  # the slow one runs again later
    assert not fake.has_media(quick_media) and fake.has_media(slow_media)
    log = daemon.log()
    assert "released 1 unfinished job(s)" in log and "shutdown complete" in log
    assert "Traceback" not in log
