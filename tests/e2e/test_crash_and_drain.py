"""The real daemon process: SIGKILL mid-job (lease reclaimed, runs once more) and SIGTERM drain."""

from __future__ import annotations

import json
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from tests.conftest import base_config, wait_until, write_config
from tests.e2e.daemon import Daemon

pytestmark = pytest.mark.e2e


def job_status(daemon: Daemon, job_id: int) -> str:
    return str(daemon.api("GET", f"/api/v1/jobs/{job_id}").json()["status"])


def completions(data_dir: Path) -> list[dict[str, object]]:
    log = data_dir / "selftest.log"
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_sigkill_while_a_job_runs_then_restart_completes_it_exactly_once(
    tmp_path: Path, daemons: list[Daemon]
) -> None:
    config = write_config(tmp_path, base_config(tmp_path, selftest={"enabled": True}))
    first = Daemon(config, tmp_path / "daemon.log").start()
    daemons.append(first)
    first.wait_ready()
    answer = first.api("POST", "/api/v1/selftest/jobs", json={"duration": 2.0, "label": "crash"})
    assert answer.status_code == 202, answer.text
    job_id = answer.json()["job"]["id"]
    wait_until(lambda: job_status(first, job_id) == "running")
    first.signal(signal.SIGKILL)
    assert first.wait_exit(10) == -signal.SIGKILL
    assert completions(tmp_path / "data") == []

    second = Daemon(config, tmp_path / "daemon.log").start()
    daemons.append(second)
    second.wait_ready()
    wait_until(lambda: job_status(second, job_id) == "succeeded", timeout=30)
    done = [c for c in completions(tmp_path / "data") if c["job_id"] == job_id]
    assert done == [{"job_id": job_id, "attempt": 2, "label": "crash"}]
    detail = second.api("GET", f"/api/v1/jobs/{job_id}").json()
    assert [a["outcome"] for a in detail["attempts_log"]] == ["recovered", "succeeded"]
    assert "recovered 1 job(s) left running" in second.log()


def test_sigterm_drains_running_jobs_and_exits_zero_within_the_drain_timeout(
    tmp_path: Path, daemons: list[Daemon]
) -> None:
    data = base_config(
        tmp_path, selftest={"enabled": True, "concurrency": 2}, server={"drain_timeout": "3s"}
    )
    config = write_config(tmp_path, data)
    daemon = Daemon(config, tmp_path / "daemon.log").start()
    daemons.append(daemon)
    daemon.wait_ready()
    quick = daemon.api(
        "POST", "/api/v1/selftest/jobs", json={"duration": 1.0, "label": "quick"}
    ).json()["job"]["id"]
    slow = daemon.api(
        "POST", "/api/v1/selftest/jobs", json={"duration": 120, "label": "slow"}
    ).json()["job"]["id"]
    wait_until(
        lambda: job_status(daemon, quick) == "running" and job_status(daemon, slow) == "running"
    )

    sent = time.monotonic()
    daemon.signal(signal.SIGTERM)
    assert daemon.wait_exit(15) == 0
    elapsed = time.monotonic() - sent
    assert elapsed < 3.0 + 2.0, f"took {elapsed:.1f}s"

    db = sqlite3.connect(tmp_path / "data" / "arrkestra.db")
    rows = dict(db.execute("SELECT id, status || '/' || attempts FROM jobs").fetchall())
    db.close()
    assert rows == {quick: "succeeded/1", slow: "pending/0"}  # the slow one runs again later
    assert [c["label"] for c in completions(tmp_path / "data")] == ["quick"]
    log = daemon.log()
    assert "released 1 unfinished job(s)" in log and "shutdown complete" in log
    assert "Traceback" not in log
