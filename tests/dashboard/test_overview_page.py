"""/ui/: the overview, built from real parts: a dead cleanup job (a fake Overseerr that
answers 400), a paused pipeline, an upstream refusing our key, a mount that is down with a
job waiting on it, a real rsync copy for the chart, a reconcile run held for confirmation
and shows waiting for a TVDB id. Each is listed under Action required with its link;
the Resume button works (with the CSRF token only); no secret reaches the page."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
from tests.conftest import API_KEY
from tests.dashboard.dashboard_client import csrf_of
from tests.web.conftest import OVERSEERR_KEY, AppFactory, Running, overseerr, running_app

from arrkestra.core.discovery import Verdict
from arrkestra.core.job_kinds.reconcile import ReconcileReport
from arrkestra.core.shows import Show, ShowStatus
from arrkestra.runtime.clock import ManualClock
from arrkestra.store import reconcile_runs
from arrkestra.store import shows as show_store
from arrkestra.testing.fake_overseerr import FakeOverseerr
from arrkestra.testing.loopback import LoopbackServer

__all__ = ["overseerr", "running_app"]

PAYLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "payloads"
URL_PASSWORD = "url-pass-5ecret-0987"
MOVIE = "Spirited Away (2001)"
FILE = "Spirited.Away.2001.1080p.mkv"


def with_password(url: str) -> str:
    return url.replace("http://", f"http://admin:{URL_PASSWORD}@", 1)


def sections(tmp: Path, overseerr_url: str) -> dict[str, Any]:
    """Cleanup against the fake Overseerr (its URL with a password), and mirror with two
    rules: /movies on real folders, /archive whose destination is missing (down)."""
    for folder in ("src/movies", "dst/movies", "src/archive"):
        (tmp / folder).mkdir(parents=True)
    return {
        "radarr": {"hd": {"url": "http://radarr:7878"}},
        "overseerr": {
            "url": with_password(overseerr_url),
            "api_key": OVERSEERR_KEY,
            "poll_interval": "0s",
        },
        "mirror": {
            "paths": [
                {
                    "arr_path": "/movies",
                    "source": str(tmp / "src/movies"),
                    "destination": str(tmp / "dst/movies"),
                },
                {
                    "arr_path": "/archive",
                    "source": str(tmp / "src/archive"),
                    "destination": str(tmp / "dst/archive"),
                },
            ]
        },
    }


def download(tmp: Path, arr_root: str, size: int) -> dict[str, Any]:
    """Radarr's Download of a real file of ``size`` bytes under the rule of ``arr_root``."""
    folder = tmp / "src" / arr_root.strip("/") / MOVIE
    folder.mkdir(parents=True, exist_ok=True)
    (folder / FILE).write_bytes(b"x" * size)
    body: dict[str, Any] = json.loads((PAYLOADS / "radarr" / "v5-download.real.json").read_text())
    body["movie"]["folderPath"] = f"{arr_root}/{MOVIE}"
    body["movieFile"]["relativePath"] = FILE
    body["movieFile"]["size"] = size
    return body


def movie_delete(tmdb: int) -> dict[str, Any]:
    return {"eventType": "MovieDelete", "movie": {"id": tmdb, "tmdbId": tmdb}}


async def log_in(client: httpx.AsyncClient) -> None:
    """Log in through the form, landing here (not on another page being built)."""
    answer = await client.post("/ui/login", data={"password": API_KEY, "next": "/ui/"})
    assert answer.status_code == 303 and answer.headers["location"] == "/ui/"


def action_items(html: str) -> list[str]:
    """The Action required list's items, as text with their links' targets."""
    section = re.search(r'<section class="card action-required".*?</section>', html, re.S)
    assert section is not None, "no Action required section"
    return [" ".join(item.split()) for item in re.findall(r"<li.*?</li>", section.group(0), re.S)]


def only(items: list[str], word: str) -> str:
    [found] = [item for item in items if word in item]
    return found


async def hold_a_reconcile_run(r: Running) -> int:
    now = r.services.clock.now()

    def held(conn: Any) -> int:
        run, _ = reconcile_runs.queue_run(
            conn, trigger="schedule", dry_run=False, confirm=False, now=now
        )
        counts = reconcile_runs.Counts(missing=40, different=2)
        reconcile_runs.finish_run(
            conn, run.id, "needs_confirmation", counts, ReconcileReport(), now=now
        )
        return run.id

    return await r.services.db.run(held)


