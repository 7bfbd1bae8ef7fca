"""The file verification adapter on real temp files (no fakes, no mocks)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tracemalloc
from pathlib import Path

import pytest

from arrkestra.adapters.file_verify import (
    CONTENT_DIFFERS,
    Verdict,
    VerifyMethod,
    digest,
    verify_files,
)

METHODS: tuple[VerifyMethod, ...] = ("size", "checksum")


def _pair(
    tmp_path: Path, source_bytes: bytes | None, destination_bytes: bytes | None
) -> tuple[str, str]:
    source, destination = (
        tmp_path / "src" / "Show - S01E01.mkv",
        tmp_path / "dst" / "Show - S01E01.mkv",
    )
    for path, data in ((source, source_bytes), (destination, destination_bytes)):
        path.parent.mkdir(parents=True, exist_ok=True)
        if data is not None:
            path.write_bytes(data)
    return str(source), str(destination)


async def _one(pair: tuple[str, str], method: VerifyMethod) -> Verdict:
    (verdict,) = await verify_files([pair], method)
    assert (verdict.source, verdict.destination) == pair
    return verdict


@pytest.mark.parametrize("method", METHODS)
async def test_an_equal_copy_matches(tmp_path: Path, method: VerifyMethod) -> None:
    data = os.urandom(100_000)
    verdict = await _one(_pair(tmp_path, data, data), method)
    assert verdict.ok and verdict.problem is None
    assert verdict.bytes_read == (200_000 if method == "checksum" else 0)


@pytest.mark.parametrize("method", METHODS)
async def test_a_size_mismatch_is_reported_with_both_sizes(
    tmp_path: Path, method: VerifyMethod
) -> None:
    verdict = await _one(_pair(tmp_path, b"x" * 4000, b"x" * 2000), method)
    assert not verdict.ok
    assert verdict.problem == "2,000 bytes at the destination, 4,000 at the source"
    assert verdict.bytes_read == 0  # a size mismatch needs no hashing


async def test_same_size_different_content_is_caught_by_checksum_only(tmp_path: Path) -> None:
    data = bytearray(os.urandom(300_000))
    corrupted = bytes(data[:150_000]) + bytes([data[150_000] ^ 0xFF]) + bytes(data[150_001:])
    pair = _pair(tmp_path, bytes(data), corrupted)
    assert (await _one(pair, "size")).ok
    verdict = await _one(pair, "checksum")
    assert verdict.problem == CONTENT_DIFFERS == "content differs (BLAKE2b)"
    assert verdict.bytes_read == 600_000


@pytest.mark.parametrize("method", METHODS)
async def test_a_missing_destination_is_a_problem(tmp_path: Path, method: VerifyMethod) -> None:
    verdict = await _one(_pair(tmp_path, b"data", None), method)
    assert verdict.problem == "missing at the destination"


@pytest.mark.parametrize("method", METHODS)
async def test_a_source_that_vanished_is_a_problem_not_a_crash(
    tmp_path: Path, method: VerifyMethod
) -> None:
    verdict = await _one(_pair(tmp_path, None, b"data"), method)
    assert verdict.problem == "gone at the source"


async def test_a_folder_where_the_file_should_be_is_a_problem(tmp_path: Path) -> None:
    source, destination = _pair(tmp_path, b"data", None)
    os.mkdir(destination)
    verdict = await _one((source, destination), "checksum")
    assert verdict.problem == "not a regular file at the destination"


async def test_a_missing_parent_folder_reads_as_missing(tmp_path: Path) -> None:
    source, _ = _pair(tmp_path, b"data", None)
    verdict = await _one((source, str(tmp_path / "dst" / "no-folder" / "x.mkv")), "size")
    assert verdict.problem == "missing at the destination"


async def test_pairs_are_answered_in_order_and_reported_as_they_are_made(tmp_path: Path) -> None:
    pairs = []
    for index, (source_data, destination_data) in enumerate(
        [(b"a", b"a"), (b"bb", b"b"), (b"c", None)]
    ):
        pairs.append(_pair(tmp_path / str(index), source_data, destination_data))
    seen: list[Verdict] = []
    verdicts = await verify_files(pairs, "checksum", on_verdict=seen.append)
    assert seen == verdicts
    assert [(v.source, v.destination) for v in verdicts] == pairs
    assert [v.ok for v in verdicts] == [True, False, False]


async def test_no_pairs_no_verdicts() -> None:
    assert await verify_files([], "checksum") == []


async def test_a_large_file_is_streamed_not_read_whole(tmp_path: Path) -> None:
    block = os.urandom(1024 * 1024)
    source = tmp_path / "Movie (2020).mkv"
    with source.open("wb") as file:
        for _ in range(64):
            file.write(block)
    destination = tmp_path / "copy.mkv"
    shutil.copyfile(source, destination)
    tracemalloc.start()
    try:
        verdict = await _one((str(source), str(destination)), "checksum")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert verdict.ok and verdict.bytes_read == 2 * 64 * 1024 * 1024
    assert peak < 8 * 1024 * 1024, f"peak {peak:,} bytes: the files were read whole"
    with destination.open("r+b") as file:  # one flipped byte near the end is still seen
        file.seek(63 * 1024 * 1024 + 12345)
        file.write(bytes([block[12345] ^ 1]))
    assert (await _one((str(source), str(destination)), "checksum")).problem == CONTENT_DIFFERS


def test_digest_is_blake2b_512_as_b2sum_prints_it(tmp_path: Path) -> None:
    path = tmp_path / "a file with spaces.srt"
    data = os.urandom(700_000)
    path.write_bytes(data)
    assert digest(str(path)) == hashlib.blake2b(data).hexdigest()
    if shutil.which("b2sum"):
        printed = subprocess.run(
            ["b2sum", str(path)], check=True, capture_output=True, text=True
        ).stdout
        assert printed.split()[0] == digest(str(path))


@pytest.mark.parametrize("method", METHODS)
async def test_a_linked_sidecar_matches_a_link_with_the_same_target(
    tmp_path: Path, method: VerifyMethod
) -> None:
    """rsync --archive copies a link as a link: its target need not resolve at the
    destination (a relative link to a folder that is not mirrored)."""
    (tmp_path / "src" / "subs").mkdir(parents=True)
    (tmp_path / "src" / "subs" / "a.srt").write_bytes(b"subtitles")
    (tmp_path / "dst").mkdir()
    source, destination = tmp_path / "src" / "a.en.srt", tmp_path / "dst" / "a.en.srt"
    source.symlink_to("subs/a.srt")
    destination.symlink_to("subs/a.srt")  # dangles there: nothing to follow
    assert (await _one((str(source), str(destination)), method)).ok
    destination.unlink()
    destination.symlink_to("elsewhere.srt")
    verdict = await _one((str(source), str(destination)), method)
    assert (
        verdict.problem == "a link to elsewhere.srt at the destination, to subs/a.srt at the source"
    )
    destination.unlink()
    destination.write_bytes(b"subtitles")
    verdict = await _one((str(source), str(destination)), method)
    assert verdict.problem == "a file at the destination, a link to subs/a.srt at the source"


async def test_the_destination_is_hashed_from_its_storage_not_the_page_cache(
    tmp_path: Path,
) -> None:
    """Dropping the cached pages changes nothing a reader sees: the digest is the file's."""
    data = os.urandom(1 << 20)
    pair = _pair(tmp_path, data, data)
    assert (await _one(pair, "checksum")).ok
    assert digest(pair[1], uncached=True) == hashlib.blake2b(data).hexdigest()
