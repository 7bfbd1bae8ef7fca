"""The rsync adapter against the real rsync binary on real folders (no fakes, no mocks).

Tests that need rsync caught mid-transfer find its process group in /proc (the command
line holds the test's unique tmp_path) and freeze it with SIGSTOP, so nothing depends on
how fast this machine copies.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import signal
import sys
from pathlib import Path

import pytest
from tests.conftest import eventually

from arrkestra.adapters.rsync import (
    Progress,
    RsyncOptions,
    Transfer,
    _stop,
    cleanup_partials,
    run_transfer,
)
from arrkestra.core.errors import PermanentError, ToolMissing, TransientError

pytestmark = pytest.mark.skipif(shutil.which("rsync") is None, reason="needs rsync")

BIG_SIZE = 256 * 1024 * 1024


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """256 MiB of incompressible data (a random 1 MiB block, repeated), made in ~0.2 s."""
    path = tmp_path_factory.mktemp("big") / "Movie (2020).mkv"
    block = os.urandom(1024 * 1024)
    with path.open("wb") as out:
        for _ in range(BIG_SIZE // len(block)):
            out.write(block)
    return path


def sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def write(path: Path, data: bytes, *, mtime: int | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def transfer_of(*sources: Path, destination: Path, **fields: bool) -> Transfer:
    return Transfer(tuple(str(s) for s in sources), str(destination), **fields)


# --- processes, seen through /proc ---------------------------------------------------


def _stat(pid: str) -> tuple[str, int] | None:
    """(state, process group) of a process, or None once it is gone."""
    try:
        data = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = data[data.rindex(")") + 2 :].split()
    return fields[0], int(fields[2])


def group_members(group: int) -> list[int]:
    """Live (not zombie) processes of a process group."""
    members = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        info = _stat(pid)
        if info is not None and info[1] == group and info[0] != "Z":
            members.append(int(pid))
    return members


def rsync_group(marker: str) -> int | None:
    """The process group of a running rsync whose command line mentions ``marker``."""
    needle = marker.encode()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        program = os.path.basename(cmdline.split(b"\0", 1)[0])
        info = _stat(pid) if program == b"rsync" and needle in cmdline else None
        if info is not None and info[0] != "Z":
            return info[1]
    return None


async def frozen_rsync(marker: Path) -> int:
    """Wait for this test's rsync to start, freeze its whole group; the group id."""
    found: list[int] = []

    async def started() -> bool:
        group = rsync_group(str(marker))
        if group is not None:
            os.killpg(group, signal.SIGSTOP)
            found.append(group)
        return bool(found)

    await eventually(started, within=10)
    return found[0]


def temp_files(folder: Path) -> list[Path]:
    """rsync temp files (".name.XXXXXX") in a folder."""
    return [p for p in folder.iterdir() if p.name.startswith(".") and p.is_file()]


# --- copying --------------------------------------------------------------------------


async def test_copies_media_and_sidecars_into_a_new_season_folder(tmp_path: Path) -> None:
    show = tmp_path / "src" / "Show (2020)" / "Season 01"
    media = write(show / "Show - S01E01.mkv", b"m" * 5000, mtime=1_600_000_000)
    subs = write(show / "Show - S01E01.en.srt", b"subtitles")
    nfo = write(show / "Show - S01E01.nfo", b"<episodedetails/>")
    write(show / "Show - S01E02.mkv", b"not this one")
    destination = tmp_path / "dst" / "TV Shows" / "Show (2020)" / "Season 01"

    stats = await run_transfer(
        transfer_of(media, subs, nfo, destination=destination), RsyncOptions()
    )

    assert sorted(p.name for p in destination.iterdir()) == sorted(
        [media.name, subs.name, nfo.name]
    )
    for source in (media, subs, nfo):
        assert (destination / source.name).read_bytes() == source.read_bytes()
    assert (destination / media.name).stat().st_mtime == 1_600_000_000  # --archive
    assert stats.files_transferred == 3
    assert stats.bytes_transferred == stats.total_size == 5000 + 9 + 17
    assert not stats.dry_run
    assert stats.seconds > 0
    assert stats.summary.startswith("3 files, 5.0 kB in ")