async def shows_waiting_for_tvdb(r: Running, count: int) -> None:
    now = r.services.clock.now()
    found = [
        (Show(900 + i, f"Show {i}", updated=1), Verdict(ShowStatus.PENDING, rule=0))
        for i in range(count)
    ]
    await r.services.db.run(show_store.save_shows, found, now=now)
    for show, _ in found:
        outcome = show_store.Outcome(ShowStatus.PENDING_TVDB, retry_after=now + 3600)
        await r.services.db.run(show_store.record_outcome, show.tvmaze_id, outcome, now=now)


async def test_an_empty_database_renders_a_calm_overview(running_app: AppFactory) -> None:
    async with running_app(background=False, clock=ManualClock()) as r:
        await log_in(r.client)
        page = await r.client.get("/ui/")
        assert page.status_code == 200, page.text
        assert "Nothing needs you" in page.text
        assert "Action required" not in page.text
        assert "Nothing mirrored in the last 30 days" in page.text
        assert page.text.count('<rect class="bar"') == 30  # a bar per day, all of height 0
        assert "store" in page.text and "No job finished in the last 7 days" in page.text
        live = await r.client.get("/ui/overview/live")
        assert live.status_code == 200
        assert "<html" not in live.text and "0 waiting, 0 running" in live.text


async def test_every_problem_is_listed_with_where_it_is_fixed_and_no_secret_shows(
    running_app: AppFactory, overseerr: tuple[FakeOverseerr, LoopbackServer], tmp_path: Path
) -> None:
    fake, server = overseerr
    fake.fail_with = 400  # Overseerr refuses the request: the cleanup job dies at once
    config = sections(tmp_path, server.url)
    async with running_app(background=False, clock=ManualClock(), **config) as r:
        services = r.services
        await services.scheduler.run("mirror.mounts")  # /archive's destination is missing
        assert (
            await r.client.post("/webhook/radarr/hd", json=movie_delete(603))
        ).status_code == 202
        copied = await r.client.post("/webhook/radarr/hd", json=download(tmp_path, "/movies", 5000))
        waiting = await r.client.post("/webhook/radarr/hd", json=download(tmp_path, "/archive", 10))
        assert copied.status_code == waiting.status_code == 202
        await services.worker.run_until_idle()
        assert (tmp_path / "dst/movies" / MOVIE / FILE).stat().st_size == 5000
        secret_url = with_password(server.url)
        await services.queue.pause(
            "cleanup", f"deletion budget exceeded (Overseerr {secret_url}?apikey={OVERSEERR_KEY})"
        )
        await services.alerts.auth_failed(
            "cleanup", f"overseerr: 401 from {secret_url} with X-Api-Key: {OVERSEERR_KEY}"
        )
        run_id = await hold_a_reconcile_run(r)
        await shows_waiting_for_tvdb(r, 3)

        await log_in(r.client)
        page = await r.client.get("/ui/")
        assert page.status_code == 200, page.text
        for secret in (URL_PASSWORD, OVERSEERR_KEY, API_KEY):
            assert secret not in page.text
        items = action_items(page.text)

    paused = only(items, "pipeline is paused")
    assert "The cleanup pipeline is paused and its jobs wait: deletion budget exceeded" in paused
    assert 'href="/ui/jobs?pipeline=cleanup"' in paused
    assert 'action="/ui/pipelines/cleanup/resume"' in paused
    rejected = only(items, "credentials")
    assert rejected.startswith('<li class="action a-auth_failed"> <span class="what">overseerr')
    assert 'href="/ui/settings"' in rejected
    mount = only(items, "is down")
    assert f"The mount {tmp_path / 'dst/archive'} is down (does not exist); 1 job waits" in mount
    assert 'href="/ui/settings">path rules' in mount
    held = only(items, "Reconcile run")
    assert f"Reconcile run {run_id} found 42 files to copy" in held
    assert 'href="/ui/reconcile"' in held
    dead = only(items, "given up")
    assert (
        "1 job has given up in the last 7 days (1 cleanup)" in dead
        and 'href="/ui/jobs?status=dead"' in dead
    )
    tvdb = only(items, "TVDB")
    assert "3 shows wait for a TVDB id" in tvdb
    assert 'href="/ui/discovery?status=pending_tvdb"' in tvdb
    assert len(items) == 6
    assert "4.9 KiB mirrored in the last 30 days" in page.text  # the real copy's 5000 bytes
    assert "<title>2023-11-14: 4.9 KiB</title>" in page.text  # today's bar (ManualClock)


