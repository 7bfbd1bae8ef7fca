"""Mount health on real directories in tmp_path.

A stale NFS mount is simulated with a FIFO as the anchor file: opening a FIFO for reading
blocks in the kernel until a writer appears, just as a ``stat()`` on a dead NFS server
blocks, so the check thread is really stuck in a syscall. Every FIFO is opened for writing
in teardown, which lets the stuck thread finish.
"""

from __future__ import annotations

import asyncio
import errno
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import wait_until

from arrkestra.adapters.mounts import PROBE_PREFIX, MountChecker, MountSpec, MountState
from arrkestra.core.errors import MountDown

TIMEOUT = 0.5
MARGIN = 1.0  # how much later than its timeout a hung check may answer
AT_ONCE = TIMEOUT / 2  # "at once": clearly less than a timeout
ANCHOR = ".mounted"


class Rig:
    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.checkers: list[MountChecker] = []
        self.fifos: list[Path] = []

    def checker(self, **options: Any) -> MountChecker:
        checker = MountChecker(timeout=options.pop("timeout", TIMEOUT), **options)
        self.checkers.append(checker)
        return checker

    def root(self, name: str, role: str = "source", **options: Any) -> MountSpec:
        path = self.tmp_path / name
        path.mkdir()
        return MountSpec(str(path), role, **options)  # type: ignore[arg-type]

    def hanging_root(self, name: str, role: str = "source") -> MountSpec:
        """A root whose check blocks in open() of its anchor until ``release``."""
        spec = self.root(name, role, anchor_file=ANCHOR)
        fifo = Path(spec.path) / ANCHOR
        os.mkfifo(fifo)
        self.fifos.append(fifo)
        return spec

    def release(self) -> None:
        """Give every FIFO a writer, so a thread blocked opening it reads EOF and returns."""
        for fifo in self.fifos:
            try:
                handle = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as exc:  # ENXIO: nobody is reading it right now
                if exc.errno not in (errno.ENXIO, errno.ENOENT):
                    raise
                continue
            os.close(handle)

    def wait_until_nothing_hangs(self, timeout: float = 10.0) -> None:
        def released() -> bool:
            self.release()  # a check may open a FIFO again after the last release
            return not any(checker.hanging() for checker in self.checkers)

        wait_until(released, timeout=timeout, interval=0.01)


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    rig = Rig(tmp_path)
    yield rig
    rig.release()
    rig.wait_until_nothing_hangs()
    for checker in rig.checkers:
        checker.close()


def probe_files(root: str) -> list[str]:
    return [name for name in os.listdir(root) if name.startswith(PROBE_PREFIX)]


# -- healthy and broken roots ---------------------------------------------------------------


async def test_healthy_source_and_destination_are_ok(rig: Rig) -> None:
    source = rig.root("source", anchor_file=None)
    destination = rig.root("destination", "destination")
    (Path(destination.path) / "existing.mkv").write_bytes(b"x")
    checker = rig.checker()
    assert await checker.check(source) == MountState(source.path, "source", True, "ok")
    assert await checker.check(destination) == MountState(
        destination.path, "destination", True, "ok"
    )
    assert probe_files(destination.path) == []  # the probe file was removed again
    assert os.listdir(destination.path) == ["existing.mkv"]


async def test_a_missing_root_does_not_exist(rig: Rig) -> None:
    spec = MountSpec(str(rig.tmp_path / "nowhere"), "source")
    state = await rig.checker().check(spec)
    assert (state.ok, state.detail) == (False, "does not exist")


async def test_a_root_that_is_a_file_is_not_a_directory(rig: Rig) -> None:
    path = rig.tmp_path / "file"
    path.write_text("not a directory")
    state = await rig.checker().check(MountSpec(str(path), "destination"))
    assert (state.ok, state.detail) == (False, "is not a directory")


