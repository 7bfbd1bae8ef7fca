"""The mirror's verification of copies on real files: which files are checked, one verdict
per job, a shared sidecar read once, and how a verified copy reads in words."""

from __future__ import annotations

from pathlib import Path

from arrkestra.core.job_kinds import CopyResult
from arrkestra.pipelines.mirror.verification import (
    CopyNotVerified,
    destination_pairs,
    unverified,
)


def test_files_the_excludes_keep_from_rsync_are_not_checked() -> None:
    sources = ["/s/Show/e1.mkv", "/s/Show/e1.nfo", "/s/Show/e1.en.srt", "/s/Show/.DS_Store"]
    pairs = destination_pairs(sources, "/d/Show", ["*.nfo", ".DS_Store"])
    assert pairs == [
        ("/s/Show/e1.mkv", "/d/Show/e1.mkv"),
        ("/s/Show/e1.en.srt", "/d/Show/e1.en.srt"),
    ]


def files(folder: Path, contents: dict[str, bytes]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in contents.items():
        (folder / name).write_bytes(data)


async def test_each_job_fails_only_for_its_own_files(tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    files(src, {"e1.mkv": b"one", "e2.mkv": b"two", "e3.mkv": b"three", "shared.srt": b"sub"})
    files(dst, {"e1.mkv": b"one", "e2.mkv": b"tw", "e3.mkv": b"three", "shared.srt": b"suX"})

    def pairs(*names: str) -> list[tuple[str, str]]:
        return destination_pairs([str(src / n) for n in names], str(dst), [])

    copies = {
        1: ("e1.mkv", pairs("e1.mkv")),
        2: ("e2.mkv", pairs("e2.mkv", "shared.srt")),
        3: ("e3.mkv", pairs("e3.mkv", "shared.srt")),
    }
    by_size = await unverified(copies, "size")
    assert set(by_size) == {2}  # the subtitle has the source's size
    assert "e2.mkv: 2 bytes at the destination, 3 at the source" in str(by_size[2])
    by_content = await unverified(copies, "checksum")
    assert set(by_content) == {2, 3}
    assert isinstance(by_content[3], CopyNotVerified)
    said = str(by_content[3])
    assert "shared.srt: content differs (BLAKE2b)" in said and "e3.mkv:" not in said
    assert said.endswith("not announced, copied again with rsync --checksum")
    assert await unverified(copies, None) == {}  # verify: none, or a dry run


async def test_a_missing_copy_is_not_verified(tmp_path: Path) -> None:
    files(tmp_path / "src", {"e1.mkv": b"one"})
    pairs = destination_pairs([str(tmp_path / "src" / "e1.mkv")], str(tmp_path / "dst"), [])
    failed = await unverified({7: ("e1.mkv", pairs)}, "size")
    assert "e1.mkv: missing at the destination" in str(failed[7])


def test_a_copy_verified_by_checksum_says_so() -> None:
    result = CopyResult(
        outcome="copied",
        source="/s/e1.mkv",
        destination="/d/e1.mkv",
        files=["e1.mkv"],
        files_transferred=1,
        bytes_transferred=2048,
        seconds=2.0,
        verified="checksum",
    )
    assert (
        result.in_words('"Show S01E01"')
        == 'mirrored "Show S01E01" 2.0 KiB in 2 s, checksum verified'
    )
    by_size = result.model_copy(update={"verified": "size"})
    assert by_size.in_words('"Show S01E01"') == 'mirrored "Show S01E01" 2.0 KiB in 2 s'
    assert result.to_json()["verified"] == "checksum"
    assert "verified" not in result.model_copy(update={"verified": None}).to_json()
