"""A sync-webhook user switches: its .env and app.py's PATH_MAPPINGS through ``arrkestra
migrate``, then the daemon on that YAML and the same variables, at sync-webhook's URLs.

The contract is sync-webhook's own documents (``../shared/legacy/sync-webhook-*.md``): the
webhook at ``/sync/radarr`` and ``/sync/sonarr`` with ``X-Webhook-Secret``, its port from
``SYNC_WEBHOOK_PORT``, its ``/stats`` and ``/health`` fields, a Plex scan after each copy.
Telegram is left out: a test talks to 127.0.0.1 only.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from arrkestra.testing.fake_plex import FakePlex
from arrkestra.testing.loopback import LoopbackServer
from tests.conftest import API_KEY, wait_until
from tests.e2e.daemon import Daemon, run_migrate

pytestmark = pytest.mark.e2e
SECRET = "sync-webhook-shared-secret-0123456789"
PLEX_TOKEN = "plex-token-sync-webhook-0123456789"


@pytest.fixture
def plex(tmp_path: Path) -> Iterator[tuple[FakePlex, str]]:
    fake = FakePlex(
        PLEX_TOKEN,
        [
            ("1", "movie", "Movies", [str(tmp_path / "unraid/Movies")]),
            ("3", "show", "TV Shows", [str(tmp_path / "unraid/TV Shows")]),
        ],
    )
    with LoopbackServer(fake.app) as server:
        yield fake, server.url


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def sync_webhook_files(tmp: Path, port: int, plex_url: str) -> tuple[Path, Path, dict[str, str]]:
    """Its .env (as its setup guide lists it) and app.py's PATH_MAPPINGS, on temp folders."""
    variables = {
        "SYNC_WEBHOOK_PORT": str(port),
        "SYNC_DRY_RUN": "false",
        "SYNC_LOG_LEVEL": "INFO",
        "SYNC_DB_PATH": str(tmp / "data/jobs.db"),
        "SYNC_LOG_PATH": str(tmp / "logs"),
        "TZ": "Europe/Berlin",
        "PLEX_URL": plex_url,
        "PLEX_TOKEN": PLEX_TOKEN,
        "PLEX_SECTION_MOVIES": "1",
        "PLEX_SECTION_TV": "3",
        "WEBHOOK_SECRET": SECRET,
        "SYNC_RETRY_INTERVAL": "900",
        "SYNC_MAX_RETRIES": "3",
    }
    env_file = tmp / "old/.env"
    env_file.parent.mkdir(parents=True)
    env_file.write_text("".join(f"{k}={v}\n" for k, v in variables.items()))
    app_py = tmp / "old/app.py"
    app_py.write_text(
        "PATH_MAPPINGS = {\n"
        f"    '/movies': ('{tmp}/synology/rs-movies', '{tmp}/unraid/Movies'),\n"
        f"    '/tv': ('{tmp}/synology/rs-tv', '{tmp}/unraid/TV Shows'),\n"
        "}\n"
    )
    for root in ("synology/rs-movies", "synology/rs-tv", "unraid/Movies", "unraid/TV Shows"):
        (tmp / root).mkdir(parents=True, exist_ok=True)
    return env_file, app_py, variables


def test_a_migrated_sync_webhook_setup_mirrors_at_its_urls(
    tmp_path: Path, plex: tuple[FakePlex, str]
) -> None:
    fake_plex, plex_url = plex
    home = tmp_path / "home"
    home.mkdir()
    daemon = Daemon(None, tmp_path / "daemon.log", cwd=home, port_variable="SYNC_WEBHOOK_PORT")
    env_file, app_py, variables = sync_webhook_files(tmp_path, daemon.port, plex_url)
    environment = {**variables, "ARRKESTRA_API_KEY": API_KEY}

    config = run_migrate(home, environment, env_file, app_py)
    written = config.read_text()
    assert SECRET not in written and PLEX_TOKEN not in written  # references, never inline

    film = write(tmp_path / "synology/rs-movies/Film (2024)/Film (2024).mkv", b"film" * 4096)
    episode = write(
        tmp_path / "synology/rs-tv/Show (2020)/Season 01/Show (2020) - S01E01.mkv", b"ep" * 999
    )
    daemon.config = config
    daemon.env.update(environment)
    daemon.env["ARRKESTRA_PLEX__SCAN_DEBOUNCE"] = "1s"  # the test's only extra: no 30 s wait
    daemon.start()
    base = daemon.url
    try:
        daemon.wait_ready()
        hooks = {"X-Webhook-Secret": SECRET}
        radarr = {
            "eventType": "Download",
            "movie": {"id": 1, "title": "Film", "year": 2024, "folderPath": "/movies/Film (2024)"},
            "movieFile": {
                "path": "/movies/Film (2024)/Film (2024).mkv",
                "relativePath": "Film (2024).mkv",
                "size": film.stat().st_size,
            },
        }
        sonarr = {
            "eventType": "Download",
            "series": {"id": 1, "title": "Show", "path": "/tv/Show (2020)"},
            "episodes": [{"seasonNumber": 1, "episodeNumber": 1, "title": "Pilot"}],
            "episodeFile": {
                "path": "/tv/Show (2020)/Season 01/Show (2020) - S01E01.mkv",
                "relativePath": "Season 01/Show (2020) - S01E01.mkv",
                "size": episode.stat().st_size,
            },
        }
        refused = httpx.post(f"{base}/sync/radarr", json=radarr, timeout=5)
        assert refused.status_code == 401
        for kind, body in (("radarr", radarr), ("sonarr", sonarr)):
            answer = httpx.post(f"{base}/sync/{kind}", json=body, headers=hooks, timeout=5)
            assert answer.status_code == 202, answer.text

        copies = (
            tmp_path / "unraid/Movies/Film (2024)/Film (2024).mkv",
            tmp_path / "unraid/TV Shows/Show (2020)/Season 01/Show (2020) - S01E01.mkv",
        )
        wait_until(lambda: all(c.is_file() for c in copies), timeout=30)
        assert copies[0].read_bytes() == film.read_bytes()
        assert copies[1].read_bytes() == episode.read_bytes()
        wait_until(lambda: {k for k, _ in fake_plex.scans} == {"1", "3"}, timeout=60)

        stats = httpx.get(f"{base}/stats", headers={"X-Api-Key": API_KEY}, timeout=5).json()
        assert (stats["movies_synced"], stats["episodes_synced"]) == (1, 1)
        unkeyed = httpx.get(f"{base}/stats", timeout=5)
        assert unkeyed.status_code == 401 and "ARRKESTRA_API_KEY" in unkeyed.text
        health = httpx.get(f"{base}/health", timeout=5).json()
        assert health["nfs_status"] == "ok" and health["jobs_24h"]["success"] >= 2
        daemon.signal(signal.SIGTERM)
        assert daemon.wait_exit(30) == 0
    finally:
        daemon.stop()
    log = daemon.log()
    assert SECRET not in log and PLEX_TOKEN not in log and "Traceback" not in log
    assert 'mirrored "Film' in log  # one line per finished job, with its title
    history = (tmp_path / "logs/sync_history.log").read_text()
    assert "Film" in history and "Show" in history
