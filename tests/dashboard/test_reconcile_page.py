"""/ui/reconcile: runs with their reports, Run now / Dry run, and a held run confirmed from
the page (real trees in tmp_path, real rsync, the real queue run to idle)."""

from __future__ import annotations

import json
import os
import re
import sqlite3
from pathlib import Path
from typing import Any

import httpx
from tests.conftest import API_KEY
from tests.dashboard.dashboard_client import csrf_of
from tests.web.conftest import AppFactory, Running, running_app

from arrkestra.core.job_kinds.reconcile import ReconcileReport
from arrkestra.runtime.clock import ManualClock
from arrkestra.store import reconcile_runs
from arrkestra.store.connection import write_transaction

__all__ = ["running_app"]

SEASON = "Show (2020)/Season 01"


async def log_in_here(client: httpx.AsyncClient) -> str:
    """Log in through the form and return the session's CSRF token, read on this page
    (``dashboard_client.log_in`` reads it on /ui/jobs, another page)."""
    answer = await client.post("/ui/login", data={"password": API_KEY})
    assert answer.status_code == 303, answer.text
    return csrf_of((await client.get("/ui/reconcile")).text)


def trees(tmp: Path, missing: int = 3) -> tuple[Path, Path]:
    """A source with ``missing`` episodes and a destination with one of another size and
    one file of its own."""
    src, dst = tmp / "src" / "tv", tmp / "dst" / "tv"
    for n in range(1, missing + 1):
        (src / SEASON).mkdir(parents=True, exist_ok=True)
        (src / SEASON / f"e{n}.mkv").write_bytes(os.urandom(1000 + n))
    (dst / SEASON).mkdir(parents=True)
    (dst / SEASON / "e1.mkv").write_bytes(b"short")  # another size: replaced
    (dst / SEASON / "old.nfo").write_bytes(b"x")  # only at the destination: kept
    return src, dst


def sections(tmp: Path, **reconcile: Any) -> dict[str, Any]:
    rule = {"arr_path": "/tv", "source": str(tmp / "src/tv"), "destination": str(tmp / "dst/tv")}
    return {
        "sonarr": {"hd": {"url": "http://sonarr:8989"}},
        "mirror": {"paths": [rule]},
        "reconcile": reconcile,
    }


async def post(client: httpx.AsyncClient, url: str, token: str, **fields: str) -> httpx.Response:
    return await client.post(url, data={"csrf_token": token, **fields})


def run_id_of(location: str) -> int:
    found = re.fullmatch(r"/ui/reconcile/(\d+)\?done=\w+", location)
    assert found is not None, location
    return int(found.group(1))


async def api_run(r: Running, run_id: int) -> dict[str, Any]:
    answer = await r.client.get(f"/api/v1/reconcile/runs/{run_id}", headers={"X-Api-Key": API_KEY})
    found: dict[str, Any] = answer.json()
    return found