async def test_ignore_existing_keeps_the_destination_copy(tmp_path: Path) -> None:
    media = write(tmp_path / "src" / "Movie.mkv", b"new and longer", mtime=1_700_000_000)
    subs = write(tmp_path / "src" / "Movie.srt", b"subs")
    old = write(tmp_path / "dst" / "Movie.mkv", b"old", mtime=1_600_000_000)

    stats = await run_transfer(transfer_of(media, subs, destination=old.parent), RsyncOptions())

    assert old.read_bytes() == b"old"
    assert (old.parent / "Movie.srt").read_bytes() == b"subs"
    assert (stats.files_transferred, stats.bytes_transferred) == (1, 4)
    assert stats.total_size == 14 + 4


@pytest.mark.parametrize(
    ("fields", "options"),
    [
        ({"replace_existing": True}, RsyncOptions()),  # an upgrade, or Import Complete
        ({}, RsyncOptions(ignore_existing=False)),  # mirror.ignore_existing: false
    ],
)
async def test_size_and_time_check_replaces_a_same_name_upgrade(
    tmp_path: Path, fields: dict[str, bool], options: RsyncOptions
) -> None:
    upgrade = write(tmp_path / "src" / "Movie.mkv", b"the 2160p upgrade", mtime=1_700_000_000)
    same = write(tmp_path / "src" / "Movie.nfo", b"unchanged", mtime=1_650_000_000)
    old = write(tmp_path / "dst" / "Movie.mkv", b"the 720p", mtime=1_600_000_000)
    write(tmp_path / "dst" / "Movie.nfo", b"unchanged", mtime=1_650_000_000)

    stats = await run_transfer(
        transfer_of(upgrade, same, destination=old.parent, **fields), options
    )

    assert old.read_bytes() == b"the 2160p upgrade"
    assert old.stat().st_mtime == 1_700_000_000
    # the nfo has the same size and time: skipped, as the quick check promises
    assert (stats.files_transferred, stats.bytes_transferred) == (1, 17)
    assert temp_files(old.parent) == []


async def test_dry_run_copies_nothing_and_reports_what_it_would_do(tmp_path: Path) -> None:
    media = write(tmp_path / "src" / "Movie.mkv", b"x" * 1234)
    subs = write(tmp_path / "src" / "Movie.en.srt", b"y" * 10)
    destination = tmp_path / "dst" / "Movies" / "Movie (2020)"

    stats = await run_transfer(
        transfer_of(media, subs, destination=destination), RsyncOptions(dry_run=True)
    )

    assert not (tmp_path / "dst").exists()
    assert stats.dry_run
    assert (stats.files_transferred, stats.bytes_transferred) == (2, 1244)
    assert stats.summary.endswith("(dry run)")


async def test_excludes_apply_to_named_files(tmp_path: Path) -> None:
    media = write(tmp_path / "src" / "Movie.mkv", b"m")
    junk = write(tmp_path / "src" / ".DS_Store", b"finder")

    stats = await run_transfer(
        transfer_of(media, junk, destination=tmp_path / "dst"), RsyncOptions()
    )

    assert [p.name for p in (tmp_path / "dst").iterdir()] == ["Movie.mkv"]
    assert stats.files_transferred == 1


async def test_weird_names_are_plain_characters(tmp_path: Path) -> None:
    folder = tmp_path / "src" / 'Show\'s "Best" [2020] (ü) *'
    names = [
        'Show - S01E01 - "Pilot" [WEBDL-1080p] ü 日本 $HOME.mkv',
        'Show - S01E01 - "Pilot" [WEBDL-1080p] ü 日本 $HOME.en.srt',
        "-rf.srt",
        "--delete.nfo",
        "it's *?.nfo",
        "back\\slash;rm -rf ~.srt",
        "host:path.srt",
    ]
    sources = [write(folder / name, name.encode()) for name in names]
    destination = tmp_path / "-dst [x]" / 'Show\'s "Best" [2020]' / "Season 01"

    stats = await run_transfer(transfer_of(*sources, destination=destination), RsyncOptions())

    assert sorted(p.name for p in destination.iterdir()) == sorted(names)
    for name in names:
        assert (destination / name).read_bytes() == name.encode()
    assert stats.files_transferred == len(names)


