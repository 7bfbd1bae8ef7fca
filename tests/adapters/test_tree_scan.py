"""The tree scan on real folders: what it lists, what it skips, how it fails, and that the
two-process comparison gives the answer of a plain diff and of ``rsync -a -n``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from arrkestra.adapters.tree_scan import TreeUnavailable, compare_trees, scan_tree
from arrkestra.core.errors import TransientError
from arrkestra.core.excludes import ExcludeMatcher
from arrkestra.core.tree_diff import diff_trees

DEFAULTS = ExcludeMatcher(["#recycle", "@eaDir", ".DS_Store"])
UNDECODABLE = os.fsdecode(b"caf\xe9 latin-1.mkv")  # not UTF-8: a surrogate escape


def write(root: Path, relative: str, size: int) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)


def make(root: Path, files: dict[str, int]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for relative, size in files.items():
        write(root, relative, size)
    return root


def test_lists_regular_files_by_relative_posix_path_with_their_size(tmp_path: Path) -> None:
    files = {
        "tv/Show (2020)/Season 01/Show - S01E01 - Pilot.mkv": 1234,
        "tv/Show (2020)/Season 01/Show - S01E01 - Pilot.en.srt": 56,
        "tv/Show (2020)/tvshow.nfo": 0,
        "top.txt": 3,
    }
    root = make(tmp_path / "lib", files)
    (root / "empty folder").mkdir()
    assert scan_tree(root, DEFAULTS) == files
    assert scan_tree(str(root), DEFAULTS) == files


def test_excluded_folders_are_not_entered_and_excluded_files_not_listed(tmp_path: Path) -> None:
    root = make(
        tmp_path / "lib",
        {
            "tv/S/Season 01/e.mkv": 5,
            "tv/S/Season 01/@eaDir/e.mkv/SYNOVIDEO_VIDEO_SCREENSHOT.jpg": 9,
            "tv/S/Season 01/@eaDir/keep.txt": 1,  # kept by name, but its folder is not
            "tv/S/.DS_Store": 4,
            "#recycle/old.mkv": 7,
            "tv/#recycle.mkv": 2,  # only exact names are excluded
        },
    )
    assert scan_tree(root, DEFAULTS) == {"tv/S/Season 01/e.mkv": 5, "tv/#recycle.mkv": 2}


def test_path_patterns_are_matched_on_the_relative_path(tmp_path: Path) -> None:
    root = make(
        tmp_path / "lib",
        {"shows/A/Season 01/a.mkv": 1, "shows/A/Season 02/b.mkv": 2, "old/shows/A/Season 01/c": 3},
    )
    matcher = ExcludeMatcher(["/shows/*/Season 01/", "**.nfo"])
    assert scan_tree(root, matcher) == {"shows/A/Season 02/b.mkv": 2, "old/shows/A/Season 01/c": 3}


def test_symlinks_are_neither_followed_nor_listed(tmp_path: Path) -> None:
    outside = make(tmp_path / "outside", {"secret.mkv": 10})
    root = make(tmp_path / "lib", {"movies/A/A.mkv": 100})
    (root / "movies" / "A" / "A-link.mkv").symlink_to("A.mkv")
    (root / "movies" / "B").symlink_to(outside)
    (root / "movies" / "dangling.mkv").symlink_to(tmp_path / "nowhere")
    os.mkfifo(root / "movies" / "fifo")
    assert scan_tree(root, DEFAULTS) == {"movies/A/A.mkv": 100}


def test_a_root_that_is_a_symlink_is_followed(tmp_path: Path) -> None:
    real = make(tmp_path / "volume1" / "media", {"a.mkv": 1})
    (tmp_path / "media").symlink_to(real)
    assert scan_tree(tmp_path / "media", DEFAULTS) == {"a.mkv": 1}


def test_unicode_spaces_and_odd_names(tmp_path: Path) -> None:
    files = {
        "Amélie (2001)/Amélie - 1080p.mkv": 11,
        "東京物語 (1953)/東京物語.ja.srt": 12,
        "with  two spaces /trailing space .nfo": 13,
        "new\nline.srt": 14,
        "-rf.srt": 15,
        "[brackets] *star* ?.mkv": 16,
    }
    root = make(tmp_path / "lib", files)
    (root / UNDECODABLE).write_bytes(b"1234567")
    assert scan_tree(root, DEFAULTS) == {**files, UNDECODABLE: 7}


@pytest.mark.parametrize("kind", ["missing", "a file"])
def test_a_root_that_cannot_be_listed_is_unavailable(tmp_path: Path, kind: str) -> None:
    root = tmp_path / "mnt" / "media"
    if kind == "a file":
        make(tmp_path / "mnt", {"media": 1})
    with pytest.raises(TreeUnavailable, match=r"cannot list .*/mnt/media: ") as caught:
        scan_tree(root, DEFAULTS)
    assert isinstance(caught.value, TransientError)  # the job waits and retries
    assert caught.value.root == str(root)


DEEP = "d" * 250


def make_deep_folders(root: Path) -> None:
    """Folders nested until their path relative to ``root`` is longer than PATH_MAX (made
    with ``dir_fd``, as such a path cannot be named): opening one fails even for root."""
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(18):
        os.mkdir(DEEP, dir_fd=fd)
        inner = os.open(DEEP, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = inner
    os.close(fd)


def test_a_folder_below_the_root_that_cannot_be_listed_is_named(tmp_path: Path) -> None:
    root = make(tmp_path / "lib", {"a.mkv": 1})
    make_deep_folders(root)
    with pytest.raises(TreeUnavailable, match="File name too long") as caught:
        scan_tree(root, DEFAULTS)
    assert str(caught.value).startswith(f"cannot list {root}/{DEEP}/{DEEP}/")
    assert caught.value.root == str(root)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any folder")
def test_an_unreadable_folder_is_unavailable(tmp_path: Path) -> None:
    root = make(tmp_path / "lib", {"ok/a.mkv": 1, "locked/b.mkv": 2})
    (root / "locked").chmod(0)
    try:
        with pytest.raises(TreeUnavailable, match="locked: Permission denied"):
            scan_tree(root, DEFAULTS)
    finally:
        (root / "locked").chmod(0o755)


# -- compare_trees ------------------------------------------------------------------------


def library(count: int) -> dict[str, int]:
    """``count`` show folders (enough for the top of the tree to be split), a few files each."""
    files: dict[str, int] = {"tvshow-less.nfo": 3}
    for show in range(count):
        for episode in range(1, 4):
            stem = f"tv/Show {show:03d}/Season 01/Show {show:03d} - S01E{episode:02d}"
            files[f"{stem}.mkv"] = 100 + show + episode
            files[f"{stem}.en.srt"] = 10 + episode
    return files


def changed_copy(source: dict[str, int]) -> dict[str, int]:
    destination = dict(source)
    for path in sorted(source)[::7]:
        del destination[path]  # missing
    for path in sorted(source)[3::11]:
        if path in destination:
            destination[path] += 1  # another size
    destination["tv/Show 001/Season 01/Show 001 - S01E01 [HDTV].mkv"] = 5  # extra
    destination["tv/Only Here (1999)/Season 01/x.mkv"] = 6
    return destination


def changed_trees(tmp_path: Path) -> tuple[Path, Path]:
    source_files = library(150)
    source = make(tmp_path / "src", source_files)
    destination = make(tmp_path / "dst", changed_copy(source_files))
    for show in range(1, 150, 2):  # in the helper's half, of two
        write(source, f"tv/Show {show:03d}/{UNDECODABLE}", 9)  # crosses the helper's JSON
    write(source, "tv/Show 003/Season 01/@eaDir/x.jpg", 9)
    write(destination, "tv/Show 004/.DS_Store", 9)
    return source, destination


@pytest.mark.parametrize("processes", [1, 2, 3])
def test_compare_trees_is_the_diff_of_the_two_listings(
    tmp_path: Path, processes: int, caplog: pytest.LogCaptureFixture
) -> None:
    source, destination = changed_trees(tmp_path)
    expected = diff_trees(scan_tree(source, DEFAULTS), scan_tree(destination, DEFAULTS))
    diff = compare_trees(source, destination, DEFAULTS, processes=processes)
    assert diff == expected
    assert f"tv/Show 001/{UNDECODABLE}" in diff.missing
    assert len(diff.extra) == 2 and diff.missing and diff.different
    assert caplog.records == []  # the helpers answered: no part was done again here


def test_without_its_helper_compare_trees_gives_the_same_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    source, destination = changed_trees(tmp_path)
    expected = compare_trees(source, destination, DEFAULTS, processes=1)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-python"))
    assert compare_trees(source, destination, DEFAULTS, processes=2) == expected
    assert "cannot start a helper" in caplog.text


def test_compare_trees_finds_what_rsync_would_copy(tmp_path: Path) -> None:
    if shutil.which("rsync") is None:
        pytest.skip("needs rsync")
    source = make(tmp_path / "src", library(80))
    write(source, "tv/Show 005/@eaDir/thumb.jpg", 3)
    destination = tmp_path / "dst"
    subprocess.run(["cp", "-a", str(source), str(destination)], check=True)  # times kept
    (destination / "tv/Show 007/Season 01/Show 007 - S01E02.mkv").unlink()
    shutil.rmtree(destination / "tv/Show 009")
    write(destination, "tv/Show 011/Season 01/Show 011 - S01E03.en.srt", 1)
    write(destination, "tv/Show 012/extra.nfo", 1)
    write(destination, "tv/Show 005/@eaDir/thumb.jpg", 4)
    argv = ["rsync", "-a", "-n", "--out-format=%n", "--exclude=#recycle", "--exclude=@eaDir"]
    argv += ["--exclude=.DS_Store", f"{source}/", f"{destination}/"]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    by_rsync = sorted(line for line in out.splitlines() if not line.endswith("/"))
    diff = compare_trees(source, destination, DEFAULTS)
    assert diff.to_copy == by_rsync
    assert len(by_rsync) == 1 + 6 + 1
    assert diff.extra == ["tv/Show 012/extra.nfo"]


def test_compare_trees_names_the_root_it_cannot_list(tmp_path: Path) -> None:
    source = make(tmp_path / "src", library(3))
    with pytest.raises(TreeUnavailable, match=r"cannot list .*/dst: No such file") as caught:
        compare_trees(source, tmp_path / "dst", DEFAULTS)
    assert caught.value.root == str(tmp_path / "dst")


@pytest.mark.parametrize("processes", [1, 2])
def test_compare_trees_fails_on_a_folder_it_cannot_list(tmp_path: Path, processes: int) -> None:
    source = make(tmp_path / "src", library(100))
    make(tmp_path / "dst", library(100))
    make_deep_folders(source / "tv" / "Show 051")  # in the helper's half, of two
    with pytest.raises(TreeUnavailable, match="File name too long") as caught:
        compare_trees(source, tmp_path / "dst", DEFAULTS, processes=processes)
    assert str(caught.value).startswith(f"cannot list {source}/tv/Show 051/{DEEP}/")
    assert caught.value.root == str(source)


def helper(*argv: str, folders: list[str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "arrkestra.adapters.tree_scan", *argv],
        input="\0".join(folders).encode("utf-8", "surrogateescape"),
        capture_output=True,
        check=False,
    )


def test_the_helper_process_answers_for_the_folders_it_is_given(tmp_path: Path) -> None:
    source = make(tmp_path / "src", {"a/1.mkv": 1, "a/b/2.mkv": 2, "c/3.mkv": 3, "top": 4})
    destination = make(tmp_path / "dst", {"a/1.mkv": 9, "c/4.mkv": 4, "top": 5})
    answer = helper(str(source), str(destination), "@eaDir", folders=["a/", "c/"])
    assert answer.returncode == 0, answer.stderr
    assert json.loads(answer.stdout) == {
        "missing": ["a/b/2.mkv", "c/3.mkv"],
        "different": ["a/1.mkv"],
        "extra": ["c/4.mkv"],
        "missing_bytes": 5,
        "different_bytes": 1,
        "extra_bytes": 4,
        "same": 0,
    }  # "top" is not in its folders
    failed = helper(str(source), str(tmp_path / "gone"), folders=["a/"])
    assert failed.returncode == 3
    assert json.loads(failed.stderr) == {
        "root": str(tmp_path / "gone"),
        "message": f"cannot list {tmp_path / 'gone'}: No such file or directory",
    }