async def test_a_held_run_is_confirmed_from_the_page_and_the_files_are_copied(
    running_app: AppFactory, tmp_path: Path
) -> None:
    src, dst = trees(tmp_path)
    config = sections(tmp_path, confirm_above=2)
    async with running_app(background=False, clock=ManualClock(), **config) as r:
        token = await log_in_here(r.client)
        empty = await r.client.get("/ui/reconcile")
        started = await post(r.client, "/ui/reconcile/run", token, kind="run")
        held_id = run_id_of(started.headers["location"])
        await r.services.worker.run_until_idle()
        listing = (await r.client.get("/ui/reconcile")).text
        held_page = (await r.client.get(f"/ui/reconcile/{held_id}")).text
        assert not (dst / SEASON / "e2.mkv").exists()  # held: nothing copied
        confirmed = await post(r.client, f"/ui/reconcile/{held_id}/confirm", token)
        new_id = run_id_of(confirmed.headers["location"])
        await r.services.worker.run_until_idle()
        done_page = (await r.client.get(confirmed.headers["location"])).text
        after = (await r.client.get("/ui/reconcile")).text
        new_run = await api_run(r, new_id)
    assert "No run yet." in empty.text and ">Run now</button>" in empty.text
    assert started.status_code == 303
    # the held run comes first, with what it would copy and the Confirm button
    held_at, table_at = listing.index('class="card held"'), listing.index("<h2>Runs</h2>")
    assert held_at < table_at
    assert "3 file(s) to copy" in listing
    assert f"{src}/{SEASON}/e2.mkv" in listing and f"{src}/{SEASON}/e1.mkv" in listing
    assert f'action="/ui/reconcile/{held_id}/confirm"' in listing
    assert f'action="/ui/reconcile/{held_id}/confirm"' in held_page
    assert f"{dst}/{SEASON}/old.nfo" in held_page  # the extra file, in the whole report
    # confirming queued a confirmed run like the API's {"confirm": true}, and copied
    assert confirmed.status_code == 303 and new_id != held_id
    assert new_run["confirm"] is True and new_run["trigger"] == "dashboard"
    assert (new_run["status"], new_run["queued"]) == ("done", 3)
    for n in (1, 2, 3):
        assert (dst / SEASON / f"e{n}.mkv").read_bytes() == (
            src / SEASON / f"e{n}.mkv"
        ).read_bytes()
    assert (dst / SEASON / "old.nfo").exists()
    assert "Confirmed: this run compares the trees again" in done_page
    assert 'class="badge s-done"' in done_page
    assert f'href="/ui/jobs/{new_run["job_id"]}"' in done_page
    assert 'class="card held"' not in after  # superseded: no Confirm any more
    assert "/confirm" not in after


async def test_a_dry_run_from_the_page_changes_nothing(
    running_app: AppFactory, tmp_path: Path
) -> None:
    _, dst = trees(tmp_path)
    async with running_app(background=False, clock=ManualClock(), **sections(tmp_path)) as r:
        token = await log_in_here(r.client)
        started = await post(r.client, "/ui/reconcile/run", token, kind="dry_run")
        again = await post(r.client, "/ui/reconcile/run", token, kind="dry_run")
        await r.services.worker.run_until_idle()
        page = (await r.client.get(started.headers["location"])).text
        listing = (await r.client.get("/ui/reconcile")).text
    assert run_id_of(again.headers["location"]) == run_id_of(started.headers["location"])
    assert again.headers["location"].endswith("?done=already_queued")
    assert 'class="badge s-dry_run"' in page and "dry run" in page
    assert not (dst / SEASON / "e2.mkv").exists()
    assert re.search(r"<td>dry run</td>\s*<td>dashboard</td>", listing)


async def test_confirming_a_run_that_is_not_held_queues_nothing(
    running_app: AppFactory, tmp_path: Path
) -> None:
    trees(tmp_path)
    async with running_app(background=False, clock=ManualClock(), **sections(tmp_path)) as r:
        token = await log_in_here(r.client)
        started = await post(r.client, "/ui/reconcile/run", token, kind="run")
        run_id = run_id_of(started.headers["location"])
        await r.services.worker.run_until_idle()
        answer = await post(r.client, f"/ui/reconcile/{run_id}/confirm", token)
        page = await r.client.get(answer.headers["location"])
        missing = await post(r.client, "/ui/reconcile/999/confirm", token)
        runs = await r.services.db.run(reconcile_runs.list_runs)
    assert answer.headers["location"] == f"/ui/reconcile/{run_id}?error=not_held"
    assert "does not wait for confirmation: nothing was queued" in page.text
    assert missing.status_code == 404 and "no reconcile run 999" in missing.text
    assert [run.id for run in runs] == [run_id]


async def test_posts_need_the_token_and_a_known_kind(
    running_app: AppFactory, tmp_path: Path
) -> None:
    trees(tmp_path)
    async with running_app(background=False, clock=ManualClock(), **sections(tmp_path)) as r:
        token = await log_in_here(r.client)
        forged = await post(r.client, "/ui/reconcile/run", "forged", kind="run")
        bare = await r.client.post("/ui/reconcile/run", data={"kind": "run"})
        junk = await post(r.client, "/ui/reconcile/run", token, kind="everything")
        runs = await r.services.db.run(reconcile_runs.list_runs)
    assert forged.status_code == bare.status_code == 403
    assert junk.status_code == 400 and junk.headers["content-type"].startswith("text/html")
    assert runs == []


