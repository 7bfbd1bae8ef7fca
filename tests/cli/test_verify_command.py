"""``arrkestra verify``: existing copies audited on real temp trees and a real config file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import base_config, write_config
from typer.testing import CliRunner

from arrkestra.cli import app

runner = CliRunner()
SEASON = "Show/Season 01"


@pytest.fixture(autouse=True)
def no_ambient_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ARRKESTRA_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)


def config(tmp_path: Path, *rules: dict[str, Any], **mirror: Any) -> str:
    if not rules:
        rules = (
            {
                "arr_path": "/tv",
                "source": str(tmp_path / "src"),
                "destination": str(tmp_path / "dst"),
            },
        )
    return str(
        write_config(tmp_path, base_config(tmp_path, mirror={"paths": list(rules), **mirror}))
    )


def put(root: Path, relative: str, data: bytes) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def copied(tmp_path: Path, relative: str, data: bytes) -> None:
    put(tmp_path / "src", relative, data)
    put(tmp_path / "dst", relative, data)


def verify(*args: str) -> Any:
    return runner.invoke(app, ["verify", *args])


def test_every_copy_matching_exits_0(tmp_path: Path) -> None:
    copied(tmp_path, f"{SEASON}/Show - S01E01.mkv", os.urandom(5000))
    copied(tmp_path, f"{SEASON}/Show - S01E01.en.srt", b"subtitles")
    answer = verify("/tv/Show", "--method", "checksum", "--config", config(tmp_path))
    assert answer.exit_code == 0, answer.output
    assert answer.output.startswith("2 files checked by checksum, 9.8 KB read in ")
    assert answer.output.rstrip().endswith(": every copy matches")


def test_each_problem_is_one_line_and_the_exit_code_is_1(tmp_path: Path) -> None:
    copied(tmp_path, f"{SEASON}/Show - S01E01.mkv", b"a" * 4000)
    put(tmp_path / "src", f"{SEASON}/Show - S01E02.mkv", b"b" * 4000)
    put(tmp_path / "dst", f"{SEASON}/Show - S01E02.mkv", b"b" * 2000)  # a truncated copy
    put(tmp_path / "src", f"{SEASON}/Show - S01E03.mkv", b"c")  # never copied
    answer = verify("/tv/Show/Season 01", "--config", config(tmp_path))
    src, dst = tmp_path / "src" / SEASON, tmp_path / "dst" / SEASON
    assert answer.exit_code == 1, answer.output
    assert answer.output.splitlines() == [
        f"2,000 bytes at the destination, 4,000 at the source: {src}/Show - S01E02.mkv -> "
        f"{dst}/Show - S01E02.mkv",
        f"missing at the destination: {src}/Show - S01E03.mkv -> {dst}/Show - S01E03.mkv",
        answer.output.splitlines()[-1],
    ]
    assert answer.output.splitlines()[-1].startswith("3 files checked by size in ")
    assert answer.output.rstrip().endswith(": 2 problems")


def test_checksum_finds_what_size_cannot(tmp_path: Path) -> None:
    data = os.urandom(64 * 1024)
    put(tmp_path / "src", "Movie (2020)/Movie (2020).mkv", data)
    put(tmp_path / "dst", "Movie (2020)/Movie (2020).mkv", data[:-1] + bytes([data[-1] ^ 1]))
    path = config(tmp_path)
    by_size = verify("/tv/Movie (2020)/Movie (2020).mkv", "--config", path)
    by_checksum = verify("/tv/Movie (2020)/Movie (2020).mkv", "--method", "checksum", "-c", path)
    assert by_size.exit_code == 0 and "1 file checked by size" in by_size.output
    assert by_checksum.exit_code == 1
    assert by_checksum.output.startswith("content differs (BLAKE2b): ")
    assert "1 file checked by checksum, 128.0 KB read in " in by_checksum.output


def test_the_default_method_is_the_configs_mirror_verify(tmp_path: Path) -> None:
    put(tmp_path / "src", "Show/a.mkv", b"same size, one")
    put(tmp_path / "dst", "Show/a.mkv", b"same size, two")
    by_default = verify("/tv/Show", "--config", config(tmp_path, verify="checksum"))
    assert by_default.exit_code == 1 and "checked by checksum" in by_default.output
    none = verify("/tv/Show", "--config", config(tmp_path, verify="none"))
    assert none.exit_code == 0 and "checked by size" in none.output  # none: size


def test_all_covers_every_rule_with_the_mirrors_excludes(tmp_path: Path) -> None:
    tv = {
        "arr_path": "/tv",
        "source": str(tmp_path / "src/tv"),
        "destination": str(tmp_path / "dst/tv"),
    }
    movies = {
        "arr_path": "/movies",
        "source": str(tmp_path / "src/movies"),
        "destination": str(tmp_path / "dst/movies"),
    }
    copied(tmp_path, "tv/Show/Season 01/x.mkv", b"episode")
    put(tmp_path / "src", "movies/Movie/Movie.mkv", b"movie")
    (tmp_path / "dst/movies").mkdir()
    put(tmp_path / "src", "movies/@eaDir/Movie.mkv@SynoEAStream", b"excluded by default")
    put(tmp_path / "src", "tv/Show/extras/behind.mkv", b"excluded, anchored at the root")
    path = config(tmp_path, tv, movies, excludes=["@eaDir", "/Show/extras"])
    answer = verify("--all", "--config", path)
    assert answer.exit_code == 1, answer.output
    lines = answer.output.splitlines()
    assert lines[0] == (
        f"missing at the destination: {tmp_path}/src/movies/Movie/Movie.mkv -> "
        f"{tmp_path}/dst/movies/Movie/Movie.mkv"
    )
    assert lines[1].startswith("2 files checked by size") and lines[1].endswith(": 1 problem")
    # a folder below the root applies an anchored exclude as rsync does: relative to the root
    folder = verify("/tv/Show", "--config", path)
    assert folder.exit_code == 0 and folder.output.startswith("1 file checked"), folder.output


def test_a_rule_root_itself_can_be_verified(tmp_path: Path) -> None:
    copied(tmp_path, "Show/x.mkv", b"x")
    for root in ("/tv", "/tv/"):
        answer = verify(root, "--config", config(tmp_path))
        assert answer.exit_code == 0 and answer.output.startswith("1 file checked"), answer.output


def test_a_windows_arr_path_maps_as_sync_maps_it(tmp_path: Path) -> None:
    copied(tmp_path, "Show/Season 01/x.mkv", b"x")
    rule = {
        "arr_path": "D:\\TV",
        "source": str(tmp_path / "src"),
        "destination": str(tmp_path / "dst"),
    }
    answer = verify("d:\\tv\\Show", "--config", config(tmp_path, rule))
    assert answer.exit_code == 0 and answer.output.startswith("1 file checked"), answer.output


def test_a_destination_root_that_is_down_is_one_problem_not_every_file(tmp_path: Path) -> None:
    put(tmp_path / "src", "Show/a.mkv", b"a")
    put(tmp_path / "src", "Show/b.mkv", b"b")
    answer = verify("--all", "--config", config(tmp_path))
    assert answer.exit_code == 1
    assert answer.output.splitlines()[0] == f"destination root {tmp_path}/dst: does not exist"
    assert "0 files checked" in answer.output and answer.output.rstrip().endswith(": 1 problem")


def test_an_anchor_file_missing_at_the_source_stops_an_empty_mount_passing(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()  # an unmounted share: the mount point, empty
    put(tmp_path / "dst", ".mounted", b"")
    answer = verify("/tv", "--config", config(tmp_path, mounts={"anchor_file": ".mounted"}))
    assert answer.exit_code == 1
    assert answer.output.startswith(
        f"source root {tmp_path}/src: anchor file '.mounted' is missing"
    )


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["/music/x.flac"], "no mirror.paths rule matches '/music/x.flac'"),
        (["/tv/Nope"], "no file or folder /tv/Nope in the source"),
        (["/tv/../etc"], ".."),
        ([], "give a PATH or --all"),
        (["/tv", "--all"], "give a PATH or --all"),
        (["/tv", "--method", "md5"], "--method 'md5' is not one of: size, checksum"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(tmp_path: Path, args: list[str], said: str) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "dst").mkdir()
    answer = verify(*args, "--config", config(tmp_path))
    assert answer.exit_code == 2, answer.output
    assert said in answer.output and "Traceback" not in answer.output


def test_all_without_rules_exits_2(tmp_path: Path) -> None:
    path = str(write_config(tmp_path, base_config(tmp_path)))
    answer = verify("--all", "--config", path)
    assert answer.exit_code == 2 and "mirror.paths is empty" in answer.output


def test_it_reads_only_no_database_no_write_at_the_destination(tmp_path: Path) -> None:
    copied(tmp_path, "Show/a.mkv", b"a")
    put(tmp_path / "src", "Show/b.mkv", b"b")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    answer = verify("--all", "--method", "checksum", "--config", config(tmp_path))
    after = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert answer.exit_code == 1
    assert after == sorted([*before, Path("arrkestra.yaml")])  # no copy, no probe, no database
    assert not (tmp_path / "data").exists()


def test_a_name_that_is_not_utf8_is_printed_escaped(tmp_path: Path) -> None:
    odd = os.fsdecode(b"Caf\xe9.mkv")
    put(tmp_path / "src", f"Show/{odd}", b"x")
    (tmp_path / "dst").mkdir()
    answer = verify("/tv/Show", "--config", config(tmp_path))
    assert answer.exit_code == 1
    assert "missing at the destination: " in answer.output and "Caf\\xe9.mkv" in answer.output
