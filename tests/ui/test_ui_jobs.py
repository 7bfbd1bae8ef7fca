"""In Chromium against the real daemon: a cleanup job dies while Overseerr fails, Overseerr
heals, the user presses Retry on the job's page, and the page shows it succeeded; the
event that caused it shows its payload. Screenshots of the four pages."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect
from tests.conftest import wait_until
from tests.ui.browser import DaemonFactory, browser, daemons, log_in, page, shoot, ui_daemon

from arrkestra.testing.fake_overseerr import FakeOverseerr
from arrkestra.testing.loopback import LoopbackServer

__all__ = ["browser", "daemons", "page", "ui_daemon"]

KEY = "overseerr-ui-key-0123456789"


@pytest.fixture
def overseerr() -> Iterator[tuple[FakeOverseerr, LoopbackServer]]:
    fake = FakeOverseerr(KEY)
    with LoopbackServer(fake.app) as server:
        yield fake, server


def test_a_dead_job_is_retried_from_its_page_and_succeeds(
    page: Page, ui_daemon: DaemonFactory, overseerr: tuple[FakeOverseerr, LoopbackServer]
) -> None:
    fake, server = overseerr
    media = fake.add_media(media_type="movie", tmdb_id=603, title="The Matrix")
    fake.fail_with = 500
    daemon = ui_daemon(
        radarr={"hd": {"url": "http://radarr:7878"}},
        overseerr={"url": server.url, "api_key": KEY, "poll_interval": "0s"},
        cleanup={"retry": {"max_attempts": 1}},
    )
    body = {"eventType": "MovieDelete", "movie": {"id": 1, "tmdbId": 603, "title": "The Matrix"}}
    answer = httpx.post(f"{daemon.url}/webhook/radarr/hd", json=body, timeout=5)
    assert answer.status_code == 202, answer.text
    (job_id,) = answer.json()["jobs"]
    event_id = answer.json()["event_id"]

    def status() -> str:
        return str(daemon.api("GET", f"/api/v1/jobs/{job_id}").json()["status"])

    wait_until(lambda: status() == "dead")

    log_in(page, daemon, path="/ui/jobs")
    row = page.locator("table.jobs tbody tr").first
    expect(row).to_contain_text("The Matrix")
    expect(row.locator(".badge")).to_have_text("dead")
    expect(row.locator("td.error")).to_contain_text("HTTP 500")
    shoot(page, "jobs")

    row.get_by_role("link", name=str(job_id)).click()
    page.wait_for_url(f"{daemon.url}/ui/jobs/{job_id}")
    expect(page.locator("h1")).to_contain_text(f"Job {job_id}")
    expect(page.locator("p.said")).to_contain_text("Could not remove")
    expect(page.locator("table.attempts tbody tr")).to_have_count(1)
    shoot(page, "job-dead")

    fake.fail_with = None
    page.locator("section.told").get_by_role("button", name="Retry").click()
    page.wait_for_url(f"{daemon.url}/ui/jobs/{job_id}?done=retried")
    expect(page.get_by_role("status")).to_contain_text("Queued again")
    wait_until(lambda: status() == "succeeded")
    page.reload()
    expect(page.locator("h1 .badge")).to_have_text("succeeded")
    expect(page.locator("p.said")).to_contain_text('Removed "The Matrix" from Overseerr')
    expect(page.locator("table.attempts tbody tr")).to_have_count(2)
    assert not fake.has_media(media)
    shoot(page, "job")

    page.get_by_role("link", name=f"event {event_id}").click()
    page.wait_for_url(f"{daemon.url}/ui/events/{event_id}")
    expect(page.locator("pre.json")).to_contain_text('"tmdbId": 603')
    expect(page.locator("table.jobs")).to_contain_text("succeeded")
    shoot(page, "event")

    page.get_by_role("navigation", name="main").get_by_role("link", name="Events").click()
    page.wait_for_url(f"{daemon.url}/ui/events")
    expect(page.locator("table.events tbody tr").first).to_contain_text("MovieDelete")
    shoot(page, "events")
    assert KEY not in daemon.log()
