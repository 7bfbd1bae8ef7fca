"""In Chromium, against the real daemon with the fake TVMaze and fake Sonarr on loopback and
``discovery.review: true``: a discovery match is approved in review mode and reaches the
fake Sonarr."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from tests.conftest import wait_until
from tests.ui.browser import DaemonFactory, browser, daemons, log_in, page, shoot, ui_daemon

from arrkestra.testing.fake_sonarr import FakeSonarr
from arrkestra.testing.fake_tvmaze import FakeTvmaze
from arrkestra.testing.fake_tvmaze_catalogue import Catalogue, make_show
from arrkestra.testing.loopback import LoopbackServer

__all__ = ["browser", "daemons", "page", "ui_daemon"]

SONARR_KEY = "sonarr-ui-discovery-key-0123456789"
NOW = 1_700_000_000


@dataclass
class Upstreams:
    tvmaze: FakeTvmaze
    sonarr: FakeSonarr
    tvmaze_url: str
    sonarr_url: str

    def sections(self) -> dict[str, Any]:
        return {
            "sonarr": {"hd": {"url": self.sonarr_url, "api_key": SONARR_KEY}},
            "discovery": {
                "enabled": True,
                "review": True,
                "poll_interval": "6h",
                "tvmaze": {"url": self.tvmaze_url, "rate_limit": 20, "per": "0.05s"},
                "target": {"root_folder": "/tv", "quality_profile": "HD-1080p"},
            },
        }

    def added(self) -> list[int]:
        return [int(body["tvdbId"]) for body in self.sonarr.state.series_posts]


@pytest.fixture
def upstreams() -> Iterator[Upstreams]:
    shows = [
        make_show(1, "Accepted Drama", updated=NOW),
        make_show(2, "Second Match", updated=NOW),
        make_show(3, "Old Show", updated=NOW, premiered="2001-05-05"),
        make_show(4, "Reality Thing", updated=NOW, type="Reality", genres=["Reality"]),
    ]
    tvmaze = FakeTvmaze(Catalogue(shows), per=0.05)
    sonarr = FakeSonarr(SONARR_KEY)
    sonarr.state.add_root_folder("/tv")
    for show in shows:
        sonarr.state.add_to_catalogue(
            show["externals"]["thetvdb"], show["name"], tvmaze_id=show["id"]
        )
    with LoopbackServer(tvmaze.app) as t, LoopbackServer(sonarr.app) as s:
        yield Upstreams(tvmaze, sonarr, t.url, s.url)


def test_a_discovery_match_is_approved_in_review_mode_and_reaches_sonarr(
    page: Page, ui_daemon: DaemonFactory, upstreams: Upstreams
) -> None:
    daemon = ui_daemon(**upstreams.sections())
    log_in(page, daemon, path="/ui/discovery")
    page.get_by_role("button", name="Trigger a cycle").click()
    page.wait_for_url(lambda url: url.startswith(f"{daemon.url}/ui/discovery?done="))
    # the live part shows the banner once the cycle stored the matches
    banner = page.locator(".review-banner")
    expect(banner).to_contain_text("2 shows wait for your review.", timeout=30_000)
    assert upstreams.added() == []  # review mode: nothing reaches Sonarr by itself
    banner.get_by_role("link", name="Review them").click()
    page.wait_for_url(lambda url: url == f"{daemon.url}/ui/discovery?status=review")
    rows = page.locator("table.shows tbody tr")
    expect(rows).to_have_count(2)
    row = page.locator("tr", has_text="Accepted Drama")
    expect(row).to_contain_text("passes the filters")
    shoot(page, "discovery")

    row.get_by_role("button", name="Approve").click()
    page.wait_for_url(lambda url: url.endswith("/ui/discovery?status=review&done=approved"))
    expect(page.get_by_role("status").first).to_contain_text("Approved")
    wait_until(lambda: upstreams.added() == [upstreams_tvdb(1)], timeout=30)
    page.reload()  # the list as it is now (the approval's cycle may have ended after it)
    expect(rows).to_have_count(1)
    expect(page.locator("tr", has_text="Second Match")).to_be_visible()

    page.get_by_role("navigation", name="shows by status").get_by_role("link", name="added").click()
    page.wait_for_url(lambda url: url.endswith("/ui/discovery?status=added"))
    expect(page.locator("tr", has_text="Accepted Drama")).to_contain_text("added")
    shoot(page, "discovery-added")


def upstreams_tvdb(tvmaze_id: int) -> int:
    """The TVDB id ``make_show`` gives a TVMaze id."""
    show = make_show(tvmaze_id, "x", updated=NOW)
    tvdb: int = show["externals"]["thetvdb"]
    return tvdb