async def test_a_refused_run_is_a_flash_error(running_app: AppFactory, tmp_path: Path) -> None:
    trees(tmp_path)
    config = sections(tmp_path, enabled=False)
    async with running_app(background=False, clock=ManualClock(), **config) as r:
        token = await log_in_here(r.client)
        page = (await r.client.get("/ui/reconcile")).text
        answer = await post(r.client, "/ui/reconcile/run", token, kind="run")
        flashed = (await r.client.get(answer.headers["location"])).text
    assert "Reconcile does not run: disabled (reconcile.enabled is false)" in page
    assert ">Run now</button>" not in page
    assert answer.headers["location"] == "/ui/reconcile?error=refused"
    assert "Reconcile cannot run: disabled (reconcile.enabled is false)." in flashed


async def test_bad_addresses_are_html_errors(running_app: AppFactory, tmp_path: Path) -> None:
    trees(tmp_path)
    async with running_app(background=False, clock=ManualClock(), **sections(tmp_path)) as r:
        await log_in_here(r.client)
        answers = {
            url: await r.client.get(url)
            for url in (
                "/ui/reconcile/12345",
                "/ui/reconcile/abc",
                "/ui/reconcile/0",
                "/ui/reconcile?before=-1",
                "/ui/reconcile?done=<script>",
                "/ui/reconcile/12345/fragment",
            )
        }
    for url, answer in answers.items():
        assert answer.headers["content-type"].startswith("text/html"), url
        assert "<script>" not in answer.text.replace('<script src="', ""), url
    assert answers["/ui/reconcile/12345"].status_code == 404
    assert answers["/ui/reconcile/12345/fragment"].status_code == 404
    for url in ("/ui/reconcile/abc", "/ui/reconcile/0", "/ui/reconcile?before=-1"):
        assert answers[url].status_code == 400, url
    assert answers["/ui/reconcile?done=<script>"].status_code == 400


def seed_runs(conn: sqlite3.Connection, count: int, report: ReconcileReport) -> None:
    """``count`` finished runs, as the pipeline stores them."""
    body = json.dumps(report.model_dump(mode="json"))
    with write_transaction(conn):
        for n in range(count):
            cur = conn.execute(reconcile_runs.INSERT_RUN, ("schedule", 0, 0, 1000.0 + n))
            values = ("done", 1060.0 + n, 1, 0, 1, 0, 2048, body, cur.lastrowid)
            conn.execute(reconcile_runs.FINISH, values)


async def test_runs_are_paged_newest_first_and_reports_are_redacted(
    running_app: AppFactory, tmp_path: Path
) -> None:
    trees(tmp_path)
    secret_problem = f"rsync said http://user:{API_KEY}@nas/ failed"
    report = ReconcileReport(problems=[secret_problem], sample_missing=[f"/x/{API_KEY}.mkv"])
    async with running_app(background=False, clock=ManualClock(), **sections(tmp_path)) as r:
        await log_in_here(r.client)
        await r.services.db.run(seed_runs, 30, report)
        first = (await r.client.get("/ui/reconcile")).text
        second = (await r.client.get("/ui/reconcile?before=6")).text
        live = await r.client.get("/ui/reconcile/fragment")
        one = (await r.client.get("/ui/reconcile/30")).text
    ids = [int(i) for i in re.findall(r'<td><a href="/ui/reconcile/(\d+)">', first)]
    assert ids == list(range(30, 5, -1))  # 25 a page, newest first
    assert 'href="/ui/reconcile?before=6"' in first
    assert [int(i) for i in re.findall(r'<td><a href="/ui/reconcile/(\d+)">', second)] == [
        5,
        4,
        3,
        2,
        1,
    ]
    assert "Older" not in second and 'href="/ui/reconcile">Newest' in second
    assert live.status_code == 200 and "<html" not in live.text and "<h2>Runs</h2>" in live.text
    assert 'data-live="/ui/reconcile/fragment"' in first
    assert API_KEY not in one and "rsync said http://user:***@nas/ failed" in one
    assert "2.0 KiB" in one or "2 KiB" in one
