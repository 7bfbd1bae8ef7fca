"""An ArrSync user switches by changing the image: its documented variables, no YAML.

ArrSync's README (``../shared/legacy/arrsync-readme.md``) is the contract: ``OVERSEER_URL``,
``OVERSEER_API_KEY``, ``PORT``, ``API_TIMEOUT``, ``MAX_RETRIES``, ``DRY_RUN``, ``LOG_LEVEL``,
``OVERSEER_POLL_INTERVAL``; webhooks at ``/webhook/sonarr`` and ``/webhook/radarr`` with no
instance configured; ``/health`` with ``healthy`` false while Overseerr is down, HTTP 200.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from arrkestra.testing.fake_overseerr import FakeOverseerr
from arrkestra.testing.loopback import LoopbackServer
from tests.conftest import wait_until
from tests.e2e.daemon import Daemon

pytestmark = pytest.mark.e2e
KEY = "arrsync-overseerr-key-0123456789"


@pytest.fixture
def overseerr() -> Iterator[tuple[FakeOverseerr, LoopbackServer]]:
    fake = FakeOverseerr(KEY)
    with LoopbackServer(fake.app) as server:
        yield fake, server


def arrsync_environment(overseerr_url: str) -> dict[str, str]:
    """The README's example .env, pointed at the fake Overseerr."""
    return {
        "OVERSEER_URL": overseerr_url,
        "OVERSEER_API_KEY": KEY,
        "API_TIMEOUT": "5",
        "MAX_RETRIES": "3",
        "DRY_RUN": "false",
        "LOG_LEVEL": "info",
        "OVERSEER_POLL_INTERVAL": "1",
    }


def test_arrsync_variables_alone_clean_up_overseerr(
    tmp_path: Path, overseerr: tuple[FakeOverseerr, LoopbackServer]
) -> None:
    fake, server = overseerr
    show = fake.add_media(media_type="tv", tmdb_id=5001, tvdb_id=7001, title="Some Show")
    film = fake.add_media(media_type="movie", tmdb_id=9001, title="Some Film")
    late = fake.add_media(media_type="movie", tmdb_id=9002, title="Late Film")
    home = tmp_path / "home"
    home.mkdir()  # no arrkestra.yaml anywhere
    daemon = Daemon(
        None,
        tmp_path / "daemon.log",
        env=arrsync_environment(server.url),
        cwd=home,
        port_variable="PORT",
    ).start()
    base = daemon.url
    try:
        daemon.wait_ready()
        # Sonarr's and Radarr's Test buttons, as ArrSync's README tries them
        for kind in ("sonarr", "radarr"):
            test = httpx.post(f"{base}/webhook/{kind}", json={"eventType": "Test"}, timeout=5)
            assert test.status_code == 200, test.text

        series = {"id": 1, "title": "Some Show", "tvdbId": 7001, "tmdbId": 5001, "path": "/tv/S"}
        movie = {"id": 2, "title": "Some Film", "tmdbId": 9001, "folderPath": "/movies/F"}
        for kind, body in (
            ("sonarr", {"eventType": "SeriesDelete", "series": series, "deletedFiles": True}),
            ("radarr", {"eventType": "MovieDelete", "movie": movie, "deletedFiles": True}),
        ):
            answer = httpx.post(f"{base}/webhook/{kind}", json=body, timeout=5)
            assert answer.status_code == 202, answer.text
            assert len(answer.json()["jobs"]) == 1
        wait_until(lambda: not fake.has_media(show) and not fake.has_media(film), timeout=20)

        healthy = httpx.get(f"{base}/health", timeout=5)
        assert healthy.status_code == 200
        assert healthy.json()["healthy"] is True and healthy.json()["service"] == "arrkestra"

        # Overseerr goes down: ArrSync's monitors read `healthy`
        fake.down = True

        def degraded() -> bool:
            body = httpx.get(f"{base}/health", timeout=5).json()
            return body["status"] == "degraded" and body["healthy"] is False

        wait_until(degraded, timeout=15)
        down = httpx.get(f"{base}/health", timeout=5)
        assert down.status_code == 200 and down.json()["overseer"] == "unavailable"

        # a deletion while it is down is kept (MAX_RETRIES=3 does not kill it) ...
        later = {"id": 3, "title": "Late Film", "tmdbId": 9002, "folderPath": "/movies/L"}
        answer = httpx.post(
            f"{base}/webhook/radarr",
            json={"eventType": "MovieDelete", "movie": later, "deletedFiles": True},
            timeout=5,
        )
        assert answer.status_code == 202
        # ... and done once Overseerr is back
        fake.down = False
        wait_until(lambda: not fake.has_media(late), timeout=20)
        wait_until(lambda: httpx.get(f"{base}/health", timeout=5).json()["healthy"], timeout=15)
        daemon.signal(signal.SIGTERM)
        assert daemon.wait_exit(30) == 0
    finally:
        daemon.stop()
    log = daemon.log()
    assert KEY not in log and "Traceback" not in log
    assert "cleanup: configured" in log