async def test_progress_is_reported_while_a_large_file_copies(
    tmp_path: Path, big_file: Path
) -> None:
    updates: list[Progress] = []

    stats = await run_transfer(
        transfer_of(big_file, destination=tmp_path / "dst"),
        RsyncOptions(),
        on_progress=updates.append,
    )

    assert updates, "no progress reported"
    assert updates[-1].percent == 100
    assert updates[-1].bytes_done == BIG_SIZE
    assert updates[-1].eta == "0:00:00"
    assert all(u.rate.endswith("/s") for u in updates)
    done = [u.bytes_done for u in updates]
    assert done == sorted(done)
    assert stats.bytes_transferred == BIG_SIZE


# --- failures -------------------------------------------------------------------------


async def test_a_missing_source_is_permanent_and_says_why(tmp_path: Path) -> None:
    media = write(tmp_path / "src" / "Movie.mkv", b"m")
    missing = tmp_path / "src" / "Movie.en.srt"

    with pytest.raises(PermanentError) as caught:
        await run_transfer(
            transfer_of(media, missing, destination=tmp_path / "dst"), RsyncOptions()
        )

    message = str(caught.value)
    assert message.startswith("rsync failed with exit code 23 (partial transfer due to error): ")
    assert f'link_stat "{missing}" failed: No such file or directory' in message
    assert len(message) < 2200
    assert (tmp_path / "dst" / "Movie.mkv").read_bytes() == b"m"  # the rest was copied


async def test_a_destination_that_cannot_be_a_folder_is_permanent(tmp_path: Path) -> None:
    media = write(tmp_path / "src" / "Movie.mkv", b"m")
    blocker = write(tmp_path / "dst" / "Movies", b"a file where a folder should be")

    with pytest.raises(PermanentError, match="cannot create the destination folder"):
        await run_transfer(transfer_of(media, destination=blocker / "Movie"), RsyncOptions())


async def test_a_missing_rsync_binary_is_a_missing_tool_not_a_job_failure(
    tmp_path: Path,
) -> None:
    media = write(tmp_path / "src" / "Movie.mkv", b"m")
    options = RsyncOptions(binary=str(tmp_path / "no-rsync-here"))

    with pytest.raises(ToolMissing, match="not found on PATH") as raised:
        await run_transfer(transfer_of(media, destination=tmp_path / "dst"), options)
    assert raised.value.tool == "no-rsync-here"
    assert not (tmp_path / "dst").exists()  # looked up before anything is created


async def test_rsync_stopped_from_outside_is_transient(tmp_path: Path, big_file: Path) -> None:
    destination = tmp_path / "dst"
    task = asyncio.create_task(
        run_transfer(transfer_of(big_file, destination=destination), RsyncOptions())
    )
    group = await frozen_rsync(destination)
    os.killpg(group, signal.SIGTERM)  # e.g. the NAS shutting down
    os.killpg(group, signal.SIGCONT)

    # rsync reports exit code 20 when its handler runs; if the signal lands before rsync
    # installed it, the process just dies of it. Either way: transient, retried later.
    with pytest.raises(
        TransientError,
        match=r"exit code 20 \(received SIGINT, SIGTERM, or SIGHUP\)|killed by SIGTERM",
    ):
        await task
    assert group_members(group) == []


