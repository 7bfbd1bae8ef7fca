"""In Chromium, against the real daemon: /ui/settings shows where each value came from
with no secret on the page, and the path-mapping preview maps a path (screenshot)."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect
from tests.conftest import API_KEY
from tests.ui.browser import DaemonFactory, browser, daemons, log_in, page, shoot, ui_daemon

__all__ = ["browser", "daemons", "page", "ui_daemon"]

PLEX_TOKEN = "plex-token-from-an-old-variable-0123"
SONARR_KEY = "sonarr-key-behind-a-reference-0123"


def test_settings_show_sources_and_the_preview_maps_a_path(
    page: Page, ui_daemon: DaemonFactory, tmp_path: Path
) -> None:
    rule = {
        "arr_path": "/tv",
        "source": str(tmp_path / "src/tv"),
        "destination": str(tmp_path / "dst/tv"),
        "plex_path": "/data/tv",
    }
    daemon = ui_daemon(
        env={"PLEX_URL": "http://127.0.0.1:9/", "PLEX_TOKEN": PLEX_TOKEN, "SKEY": SONARR_KEY},
        sonarr={"hd": {"url": "http://127.0.0.1:9/", "api_key": "${SKEY}"}},
        mirror={"paths": [rule]},
    )
    log_in(page, daemon, path="/ui/settings")
    key = page.locator("tr", has=page.locator("code", has_text="sonarr.hd.api_key"))
    expect(key.locator("td").nth(1)).to_have_text("***")
    expect(key.locator(".source")).to_have_text("file (${SKEY})")
    token = page.locator("tr", has=page.locator("code", has_text="plex.token"))
    expect(token.locator(".source")).to_have_text("alias PLEX_TOKEN")
    for secret in (PLEX_TOKEN, SONARR_KEY, API_KEY):
        assert secret not in page.content()

    page.fill("input[name=path]", "/tv/Show (2020)/Season 01/Show - S01E01.mkv")
    page.select_option("select[name=instance]", "sonarr.hd")
    page.get_by_role("button", name="Preview").click()
    page.wait_for_url("**/ui/settings?path=*")
    mapping = page.locator("dl.mapping")
    expect(mapping).to_contain_text("mirror.paths[0]")
    expect(mapping.locator("code.mapped-destination")).to_have_text(
        f"{tmp_path}/dst/tv/Show (2020)/Season 01/Show - S01E01.mkv"
    )
    expect(mapping.locator("code.mapped-plex")).to_have_text(
        "/data/tv/Show (2020)/Season 01/Show - S01E01.mkv"
    )
    shoot(page, "settings")
