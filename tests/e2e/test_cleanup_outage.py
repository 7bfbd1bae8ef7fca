"""Overseerr down while 30 deletions arrive; it comes back; within one poll all are gone.

It runs at ``LOG_LEVEL=debug`` (every upstream request, routing decision and queue step
logged) with secrets in every place an upstream's config holds one (the API key, a
password in the URL, the webhooks' secret sent as ``?token=``): none reaches the log.
"""

from __future__ import annotations

import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from arrkestra.testing.fake_overseerr import FakeOverseerr
from arrkestra.testing.loopback import LoopbackServer
from tests.conftest import API_KEY, base_config, wait_until, write_config
from tests.e2e.daemon import Daemon

pytestmark = pytest.mark.e2e
KEY = "overseerr-e2e-key-0123456789"
URL_PASSWORD = "url-password-e2e-0123456789"
WEBHOOK_SECRET = "webhook-secret-e2e-0123456789"
POLL = 2.0


@pytest.fixture
def overseerr() -> Iterator[tuple[FakeOverseerr, LoopbackServer]]:
    fake = FakeOverseerr(KEY)
    with LoopbackServer(fake.app) as server:
        yield fake, server


def deletes(fake: FakeOverseerr) -> list[tuple[str, dict[str, Any], int]]:
    """15 series (some v3-style without tmdbId) and 15 movies, each with a media row."""
    out = []
    for i in range(15):
        media = fake.add_media(
            media_type="tv", tmdb_id=5000 + i, tvdb_id=7000 + i, title=f"Show {i}"
        )
        series: dict[str, Any] = {
            "id": i + 1,
            "title": f"Show {i}",
            "tvdbId": 7000 + i,
            "path": f"/tv/Show {i}",
        }
        if i % 3:
            series["tmdbId"] = 5000 + i
        out.append(
            ("sonarr", {"eventType": "SeriesDelete", "series": series, "deletedFiles": True}, media)
        )
    for i in range(15):
        media = fake.add_media(media_type="movie", tmdb_id=9000 + i, title=f"Film {i}")
        movie = {
            "id": i + 1,
            "title": f"Film {i}",
            "tmdbId": 9000 + i,
            "folderPath": f"/movies/Film {i}",
        }
        out.append(
            ("radarr", {"eventType": "MovieDelete", "movie": movie, "deletedFiles": True}, media)
        )
    return out


def test_no_deletion_is_lost_while_overseerr_is_down(
    tmp_path: Path, overseerr: tuple[FakeOverseerr, LoopbackServer]
) -> None:
    fake, server = overseerr
    webhook = {"webhook": {"secret": WEBHOOK_SECRET}}
    with_password = server.url.replace("http://", f"http://arrkestra:{URL_PASSWORD}@")
    data = base_config(
        tmp_path,
        sonarr={"hd": {"url": "http://sonarr:8989", **webhook}},
        radarr={"hd": {"url": "http://radarr:7878", **webhook}},
        overseerr={
            "url": with_password,
            "api_key": KEY,
            "poll_interval": f"{POLL}s",
            "timeout": "2s",
        },
        cleanup={
            "budget": {"deletions": 40, "per": "1h"},
            "concurrency": 4,
            "retry": {"base": "10m", "cap": "10m", "max_attempts": None, "max_age": "7d"},
        },
    )
    config = write_config(tmp_path, data)
    daemon = Daemon(config, tmp_path / "daemon.log", env={"LOG_LEVEL": "debug"}).start()
    try:
        items = deletes(fake)
        fake.down = True
        daemon.wait_ready()
        for kind, body, _ in items:
            answer = httpx.post(
                f"{daemon.url}/webhook/{kind}/hd?token={WEBHOOK_SECRET}", json=body, timeout=5
            )
            assert answer.status_code == 202, answer.text
            assert len(answer.json()["jobs"]) == 1

        def all_tried() -> bool:
            jobs = daemon.api(
                "GET", "/api/v1/jobs", params={"pipeline": "cleanup", "limit": 100}
            ).json()["jobs"]
            return len(jobs) == 30 and all(j["status"] == "failed" for j in jobs)

        wait_until(all_tried, timeout=30)
        health = httpx.get(f"{daemon.url}/health", timeout=5).json()
        assert health["status"] == "degraded" and health["overseer"] == "unavailable"

        fake.down = False
        back = time.monotonic()
        wait_until(lambda: not any(fake.has_media(m) for _, _, m in items), timeout=POLL + 15)
        assert (
            time.monotonic() - back < POLL + 10
        )  # the monitor woke them, not the 10-minute backoff

        jobs = daemon.api(
            "GET", "/api/v1/jobs", params={"pipeline": "cleanup", "limit": 100}
        ).json()["jobs"]
        assert {j["status"] for j in jobs} == {"succeeded"}
        assert {j["result"]["outcome"] for j in jobs} == {"deleted"}
        wait_until(
            lambda: httpx.get(f"{daemon.url}/health", timeout=5).json()["overseer"] == "available"
        )
        daemon.signal(signal.SIGTERM)
        assert daemon.wait_exit(30) == 0
    finally:
        daemon.stop()
    log = daemon.log()
    assert all(secret not in log for secret in (KEY, API_KEY, URL_PASSWORD, WEBHOOK_SECRET))
    # the lines that could leak were written: requests, routing, outcomes, failures
    assert re.search(
        r"DEBUG +arrkestra\.http: DELETE 127\.0\.0\.1:\d+/api/v1/media/\d+ -> 204", log
    )
    assert re.search(r"DEBUG +arrkestra\.http: GET 127\.0\.0\.1:\d+/api/v1/auth/me -> 200", log)
    assert "MovieDelete from radarr.hd -> 1 cleanup job" in log
    assert re.search(r'INFO +arrkestra\.worker: removed "Film 3" from Overseerr \[job=\d+', log)
    assert re.search(r'WARNING +arrkestra\.worker: could not remove "Show 0" from Overseerr', log)
