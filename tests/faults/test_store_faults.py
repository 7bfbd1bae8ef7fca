"""Issue 13, findings 2, 3, 10 (read-only data folder) and 12 (the lock): the store watches
itself, and /health tells the truth about it.

/health's truth table for the store: ok / read-only / disk full / file deleted / locked by
another process, each with its way back (nothing stays down once the store recovers).
Read-only is SQLite's own ``query_only`` (SQLITE_READONLY, as a read-only mount gives),
"disk full" SQLite's ``max_page_count`` (SQLITE_FULL), the lock a real second connection
holding a write transaction. Start-up refusals run the real ``arrkestra serve``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import socket
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.conftest import API_KEY, base_config, write_config
from tests.web.conftest import AppFactory, Running, running_app

from arrkestra.config import load_settings
from arrkestra.runtime.clock import ManualClock
from arrkestra.runtime.services import open_services
from arrkestra.store.connection import StoreError

__all__ = ["running_app"]

RADARR = {"radarr": {"hd": {"url": "http://radarr:7878"}}}
BOUND = 3.5  # /health, /ready, /metrics answer within this while the store is locked


def movie_delete(tmdb: int) -> dict[str, Any]:
    return {"eventType": "MovieDelete", "movie": {"id": tmdb, "tmdbId": tmdb}}


async def webhook(r: Running, tmdb: int) -> int:
    answer = await r.client.post("/webhook/radarr/hd", json=movie_delete(tmdb))
    return answer.status_code


async def health(r: Running) -> tuple[int, dict[str, Any]]:
    """``/health`` with the API key: the components' details too."""
    answer = await r.client.get("/health", headers={"X-Api-Key": API_KEY})
    body: dict[str, Any] = answer.json()
    return answer.status_code, body


def db_file(r: Running) -> Path:
    return r.settings.storage.db_file


async def set_pragma(r: Running, pragma: str) -> None:
    def run(conn: sqlite3.Connection) -> None:
        conn.execute(f"PRAGMA {pragma}")

    await r.services.db.run(run)


async def assert_store_ok(r: Running, tmdb: int) -> None:
    assert (await r.client.get("/ready")).status_code == 200  # /ready probes the store
    code, body = await health(r)
    assert (code, body["status"], body["components"]["store"]) == (200, "healthy", {"state": "ok"})
    assert await webhook(r, tmdb) == 202


async def assert_store_down(r: Running, words: str) -> None:
    ready = await r.client.get("/ready")
    assert ready.status_code == 503
    code, body = await health(r)
    assert (code, body["status"], body["healthy"]) == (503, "unhealthy", False)
    assert body["components"]["store"]["state"] == "down"
    assert words in body["components"]["store"]["detail"]


# -- finding 2: the database file deleted while running ------------------------------------


@pytest.mark.parametrize("victim", ["arrkestra.db", "arrkestra.db-wal"])
async def test_a_deleted_database_file_is_never_acknowledged(
    running_app: AppFactory, tmp_path: Path, victim: str
) -> None:
    async with running_app(background=False, **RADARR) as r:
        assert await webhook(r, 1) == 202
        path = db_file(r).with_name(victim)
        kept = tmp_path / "kept"
        os.link(path, kept)  # the same file, so it can be put back
        path.unlink()
        # the first webhook after the deletion: no probe has run, the commit itself must see it
        assert await webhook(r, 2) == 503
        assert await webhook(r, 3) == 503
        await assert_store_down(r, "deleted")
        os.link(kept, path)  # put back: the store recovers by itself
        await assert_store_ok(r, 4)


async def test_a_replaced_database_file_is_not_written_to(
    running_app: AppFactory, tmp_path: Path
) -> None:
    async with running_app(background=False, **RADARR) as r:
        path = db_file(r)
        shutil.copy(path, tmp_path / "copy.db")
        (tmp_path / "copy.db").replace(path)  # e.g. a backup restored over a running daemon
        assert await webhook(r, 1) == 503
        await assert_store_down(r, "replaced")


def test_a_second_daemon_on_a_deleted_database_is_refused_in_one_line(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, base_config(tmp_path)), {})
    first = open_services(settings, daemon=True)
    try:
        settings.storage.db_file.unlink()  # the first daemon still writes to it
        with pytest.raises(StoreError, match="belong to a database that was deleted"):
            open_services(settings, daemon=True).close()
    finally:
        first.close()


