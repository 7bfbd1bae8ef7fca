"""What the log says, at ``logging.level: debug``, while real services run real jobs.

Every finished job gets one line in words with its title (``removed "Show" from
Overseerr``, ``mirrored "Film (2001)" 3.0 MiB in 0 s``), tagged ``[job=N pipeline=P]``;
a failed attempt is a WARNING, a dead job an ERROR, both saying why. DEBUG adds every
upstream request (method, host and path, status, time: no key), the routing decision
of each webhook and the queue's claims and retries. Logging is configured as the daemon
configures it (``runtime.logs.configure_logging``), into a file the test reads.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import API_KEY
from tests.web.conftest import AppFactory, Running

from arrkestra.runtime.clock import ManualClock
from arrkestra.runtime.logs import (
    HISTORY_LOGGER,
    LIBRARY_LEVELS,
    configure_history,
    configure_logging,
)
from arrkestra.testing.fake_overseerr import FakeOverseerr
from arrkestra.testing.fake_plex import FakePlex
from arrkestra.testing.loopback import LoopbackServer

KEY = "overseerr-log-key-0123456789"
TOKEN = "plex-log-token-0123456789"
WEBHOOK_SECRET = "webhook-log-secret-0123456789"
SECRETS = (KEY, TOKEN, WEBHOOK_SECRET, API_KEY)
FILM = "Film (2001)"


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    """Where the test's ``configure_logging`` writes; the logging set-up is put back after."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    names = [*LIBRARY_LEVELS, "uvicorn", "uvicorn.error", "uvicorn.access"]
    levels = {name: logging.getLogger(name).level for name in names}
    yield tmp_path / "logs" / "arrkestra.log"
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)
    history = logging.getLogger(HISTORY_LOGGER)
    for handler in list(history.handlers):
        history.removeHandler(handler)
    history.propagate = True


def debug_logging(r: Running, file: Path) -> None:
    """``LOG_LEVEL=debug`` as the daemon applies it, with the settings' redactor (and no
    ``logging.history_file``: the history logger keeps its lines to itself)."""
    redact = r.settings.redactor()
    configure_logging(level="debug", fmt="text", redact=redact, file=file)
    configure_history(file=None, redact=redact, max_bytes=1, backups=0)


def lines(file: Path, level: str) -> list[str]:
    return [line for line in text_of(file).splitlines() if f" {level} " in line]


def text_of(file: Path) -> str:
    return file.read_text(encoding="utf-8")


def one(found: list[str], pattern: str) -> str:
    hits = [line for line in found if re.search(pattern, line)]
    assert len(hits) == 1, f"{pattern!r} in {found}"
    return hits[0]


@pytest.fixture
def overseerr() -> Iterator[tuple[FakeOverseerr, LoopbackServer]]:
    fake = FakeOverseerr(KEY)
    with LoopbackServer(fake.app) as server:
        yield fake, server


def series_delete(series_id: int, title: str, tmdb: int) -> dict[str, Any]:
    body = {"id": series_id, "title": title, "tvdbId": 7000 + tmdb, "tmdbId": tmdb}
    return {"eventType": "SeriesDelete", "series": body, "deletedFiles": True}


