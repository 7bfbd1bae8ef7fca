"""In Chromium: another site's page cannot make the dashboard act, even when the browser
holds Basic credentials for it (which it replays on a cross-site form POST)."""

from __future__ import annotations

from playwright.sync_api import Browser
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route
from tests.ui.browser import DaemonFactory, browser, daemons, shoot, ui_daemon

from arrkestra.testing.loopback import LoopbackServer

__all__ = ["browser", "daemons", "ui_daemon"]

USER, PASSWORD = "ana", "a-long-basic-password"


def other_site(target: str) -> Starlette:
    """A page on another site with a form aimed at the dashboard (no token: it has none)."""

    async def home(_: Request) -> HTMLResponse:
        return HTMLResponse(
            f'<form method="post" action="{target}">'
            '<input type="hidden" name="csrf_token" value="guessed">'
            '<button type="submit">Win a prize</button></form>'
        )

    return Starlette(routes=[Route("/", home)])


def test_a_cross_site_post_without_the_token_is_refused(
    browser: Browser, ui_daemon: DaemonFactory
) -> None:
    daemon = ui_daemon(server={"basic_auth": {"username": USER, "password": PASSWORD}})
    context = browser.new_context(
        http_credentials={"username": USER, "password": PASSWORD, "origin": daemon.url}
    )
    try:
        page = context.new_page()
        # the browser's own prompt: from now on it sends Basic credentials to /ui/
        page.goto(f"{daemon.url}/ui/basic?next=/ui/jobs")
        assert page.url == f"{daemon.url}/ui/jobs"
        assert page.context.cookies() == []  # no session: Basic alone opens the pages
        page.goto(f"{daemon.url}/ui/")
        assert page.url == f"{daemon.url}/ui/"
        # "localhost" is another site than "127.0.0.1" for the browser
        with LoopbackServer(other_site(f"{daemon.url}/ui/logout")) as evil:
            page.goto(f"http://localhost:{evil.port}/")
            with page.expect_navigation() as navigation:
                page.click("text=Win a prize")
            answer = navigation.value
            assert answer is not None
            assert answer.status == 403
            assert "another site" in page.content()
            shoot(page, "cross-site-refused")
        # and nothing happened: the pages still open with the browser's credentials
        page.goto(f"{daemon.url}/ui/jobs")
        assert page.url == f"{daemon.url}/ui/jobs"
    finally:
        context.close()
