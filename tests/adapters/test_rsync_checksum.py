"""``RsyncOptions.checksum`` against the real rsync: a copy damaged in place, keeping the
source's size and modification time, is invisible to rsync's quick check; ``--checksum``
sees it and copies the file again (one file, and over a file list)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from arrkestra.adapters.rsync import RsyncOptions, Transfer, build_argv, run_transfer
from arrkestra.adapters.rsync_file_list import copy_listed

pytestmark = pytest.mark.skipif(shutil.which("rsync") is None, reason="needs rsync")


def damage(path: Path) -> None:
    """Invert one byte of ``path``, its size and modification time kept."""
    info = path.stat()
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))


def source_file(tmp_path: Path) -> Path:
    source = tmp_path / "src" / "Show" / "e1.mkv"
    source.parent.mkdir(parents=True)
    source.write_bytes(os.urandom(64 * 1024))
    return source


async def test_checksum_copies_again_what_the_quick_check_skips(tmp_path: Path) -> None:
    source = source_file(tmp_path)
    destination = tmp_path / "dst" / "Show"
    transfer = Transfer((str(source),), str(destination), replace_existing=True)
    await run_transfer(transfer, RsyncOptions())
    copy = destination / source.name
    damage(copy)

    quick = await run_transfer(transfer, RsyncOptions())
    assert quick.files_transferred == 0 and copy.read_bytes() != source.read_bytes()
    checked = await run_transfer(transfer, RsyncOptions(checksum=True))
    assert checked.files_transferred == 1 and copy.read_bytes() == source.read_bytes()


async def test_checksum_over_a_file_list(tmp_path: Path) -> None:
    source = source_file(tmp_path)
    src, dst = tmp_path / "src", tmp_path / "dst"
    await copy_listed(str(src), str(dst), ["Show/e1.mkv"], RsyncOptions())
    copy = dst / "Show" / "e1.mkv"
    damage(copy)

    quick = await copy_listed(str(src), str(dst), ["Show/e1.mkv"], RsyncOptions(), replace=True)
    assert quick.transferred == frozenset() and copy.read_bytes() != source.read_bytes()
    options = RsyncOptions(checksum=True)
    checked = await copy_listed(str(src), str(dst), ["Show/e1.mkv"], options, replace=True)
    assert checked.transferred == {"Show/e1.mkv"} and copy.read_bytes() == source.read_bytes()


def test_checksum_is_off_unless_asked_for() -> None:
    transfer = Transfer(("/src/a.mkv",), "/dst")
    assert "--checksum" not in build_argv(transfer, RsyncOptions())
    argv = build_argv(transfer, RsyncOptions(checksum=True))
    assert argv.index("--checksum") < argv.index("--")