async def test_cleanup_jobs_say_what_became_of_each_title(
    running_app: AppFactory, overseerr: tuple[FakeOverseerr, LoopbackServer], log_file: Path
) -> None:
    fake, server = overseerr
    fake.add_media(media_type="tv", tmdb_id=1, tvdb_id=7001, title="Show A")
    webhook = {"webhook": {"secret": WEBHOOK_SECRET}}
    sections = {
        "sonarr": {"hd": {"url": "http://sonarr:8989", **webhook}},
        "radarr": {"hd": {"url": "http://radarr:7878", **webhook}},
        "overseerr": {"url": server.url, "api_key": KEY, "poll_interval": "0s", "timeout": "2s"},
        "cleanup": {"retry": {"base": "1h", "cap": "1h"}},
    }
    async with running_app(background=False, **sections) as r:
        debug_logging(r, log_file)

        async def post(kind: str, body: dict[str, Any]) -> None:
            answer = await r.client.post(
                f"/webhook/{kind}/hd", json=body, params={"token": WEBHOOK_SECRET}
            )
            assert answer.status_code in (200, 202), answer.text

        await post("sonarr", series_delete(1, "Show A", 1))
        await post("sonarr", series_delete(2, "Show B", 2))  # not in Overseerr
        await post("radarr", {"eventType": "MovieDelete", "movie": {"id": 5, "title": "No Ids"}})
        await post("sonarr", {"eventType": "Grab", "series": {"id": 1, "title": "Show A"}})
        assert await r.services.worker.run_until_idle() == 3
        fake.down = True
        await post("sonarr", series_delete(3, "Show C", 3))
        assert await r.services.worker.run_until_idle() == 1  # fails, waits an hour

    info, warning, error = (lines(log_file, level) for level in ("INFO", "WARNING", "ERROR"))
    one(info, r'removed "Show A" from Overseerr \[job=\d+ pipeline=cleanup\]$')
    one(info, r'skipped "Show B": not in Overseerr \[job=\d+ pipeline=cleanup\]$')
    one(error, r'could not remove "No Ids" from Overseerr: the MovieDelete event has no movie')
    # full jitter: anywhere below the 1 h cap, seconds included
    one(warning, r'could not remove "Show C" from Overseerr: .*; next attempt in \d+ (min|s)')
    assert not [line for line in info if re.search(r"attempt \d+ (succeeded|started)", line)]

    debug = lines(log_file, "DEBUG")
    requests = [line for line in debug if "arrkestra.http:" in line]
    assert requests and all(
        re.search(r": [A-Z]+ 127\.0\.0\.1:\d+/api/v1/\S* ", x) for x in requests
    )
    assert not [x for x in requests if "?" in x]  # no query string
    one(requests, r"GET 127\.0\.0\.1:\d+/api/v1/tv/1 -> 200 in \d+ ms \[job=\d+ pipeline=cleanup\]")
    one(requests, r"DELETE 127\.0\.0\.1:\d+/api/v1/media/\d+ -> 204 in \d+ ms")
    one(requests, r"GET 127\.0\.0\.1:\d+/api/v1/tv/3 -> 503 in \d+ ms")
    one(debug, r"SeriesDelete from sonarr\.hd -> 1 cleanup job: sonarr\.hd/tv/tmdb:1/")
    one(debug, r"Grab from sonarr\.hd: no job: no pipeline acts on this event type")
    assert any("queue: claimed for attempt 1" in x for x in debug)
    one(debug, r"queue: attempt 2 due at \d\d:\d\d:\d\d UTC")
    text = text_of(log_file)
    assert all(secret not in text for secret in SECRETS)


@pytest.fixture
def plex() -> Iterator[tuple[FakePlex, LoopbackServer]]:
    fake = FakePlex(TOKEN, sections=[("1", "movie", "Movies", ["/data/Movies"])])
    with LoopbackServer(fake.app) as server:
        yield fake, server


def film_import(size: int, file_id: int = 1) -> dict[str, Any]:
    movie = {"id": 1, "title": "Film", "year": 2001, "tmdbId": 5, "folderPath": f"/movies/{FILM}"}
    return {
        "eventType": "Download",
        "movie": movie,
        "movieFile": {"id": file_id, "relativePath": f"{FILM}.mkv", "size": size},
    }


async def test_mirror_jobs_say_size_time_skip_and_scan(
    running_app: AppFactory,
    tmp_path: Path,
    plex: tuple[FakePlex, LoopbackServer],
    log_file: Path,
) -> None:
    _, server = plex
    size = 3 * 1024 * 1024
    source = tmp_path / "src" / "movies" / FILM
    source.mkdir(parents=True)
    (source / f"{FILM}.mkv").write_bytes(b"\0" * size)
    (tmp_path / "dst" / "Movies").mkdir(parents=True)
    sections = {
        "radarr": {"hd": {"url": "http://radarr:7878"}},
        "plex": {"url": server.url, "token": TOKEN, "scan_debounce": "1s"},
        "mirror": {
            "paths": [
                {
                    "arr_path": "/movies",
                    "source": str(tmp_path / "src" / "movies"),
                    "destination": str(tmp_path / "dst" / "Movies"),
                    "plex_path": "/data/Movies",
                }
            ]
        },
    }
    clock = ManualClock()
    async with running_app(background=False, clock=clock, **sections) as r:
        debug_logging(r, log_file)
        assert (
            await r.client.post("/webhook/radarr/hd", json=film_import(size))
        ).status_code == 202
        await r.services.worker.run_until_idle()
        clock.advance(1.0)
        await r.services.worker.run_until_idle()  # the folder's Plex scan
        again = film_import(size, file_id=2)  # imported again: the copy is there
        assert (await r.client.post("/webhook/radarr/hd", json=again)).status_code == 202
        await r.services.worker.run_until_idle()

    info = lines(log_file, "INFO")
    one(info, rf'mirrored "{re.escape(FILM)}" 3\.0 MiB in [\d.]+ s \[job=1 pipeline=mirror\]$')
    one(info, rf'scanned Plex section 1 for "{re.escape(FILM)}" \[job=2 pipeline=plex_scan\]$')
    one(info, rf'skipped "{re.escape(FILM)}": already at the destination \[job=3 pipeline=mirror\]')
    debug = lines(log_file, "DEBUG")
    one(debug, r"GET 127\.0\.0\.1:\d+/library/sections/1/refresh -> 200 in \d+ ms")
    one(debug, r"event 1: Download from radarr\.hd -> 1 mirror job: radarr\.hd//movies/")
    assert TOKEN not in text_of(log_file)
