"""Which library holds a folder: the longest location containing it on whole components,
Windows paths case-insensitive with either separator (Plex sections, Jellyfin and Emby
libraries all use this one rule)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from arrkestra.core.library_locations import holding, location_parts


@dataclass(frozen=True)
class Shelf:
    name: str
    locations: tuple[str, ...]


SHOWS = Shelf("Shows", ("/media/tv",))
ANIME = Shelf("Anime", ("/media/tv/Anime",))
MOVIES = Shelf("Movies", ("/media/movies",))
MOVIES_4K = Shelf("Movies 4K", ("/media/movies-4k",))
WINDOWS = Shelf("Windows", ("D:\\Media\\TV", "\\\\nas\\share\\Films"))
ALL = [SHOWS, ANIME, MOVIES, MOVIES_4K, WINDOWS]


@pytest.mark.parametrize(
    ("folder", "shelf"),
    [
        ("/media/tv/The Show/Season 01", SHOWS),
        ("/media/tv", SHOWS),
        ("/media/tv/Anime/Show", ANIME),  # the longest location wins
        ("/media/movies-4k/Film (2020)", MOVIES_4K),  # not under /media/movies
        ("/media/movies/Film (2020)", MOVIES),
        ("/media/television/Show", None),  # no partial component
        ("/Media/TV/Show", None),  # POSIX paths are compared exactly
        ("/media", None),
        ("/media/tv/../movies/Film", None),
        ("media/tv/Show", None),
        ("d:/media/tv/Show", WINDOWS),  # Windows: either separator, any case
        ("D:\\MEDIA\\TV\\Show\\Season 01", WINDOWS),
        ("\\\\NAS\\Share\\Films\\Film (2020)", WINDOWS),
        ("D:\\Media\\TV-4K\\Show", None),
        ("E:\\Media\\TV\\Show", None),
    ],
)
def test_holding(folder: str, shelf: Shelf | None) -> None:
    assert holding(ALL, folder) == shelf


def test_the_first_of_equally_long_locations_wins() -> None:
    twin = Shelf("Shows again", ("/media/tv",))
    assert holding([SHOWS, twin], "/media/tv/Show") is SHOWS
    assert holding([twin, SHOWS], "/media/tv/Show") is twin
    assert holding([], "/media/tv/Show") is None


def test_a_relative_location_holds_nothing() -> None:
    assert holding([Shelf("Odd", ("media/tv", "/media/../tv"))], "/media/tv/Show") is None


@pytest.mark.parametrize(
    ("path", "parts"),
    [
        ("/media/tv/Show", ("/", "media", "tv", "Show")),
        ("D:/Media/TV", ("d:\\", "media", "tv")),
        ("D:\\Media\\TV", ("d:\\", "media", "tv")),
        ("relative/path", None),
        ("/a/../b", None),
    ],
)
def test_location_parts(path: str, parts: tuple[str, ...] | None) -> None:
    assert location_parts(path) == parts
