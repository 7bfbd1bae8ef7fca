"""The pure half of the rsync adapter: argv, output parsing, the exit-code table, temp names."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrkestra.adapters.rsync import (
    EXIT_CODES,
    Progress,
    RsyncOptions,
    Transfer,
    TransferStats,
    build_argv,
    cleanup_partials,
)
from arrkestra.adapters.rsync_output import (
    OutputReader,
    StderrTail,
    exit_error,
    parse_progress,
    parse_stats,
)
from arrkestra.core.errors import PermanentError, TransientError

# What rsync 3.5.0 wrote for two files (an .srt, then a 300 MB .mkv), byte for byte.
STDOUT = (
    b"\r              3   0%    0.00kB/s    0:00:00  "
    b"\r              3   0%    0.00kB/s    0:00:00 (xfr#1, to-chk=1/2)"
    b"\r      110395392  36%  105.25MB/s    0:00:01  "
    b"\r      300000003 100%  329.23MB/s    0:00:00 (xfr#2, to-chk=0/2)"
    b"\r      300000003 100%  329.23MB/s    0:00:00 (xfr#2, to-chk=0/2)\n"
    b"\n"
    b"Number of files: 2 (reg: 2)\n"
    b"Number of created files: 2 (reg: 2)\n"
    b"Number of deleted files: 0\n"
    b"Number of regular files transferred: 2\n"
    b"Total file size: 300000003 bytes\n"
    b"Total transferred file size: 300000003 bytes\n"
    b"Literal data: 300000003 bytes\n"
    b"Matched data: 0 bytes\n"
    b"File list size: 0\n"
    b"File list generation time: 0.001 seconds\n"
    b"File list transfer time: 0.000 seconds\n"
    b"Total bytes sent: 300073405\n"
    b"Total bytes received: 54\n"
    b"\n"
    b"sent 300073405 bytes  received 54 bytes  200048972.67 bytes/sec\n"
    b"total size is 300000003  speedup is 1.00\n"
)
EXPECTED_PROGRESS = [
    Progress(0.0, 3, "0.00kB/s", "0:00:00"),  # repeated when the srt is done: reported once
    Progress(36.0, 110395392, "105.25MB/s", "0:00:01"),
    Progress(100.0, 300000003, "329.23MB/s", "0:00:00"),
]


def media_transfer(**fields: bool) -> Transfer:
    return Transfer(
        ("/src/tv/Show/Season 01/Show - S01E01.mkv", "/src/tv/Show/Season 01/Show - S01E01.en.srt"),
        "/dst/TV Shows/Show/Season 01",
        **fields,
    )


# --- argv -------------------------------------------------------------------------------


def test_default_argv_matches_sync_webhook_and_ends_with_the_paths() -> None:
    assert build_argv(media_transfer(), RsyncOptions()) == [
        "rsync",
        "--archive",
        "-s",
        "--no-human-readable",
        "--info=progress2,stats2",
        "--outbuf=L",
        "--whole-file",
        "--exclude=#recycle",
        "--exclude=@eaDir",
        "--exclude=.DS_Store",
        "--ignore-existing",
        "--",
        "/src/tv/Show/Season 01/Show - S01E01.mkv",
        "/src/tv/Show/Season 01/Show - S01E01.en.srt",
        "/dst/TV Shows/Show/Season 01/",
    ]


def test_upgrades_and_the_ignore_existing_setting_use_the_size_and_time_check() -> None:
    assert "--ignore-existing" not in build_argv(
        media_transfer(replace_existing=True), RsyncOptions()
    )
    assert "--ignore-existing" not in build_argv(
        media_transfer(), RsyncOptions(ignore_existing=False)
    )


def test_options_reach_the_argv() -> None:
    options = RsyncOptions(
        excludes=("*.part",),
        dry_run=True,
        binary="/opt/bin/rsync",
        resume_partial=True,
        bwlimit="50M",
    )
    argv = build_argv(media_transfer(), options)
    assert argv[0] == "/opt/bin/rsync"
    assert "--bwlimit=50M" in argv
    assert "--dry-run" in argv
    assert [a for a in argv if a.startswith("--exclude")] == ["--exclude=*.part"]
    assert "--partial-dir=.arrkestra-partial" in argv
    assert "--no-whole-file" in argv
    assert "--whole-file" not in argv
    assert argv.index("--") == len(argv) - 4


def test_a_trailing_slash_on_the_destination_is_accepted() -> None:
    argv = build_argv(Transfer(("/a/b.mkv",), "/dst/x/"), RsyncOptions())
    assert argv[-1] == "/dst/x/"
    assert build_argv(Transfer(("/a/b.mkv",), "/"), RsyncOptions())[-1] == "/"


@pytest.mark.parametrize(
    ("sources", "destination", "complaint"),
    [
        ((), "/dst", "at least one source"),
        (("src/a.mkv",), "/dst", "not an absolute path"),
        (("-rf.mkv",), "/dst", "not an absolute path"),
        (("/src/a.mkv",), "dst", "not an absolute path"),
        (("/src/a.mkv",), "host:/dst", "not an absolute path"),
        (("/src/../etc/a.mkv",), "/dst", "not a normalised path"),
        (("/src/./a.mkv",), "/dst", "not a normalised path"),
        (("/src//a.mkv",), "/dst", "not a normalised path"),
        (("/src/a.mkv",), "/dst/../etc", "not a normalised path"),
        (("/src/a\nb.mkv",), "/dst", "control character"),
        (("/src/a.mkv",), "/dst\x7f", "control character"),
        (("/src/Season 01/",), "/dst", "files, not folders"),
        (("/src/a/x.mkv", "/src/b/x.srt"), "/dst", "share one folder"),
        (("/src/a.mkv", "/src/a.mkv"), "/dst", "named twice"),
    ],
)
def test_paths_rsync_could_misread_are_refused(
    sources: tuple[str, ...], destination: str, complaint: str
) -> None:
    with pytest.raises(PermanentError, match=complaint):
        build_argv(Transfer(sources, destination), RsyncOptions())


@pytest.mark.parametrize("name", ["", "a/b", ".", "..", "--delete"])
def test_a_partial_dir_must_be_one_folder_name(name: str) -> None:
    with pytest.raises(PermanentError, match="partial_dir"):
        build_argv(media_transfer(), RsyncOptions(partial_dir=name, resume_partial=True))


names = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/"), min_size=1
).filter(lambda n: n not in (".", ".."))


@given(names, names)
def test_any_file_name_passes_through_unchanged_after_the_double_dash(
    name: str, folder: str
) -> None:
    source = f"/media/{folder}/{name}"
    argv = build_argv(Transfer((source,), f"/mirror/{folder}"), RsyncOptions())
    assert argv[-3:] == ["--", source, f"/mirror/{folder}/"]


# --- progress and stats -------------------------------------------------------------


def test_the_reader_reports_progress_and_keeps_the_other_lines() -> None:
    updates: list[Progress] = []
    reader = OutputReader(updates.append)
    reader.feed(STDOUT)
    reader.close()
    assert updates == EXPECTED_PROGRESS
    assert reader.last_progress == EXPECTED_PROGRESS[-1]
    stats = parse_stats(reader.lines, seconds=2.0, dry_run=False)
    assert stats == TransferStats(2, 300000003, 300000003, 2.0, False)


def test_an_update_is_reported_before_the_next_one_terminates_it() -> None:
    updates: list[Progress] = []
    reader = OutputReader(updates.append)
    reader.feed(b"\r      110395392  36%  105.25MB/s    0:00:01  ")
    assert updates == [Progress(36.0, 110395392, "105.25MB/s", "0:00:01")]
    reader.feed(b"\r      219185152  73%  104.55MB/s    0:00:00  ")
    reader.close()
    assert [u.percent for u in updates] == [36.0, 73.0]


@given(st.lists(st.integers(min_value=0, max_value=len(STDOUT)), max_size=30))
def test_chunking_does_not_change_what_is_read(cuts: list[int]) -> None:
    updates: list[Progress] = []
    reader = OutputReader(updates.append)
    edges = [0, *sorted(cuts), len(STDOUT)]
    for start, end in itertools.pairwise(edges):
        reader.feed(STDOUT[start:end])
    reader.close()
    # a cut inside an update may report its prefix early (e.g. "36%" before its ETA
    # arrives is not a full update, so it is not); the final picture is the same
    assert updates[-1] == EXPECTED_PROGRESS[-1]
    assert set(updates) <= set(EXPECTED_PROGRESS)
    assert parse_stats(reader.lines, seconds=1.0, dry_run=False).files_transferred == 2


def test_a_multibyte_character_split_across_chunks_survives() -> None:
    reader = OutputReader()
    data = "Number of regular files transferred: 1\nnote: é\n".encode()
    cut = data.index("é".encode()) + 1
    reader.feed(data[:cut])
    reader.feed(data[cut:])
    reader.close()
    assert list(reader.lines)[-1] == "note: é"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("  1,234,567  12%  1.00MB/s  0:01:02  ", Progress(12.0, 1234567, "1.00MB/s", "0:01:02")),
        ("  1.234.567  12%  1,00MB/s  0:01:02  ", Progress(12.0, 1234567, "1,00MB/s", "0:01:02")),
        ("         0   0%    0.00kB/s    ??:??:??", Progress(0.0, 0, "0.00kB/s", "")),
        ("Number of files: 2 (reg: 2)", None),
        ("sent 67 bytes  received 19 bytes  172.00 bytes/sec", None),
        ("  110395392  36%  105.25MB/s    0:00:0", None),  # cut short: wait for the rest
        ("", None),
    ],
)
def test_parse_progress(line: str, expected: Progress | None) -> None:
    assert parse_progress(line) == expected


def test_stats_of_an_older_rsync_and_of_a_dry_run() -> None:
    lines = [
        "Number of files: 3",
        "Number of files transferred: 1",
        "Total file size: 1,500 bytes",
        "Total transferred file size: 1,000 bytes",
        "total size is 1,500  speedup is 0.03 (DRY RUN)",
    ]
    assert parse_stats(lines, seconds=0.5, dry_run=True) == TransferStats(1, 1000, 1500, 0.5, True)


def test_missing_stats_are_an_error_that_shows_the_output() -> None:
    with pytest.raises(PermanentError, match=r"without printing its statistics.*hello"):
        parse_stats(["hello"], seconds=0.1, dry_run=False)


def test_summary_is_human_readable() -> None:
    assert TransferStats(3, 1_234_567_890, 0, 10.0, False).summary == (
        "3 files, 1.2 GB in 10.0 s (123.5 MB/s)"
    )
    assert TransferStats(1, 999, 0, 0.0, True).summary == "1 file, 999 B in 0.0 s (dry run)"


# --- exit codes and stderr -----------------------------------------------------------

DOCUMENTED = {1, 2, 3, 4, 5, 6, 10, 11, 12, 13, 14, 15, 16, 19, 20, 21, 22, 23, 24, 25, 30, 35}


def test_every_documented_exit_code_is_classified() -> None:
    assert set(EXIT_CODES) >= DOCUMENTED
    assert 0 not in EXIT_CODES  # success is not an error
    assert all(kind in ("transient", "permanent") for kind, _ in EXIT_CODES.values())
    assert all(meaning for _, meaning in EXIT_CODES.values())


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (1, PermanentError),  # usage: our argv or a too-old rsync
        (2, PermanentError),
        (4, PermanentError),
        (23, PermanentError),  # missing source, permission denied
        (25, PermanentError),
        (3, TransientError),  # destination folder unreachable (stale mount)
        (10, TransientError),
        (11, TransientError),  # I/O error, disk full
        (12, TransientError),
        (20, TransientError),  # stopped by a signal
        (24, TransientError),  # vanished source: the retry sees the new state
        (30, TransientError),
        (35, TransientError),
        (99, TransientError),  # undocumented
        (-9, TransientError),  # killed (OOM killer)
    ],
)
def test_exit_error_classes(code: int, kind: type[Exception]) -> None:
    error = exit_error(code, "rsync: boom")
    assert type(error) is kind
    assert str(error).endswith(": rsync: boom")


def test_exit_error_messages() -> None:
    assert (
        str(exit_error(23, "")) == "rsync failed with exit code 23 (partial transfer due to error)"
    )
    assert str(exit_error(-9, "")) == "rsync was killed by SIGKILL"
    assert str(exit_error(-200, "")) == "rsync was killed by signal 200"


def test_the_stderr_tail_is_bounded_and_starts_at_a_line() -> None:
    tail = StderrTail()
    for number in range(1000):
        tail.feed(f"rsync: line {number}\n".encode())
    text = tail.text()
    assert len(text) <= 2000 + 4
    assert text.startswith("... rsync: line ")
    assert text.endswith("rsync: line 999")
    tail = StderrTail()
    tail.feed(b"\xff bad bytes\n")
    assert tail.text() == "\ufffd bad bytes"


# --- temp files -------------------------------------------------------------------------


def touch(folder: Path, name: str | bytes) -> None:
    path = os.path.join(os.fsencode(folder), os.fsencode(name))
    with open(path, "wb") as handle:
        handle.write(b"partial")


def test_cleanup_partials_removes_only_the_temp_files_of_the_given_names(tmp_path: Path) -> None:
    keep = [
        "Movie.mkv",  # the real file
        ".Movie.mkv",  # no suffix
        ".Movie.mkv.abc12",  # 5 characters: not mkstemp's
        ".Movie.mkv.abc12-",
        ".Other.mkv.Ab3dE9",  # another job's file
        ".Movie.mkv.en.srt.Ab3dE9x",
    ]
    gone = [".Movie.mkv.Ab3dE9", ".Movie.mkv.zzzzzz", ".Movie.en.srt.0a1B2c"]
    for name in keep + gone:
        touch(tmp_path, name)
    (tmp_path / ".Movie.mkv.FOLDER").mkdir()  # not a file: left alone

    removed = cleanup_partials(str(tmp_path), ["Movie.mkv", "Movie.en.srt"])

    assert sorted(removed) == sorted(str(tmp_path / name) for name in gone)
    assert sorted(os.listdir(tmp_path)) == sorted([*keep, ".Movie.mkv.FOLDER"])


def test_cleanup_partials_knows_rsyncs_cut_temp_names(tmp_path: Path) -> None:
    long_ascii = "a" * 250 + ".mkv"  # cut to 246 bytes
    long_cjk = "映" * 83 + ".mkv"  # cut inside a character: every byte of it goes
    dotted = ".hidden.nfo"
    touch(tmp_path, "." + "a" * 246 + ".Qw3rty")
    touch(tmp_path, ".xjwPaM")  # newer rsync: "." + "" and the dot before the suffix dropped
    touch(tmp_path, "..xjwPaM")  # older rsync
    touch(tmp_path, ".hidden.nfo.Ab3dE9")  # newer rsync drops the name's own dot
    touch(tmp_path, "..hidden.nfo.Ab3dE9")  # older rsync keeps it

    removed = cleanup_partials(str(tmp_path), [long_ascii, long_cjk, dotted])

    assert len(removed) == 5
    assert os.listdir(tmp_path) == []


def test_cleanup_partials_of_a_missing_folder_or_non_utf8_names(tmp_path: Path) -> None:
    assert cleanup_partials(str(tmp_path / "nope"), ["a.mkv"]) == []
    name = os.fsdecode(b"caf\xe9.mkv")  # Latin-1 on disk
    touch(tmp_path, b".caf\xe9.mkv.Ab3dE9")
    assert cleanup_partials(str(tmp_path), [name]) == [
        os.fsdecode(bytes(tmp_path) + b"/.caf\xe9.mkv.Ab3dE9")
    ]


@pytest.mark.parametrize("name", ["", "a/b", ".", ".."])
def test_cleanup_partials_wants_file_names(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="not a file name"):
        cleanup_partials(str(tmp_path), [name])


def test_every_temp_suffix_shape_mkstemp_makes_is_recognised(tmp_path: Path) -> None:
    for suffix in ("AAAAAA", "zzzzzz", "000000", "a1B2c3"):
        touch(tmp_path, f".x.mkv.{suffix}")
    assert len(cleanup_partials(str(tmp_path), ["x.mkv"])) == 4