async def test_a_destination_under_a_regular_file_is_unusable(rig: Rig) -> None:
    parent = rig.tmp_path / "plain-file"
    parent.write_text("x")
    state = await rig.checker().check(MountSpec(str(parent / "media"), "destination"))
    assert (state.ok, state.detail) == (False, "does not exist")  # ENOTDIR


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
async def test_a_read_only_destination_is_not_writable(rig: Rig) -> None:
    spec = rig.root("destination", "destination")
    os.chmod(spec.path, 0o555)
    try:
        state = await rig.checker().check(spec)
    finally:
        os.chmod(spec.path, 0o755)
    assert (state.ok, state.detail) == (False, "not writable (permission denied)")
    source = MountSpec(spec.path, "source")
    assert (await rig.checker().check(source)).ok  # a source only needs to be read


async def test_a_destination_where_no_file_can_be_created_is_not_writable(rig: Rig) -> None:
    """/proc accepts listing but refuses new files, even from root (what os.access hides)."""
    assert os.access("/proc", os.W_OK)  # the lie the probe file sees through
    checker = rig.checker()
    state = await checker.check(MountSpec("/proc", "destination"))
    assert not state.ok
    assert state.detail.startswith("not writable ("), state.detail
    assert (await checker.check(MountSpec("/proc", "source"))).ok


async def test_the_anchor_file_must_exist(rig: Rig) -> None:
    present = rig.root("present", anchor_file=ANCHOR)
    (Path(present.path) / ANCHOR).write_text("")
    missing = rig.root("missing", "destination", anchor_file=ANCHOR)
    checker = rig.checker()
    assert (await checker.check(present)).ok
    state = await checker.check(missing)
    assert not state.ok
    assert state.detail == "anchor file '.mounted' is missing (is the share mounted?)"
    assert probe_files(missing.path) == []  # no probe file is written to an unmounted root


async def test_an_anchor_that_is_a_directory_is_refused(rig: Rig) -> None:
    spec = rig.root("root", anchor_file="sub")
    (Path(spec.path) / "sub").mkdir()
    state = await rig.checker().check(spec)
    assert (state.ok, state.detail) == (False, "anchor file 'sub' is a directory")


async def test_a_required_mount_point(rig: Rig) -> None:
    checker = rig.checker()
    plain = rig.root("not-mounted", require_mount_point=True)
    state = await checker.check(plain)
    assert (state.ok, state.detail) == (False, "is not a mount point (is the share mounted?)")
    assert (await checker.check(MountSpec("/proc", "source", require_mount_point=True))).ok


async def test_check_all_keeps_the_order_and_checks_every_root(rig: Rig) -> None:
    specs = [
        rig.root("a"),
        MountSpec(str(rig.tmp_path / "gone"), "destination"),
        rig.root("b", "destination"),
    ]
    states = await rig.checker().check_all(specs)
    assert [(s.path, s.ok, s.detail) for s in states] == [
        (specs[0].path, True, "ok"),
        (specs[1].path, False, "does not exist"),
        (specs[2].path, True, "ok"),
    ]


async def test_require_raises_mount_down_for_a_bad_root(rig: Rig) -> None:
    checker = rig.checker()
    await checker.require(rig.root("fine", "destination"))
    gone = MountSpec(str(rig.tmp_path / "gone"), "destination")
    with pytest.raises(MountDown) as caught:
        await checker.require(gone)
    message = f"destination root {gone.path}: does not exist (waiting for it to come back)"
    assert str(caught.value) == message
    assert (caught.value.path, caught.value.role) == (gone.path, "destination")


async def test_a_closed_checker_answers_without_checking(rig: Rig) -> None:
    checker = rig.checker()
    checker.close()
    state = await checker.check(rig.root("a"))
    assert (state.ok, state.detail) == (False, "not checked: the mount checker is closed")


# -- hanging roots --------------------------------------------------------------------------


async def ticks_until_done(task: asyncio.Task[Any]) -> int:
    """How often this coroutine ran while ``task`` was pending: proof the loop is free."""
    ticks = 0
    while not task.done():
        ticks += 1
        await asyncio.sleep(0.01)
    return ticks


