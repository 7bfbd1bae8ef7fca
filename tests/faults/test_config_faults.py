"""Issue 13's finding 10: a config that ``check`` passes, ``serve`` runs, and every start-up
failure is one clear line. The real command as a subprocess (``python -m arrkestra``), on
real files: a traceback or a hang shows only there."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import base_config, write_config

COMMAND_DEADLINE = 30.0
"""A refused config answers in about a second; past this the command hangs."""

NO_DAC_OVERRIDE = ("--bounding-set=-dac_override,-dac_read_search",)
"""Root reads and writes everything: without these capabilities permissions hold for it."""


def arrkestra(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Any:
    """Run the command (as a user that file permissions bind) and return the finished run."""
    argv = [sys.executable, "-m", "arrkestra", *args]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("root without setpriv: file permissions do not bind")
        argv = [setpriv, *NO_DAC_OVERRIDE, *argv]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ARRKESTRA_")}
    return subprocess.run(
        argv,
        cwd=cwd,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=COMMAND_DEADLINE,
        check=False,
    )


def one_clear_line(run: Any) -> str:
    """The error line of a refused start: no traceback anywhere, the error on stderr (an
    ``error:`` line, or the daemon's critical log line once logging is set up)."""
    output = run.stdout + run.stderr
    assert "Traceback" not in output, output
    lines = run.stderr.splitlines()
    errors = [line for line in lines if line.startswith("error: ") or " CRITICAL " in line]
    assert errors, output
    return errors[-1]


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[Path]:
    """A folder nobody may write (made writable again for pytest's clean-up)."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    yield folder
    folder.chmod(0o755)


RECURSIVE = """\
server: &loop
  nested: *loop
"""

LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)
"""Nine levels of nine aliases: 387 million values once expanded, in ten lines."""


def refused_config_args(command: str, config: Path) -> list[str]:
    port = ["--port", "1"] if command == "serve" else []  # never bound: refused before
    return [command, "--config", str(config), *port]


@pytest.mark.parametrize(
    ("text", "said"),
    [(RECURSIVE, "recursive alias"), (LAUGHS, "aliases expand")],
    ids=["recursive-alias", "billion-laughs"],
)
@pytest.mark.parametrize("command", ["check", "serve"])
def test_an_alias_that_never_ends_is_refused_at_once(
    tmp_path: Path, text: str, said: str, command: str
) -> None:
    config = tmp_path / "arrkestra.yaml"
    config.write_text(text, encoding="utf-8")
    run = arrkestra(*refused_config_args(command, config), cwd=tmp_path)
    assert run.returncode == 2, run.stdout + run.stderr
    output = run.stdout + run.stderr
    assert "Traceback" not in output and "RecursionError" not in output
    assert said in output and "line " in output


def test_yaml_nested_past_any_config_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "arrkestra.yaml"
    config.write_text("server: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    run = arrkestra("check", "--config", str(config), cwd=tmp_path)
    assert run.returncode == 2 and "nested more than" in run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr


@pytest.mark.parametrize("command", ["check", "serve"])
def test_every_bad_mirror_rule_is_listed_and_serve_refuses_the_same(
    tmp_path: Path, command: str
) -> None:
    rules = [
        {"arr_path": "/tv", "source": "/a/../b", "destination": "/dst/tv"},
        {"arr_path": "/movies", "source": "/src/movies", "destination": "relative/movies"},
        {"arr_path": "/anime", "source": "/src/anime", "destination": "/dst/anime"},
        {"arr_path": "/docs", "source": "/src/./docs", "destination": "/dst//docs/.."},
    ]
    data = base_config(
        tmp_path, sonarr={"hd": {"url": "http://sonarr:8989"}}, mirror={"paths": rules}
    )
    config = write_config(tmp_path, data)
    run = arrkestra(*refused_config_args(command, config), cwd=tmp_path)
    output = run.stdout + run.stderr
    assert run.returncode == 2, output
    assert "Traceback" not in output and "configuration OK" not in output
    for bad in ("mirror.paths[0]", "mirror.paths[1]", "mirror.paths[3]"):
        assert bad in output, f"{bad} missing from:\n{output}"
    assert "mirror.paths[2]" not in output


def test_serve_on_a_read_only_data_folder_says_so_in_one_line(
    tmp_path: Path, read_only: Path
) -> None:
    config = write_config(
        tmp_path, base_config(tmp_path, storage={"path": str(read_only / "data")})
    )
    run = arrkestra("serve", "--config", str(config), "--port", "1", cwd=tmp_path)
    assert run.returncode != 0
    line = one_clear_line(run)
    assert str(read_only / "data") in line and "ermission denied" in line


def test_a_log_file_the_daemon_may_not_write_is_one_line(tmp_path: Path, read_only: Path) -> None:
    data = base_config(tmp_path, logging={"file": str(read_only / "arrkestra.log")})
    run = arrkestra("serve", "--config", str(write_config(tmp_path, data)), cwd=tmp_path)
    assert run.returncode != 0
    assert "arrkestra.log" in one_clear_line(run)


@pytest.mark.parametrize("command", [["check"], ["serve", "--port", "1"], ["jobs", "list"]])
def test_an_unreadable_config_file_is_one_line(tmp_path: Path, command: list[str]) -> None:
    config = write_config(tmp_path, base_config(tmp_path))
    config.chmod(0o000)
    run = arrkestra(*command, cwd=tmp_path, env={"ARRKESTRA_CONFIG": str(config)})
    assert run.returncode == 2
    assert "cannot read config file" in one_clear_line(run) + run.stderr


def test_a_database_command_on_a_read_only_data_folder_is_one_line(
    tmp_path: Path, read_only: Path
) -> None:
    config = write_config(
        tmp_path, base_config(tmp_path, storage={"path": str(read_only / "data")})
    )
    run = arrkestra("jobs", "list", "--config", str(config), cwd=tmp_path)
    assert run.returncode != 0
    assert "data" in one_clear_line(run)
