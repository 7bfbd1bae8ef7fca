"""``arrkestra sync FOLDER``: every media file in it queued, on a real config and database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from tests.conftest import base_config, write_config
from typer.testing import CliRunner

from arrkestra.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def no_ambient_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ARRKESTRA_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)


def mirrored(tmp_path: Path) -> str:
    rule = {
        "arr_path": "/tv",
        "source": str(tmp_path / "src"),
        "destination": str(tmp_path / "dst"),
    }
    data = base_config(
        tmp_path, sonarr={"hd": {"url": "http://sonarr:8989"}}, mirror={"paths": [rule]}
    )
    return str(write_config(tmp_path, data))


def keys(tmp_path: Path) -> list[str]:
    with sqlite3.connect(tmp_path / "data" / "arrkestra.db") as conn:
        return [key for (key,) in conn.execute("SELECT key FROM jobs ORDER BY id")]


def test_a_folder_queues_its_media_files(tmp_path: Path) -> None:
    season = tmp_path / "src/Show/Season 01"
    season.mkdir(parents=True)
    for name in ("Show - S01E01.mkv", "Show - S01E01.en.srt", "Show - S01E02.mkv", "Thumbs.db"):
        (season / name).write_text(name)
    path = mirrored(tmp_path)
    first = runner.invoke(app, ["sync", "/tv/Show", "--config", path])
    again = runner.invoke(app, ["sync", "/tv/Show/", "--config", path])
    assert first.exit_code == 0, first.output
    assert first.output.startswith(
        "2 job(s) queued, 0 already queued, 0 already present, 1 skipped"
    )
    assert f"{tmp_path}/src/Show -> {tmp_path}/dst/Show" in first.output
    assert again.exit_code == 0 and again.output.startswith("0 job(s) queued, 2 already queued")
    assert keys(tmp_path) == [
        "sonarr.hd//tv/Show/Season 01/Show - S01E01.mkv",
        "sonarr.hd//tv/Show/Season 01/Show - S01E02.mkv",
    ]


def test_a_missing_folder_exits_2_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    answer = runner.invoke(app, ["sync", "/tv/Nope", "--config", mirrored(tmp_path)])
    assert answer.exit_code == 2
    assert "no folder or file /tv/Nope" in answer.output and "Traceback" not in answer.output