async def test_a_hung_root_times_out_without_blocking_the_loop_or_other_roots(rig: Rig) -> None:
    checker = rig.checker()
    hung = rig.hanging_root("stale-nfs")
    healthy = rig.root("healthy", "destination")
    loop = asyncio.get_running_loop()
    started = loop.time()
    pending = asyncio.create_task(checker.check(hung))
    ticker = asyncio.create_task(ticks_until_done(pending))
    assert (await checker.check(healthy)).ok  # the other root is fine meanwhile
    state = await pending
    elapsed = loop.time() - started
    assert await ticker >= 5
    assert state == MountState(
        hung.path, "source", False, "check timed out after 0.5s (stale NFS?)"
    )
    assert TIMEOUT * 0.9 <= elapsed < TIMEOUT + MARGIN
    assert checker.hanging() == [hung.path]

    started = loop.time()
    again = await checker.check(hung)  # no second thread is spent on it
    assert loop.time() - started < AT_ONCE
    assert not again.ok and again.detail.startswith("check still hanging after "), again.detail
    with pytest.raises(MountDown, match="stale NFS"):
        await checker.require(hung)
    assert loop.time() - started < AT_ONCE
    assert (await checker.check(healthy)).ok  # one thread is stuck, the other still works


async def test_a_hung_root_recovers_once_its_syscall_returns(rig: Rig) -> None:
    checker = rig.checker()
    hung = rig.hanging_root("stale-nfs")
    assert not (await checker.check(hung)).ok
    rig.release()
    rig.wait_until_nothing_hangs()
    anchor = Path(hung.path) / ANCHOR
    anchor.unlink()
    anchor.write_text("")  # the share is back: its anchor is an ordinary file again
    assert await checker.check(hung) == MountState(hung.path, "source", True, "ok")


async def test_concurrent_checks_of_a_hung_root_share_one_thread(rig: Rig) -> None:
    checker = rig.checker(max_workers=2)
    hung = rig.hanging_root("stale-nfs")
    first, second = await asyncio.gather(checker.check(hung), checker.check(hung))
    assert first.detail == second.detail == "check timed out after 0.5s (stale NFS?)"
    assert (await checker.check(rig.root("healthy"))).ok  # the second thread is still free


async def test_when_every_thread_hangs_checks_answer_at_once(rig: Rig) -> None:
    checker = rig.checker(max_workers=1)
    assert not (await checker.check(rig.hanging_root("stale-nfs"))).ok
    healthy = rig.root("healthy")
    loop = asyncio.get_running_loop()
    started = loop.time()
    state = await checker.check(healthy)
    assert loop.time() - started < AT_ONCE
    assert (state.ok, state.detail) == (
        False,
        "not checked: all 1 mount-check threads hang on other roots",
    )
    rig.release()
    rig.wait_until_nothing_hangs()
    assert (await checker.check(healthy)).ok


async def test_a_check_queued_behind_a_hanging_one_gives_up_at_its_timeout(rig: Rig) -> None:
    checker = rig.checker(max_workers=1)
    hung = rig.hanging_root("stale-nfs")
    healthy = rig.root("healthy")
    loop = asyncio.get_running_loop()
    started = loop.time()
    hung_state, queued = await asyncio.gather(checker.check(hung), checker.check(healthy))
    assert loop.time() - started < TIMEOUT + MARGIN
    assert hung_state.detail == "check timed out after 0.5s (stale NFS?)"
    assert (queued.ok, queued.detail) == (
        False,
        "not checked within 0.5s: every mount-check thread was busy",
    )
    assert checker.hanging() == [hung.path]  # the queued check never took a thread


def test_invalid_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="timeout"):
        MountChecker(timeout=0)
    with pytest.raises(ValueError, match="max_workers"):
        MountChecker(max_workers=0)
