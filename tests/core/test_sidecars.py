"""Sidecars: which files of a folder travel with a media file."""

from __future__ import annotations

import pytest

from arrkestra.core import paths
from arrkestra.core.sidecars import sidecar_names, split_extension

EPISODE = "Show - S01E01 - Pilot.mkv"
FOLDER = [
    EPISODE,
    "Show - S01E01 - Pilot.srt",
    "Show - S01E01 - Pilot.en.srt",
    "Show - S01E01 - Pilot.en.forced.srt",
    "Show - S01E01 - Pilot.pt-BR.sdh.ass",
    "Show - S01E01 - Pilot.1.en.srt",
    "Show - S01E01 - Pilot.EN.SRT",
    "Show - S01E01 - Pilot.ssa",
    "Show - S01E01 - Pilot.en.sub",
    "Show - S01E01 - Pilot.en.idx",
    "Show - S01E01 - Pilot.de.vtt",
    "Show - S01E01 - Pilot.nfo",
    "Show - S01E01 - Pilot.jpg",
    "Show - S01E01 - Pilot-thumb.jpg",
    "Show - S01E01 - Pilot-thumb.png",
    # not sidecars of the episode:
    "Show - S01E01 - Pilot.mp4",  # another video
    "Show - S01E01 - Pilot.en.nfo",  # metadata takes no infix
    "Show - S01E01 - Pilot.txt",  # not a sidecar kind
    "Show - S01E01 - Pilot..srt",  # an empty infix
    "Show - S01E01 - Pilot.en.srt.bak",
    "Show - S01E01 - Pilot-poster.jpg",
    "Show - S01E01 - Pilot 2.srt",  # another base name
    "Show - S01E01 - Pilot2.srt",
    "Show - S01E02 - Next.srt",
    "Show - S01E02 - Next.mkv",
    "show - s01e01 - pilot.srt",  # names are case-sensitive
    "poster.jpg",
    "tvshow.nfo",
    "season01-poster.jpg",
    "Show - S01E01 - Pilot.en\n.srt",  # unsafe to copy: skipped
]


def test_sidecars_of_an_episode() -> None:
    assert sidecar_names(EPISODE, FOLDER) == sorted(
        [
            "Show - S01E01 - Pilot.srt",
            "Show - S01E01 - Pilot.en.srt",
            "Show - S01E01 - Pilot.en.forced.srt",
            "Show - S01E01 - Pilot.pt-BR.sdh.ass",
            "Show - S01E01 - Pilot.1.en.srt",
            "Show - S01E01 - Pilot.EN.SRT",
            "Show - S01E01 - Pilot.ssa",
            "Show - S01E01 - Pilot.en.sub",
            "Show - S01E01 - Pilot.en.idx",
            "Show - S01E01 - Pilot.de.vtt",
            "Show - S01E01 - Pilot.nfo",
            "Show - S01E01 - Pilot.jpg",
            "Show - S01E01 - Pilot-thumb.jpg",
            "Show - S01E01 - Pilot-thumb.png",
        ]
    )


def test_the_media_file_itself_and_other_videos_are_never_sidecars() -> None:
    folder = ["Movie (2020).mkv", "Movie (2020).mp4", "Movie (2020).ts", "Movie (2020).en.srt"]
    assert sidecar_names("Movie (2020).mkv", folder) == ["Movie (2020).en.srt"]
    assert sidecar_names("Movie (2020).mp4", folder) == ["Movie (2020).en.srt"]


def test_a_sidecar_belongs_to_the_video_with_the_longest_base_name() -> None:
    folder = [
        "Movie.mkv",
        "Movie.en.srt",
        "Movie.Extended.mkv",
        "Movie.Extended.en.srt",
        "Movie.Extended.nfo",
    ]
    assert sidecar_names("Movie.mkv", folder) == ["Movie.en.srt"]
    assert sidecar_names("Movie.Extended.mkv", folder) == [
        "Movie.Extended.en.srt",
        "Movie.Extended.nfo",
    ]
    # without the other video in the folder, its subtitle reads as an infixed one
    assert sidecar_names("Movie.mkv", ["Movie.Extended.en.srt"]) == ["Movie.Extended.en.srt"]


def test_names_that_look_like_options_or_hold_odd_characters() -> None:
    folder = ["-rf.mkv", "-rf.en.srt", "-rf.nfo", "[a] 'b' \"c\" é.mkv", "[a] 'b' \"c\" é.srt"]
    assert sidecar_names("-rf.mkv", folder) == ["-rf.en.srt", "-rf.nfo"]
    assert sidecar_names("[a] 'b' \"c\" é.mkv", folder) == ["[a] 'b' \"c\" é.srt"]


def test_the_media_file_need_not_be_listed_and_duplicates_are_merged() -> None:
    assert sidecar_names("A.mkv", iter(["A.srt", "A.srt", "A.nfo"])) == ["A.nfo", "A.srt"]
    assert sidecar_names("A.mkv", []) == []


@pytest.mark.parametrize("name", ["", ".", "..", "S01/A.mkv", "A\x00.mkv"])
def test_media_name_must_be_a_file_name(name: str) -> None:
    with pytest.raises(ValueError, match="media_name"):
        sidecar_names(name, ["A.srt"])


@pytest.mark.parametrize(
    ("name", "split"),
    [("a.mkv", ("a", ".mkv")), ("a.b.mkv", ("a.b", ".mkv")), ("a", ("a", "")), (".a", (".a", ""))],
)
def test_split_extension(name: str, split: tuple[str, str]) -> None:
    assert split_extension(name) == split


def test_sidecar_names_is_part_of_the_path_api() -> None:
    assert paths.sidecar_names is sidecar_names
