"""``arrkestra catchup`` and ``arrkestra reconcile``: they queue jobs the daemon runs, on a
real config and database, and refuse clearly what cannot be queued."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import base_config, write_config
from typer.testing import CliRunner

from arrkestra.cli import app

runner = CliRunner()
KEY = "sonarr-cli-key-0123456789"


@pytest.fixture(autouse=True)
def no_ambient_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ARRKESTRA_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)


def config(tmp_path: Path, **sections: Any) -> str:
    mirror = {"paths": [{"arr_path": "/tv", "source": "/mnt/src", "destination": "/mnt/dst"}]}
    data = {"sonarr": {"hd": {"url": "http://sonarr:8989", "api_key": KEY}}, "mirror": mirror}
    return str(write_config(tmp_path, base_config(tmp_path, **(data | sections))))


def jobs(tmp_path: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(tmp_path / "data" / "arrkestra.db")
    try:
        return [(r[0], r[1]) for r in conn.execute("SELECT pipeline, key FROM jobs ORDER BY id")]
    finally:
        conn.close()


def test_catchup_queues_a_run_per_instance(tmp_path: Path) -> None:
    path = config(tmp_path)
    first = runner.invoke(app, ["catchup", "--config", path])
    again = runner.invoke(app, ["catchup", "--config", path, "--instance", "sonarr/hd"])
    assert first.exit_code == 0, first.output
    assert "queued: catch-up of sonarr.hd" in first.output
    assert "already queued" in again.output  # the same run while it waits
    assert jobs(tmp_path) == [("catchup", "sonarr.hd")]
    since = runner.invoke(app, ["catchup", "--config", path, "--since", "72h"])
    assert since.exit_code == 0 and len(jobs(tmp_path)) == 2  # an explicit window: its own run


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--instance", "radarr/4k"], "catch-up reads no instance 'radarr/4k'"),
        (["--since", "soon"], "--since: invalid duration 'soon'"),
    ],
)
def test_catchup_refuses_what_it_cannot_queue(tmp_path: Path, args: list[str], said: str) -> None:
    answer = runner.invoke(app, ["catchup", "--config", config(tmp_path), *args])
    assert answer.exit_code == 2 and said in answer.output


def test_catchup_and_reconcile_say_why_they_do_not_run(tmp_path: Path) -> None:
    path = str(write_config(tmp_path, base_config(tmp_path)))
    for command in ("catchup", "reconcile"):
        answer = runner.invoke(app, [command, "--config", path])
        assert answer.exit_code == 2
        assert "not configured" in answer.output and "mirror" in answer.output


def test_reconcile_queues_a_run(tmp_path: Path) -> None:
    path = config(tmp_path)
    answer = runner.invoke(app, ["reconcile", "--config", path, "--dry-run"])
    assert answer.exit_code == 0, answer.output
    assert "reconcile run 1 (job 1) queued" in answer.output
    assert jobs(tmp_path) == [("reconcile", "reconcile/dry_run")]
