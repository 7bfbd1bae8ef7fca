"""``arrkestra jobs list``: ``--title`` finds a title's jobs; NOW says where each stands."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import base_config, write_config
from typer.testing import CliRunner

from arrkestra.cli import app

runner = CliRunner()
INSERT = (
    "INSERT INTO jobs (pipeline, key, params, status, attempts, created_at, updated_at, "
    "next_attempt_at, lease_owner, lease_expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


@pytest.fixture(autouse=True)
def no_ambient_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ARRKESTRA_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)


def run(*args: str) -> Any:
    return runner.invoke(app, list(args))


def database(tmp_path: Path) -> tuple[str, sqlite3.Connection]:
    config = str(write_config(tmp_path, base_config(tmp_path)))
    assert run("db", "backup", "--config", config).exit_code == 0  # creates the database
    return config, sqlite3.connect(tmp_path / "data" / "arrkestra.db")


def add(
    conn: sqlite3.Connection, key: str, params: dict[str, Any], status: str, **when: float
) -> int:
    now = time.time()
    running = status == "running"
    cur = conn.execute(
        INSERT,
        (
            "mirror",
            key,
            json.dumps(params),
            status,
            1 if running else 0,
            now - 300,
            when.get("started", now),
            when.get("due", now - 300),
            "daemon-1" if running else None,
            now + 60 if running else None,
        ),
    )
    job_id = int(cur.lastrowid or 0)
    if running:
        conn.execute(
            "INSERT INTO job_attempts (job_id, attempt, owner, started_at) VALUES (?, 1, ?, ?)",
            (job_id, "daemon-1", when["started"]),
        )
    conn.commit()
    return job_id


def rows(output: str) -> dict[str, str]:
    return {line.split()[0]: line for line in output.splitlines()[1:] if line.strip()}


def test_title_finds_a_titles_jobs_and_now_says_where_each_stands(tmp_path: Path) -> None:
    config, conn = database(tmp_path)
    now = time.time()
    amelie = {"instance": "radarr.hd", "library_path": "/movies/Amélie (2001)/Amélie.mkv"}
    running = add(conn, "a", amelie, "running", started=now - 125)
    other = {"instance": "sonarr.hd", "library_path": "/tv/Show_1/S01E01.mkv", "title": "Show"}
    waiting = add(conn, "b", other, "failed", due=now + 600)
    conn.close()

    listed = run("jobs", "list", "--config", config)
    assert listed.exit_code == 0, listed.output
    assert "NOW" in listed.output.splitlines()[0]
    found = rows(listed.output)
    assert re.search(r"running 2 min 0\d s", found[str(running)])
    assert re.search(r"next in (9 min 5\d|10 min 00) s", found[str(waiting)])

    for text in ("AMÉLIE", "amélie", "Amélie (2001)"):
        only = run("jobs", "list", "--title", text, "--config", config)
        assert only.exit_code == 0 and list(rows(only.output)) == [str(running)]
    assert list(rows(run("jobs", "list", "--title", "w_1", "--config", config).output)) == [
        str(waiting)
    ]
    assert rows(run("jobs", "list", "--title", "%", "--config", config).output) == {}
    none = run("jobs", "list", "--title", "amélie", "--status", "dead", "--config", config)
    assert none.exit_code == 0 and rows(none.output) == {}


def test_a_running_transfer_shows_the_daemon_s_live_progress(tmp_path: Path) -> None:
    """The daemon of the same config answers ``/api/v1/jobs?status=running`` (here a small
    stand-in on the config's port, as the real route answers): NOW shows its progress."""
    from fastapi import FastAPI, Header
    from tests.conftest import API_KEY

    from arrkestra.testing.loopback import LoopbackServer

    _, conn = database(tmp_path)
    job = add(conn, "a", {"instance": "radarr.hd", "library_path": "/m/A/a.mkv"}, "running",
              started=time.time() - 5)  # fmt: skip
    conn.close()
    keys: list[str | None] = []
    daemon = FastAPI()

    @daemon.get("/api/v1/jobs")
    def running(status: str, x_api_key: str | None = Header(default=None)) -> dict[str, Any]:
        keys.append(x_api_key)
        progress = {"percent": 42.4, "bytes_done": 1, "rate": "105.25MB/s", "eta": "0:00:05"}
        return {"jobs": [{"id": job, "status": status, "progress": progress}]}

    with LoopbackServer(daemon) as server:
        data = base_config(tmp_path, server={"host": "127.0.0.1", "port": server.port})
        config = str(write_config(tmp_path, data))
        listed = run("jobs", "list", "--config", config)
    assert listed.exit_code == 0, listed.output
    assert "42% 105.25MB/s eta 0:00:05" in rows(listed.output)[str(job)]
    assert keys == [API_KEY]

    quiet = run("jobs", "list", "--config", config)  # no daemon there now: what the db knows
    assert re.search(r"running \d+ s", rows(quiet.output)[str(job)])