# -- finding 3: /health's truth table -------------------------------------------------------


async def test_health_is_ok_when_the_store_is(running_app: AppFactory) -> None:
    async with running_app(background=False, **RADARR) as r:
        await assert_store_ok(r, 1)


async def test_a_read_only_store_is_unhealthy_until_it_takes_writes_again(
    running_app: AppFactory,
) -> None:
    async with running_app(background=False, **RADARR) as r:
        await set_pragma(r, "query_only = ON")
        await assert_store_down(r, "read-only")
        assert await webhook(r, 1) == 503
        await set_pragma(r, "query_only = OFF")
        await assert_store_ok(r, 2)


async def test_the_periodic_probe_alone_drives_the_store_component_both_ways(
    running_app: AppFactory,
) -> None:
    async with running_app(background=False, **RADARR) as r:
        await set_pragma(r, "query_only = ON")
        await r.services.scheduler.run("store.probe")  # what the daemon runs every 10 s
        code, body = await health(r)
        assert (code, body["components"]["store"]["state"]) == (503, "down")
        await set_pragma(r, "query_only = OFF")
        await r.services.scheduler.run("store.probe")
        code, body = await health(r)
        assert (code, body["status"]) == (200, "healthy")


def backup(conn: sqlite3.Connection, release: threading.Event) -> None:
    """A stand-in for the nightly backup (the same name, as the thread reports it): it
    holds the database thread until ``release``."""
    release.wait(10)


async def test_our_own_long_backup_on_the_database_thread_is_not_a_down_store(
    running_app: AppFactory,
) -> None:
    """Review of issue 13: a probe queued behind our own nightly backup timed out and said
    the store was down (503 on /health: Docker restarts the container mid-backup)."""
    async with running_app(background=False, **RADARR) as r:
        release = threading.Event()
        holding = asyncio.ensure_future(r.services.db.run(backup, release))
        try:
            seen = await r.services.store_watch.probe()
            code, body = await health(r)
        finally:
            release.set()
            await holding
    assert seen.state.value == "ok"
    assert (code, body["components"]["store"]["state"]) == (200, "ok")


async def test_a_full_disk_is_unhealthy_until_there_is_room_again(
    running_app: AppFactory,
) -> None:
    async with running_app(background=False, **RADARR) as r:
        pages = await r.services.db.run(lambda c: c.execute("PRAGMA page_count").fetchone()[0])
        await set_pragma(r, f"max_page_count = {pages}")  # the database cannot grow
        answers = [await webhook(r, tmdb) for tmdb in range(1, 200)]
        assert 503 in answers and 202 not in answers[answers.index(503) :]
        await assert_store_down(r, "full")
        await set_pragma(r, "max_page_count = 1073741823")
        await assert_store_ok(r, 500)


@contextmanager
def write_lock_held(path: Path) -> Iterator[threading.Event]:
    """Another process's connection holding a write transaction until the event is set."""
    taken, release = threading.Event(), threading.Event()

    def hold() -> None:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        conn.execute("BEGIN IMMEDIATE")
        taken.set()
        release.wait(60)
        conn.execute("ROLLBACK")
        conn.close()

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    assert taken.wait(10)
    try:
        yield release
    finally:
        release.set()
        holder.join(10)


async def timed(r: Running, url: str) -> tuple[float, int]:
    started = time.monotonic()
    answer = await asyncio.wait_for(r.client.get(url), 15)
    return time.monotonic() - started, answer.status_code


async def test_a_store_locked_by_another_process_is_reported_in_bounded_time(
    running_app: AppFactory,
) -> None:
    async with running_app(background=False, **RADARR) as r:
        with write_lock_held(db_file(r)) as release:
            # a webhook now waits on the lock, and with it the database thread
            pending = asyncio.create_task(webhook(r, 1))
            ready_time, ready = await timed(r, "/ready")
            health_time, health_code = await timed(r, "/health")
            metrics_time, metrics = await timed(r, "/metrics")
            assert (ready, health_code, metrics) == (503, 503, 200)
            assert max(ready_time, health_time, metrics_time) < BOUND
            _, body = await health(r)
            assert "locked" in body["components"]["store"]["detail"]
            assert not pending.done()
            release.set()
        assert await pending == 202  # it waited for the lock, within SQLite's busy timeout
        await assert_store_ok(r, 2)


