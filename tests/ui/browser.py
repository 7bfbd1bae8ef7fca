"""Real Chromium (Debian's ``/usr/bin/chromium``) driven by Playwright, against the real daemon.

Never ``playwright install``: ``.ci/run`` installs Debian's chromium and Playwright drives it
through ``executable_path``. Every page a test opens is watched: a console error or an
uncaught script error fails the test at teardown. ``shoot`` writes a full-page screenshot
to ``tests/artifacts/`` (ignored by git).

Import the fixtures into a test module and list them in ``__all__``::

    from tests.ui.browser import Daemon, browser, daemons, page, shoot, ui_daemon, log_in
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright
from tests.conftest import API_KEY, base_config, write_config
from tests.e2e.daemon import Daemon

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM = os.environ.get("ARRKESTRA_TEST_CHROMIUM", "/usr/bin/chromium")

pytestmark = pytest.mark.e2e


def chromium_path() -> str:
    found = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if not found:
        pytest.fail(f"no Chromium at {CHROMIUM}: .ci/run installs Debian's chromium package")
    return found


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium per test module. Not per session: Playwright's sync API keeps an event
    loop running in this thread while it is open, and the async tests of later modules
    (tests/web ...) could not start their own."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_path(), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context and page; console errors fail the test at teardown.

    A test that provokes an error on purpose (a wrong password's 401) clears
    ``page.console_errors`` (a list on the page object) after checking it.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"console: {message.text} at {message.location.get('url')}")

    opened.on("console", on_console)
    opened.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    opened.console_errors = errors  # type: ignore[attr-defined]
    opened.set_default_timeout(15_000)
    try:
        yield opened
    finally:
        context.close()
    assert not errors, "\n".join(errors)


def shoot(page: Page, name: str) -> Path:
    """A full-page screenshot at ``tests/artifacts/<name>.png``."""
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    return target


def log_in(page: Page, daemon: Daemon, password: str = API_KEY, path: str = "/ui/") -> None:
    """Log in through the form, as a person would, and land on ``path``."""
    page.goto(f"{daemon.url}{path}")
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{daemon.url}{path}")


@pytest.fixture
def daemons() -> Iterator[list[Daemon]]:
    started: list[Daemon] = []
    yield started
    for daemon in started:
        daemon.stop()


DaemonFactory = Callable[..., Daemon]


@pytest.fixture
def ui_daemon(tmp_path: Path, daemons: list[Daemon]) -> DaemonFactory:
    """``ui_daemon(**sections)``: the real daemon on a config of ``base_config`` plus
    ``sections``, started and ready."""

    def start(env: dict[str, str] | None = None, **sections: Any) -> Daemon:
        config = write_config(tmp_path, base_config(tmp_path, **sections))
        daemon = Daemon(config, tmp_path / "daemon.log", env=env)
        daemons.append(daemon)
        daemon.start().wait_ready()
        return daemon

    return start
