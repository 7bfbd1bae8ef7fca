"""In Chromium, against the real daemon with some history: a cleanup job dead of a 400, a
cleanup paused by Overseerr refusing the key, a real rsync copy (the chart's bar), a mount
down with a copy waiting on it. The overview lists each under Action required, its queue
block refreshes by itself, and its Resume button resumes the paused pipeline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect
from tests.conftest import wait_until
from tests.e2e.daemon import Daemon
from tests.ui.browser import DaemonFactory, browser, daemons, log_in, page, shoot, ui_daemon
from tests.web.conftest import OVERSEERR_KEY

from arrkestra.testing.fake_overseerr import FakeOverseerr
from arrkestra.testing.loopback import LoopbackServer

__all__ = ["browser", "daemons", "page", "ui_daemon"]

PAYLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "payloads"
MOVIE = "Spirited Away (2001)"
FILE = "Spirited.Away.2001.1080p.mkv"


def sections(tmp: Path, overseerr_url: str) -> dict[str, Any]:
    for folder in ("src/movies", "dst/movies", "src/archive"):
        (tmp / folder).mkdir(parents=True)
    rules = [
        {
            "arr_path": f"/{name}",
            "source": str(tmp / "src" / name),
            "destination": str(tmp / "dst" / name),
        }
        for name in ("movies", "archive")  # dst/archive is missing: that mount is down
    ]
    return {
        "radarr": {"hd": {"url": "http://radarr:7878"}},
        "overseerr": {"url": overseerr_url, "api_key": OVERSEERR_KEY, "poll_interval": "0s"},
        "mirror": {"paths": rules},
    }


def download(tmp: Path, arr_root: str, size: int) -> dict[str, Any]:
    folder = tmp / "src" / arr_root.strip("/") / MOVIE
    folder.mkdir(parents=True, exist_ok=True)
    (folder / FILE).write_bytes(b"x" * size)
    body: dict[str, Any] = json.loads((PAYLOADS / "radarr" / "v5-download.real.json").read_text())
    body["movie"]["folderPath"] = f"{arr_root}/{MOVIE}"
    body["movieFile"]["relativePath"] = FILE
    body["movieFile"]["size"] = size
    return body


def send(daemon: Daemon, body: dict[str, Any]) -> int:
    answer = daemon.api("POST", "/webhook/radarr/hd", json=body)
    assert answer.status_code == 202, answer.text
    [job_id] = answer.json()["jobs"]
    return int(job_id)


def status_of(daemon: Daemon, job_id: int) -> str:
    return str(daemon.api("GET", f"/api/v1/jobs/{job_id}").json()["status"])


def paused(daemon: Daemon) -> list[str]:
    return [p["name"] for p in daemon.api("GET", "/api/v1/pipelines").json() if p["paused"]]


def movie_delete(tmdb: int) -> dict[str, Any]:
    return {"eventType": "MovieDelete", "movie": {"id": tmdb, "tmdbId": tmdb}}


def test_the_overview_of_a_daemon_with_some_history(
    page: Page, ui_daemon: DaemonFactory, tmp_path: Path
) -> None:
    fake = FakeOverseerr(OVERSEERR_KEY)
    with LoopbackServer(fake.app) as server:
        daemon = ui_daemon(**sections(tmp_path, server.url))
        fake.fail_with = 400
        dead = send(daemon, movie_delete(1))
        wait_until(lambda: status_of(daemon, dead) == "dead")
        fake.fail_with, fake.api_key = None, "a-key-arrkestra-does-not-have"
        refused = send(daemon, movie_delete(2))
        wait_until(lambda: "cleanup" in paused(daemon))
        copied = send(daemon, download(tmp_path, "/movies", 300_000))
        wait_until(lambda: status_of(daemon, copied) == "succeeded")
        send(daemon, download(tmp_path, "/archive", 10))

        log_in(page, daemon)
        expect(page.locator("h1")).to_have_text("Overview")
        actions = page.get_by_role("region", name="Action required").get_by_role("listitem")
        expect(actions.filter(has_text="cleanup pipeline is paused")).to_have_count(1)
        expect(actions.filter(has_text="rejects arrkestra's credentials")).to_have_count(1)
        expect(actions.filter(has_text="is down")).to_contain_text("1 job waits on it")
        expect(actions.filter(has_text="given up")).to_contain_text("1 cleanup")
        assert page.locator("svg.chart rect.bar").count() == 30
        expect(page.locator("figcaption")).to_contain_text("293.0 KiB mirrored")
        assert OVERSEERR_KEY not in page.content()
        shoot(page, "overview")

        # the queue block refreshes by itself: a new dead job shows without a reload
        fake.api_key = OVERSEERR_KEY
        daemon.api("POST", "/api/v1/pipelines/cleanup/resume")
        wait_until(lambda: status_of(daemon, refused) == "succeeded")  # 404: already gone
        fake.fail_with = 400
        wait_until(lambda: status_of(daemon, send(daemon, movie_delete(3))) == "dead")
        cleanup_row = page.locator("[data-live] tr", has_text="cleanup")
        expect(cleanup_row.locator("td").nth(4)).to_have_text("2", timeout=15_000)

        # a pause again, resumed with the page's button (after the confirmation question)
        fake.fail_with, fake.api_key = None, "rotated-again"
        send(daemon, movie_delete(4))
        wait_until(lambda: "cleanup" in paused(daemon))
        page.reload()
        page.on("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Resume").click()
        page.wait_for_url(f"{daemon.url}/ui/?done=resumed")
        expect(page.get_by_role("status").first).to_contain_text("The pipeline is resumed")
        shoot(page, "overview-resumed")
