"""rsync over a file list, with the real rsync on real temporary trees."""

from __future__ import annotations

from pathlib import Path

import pytest

from arrkestra.adapters.rsync import RsyncOptions
from arrkestra.adapters.rsync_file_list import copy_listed
from arrkestra.core.errors import PermanentError


def tree(root: Path, files: dict[str, bytes]) -> None:
    for relative, data in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


async def test_exactly_the_listed_files_are_copied_with_their_folders(tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    tree(src, {"A/S1/one.mkv": b"1", "A/S1/two.mkv": b"22", "B/odd 'name' [x].mkv": b"3"})
    tree(dst, {"A/S1/two.mkv": b"old"})  # present: left alone with ignore_existing
    run = await copy_listed(
        str(src), str(dst), ["A/S1/one.mkv", "A/S1/two.mkv", "B/odd 'name' [x].mkv"], RsyncOptions()
    )
    assert run.code == 0
    assert run.transferred == {"A/S1/one.mkv", "B/odd 'name' [x].mkv"}
    assert (dst / "A/S1/one.mkv").read_bytes() == b"1"
    assert (dst / "A/S1/two.mkv").read_bytes() == b"old"
    assert (dst / "B/odd 'name' [x].mkv").read_bytes() == b"3"


async def test_replace_overwrites_what_the_destination_has(tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    tree(src, {"A/two.mkv": b"22"})
    tree(dst, {"A/two.mkv": b"old"})
    run = await copy_listed(str(src), str(dst), ["A/two.mkv"], RsyncOptions(), replace=True)
    assert run.transferred == {"A/two.mkv"} and (dst / "A/two.mkv").read_bytes() == b"22"


async def test_a_file_gone_from_the_source_fails_alone(tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    tree(src, {"A/here.mkv": b"1"})
    dst.mkdir()
    run = await copy_listed(str(src), str(dst), ["A/here.mkv", "A/gone.mkv"], RsyncOptions())
    assert run.code == 23  # a per-file outcome, not a failed run
    assert run.transferred == {"A/here.mkv"} and "gone.mkv" in run.stderr
    assert (dst / "A/here.mkv").exists() and not (dst / "A/gone.mkv").exists()


async def test_a_dry_run_copies_nothing(tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    tree(src, {"A/one.mkv": b"1"})
    dst.mkdir()
    run = await copy_listed(str(src), str(dst), ["A/one.mkv"], RsyncOptions(dry_run=True))
    assert run.transferred == {"A/one.mkv"} and not (dst / "A").exists()


@pytest.mark.parametrize("listed", [[], ["/etc/passwd"], ["a\0b"]])
async def test_a_bad_list_is_refused(tmp_path: Path, listed: list[str]) -> None:
    with pytest.raises(PermanentError):
        await copy_listed(str(tmp_path), str(tmp_path / "dst"), listed, RsyncOptions())


async def test_names_rsync_would_escape_are_recognised(tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    names = ["Amélie (2001)/Amélie.mkv", "Odd/line\nbreak.mkv", "日本/映画.mkv"]
    tree(src, {name: b"x" for name in names})
    dst.mkdir()
    run = await copy_listed(str(src), str(dst), names, RsyncOptions())
    assert run.transferred == set(names)
