"""``arrkestra demo`` in Chromium, as a newcomer meets it: log in with the printed password,
then every page of the navigation and one job, one event and one title in detail, each
without a console error (a screenshot of each).

The overview is also shot at 1280x900 for the README; with
``ARRKESTRA_UPDATE_DOCS_SCREENSHOT=1`` that shot is written to ``docs/images/overview.png``
too (a normal run never changes tracked files).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page
from tests.cli.demo_process import Banner, DemoProcess, api_get
from tests.ui.browser import browser, page, shoot

__all__ = ["browser", "page"]

NAVIGATION = ["Overview", "Jobs", "Events", "Titles", "Discovery", "Reconcile", "Settings"]
DOCS_IMAGE = Path(__file__).resolve().parents[2] / "docs" / "images" / "overview.png"


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Banner]:
    """The demo, started, with its day played."""
    process = DemoProcess(tmp_path).start()
    try:
        banner = process.banner()
        assert "every step as expected" in process.day_played()
        yield banner
    finally:
        process.kill()


def log_in(page: Page, banner: Banner) -> None:
    page.goto(banner.url)
    page.wait_for_url(re.compile(r".*/ui/login.*"))
    page.fill("input[name=password]", banner.password)
    page.click("button[type=submit]")
    page.wait_for_url(banner.url)


def visit(page: Page, url: str, name: str) -> None:
    answer = page.goto(url)
    assert answer is not None and answer.status == 200, url
    assert page.locator("h1").first.is_visible()
    shoot(page, name)


def test_a_newcomer_logs_in_with_the_printed_password_and_sees_every_page(
    page: Page, demo: Banner
) -> None:
    log_in(page, demo)
    assert page.viewport_size == {"width": 1280, "height": 900}
    shoot(page, "overview")
    if os.environ.get("ARRKESTRA_UPDATE_DOCS_SCREENSHOT") == "1":
        DOCS_IMAGE.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS_IMAGE))  # the viewport: 1280x900

    navigation = page.get_by_role("navigation", name="main")
    for label in NAVIGATION:
        navigation.get_by_role("link", name=label).click()
        page.wait_for_load_state()
        assert page.locator("h1").first.is_visible()
        shoot(page, f"demo-{label.lower()}")

    jobs = api_get(demo, "/api/v1/jobs", pipeline="mirror", status="dead").json()["jobs"]
    visit(page, f"{demo.base}/ui/jobs/{jobs[0]['id']}", "demo-job")
    events = api_get(demo, "/api/v1/events", limit=1).json()["events"]
    visit(page, f"{demo.base}/ui/events/{events[0]['id']}", "demo-event")

    visit(page, f"{demo.base}/ui/titles?q=Lighthouse", "demo-titles-search")
    visit(page, f"{demo.base}/ui/titles", "demo-titles-list")
    title = page.locator('main a[href^="/ui/titles/"]').first
    assert title.count() == 1, "the titles page links to no title's page"
    title.click()
    page.wait_for_load_state()
    assert page.locator("h1").first.is_visible()
    shoot(page, "demo-title")
