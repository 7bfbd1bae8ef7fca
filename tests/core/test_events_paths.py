"""Library paths: the item's folder joined with relativePath, in the folder's own style."""

from __future__ import annotations

import pytest

from arrkestra.core.events import (
    MediaFile,
    SonarrDownload,
    SonarrEpisodeFileDelete,
    join_path,
    library_path,
    parse_event,
)


@pytest.mark.parametrize(
    ("root", "relative", "joined"),
    [
        ("/tv/Show", "Season 01/Show - S01E01.mkv", "/tv/Show/Season 01/Show - S01E01.mkv"),
        ("/tv/Show/", "/Season 01/a.mkv", "/tv/Show/Season 01/a.mkv"),
        ("/", "a.mkv", "/a.mkv"),
        ("D:\\TV\\Show", "Season 01\\a.mkv", "D:\\TV\\Show\\Season 01\\a.mkv"),
        ("D:\\TV\\Show\\", "Season 01/a.mkv", "D:\\TV\\Show\\Season 01\\a.mkv"),
        ("D:", "a.mkv", "D:\\a.mkv"),
        ("D:\\", "a.mkv", "D:\\a.mkv"),
        ("\\\\nas\\tv\\Show", "S01\\a.mkv", "\\\\nas\\tv\\Show\\S01\\a.mkv"),
        # a backslash is a legal character in a POSIX file name: kept as it is
        ("/tv/Show", "Season 01/a\\b.mkv", "/tv/Show/Season 01/a\\b.mkv"),
        (
            '/tv/It\'s "Quoted" [2020] {tvdb-1}',
            "S01/é.mkv",
            '/tv/It\'s "Quoted" [2020] {tvdb-1}/S01/é.mkv',
        ),
        ("C:/media/tv", "S01/a.mkv", "C:/media/tv/S01/a.mkv"),
        (None, "a.mkv", None),
        ("/tv/Show", None, None),
        ("", "a.mkv", None),
        ("/tv/Show", "", None),
        ("/tv/Show", "/", None),
    ],
)
def test_join_path_keeps_the_separator_style_of_the_root(
    root: str | None, relative: str | None, joined: str | None
) -> None:
    assert join_path(root, relative) == joined


def file(**fields: object) -> MediaFile:
    return MediaFile.model_validate(fields)


def test_relative_path_wins_over_the_reported_path() -> None:
    reported = file(relativePath="S01/a.mkv", path="/downloads/complete/a.mkv")
    assert library_path("/tv/Show", reported) == "/tv/Show/S01/a.mkv"


def test_without_relative_path_a_path_inside_the_folder_is_used() -> None:
    assert library_path("/tv/Show", file(path="/tv/Show/S01/a.mkv")) == "/tv/Show/S01/a.mkv"
    windows = file(path="d:\\tv\\show\\S01\\a.mkv")
    assert library_path("D:\\TV\\Show", windows) == "d:\\tv\\show\\S01\\a.mkv"


def test_without_relative_path_a_download_path_is_never_returned() -> None:
    assert library_path("/tv/Show", file(path="/downloads/Show.S01E01/a.mkv")) is None
    assert library_path("/tv/Show", file(path="/tv/Show Other/a.mkv")) is None
    assert library_path(None, file(path="/downloads/a.mkv")) is None


def test_a_computed_path_stands_without_a_root() -> None:
    assert (
        library_path(None, file(path="/tv/Show/a.mkv"), path_is_computed=True) == "/tv/Show/a.mkv"
    )


def test_v3_download_path_is_not_taken_for_the_library_path() -> None:
    event = parse_event(
        "sonarr",
        {
            "eventType": "Download",
            "series": {"id": 1, "title": "Show", "path": "/tv/Show"},
            "episodeFile": {"id": 2, "path": "/downloads/complete/Show.S01E01/show.s01e01.mkv"},
        },
    )
    assert isinstance(event, SonarrDownload)
    (imported,) = event.imported_files()
    assert imported.library_path is None
    assert event.path_problems() == [
        "episodeFile has no library path (episodeFile.relativePath missing)"
    ]


def test_replaced_files_fall_back_to_their_computed_path() -> None:
    event = parse_event(
        "sonarr",
        {
            "eventType": "Download",
            "isUpgrade": True,
            "episodeFile": {"relativePath": "S01/new.mkv"},
            "deletedFiles": [
                {"path": "/tv/Show/S01/old.mkv", "recycleBinPath": "/recycle/old.mkv"},
                {"relativePath": "S01/gone.mkv"},
            ],
        },
    )
    assert isinstance(event, SonarrDownload)
    assert event.replaced_paths() == ["/tv/Show/S01/old.mkv"]
    assert [f.recycle_bin_path for f in event.replaced_files()] == ["/recycle/old.mkv", None]
    assert event.path_problems() == ["episodeFile has no library path (series.path missing)"]


def test_file_delete_without_series_path_names_what_is_missing() -> None:
    event = parse_event(
        "sonarr",
        {"eventType": "EpisodeFileDelete", "episodeFile": {"path": "/tv/Show/a.mkv"}},
    )
    assert isinstance(event, SonarrEpisodeFileDelete)
    assert event.library_path is None
    assert event.path_problems() == [
        "episodeFile has no library path (series.path, episodeFile.relativePath missing)"
    ]
    empty = parse_event("sonarr", {"eventType": "EpisodeFileDelete"})
    assert isinstance(empty, SonarrEpisodeFileDelete)
    assert empty.path_problems() == ["episodeFile is missing"]
