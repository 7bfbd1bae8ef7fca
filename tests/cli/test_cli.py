"""The ``arrkestra`` command, in-process through Typer's runner, on real files."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import base_config, write_config
from typer.testing import CliRunner

from arrkestra.cli import app
from arrkestra.testing.fake_arr import create_fake_arr
from arrkestra.testing.loopback import LoopbackServer

runner = CliRunner()


def run(*args: str, env: dict[str, str] | None = None) -> Any:
    return runner.invoke(app, list(args), env=env)


@pytest.fixture(autouse=True)
def no_ambient_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ARRKESTRA_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)


def test_help_is_useful_for_every_command() -> None:
    top = run("--help")
    assert top.exit_code == 0 and "serve" in top.output and "check" in top.output
    for command in (
        ["serve"],
        ["check"],
        ["jobs", "list"],
        ["jobs", "retry"],
        ["db", "backup"],
        ["version"],
    ):
        answer = run(*command, "--help")
        assert answer.exit_code == 0, command
        assert "--config" in answer.output or command == ["version"]


def test_version() -> None:
    assert run("version").output.startswith("arrkestra ")


def test_check_reports_every_mistake_and_exits_2(tmp_path: Path) -> None:
    bad = {
        "servr": {"port": 8080},  # 1 unknown key (typo)
        "server": {"port": 99999, "drain_timeout": "5 minutes"},  # 2 port range, 3 duration
        "logging": {"level": "loud"},  # 4 level
        "storage": {"backup": {"schedule": "every night"}},  # 5 cron expression
        "sonarr": {
            "hd": {"url": "not a url", "default": True},
            "uhd": {"url": "http://s:8989", "default": True},
        },
    }
    answer = run("check", "--config", str(write_config(tmp_path, bad)))
    assert answer.exit_code == 2
    out = answer.output
    for path in (
        "servr",
        "server.port",
        "server.drain_timeout",
        "logging.level",
        "storage.backup.schedule",
        "sonarr.hd.url",
    ):
        assert path in out, f"{path} missing from:\n{out}"
    assert "server" in out.split("servr", 1)[1]  # the hint names the key that was meant
    assert "Traceback" not in out


def test_check_with_only_warnings_exits_0(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        {
            "sonarr": {"hd": {"url": "http://sonarr:8989", "api_key": "k" * 32}},
            "overseerr": {"url": "http://overseerr:5055"},
        },
    )
    answer = run("check", "--config", str(config))
    assert answer.exit_code == 0, answer.output
    assert "warning:" in answer.output and "configuration OK" in answer.output
    assert "k" * 32 not in answer.output


def test_an_explicit_missing_config_file_is_an_error(tmp_path: Path) -> None:
    answer = run("check", "--config", str(tmp_path / "nope.yaml"))
    assert answer.exit_code == 2 and "nope.yaml" in answer.output


def test_check_online_sorts_upstreams(tmp_path: Path) -> None:
    good_key, closed_port = "a" * 32, 9  # port 9 (discard) is closed on loopback
    with LoopbackServer(create_fake_arr("sonarr", good_key)) as sonarr:
        config = write_config(
            tmp_path,
            {
                "sonarr": {
                    "hd": {"url": sonarr.url, "api_key": good_key, "default": True},
                    "wrongkey": {"url": sonarr.url, "api_key": "b" * 32},
                    "gone": {
                        "url": f"http://127.0.0.1:{closed_port}",
                        "api_key": good_key,
                        "timeout": "2s",
                    },
                }
            },
        )
        answer = run("check", "--online", "--config", str(config))
    assert answer.exit_code == 1
    rows = {
        line.split()[0]: line for line in answer.output.splitlines() if line.startswith("sonarr.")
    }
    assert "reachable" in rows["sonarr.hd"]
    assert "auth failed" in rows["sonarr.wrongkey"]
    assert "unreachable" in rows["sonarr.gone"]
    assert good_key not in answer.output and "b" * 32 not in answer.output


def test_jobs_commands_on_a_real_database(tmp_path: Path) -> None:
    config = str(write_config(tmp_path, base_config(tmp_path)))
    db_file = tmp_path / "data" / "arrkestra.db"
    assert (
        run("db", "backup", "--config", config).exit_code == 0
    )  # creates and migrates the database
    conn = sqlite3.connect(db_file)
    conn.execute(
        "INSERT INTO jobs (pipeline, key, params, status, attempts, created_at, updated_at, "
        "next_attempt_at, last_error, finished_at) "
        "VALUES ('mirror', 'k', '{\"library_path\": \"/tv/a.mkv\"}', "
        "'dead', 3, 0, 0, 0, 'rsync exit 23 token=hidden123', 1)"
    )
    conn.commit()
    conn.close()
    listed = run("jobs", "list", "--config", config)
    assert listed.exit_code == 0 and "mirror" in listed.output and "dead" in listed.output
    assert "TITLE" in listed.output and "a.mkv" in listed.output  # what the job is about
    assert "hidden123" not in listed.output
    shown = run("jobs", "show", "1", "--config", config)
    assert shown.exit_code == 0 and "/tv/a.mkv" in shown.output and "hidden123" not in shown.output
    assert run("jobs", "show", "99", "--config", config).exit_code == 1
    retried = run("jobs", "retry", "1", "--config", config)
    assert retried.exit_code == 0 and "now pending" in retried.output
    assert run("jobs", "retry", "1", "--config", config).exit_code == 1  # pending cannot be retried
    assert "now cancelled" in run("jobs", "cancel", "1", "--config", config).output
    assert "was not paused" in run("jobs", "resume", "mirror", "--config", config).output


def test_db_backup_and_check(tmp_path: Path) -> None:
    config = str(write_config(tmp_path, base_config(tmp_path, storage={"backup": {"keep": 2}})))
    for _ in range(3):
        assert run("db", "backup", "--config", config).exit_code == 0
    backups = sorted((tmp_path / "data" / "backups").glob("arrkestra-*.db"))
    assert len(backups) == 2
    checked = run("db", "check", "--config", config)
    assert checked.exit_code == 0 and ": ok" in checked.output


def test_db_check_on_a_damaged_file_names_the_newest_backup(tmp_path: Path) -> None:
    config = str(write_config(tmp_path, base_config(tmp_path)))
    assert run("db", "backup", "--config", config).exit_code == 0
    newest = sorted((tmp_path / "data" / "backups").glob("arrkestra-*.db"))[-1]
    (tmp_path / "data" / "arrkestra.db").write_bytes(b"garbage" * 1000)
    answer = run("db", "check", "--config", config)
    assert answer.exit_code == 1 and "Traceback" not in answer.output
    assert "not a usable SQLite database" in answer.output or str(newest) in answer.output
