"""In Chromium, against the real daemon with real trees and real rsync: a reconcile run
started from /ui/reconcile finds more files than ``reconcile.confirm_above``, is held, and
is confirmed from the page; the confirmed run copies the files."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from tests.conftest import wait_until
from tests.ui.browser import DaemonFactory, browser, daemons, log_in, page, shoot, ui_daemon

from arrkestra.testing.fake_notify import FakeNotify
from arrkestra.testing.loopback import LoopbackServer

__all__ = ["browser", "daemons", "page", "ui_daemon"]

SEASON = "Show (2020)/Season 01"
WAIT_MS = 30_000  # the run page refreshes its live part every 3 s


@pytest.fixture
def notify() -> Iterator[tuple[FakeNotify, LoopbackServer]]:
    fake = FakeNotify()
    with LoopbackServer(fake.app) as server:
        yield fake, server


def copied(src: Path, dst: Path, names: list[str]) -> bool:
    return all(
        (dst / SEASON / name).exists()
        and (dst / SEASON / name).read_bytes() == (src / SEASON / name).read_bytes()
        for name in names
    )


def test_a_held_reconcile_is_confirmed_from_the_page(
    page: Page, ui_daemon: DaemonFactory, tmp_path: Path, notify: tuple[FakeNotify, LoopbackServer]
) -> None:
    fake, server = notify
    src, dst = tmp_path / "src" / "tv", tmp_path / "dst" / "tv"
    names = [f"Show - S01E0{n}.mkv" for n in range(1, 5)]
    (src / SEASON).mkdir(parents=True)
    for n, name in enumerate(names):
        (src / SEASON / name).write_bytes(os.urandom(2000 + n))
    (dst / SEASON).mkdir(parents=True)
    (dst / SEASON / "extra.nfo").write_bytes(b"only here")
    rule = {"arr_path": "/tv", "source": str(src), "destination": str(dst)}
    daemon = ui_daemon(
        mirror={"paths": [rule]},
        reconcile={"confirm_above": 2},
        notifications={"urls": [f"json://127.0.0.1:{server.port}/alerts"]},
    )
    log_in(page, daemon, path="/ui/reconcile")
    expect(page.get_by_text("No run yet.")).to_be_visible()

    page.get_by_role("button", name="Run now").click()
    page.wait_for_url(f"{daemon.url}/ui/reconcile/*?done=queued")
    status = page.locator("dd.run-status .badge")
    expect(status).to_have_text("needs confirmation", timeout=WAIT_MS)
    assert not any((dst / SEASON / name).exists() for name in names)  # held: nothing copied

    page.goto(f"{daemon.url}/ui/reconcile")
    held = page.locator("section.held")
    expect(held).to_contain_text("4 file(s) to copy")
    expect(held.locator("ul.paths.missing li")).to_have_count(4)
    shoot(page, "reconcile")
    held.get_by_role("button", name="Confirm").click()

    page.wait_for_url(f"{daemon.url}/ui/reconcile/*?done=confirmed")
    expect(page.get_by_role("status").first).to_contain_text("Confirmed")
    expect(status).to_have_text("done", timeout=WAIT_MS)
    expect(page.locator("dl.counts")).to_contain_text("4 copy job(s)")
    wait_until(lambda: copied(src, dst, names), timeout=30)
    assert (dst / SEASON / "extra.nfo").exists()  # never deleted
    page.reload()
    expect(page.locator("ul.paths.extra")).to_contain_text(f"{dst}/{SEASON}/extra.nfo")
    shoot(page, "reconcile-run")

    page.get_by_role("link", name="All runs").click()
    expect(page.locator("section.held")).to_have_count(0)  # the confirmed run took its place
    expect(page.locator("table.runs tbody tr")).to_have_count(2)
    assert any("confirmation" in m.title for m in fake.received("/alerts"))
