"""``arrkestra sync``: in-process through Typer's runner, on a real config and database."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import base_config, write_config
from typer.testing import CliRunner

from arrkestra.cli import app

runner = CliRunner()
EPISODE = "/tv/Show/Season 01/Show - S01E01.mkv"


@pytest.fixture(autouse=True)
def no_ambient_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ARRKESTRA_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)


def config(tmp_path: Path, **sections: Any) -> str:
    return str(write_config(tmp_path, base_config(tmp_path, **sections)))


def mirrored(tmp_path: Path) -> str:
    return config(
        tmp_path,
        sonarr={"hd": {"url": "http://sonarr:8989"}},
        radarr={"hd": {"url": "http://radarr:7878"}},
        mirror={
            "paths": [
                {"arr_path": "/tv", "source": "/mnt/src/tv", "destination": "/mnt/dst/TV"},
                {"arr_path": "/movies", "source": "/mnt/src/m", "destination": "/mnt/dst/M"},
            ]
        },
    )


def mirror_jobs(tmp_path: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(tmp_path / "data" / "arrkestra.db") as conn:
        return conn.execute(
            "SELECT key, status, json_extract(params, '$.instance') FROM jobs ORDER BY id"
        ).fetchall()


def test_sync_queues_one_job_and_coalesces_a_repeat(tmp_path: Path) -> None:
    path = mirrored(tmp_path)
    first = runner.invoke(app, ["sync", EPISODE, "--type", "episode", "--config", path])
    again = runner.invoke(app, ["sync", EPISODE, "--config", path])
    movie = runner.invoke(app, ["sync", "/movies/Film (2020)/Film.mkv", "-c", path])
    assert first.exit_code == 0, first.output
    assert first.output.startswith("job 1 queued: pending")
    assert "/mnt/src/tv/Show/Season 01/Show - S01E01.mkv -> /mnt/dst/TV/Show/Season 01" in (
        first.output
    )
    assert again.exit_code == 0 and again.output.startswith("job 1 was already queued: pending")
    assert movie.exit_code == 0 and movie.output.startswith("job 2 queued")
    assert mirror_jobs(tmp_path) == [
        (f"sonarr.hd/{EPISODE}", "pending", "sonarr.hd"),
        ("radarr.hd//movies/Film (2020)/Film.mkv", "pending", "radarr.hd"),
    ]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["/music/a.flac"], "no mirror.paths rule matches"),
        (["/tv/Show/../../etc/passwd"], "'..'"),
        ([EPISODE, "--type", "song"], "movie, episode"),
        ([EPISODE, "--instance", "sonarr.nope"], "no instance 'sonarr.nope'"),
    ],
)
def test_a_refused_path_exits_2_with_the_reason(tmp_path: Path, args: list[str], says: str) -> None:
    answer = runner.invoke(app, ["sync", *args, "--config", mirrored(tmp_path)])
    assert answer.exit_code == 2
    assert says in answer.output and "Traceback" not in answer.output
    assert not (tmp_path / "data" / "arrkestra.db").exists()  # refused before the store opens


def test_sync_without_mirror_configured_exits_2(tmp_path: Path) -> None:
    answer = runner.invoke(app, ["sync", EPISODE, "--config", config(tmp_path)])
    assert answer.exit_code == 2 and "mirror is not configured" in answer.output


def test_sync_is_in_the_help() -> None:
    answer = runner.invoke(app, ["sync", "--help"])
    assert answer.exit_code == 0 and "--type" in answer.output and "--config" in answer.output