async def test_the_resume_button_resumes_and_refuses_a_post_without_the_token(
    running_app: AppFactory,
) -> None:
    async with running_app(background=False, clock=ManualClock()) as r:
        await r.services.queue.pause("mirror", "rsync missing")
        await log_in(r.client)
        page = await r.client.get("/ui/")
        assert "The mirror pipeline is paused and its jobs wait: rsync missing." in page.text
        token = csrf_of(page.text)

        refused = await r.client.post("/ui/pipelines/mirror/resume", data={})
        assert refused.status_code == 403
        assert "mirror" in await r.services.queue.paused()

        done = await r.client.post("/ui/pipelines/mirror/resume", data={"csrf_token": token})
        assert done.status_code == 303 and done.headers["location"] == "/ui/?done=resumed"
        assert await r.services.queue.paused() == {}
        after = await r.client.get(done.headers["location"])
        assert "The pipeline is resumed" in after.text and "Nothing needs you" in after.text

        again = await r.client.post("/ui/pipelines/mirror/resume", data={"csrf_token": token})
        assert again.headers["location"] == "/ui/?done=not_paused"
        junk = await r.client.post("/ui/pipelines/..%2Fetc/resume", data={"csrf_token": token})
        assert junk.status_code in (400, 404) and "<html" in junk.text
        echoed = await r.client.get("/ui/?done=<script>alert(1)</script>")
        assert echoed.status_code == 200 and "<script>alert" not in echoed.text


async def test_the_queue_block_and_its_live_fragment_count_jobs_per_pipeline(
    running_app: AppFactory, overseerr: tuple[FakeOverseerr, LoopbackServer], tmp_path: Path
) -> None:
    _, server = overseerr
    config = sections(tmp_path, server.url)
    async with running_app(background=False, clock=ManualClock(), **config) as r:
        await r.services.queue.pause("cleanup", "kept waiting for the test")
        for tmdb in (1, 2):
            await r.client.post("/webhook/radarr/hd", json=movie_delete(tmdb))
        assert (await r.client.get("/ui/overview/live")).status_code == 303  # not logged in
        await log_in(r.client)
        live = (await r.client.get("/ui/overview/live")).text
    row = re.search(r'<tr>\s*<td><a href="/ui/jobs\?pipeline=cleanup">.*?</tr>', live, re.S)
    assert row is not None
    assert 'status=pending">2</a>' in row.group(0)
    assert "paused" in row.group(0)
    assert re.search(r'<a href="/ui/jobs/\d+">job \d+</a>, created', row.group(0))
    assert "2 waiting, 0 running" in live
    assert "/ui/jobs?pipeline=mirror" in live  # configured, no job yet: a row of zeros


async def test_a_job_that_died_over_a_week_ago_no_longer_asks_for_attention(
    running_app: AppFactory,
) -> None:
    """Dead jobs cannot be cancelled: the item counts the last 7 days, or it never clears."""
    clock = ManualClock()
    async with running_app(background=False, clock=clock) as r:
        await log_in(r.client)
        now = clock.now()

        def dead_job(conn: Any) -> None:
            conn.execute(
                "INSERT INTO jobs (pipeline, key, params, status, created_at, updated_at,"
                " next_attempt_at, finished_at) VALUES ('cleanup', 'k', '{}', 'dead', ?, ?, ?, ?)",
                (now, now, now, now),
            )

        await r.services.db.run(dead_job)
        assert "given up in the last 7 days" in (await r.client.get("/ui/")).text
        clock.advance(8 * 86_400)
        page = (await r.client.get("/ui/")).text
        assert "given up in the last 7 days" not in page
        assert "Nothing needs you" in page