async def test_rsync_runs_in_its_own_session(tmp_path: Path, big_file: Path) -> None:
    destination = tmp_path / "dst"
    task = asyncio.create_task(
        run_transfer(transfer_of(big_file, destination=destination), RsyncOptions())
    )
    group = await frozen_rsync(destination)
    try:
        # A signal for the daemon's process group or session (Ctrl-C, a service manager)
        # does not reach rsync.
        assert os.getsid(group) == group != os.getsid(0)
        assert os.getpgid(group) != os.getpgid(0)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_timeout_stops_rsync_and_its_whole_group(tmp_path: Path, big_file: Path) -> None:
    destination = tmp_path / "dst"
    options = RsyncOptions(timeout=1.0)
    task = asyncio.create_task(
        run_transfer(transfer_of(big_file, destination=destination), options)
    )
    group = await frozen_rsync(destination)  # a hung mount, as far as rsync is concerned
    loop = asyncio.get_running_loop()
    started = loop.time()

    with pytest.raises(TransientError, match=r"^rsync timed out after 1s and was stopped"):
        await task

    assert loop.time() - started < 5
    assert group_members(group) == []
    assert list(destination.iterdir()) == []  # nothing partial in the library


async def test_cancelling_stops_rsync(tmp_path: Path, big_file: Path) -> None:
    destination = tmp_path / "dst"
    task = asyncio.create_task(
        run_transfer(transfer_of(big_file, destination=destination), RsyncOptions())
    )
    group = await frozen_rsync(destination)

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert group_members(group) == []
    assert list(destination.iterdir()) == []


async def test_cancelling_while_asyncio_is_still_starting_rsync_stops_its_group(
    tmp_path: Path, big_file: Path
) -> None:
    # Caught the moment rsync exists, before create_subprocess_exec has returned: asyncio
    # alone would kill only the first process and wait for pipes its children hold.
    for attempt in range(3):
        destination = tmp_path / f"dst{attempt}"
        task = asyncio.create_task(
            run_transfer(transfer_of(big_file, destination=destination), RsyncOptions())
        )
        group = None
        while group is None:
            group = rsync_group(str(destination))
            await asyncio.sleep(0)
        os.killpg(group, signal.SIGSTOP)

        task.cancel()
        async with asyncio.timeout(20):
            with pytest.raises(asyncio.CancelledError):
                await task
        assert group_members(group) == []


async def test_a_failing_progress_callback_stops_rsync(tmp_path: Path, big_file: Path) -> None:
    def broken(progress: Progress) -> None:
        raise RuntimeError("dashboard bug")

    with pytest.raises(RuntimeError, match="dashboard bug"):
        await run_transfer(
            transfer_of(big_file, destination=tmp_path / "dst"), RsyncOptions(), on_progress=broken
        )
    assert rsync_group(str(tmp_path / "dst")) is None


async def test_stop_escalates_to_sigkill_for_the_whole_group() -> None:
    # Not rsync: a parent and child that both ignore SIGTERM, to show the escalation.
    code = (
        "import os, signal, sys, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "if os.fork() == 0:\n"
        "    time.sleep(60)\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n"
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, stdout=asyncio.subprocess.PIPE, start_new_session=True
    )
    assert process.stdout is not None
    assert await process.stdout.readline() == b"ready\n"
    assert len(group_members(process.pid)) == 2

    await _stop(process, grace=0.2)

    assert process.returncode == -signal.SIGKILL
    await eventually(lambda: _async(group_members(process.pid) == []), within=5)


async def _async(value: bool) -> bool:
    return value


# --- temp files of killed transfers ------------------------------------------------


async def test_a_retry_after_sigkill_removes_the_temp_file(tmp_path: Path, big_file: Path) -> None:
    destination = tmp_path / "dst" / "Movie (2020)"
    transfer = transfer_of(big_file, destination=destination)
    task = asyncio.create_task(run_transfer(transfer, RsyncOptions()))

    async def copying() -> bool:
        return destination.is_dir() and any(p.stat().st_size > 0 for p in temp_files(destination))

    await eventually(copying, within=10)
    group = rsync_group(str(destination))
    assert group is not None
    os.killpg(group, signal.SIGKILL)  # no chance to clean up: power loss, OOM killer
    with pytest.raises(TransientError, match="rsync was killed by SIGKILL"):
        await task
    leftovers = temp_files(destination)
    assert [p.name[: len(big_file.name) + 2] for p in leftovers] == [f".{big_file.name}."]
    assert not (destination / big_file.name).exists()

    stats = await run_transfer(transfer, RsyncOptions())

    assert sorted(os.listdir(destination)) == [big_file.name]
    assert sha256(destination / big_file.name) == sha256(big_file)
    assert stats.bytes_transferred == BIG_SIZE


