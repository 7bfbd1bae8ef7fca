"""In Chromium: logging in works, a wrong password doesn't, and every page of the
navigation bar renders without a console error (a screenshot of each)."""

from __future__ import annotations

from playwright.sync_api import Page
from tests.ui.browser import DaemonFactory, browser, daemons, log_in, page, shoot, ui_daemon

__all__ = ["browser", "daemons", "page", "ui_daemon"]


def test_a_wrong_password_is_refused_and_the_right_one_logs_in(
    page: Page, ui_daemon: DaemonFactory
) -> None:
    daemon = ui_daemon()
    page.goto(f"{daemon.url}/")
    assert page.url.startswith(f"{daemon.url}/ui/login")
    shoot(page, "login")
    page.fill("input[name=password]", "not-the-key")
    page.click("button[type=submit]")
    assert page.get_by_role("alert").inner_text() == "Wrong password."
    # the 401 of the refused login is logged by Chromium as a failed resource: expected
    page.console_errors.clear()  # type: ignore[attr-defined]
    assert page.context.cookies() == []
    page.fill("input[name=password]", "test-api-key-0123456789")
    page.click("button[type=submit]")
    page.wait_for_url(f"{daemon.url}/ui/")
    assert page.get_by_role("navigation", name="main").is_visible()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{daemon.url}/ui/login")


def test_every_page_of_the_navigation_renders(page: Page, ui_daemon: DaemonFactory) -> None:
    daemon = ui_daemon()
    log_in(page, daemon)
    links = page.get_by_role("navigation", name="main").get_by_role("link")
    labels = [links.nth(i).inner_text() for i in range(links.count())]
    assert labels == ["Overview", "Jobs", "Events", "Titles", "Discovery", "Reconcile", "Settings"]
    for label in labels:
        page.get_by_role("navigation", name="main").get_by_role("link", name=label).click()
        page.wait_for_load_state()
        assert page.locator("h1").first.is_visible()
        shoot(page, f"nav-{label.lower()}")