# -- finding 12: the single-daemon lock -----------------------------------------------------


def test_deleting_a_file_does_not_let_a_second_daemon_in(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, base_config(tmp_path)), {})
    first = open_services(settings, daemon=True)
    try:
        for leftover in settings.storage.path.glob("*.lock"):
            leftover.unlink()  # what a user cleaning the folder does
        with pytest.raises(StoreError, match=f"pid {os.getpid()}"):
            open_services(settings, daemon=True).close()
    finally:
        first.close()
    open_services(settings, daemon=True).close()  # released with the first daemon


# -- findings 3 and 10: start-up refuses what it cannot write -------------------------------


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make ``path`` read-only for this process: permissions when not root; as root (who
    ignores them) the immutable attribute; skipped where neither works."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
        try:
            yield
        finally:
            path.chmod(mode)
        return
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(path)], capture_output=True).returncode:
        pytest.skip("running as root without chattr +i: cannot make a file read-only here")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", str(path)], check=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_output(config: Path) -> tuple[int | None, str]:
    """Run ``arrkestra serve``; its exit code (None: it started and kept running) and output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARRKESTRA_")}
    port = free_port()
    command = [sys.executable, "-m", "arrkestra", "serve", "--config", str(config)]
    process = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        text=True,
    )
    deadline = time.monotonic() + 30
    code = process.poll()
    while code is None and time.monotonic() < deadline:
        try:  # started: it answers; refused: it exits
            if httpx.get(f"http://127.0.0.1:{port}/ping", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        code = process.poll()
        if code is None:
            try:
                code = process.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                code = None
    if code is None:
        process.terminate()
    output, _ = process.communicate(timeout=30)
    return code, output


def test_a_read_only_database_is_refused_at_start(tmp_path: Path) -> None:
    config = write_config(tmp_path, base_config(tmp_path))
    open_services(load_settings(config, {}), daemon=True).close()  # a real database
    database = tmp_path / "data" / "arrkestra.db"
    with read_only(database):
        code, output = serve_output(config)
    assert code == 1, output
    assert "Traceback" not in output
    assert f"cannot write {database}" in output


def test_a_read_only_data_folder_is_refused_at_start(tmp_path: Path) -> None:
    config = write_config(tmp_path, base_config(tmp_path))
    folder = tmp_path / "data"
    folder.mkdir()
    with read_only(folder):
        code, output = serve_output(config)
    assert code == 1, output
    assert "Traceback" not in output
    assert f"cannot write {folder}" in output


def test_a_new_database_next_to_backups_is_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = load_settings(write_config(tmp_path, base_config(tmp_path)), {})
    backups = settings.storage.backup_dir
    backups.mkdir(parents=True)
    (backups / "arrkestra-20250101-040000-000000.db").write_bytes(b"a backup")
    with caplog.at_level(logging.WARNING, logger="arrkestra"):
        services = open_services(settings, daemon=True)
    services.close()
    warned = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("arrkestra-20250101-040000-000000.db" in m and "EMPTY" in m for m in warned)
    assert any("backups exist" in note for note in services.health.notes)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="arrkestra"):
        open_services(settings, daemon=True).close()  # the database is there now: no warning
    assert not [r for r in caplog.records if "EMPTY" in r.getMessage()]


async def test_while_all_is_well_the_probe_writes_rarely_so_a_disk_can_sleep(
    running_app: AppFactory,
) -> None:
    """Review of issue 13: a write every 10 s kept the data disk awake. The periodic probe
    writes once, then only looks at the file until ``WRITE_EVERY``; ``/ready`` writes."""
    clock = ManualClock()

    def written(conn: sqlite3.Connection) -> float:
        row = conn.execute("SELECT updated_at FROM state WHERE key = 'ready.probe'").fetchone()
        return float(row[0])

    async with running_app(background=False, clock=clock, **RADARR) as r:
        await r.services.scheduler.run("store.probe")
        first = await r.services.db.run(written)
        clock.advance(10)
        await r.services.scheduler.run("store.probe")
        quiet = await r.services.db.run(written)
        clock.advance(10)
        assert (await r.client.get("/ready")).status_code == 200
        asked = await r.services.db.run(written)
    assert quiet == first and asked == first + 20