async def test_resume_partial_keeps_the_partial_out_of_sight_and_removes_it(
    tmp_path: Path, big_file: Path
) -> None:
    destination = tmp_path / "dst"
    transfer = transfer_of(big_file, destination=destination)
    options = RsyncOptions(resume_partial=True)
    task = asyncio.create_task(run_transfer(transfer, options))

    async def copying() -> bool:
        return destination.is_dir() and any(p.stat().st_size > 0 for p in temp_files(destination))

    await eventually(copying, within=10)
    group = rsync_group(str(destination))
    assert group is not None
    os.killpg(group, signal.SIGSTOP)
    task.cancel()  # SIGTERM: rsync moves what it has into the partial dir
    with pytest.raises(asyncio.CancelledError):
        await task
    partial = destination / options.partial_dir / big_file.name
    assert partial.stat().st_size > 0
    assert sorted(os.listdir(destination)) == [options.partial_dir]

    await run_transfer(transfer, options)

    assert sorted(os.listdir(destination)) == [big_file.name]
    assert sha256(destination / big_file.name) == sha256(big_file)


async def test_cleanup_partials_matches_the_names_real_rsync_uses(
    tmp_path: Path, big_file: Path
) -> None:
    # The temp names of a long multi-byte name are cut; a killed rsync shows what they are.
    names = ["映" * 83 + ".mkv", "a" * 245 + ".bbbbbbbb", ".hidden.nfo", "Movie (2020).mkv"]
    (tmp_path / "src").mkdir()
    sources = [tmp_path / "src" / name for name in names]
    for source in sources:
        os.link(big_file, source)  # the same big data under each name, at no cost
    destination = tmp_path / "dst"
    destination.mkdir()
    for count, source in enumerate(sources, start=1):
        task = asyncio.create_task(
            run_transfer(transfer_of(source, destination=destination), RsyncOptions())
        )

        async def copying(count: int = count) -> bool:
            return len(temp_files(destination)) == count

        await eventually(copying, within=10)
        group = rsync_group(str(destination))
        assert group is not None
        os.killpg(group, signal.SIGKILL)
        with pytest.raises(TransientError):
            await task
    leftovers = sorted(p.name for p in temp_files(destination))
    assert len(leftovers) == len(names)

    removed = cleanup_partials(str(destination), names)

    assert sorted(Path(p).name for p in removed) == leftovers
    assert list(destination.iterdir()) == []


async def test_a_child_that_outlives_rsync_does_not_hold_the_run(tmp_path: Path) -> None:
    # rsync's first process died (the NAS shutting down) and a child it forked lives on,
    # holding the output pipes: the run ends soon after rsync did, and the child is stopped.
    fake = tmp_path / "rsync"
    fake.write_text('#!/bin/sh\nsleep 60 &\necho $! > "$0.child"\nexit 20\n')
    fake.chmod(0o755)
    source = tmp_path / "src" / "a.mkv"
    source.parent.mkdir()
    source.write_bytes(b"x")
    options = RsyncOptions(binary=str(fake), kill_grace=1.0)
    started = asyncio.get_running_loop().time()
    with pytest.raises(TransientError, match="exit code 20"):
        await run_transfer(transfer_of(source, destination=tmp_path / "dst"), options)
    assert asyncio.get_running_loop().time() - started < 15  # not the 4 h timeout
    child = int((tmp_path / "rsync.child").read_text())
    assert not running(child)  # stopped with rsync's group (a zombie until reaped is gone)


def running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            data = handle.read()
    except OSError:
        return False
    return data[data.rindex(b")") + 2 :][:1] != b"Z"
