"""In Chromium, against the real daemon: a title's timeline shows its steps in order.

Real webhooks drive the real pipelines: a Sonarr Download is copied by real rsync between
temp trees (announced to a fake Apprise receiver) and its folder scanned in a fake Plex;
then a SeriesDelete for the same series reaches cleanup, which finds the series in no
Overseerr (the fake, on loopback) and skips it, saying why. The search lands on the
title's page; a partial name lists every title containing it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect
from tests.conftest import API_KEY, wait_until
from tests.ui.browser import DaemonFactory, browser, daemons, log_in, page, shoot, ui_daemon

from arrkestra.testing.fake_notify import FakeNotify
from arrkestra.testing.fake_overseerr import FakeOverseerr
from arrkestra.testing.fake_plex import FakePlex
from arrkestra.testing.loopback import LoopbackServer

__all__ = ["browser", "daemons", "page", "ui_daemon"]

SHOW = "The Expanse"
TVDB = 280619
OVERSEERR_KEY = "overseerr-ui-titles-0123456789"
PLEX_TOKEN = "plex-ui-titles-0123456789"
HEADERS = {"X-Api-Key": API_KEY}


@pytest.fixture
def upstreams() -> Iterator[dict[str, Any]]:
    """Overseerr, Plex and a notification receiver on loopback, as config sections."""
    overseerr = FakeOverseerr(OVERSEERR_KEY)
    plex = FakePlex(PLEX_TOKEN, sections=[("2", "show", "TV Shows", ["/data/TV"])])
    notify = FakeNotify()
    with (
        LoopbackServer(overseerr.app) as o,
        LoopbackServer(plex.app) as p,
        LoopbackServer(notify.app) as n,
    ):
        yield {
            "overseerr": {"url": o.url, "api_key": OVERSEERR_KEY, "poll_interval": "0s"},
            "plex": {"url": p.url, "token": PLEX_TOKEN, "scan_debounce": "1s"},
            "notifications": {"urls": [f"json://127.0.0.1:{n.port}/alerts"]},
        }


def series(title: str = SHOW) -> dict[str, Any]:
    return {"id": 7, "title": title, "path": f"/tv/{title}", "tvdbId": TVDB}


def download() -> dict[str, Any]:
    return {
        "eventType": "Download",
        "series": series(),
        "episodes": [{"id": 71, "episodeNumber": 1, "seasonNumber": 1, "title": "Dulcinea"}],
        "episodeFile": {
            "id": 701,
            "relativePath": f"Season 01/{SHOW} - S01E01.mkv",
            "quality": "WEBDL-1080p",
        },
        "isUpgrade": False,
    }


def finished(url: str, pipeline: str) -> list[dict[str, Any]]:
    answer = httpx.get(f"{url}/api/v1/jobs", params={"pipeline": pipeline}, headers=HEADERS)
    jobs: list[dict[str, Any]] = answer.json()["jobs"]
    return [job for job in jobs if job["status"] in ("succeeded", "dead")]


def send(url: str, body: dict[str, Any]) -> None:
    answer = httpx.post(f"{url}/webhook/sonarr/hd", json=body, headers=HEADERS)
    assert answer.status_code == 202, answer.text


def test_a_titles_timeline_shows_its_steps_in_order(
    page: Page, ui_daemon: DaemonFactory, tmp_path: Path, upstreams: dict[str, Any]
) -> None:
    src, dst = tmp_path / "src" / "tv", tmp_path / "dst" / "TV"
    episode = src / SHOW / "Season 01" / f"{SHOW} - S01E01.mkv"
    episode.parent.mkdir(parents=True)
    episode.write_bytes(b"\x00" * 200_000)
    dst.mkdir(parents=True)
    rule = {"arr_path": "/tv", "source": str(src), "destination": str(dst), "plex_path": "/data/TV"}
    daemon = ui_daemon(
        sonarr={"hd": {"url": "http://sonarr:8989"}}, mirror={"paths": [rule]}, **upstreams
    )
    send(daemon.url, download())
    wait_until(lambda: len(finished(daemon.url, "mirror")) == 1, timeout=30)
    wait_until(lambda: len(finished(daemon.url, "plex_scan")) == 1, timeout=30)
    assert (dst / SHOW / "Season 01" / episode.name).read_bytes() == episode.read_bytes()
    send(daemon.url, {"eventType": "SeriesDelete", "series": series(), "deletedFiles": True})
    send(daemon.url, {"eventType": "Grab", "series": series("The Expanse: Aftershow")})
    wait_until(lambda: len(finished(daemon.url, "cleanup")) == 1, timeout=30)

    log_in(page, daemon, path="/ui/titles")
    page.get_by_role("searchbox").fill(SHOW)
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(f"{daemon.url}/ui/titles/series/The%20Expanse?q=The+Expanse")
    expect(page.locator("h1")).to_contain_text(SHOW)
    steps = page.locator("ol.steps li.step")
    expect(steps).to_have_count(5)
    said = [steps.nth(i).inner_text() for i in range(5)]
    expected = [
        ("imported", "Sonarr imported S01E01 (WEBDL-1080p"),
        ("copied", f'mirrored "{SHOW} S01E01" 195.3 KiB'),
        ("scanned", f'scanned Plex section 2 for "{SHOW}/Season 01"'),
        ("deleted", "Sonarr deleted the series and its files"),
        ("skipped", f'skipped "{SHOW}": not in Overseerr'),
    ]
    for step, (badge, words) in zip(said, expected, strict=True):
        assert badge in step and words in step, step
    assert said[1].rstrip().endswith("announced")
    expect(steps.nth(4).locator("p.reason")).to_have_text("not in Overseerr")
    shoot(page, "title")

    page.locator("ol.steps li.step").nth(1).get_by_role("link").click()
    page.wait_for_url(f"{daemon.url}/ui/jobs/*")
    page.go_back()
    page.get_by_role("link", name="every title containing “The Expanse”").click()
    rows = page.locator("table.titles tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(SHOW)
    expect(rows.nth(1)).to_contain_text("The Expanse: Aftershow")
    shoot(page, "titles-search")
    page.get_by_role("searchbox").fill("Severance")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("No series or movie contains “Severance”.")).to_be_visible()
