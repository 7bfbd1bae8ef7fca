"""Excludes: ExcludeMatcher decides what rsync's ``--exclude`` decides.

The unit cases pin the rules; the last tests run the real rsync over a small real tree,
one pattern set at a time, and check that the matcher (with the caller's pruning of
excluded folders) keeps exactly the names rsync would send.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from arrkestra.core.excludes import ExcludeMatcher

DEFAULTS = ["#recycle", "@eaDir", ".DS_Store"]


@pytest.mark.parametrize(
    ("patterns", "path", "is_dir", "expected"),
    [
        # the defaults: a name at any depth, file or folder
        (DEFAULTS, "@eaDir", True, True),
        (DEFAULTS, "tv/Show/Season 01/@eaDir", True, True),
        (DEFAULTS, "tv/Show/.DS_Store", False, True),
        (DEFAULTS, "#recycle", True, True),
        (DEFAULTS, "tv/Show/Season 01/Show - S01E01.mkv", False, False),
        (DEFAULTS, "tv/@eaDirectory", True, False),
        (DEFAULTS, "tv/x@eaDir", True, False),
        # a trailing slash: folders only
        (["cache/"], "a/cache", True, True),
        (["cache/"], "a/cache", False, False),
        # a leading slash: anchored at the root
        (["/sub"], "sub", True, True),
        (["/sub"], "a/sub", True, False),
        (["/shows/*/Season 01/"], "shows/X/Season 01", True, True),
        (["/shows/*/Season 01/"], "shows/X/Season 01", False, False),
        (["/shows/*/Season 01/"], "old/shows/X/Season 01", True, False),
        # an inner slash: the trailing components
        (["foo/bar"], "foo/bar", False, True),
        (["foo/bar"], "x/foo/bar", False, True),
        (["foo/bar"], "x/afoo/bar", False, False),
        (["foo/bar"], "foo/bar/baz", False, False),
        (["Season 01/*.mkv"], "tv/S/Season 01/e.mkv", False, True),
        (["Season 01/*.mkv"], "tv/S/Season 01/x/e.mkv", False, False),
        # wildcards
        (["*.nfo"], "a/b/tvshow.nfo", False, True),
        (["*.nfo"], "a/b.nfo/c", False, False),
        (["?.mkv"], "b.mkv", False, True),
        (["?.mkv"], "ab.mkv", False, False),
        (["Season [0-9][0-9]"], "S/Season 10", True, True),
        (["Season [0-9][0-9]"], "S/Season 1", True, False),
        (["[!a-m]*.txt"], "zebra.txt", False, True),
        (["[!a-m]*.txt"], "mid.txt", False, False),
        (["[^a-m]*.txt"], "zebra.txt", False, True),
        (["[]z]*"], "]x", False, True),
        (["[[:digit:]]*"], "1abc", False, True),
        (["[[:digit:]]*"], "abc1", False, False),
        (["[z-a]*"], "z.mkv", False, True),  # wildmatch: a range's first character
        (["[z-a]*"], "y.mkv", False, False),
        (["[a-"], "[a-", False, False),  # an unclosed class matches nothing
        (["star\\*name"], "star*name", False, True),
        (["star\\*name"], "starXname", False, False),
        (["back\\slash"], "back\\slash", False, True),  # no wildcard: a plain string
        # wildcards match bytes, as rsync's: "é" is two
        (["Am?lie.mkv"], "Amélie.mkv", False, False),
        (["Am??lie.mkv"], "Amélie.mkv", False, True),
        (["[é]"], "é", False, False),
        (["[é][é]"], "é", False, True),
        (["Am[!x][!x]lie.mkv"], "Amélie.mkv", False, True),
        (["caf?.mkv"], "caf\udce9.mkv", False, True),  # an undecodable byte is one byte
        (["café.mkv"], "café.mkv", False, True),
        (["[[:foo:]]*", "x"], "foo", False, False),  # an unknown class: never
        # ** crosses slashes; * does not
        (["*/c"], "a/c", False, True),
        (["*/c"], "a/x/c", False, True),  # trailing components: x/c
        (["a/*/c"], "a/x/y/c", False, False),
        (["a/**/c"], "a/x/y/c", False, True),
        (["a/**/c"], "a/c", False, False),  # rsync's **, unlike git's, needs its "/"s
        (["**/f.mkv"], "f.mkv", False, True),
        (["**/f.mkv"], "a/b/f.mkv", False, True),
        (["shows/**"], "shows/a/b", False, True),
        (["shows/**"], "shows", True, False),
        (["deep/***"], "deep", True, True),
        (["deep/***"], "deep/a/b.txt", False, True),
        (["deep/***"], "deeper", True, False),
        (["**.srt"], "a/b/c.srt", False, True),
        # the old "- " prefix, and rsync's empty pattern (ignored)
        (["- *.jpg"], "a/poster.jpg", False, True),
        (["", "*.jpg"], "a/poster.jpg", False, True),
        ([""], "anything", False, False),
        ([], "anything", True, False),
    ],
)
def test_excluded(patterns: list[str], path: str, is_dir: bool, expected: bool) -> None:
    assert ExcludeMatcher(patterns).excluded(path, is_dir=is_dir) is expected


@pytest.mark.parametrize("pattern", ["+ *.mkv", "!"])
def test_rules_it_cannot_follow_are_refused(pattern: str) -> None:
    with pytest.raises(ValueError, match="not supported"):
        ExcludeMatcher(["*.nfo", pattern])


def test_names_only_matchers_need_no_paths() -> None:
    assert ExcludeMatcher(DEFAULTS).names_only
    assert ExcludeMatcher(["*.nfo", "cache/", "Season [0-9]"]).names_only
    assert not ExcludeMatcher(["*.nfo", "/sub"]).names_only
    assert not ExcludeMatcher(["**.srt"]).names_only
    matcher = ExcludeMatcher(["*.nfo", "cache/"])
    assert matcher.excluded_name("tvshow.nfo", is_dir=False)
    assert matcher.excluded_name("cache", is_dir=True)
    assert not matcher.excluded_name("cache", is_dir=False)


def test_patterns_and_repr() -> None:
    matcher = ExcludeMatcher(("@eaDir", "*.nfo"))
    assert matcher.patterns == ("@eaDir", "*.nfo")
    assert repr(matcher) == "ExcludeMatcher(['@eaDir', '*.nfo'])"


# -- against the real rsync ----------------------------------------------------------------

FOLDERS = [
    "@eaDir", "sub/@eaDir", "#recycle", "shows/S1/Season 01", "shows/S1/Season 10",
    "shows/S2/Season 01/extras", "cache2", "deep/a/b/c", "foo/bar", "x/foo/bar", "a/c",
    "a/x/c", "sample", "dir.nfo", "Show [2020]", "x/cache",
]  # fmt: skip
FILES = [
    "a.mkv", "a.nfo", "@eaDir/x.jpg", "sub/@eaDir/y.jpg", "sub/.DS_Store", ".DS_Store",
    "#recycle/z.mkv", "shows/S1/Season 01/e.mkv", "shows/S1/Season 01/e.en.srt",
    "shows/S1/Season 10/f.mkv", "shows/S2/Season 01/extras/g.mkv", "shows/S2/tvshow.nfo",
    "cache", "sub/cache", "cache2/f", "deep/a/b/c/file.txt", "foo/bar/baz.txt",
    "x/foo/bar/baz.txt", "a/c/1", "a/x/c/2", "a/c.txt", "tmp.part", "b.mkv", "ab.mkv",
    "[brackets].txt", "star*name.txt", "q?.txt", "back\\slash.txt", "sample/s.mkv",
    "Sample.mkv", "dir.nfo/inner", "Show [2020]/x.mkv", "Amélie.mkv", "sp ace.srt",
    "-dash.txt", "1abc", "Zebra.txt", "mid.txt", "x/cache/cached.jpg",
]  # fmt: skip
PATTERN_SETS = [
    DEFAULTS, ["*.nfo"], ["cache/"], ["cache"], ["/sub"], ["/cache"], ["foo/bar"],
    ["/foo/bar"], ["a/**/c"], ["a/**c"], ["**/Season 01"], ["**/Season 01/"], ["deep/***"],
    ["Season [0-9][0-9]"], ["[!a-m]*.txt"], ["*.part", "?.mkv"], ["sub/*"],
    ["/shows/*/Season 01/"], ["**.srt"], ["- *.jpg"], ["\\[brackets\\].txt"],
    ["[brackets].txt"], ["[[:digit:]]*"], ["*ample*"], ["linkdir/"], ["linkdir"],
    ["star\\*name.txt"], ["q\\?.txt"], ["back\\slash.txt"], ["*/c"], ["**/c"], ["c/"],
    ["shows/**"], ["shows/*/"], ["**/extras/**"], ["/**/f.mkv"], ["*"], ["**"], ["[a-"],
    ["[]z]*"], ["[z-a]*"], ["Am*", "* *"], ["-dash.txt"], ["*.[ms][kr][vt]"],
    ["Show [[]2020]"], ["S*/Season 01"], ["Season 01/*.mkv"], ["dir.nfo/"], ["/a/c/"],
    ["x/foo/bar/"], ["bar/baz.txt"], ["Am?lie.mkv"], ["Am??lie.mkv"], ["Am[!x][!x]l*"],
    ["[[:alpha:]]*[[:punct:]]*"], [""],
]  # fmt: skip


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("excludes") / "src"
    for folder in FOLDERS:
        (root / folder).mkdir(parents=True, exist_ok=True)
    for file in FILES:
        (root / file).write_text("x")
    (root / "linkdir").symlink_to("sub")  # a link named like a folder is not a folder
    (root / "link.mkv").symlink_to("a.mkv")
    return root


def kept_by_rsync(root: Path, patterns: list[str]) -> set[str]:
    """The names ``rsync -a -n`` would send into an empty destination (``-8``: names
    printed as they are, not escaped)."""
    argv = ["rsync", "-a", "-n", "-8", "--out-format=%n"]
    argv += [f"--exclude={pattern}" for pattern in patterns]
    argv += [f"{root}/", f"{root.parent}/nowhere/"]
    out = subprocess.run(argv, capture_output=True, check=True, text=True).stdout
    return {line for line in out.splitlines() if line != "./"}


def kept_by_matcher(root: Path, matcher: ExcludeMatcher) -> set[str]:
    """The same walk rsync does: an excluded folder is not entered. Folders end in "/"."""
    kept: set[str] = set()
    pending = [""]
    while pending:
        folder = pending.pop()
        for entry in os.scandir(root / folder):
            path = folder + entry.name
            is_dir = entry.is_dir(follow_symlinks=False)
            if matcher.excluded(path, is_dir=is_dir):
                continue
            if is_dir:
                kept.add(path + "/")
                pending.append(path + "/")
            else:
                kept.add(path)
    return kept


@pytest.mark.skipif(shutil.which("rsync") is None, reason="needs rsync")
@pytest.mark.parametrize("patterns", PATTERN_SETS, ids=lambda p: " ".join(p) or "empty")
def test_the_matcher_keeps_what_rsync_sends(tree: Path, patterns: list[str]) -> None:
    expected = kept_by_rsync(tree, patterns)
    assert kept_by_matcher(tree, ExcludeMatcher(patterns)) == expected


@pytest.mark.skipif(shutil.which("rsync") is None, reason="needs rsync")
def test_every_pattern_set_excludes_something(tree: Path) -> None:
    """Each pattern set changes what rsync sends (no vacuous case), but for those meant to
    match nothing: a link is not a folder, an unclosed class never matches, "?" is one
    byte (not "é"), "" is skipped."""
    everything = kept_by_rsync(tree, [])
    vacuous = [p for p in PATTERN_SETS if kept_by_rsync(tree, p) == everything]
    assert vacuous == [["linkdir/"], ["[a-"], ["Am?lie.mkv"], [""]]
