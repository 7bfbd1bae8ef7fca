"""What ``arrkestra demo``'s day is about: a few made-up series and a movie, their files as
Sonarr and Radarr name them, and the small TVMaze catalogue discovery walks.

One place for the names, so the trees on disk, the fakes' contents and the webhooks the
day sends always agree. Paths here are the library paths Sonarr and Radarr see (``/tv``,
``/movies``); ``mirror.paths`` maps them onto the demo's temporary folders.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

TV_ROOT = "/tv"
MOVIES_ROOT = "/movies"
MIB = 1024 * 1024


@dataclass(frozen=True)
class Series:
    id: int
    title: str
    year: int
    tvdb_id: int
    tmdb_id: int
    tvmaze_id: int
    genres: tuple[str, ...] = ("Drama",)

    @property
    def folder(self) -> str:
        """``Title (Year)``: Sonarr's default series folder."""
        return f"{self.title} ({self.year})"

    @property
    def path(self) -> str:
        return f"{TV_ROOT}/{self.folder}"

    @property
    def slug(self) -> str:
        return "-".join(self.title.lower().split())


@dataclass(frozen=True)
class Episode:
    series: Series
    season: int
    number: int
    title: str
    quality: str = "WEBDL-1080p"
    size: int = MIB
    file_id: int = 0

    @property
    def code(self) -> str:
        return f"S{self.season:02d}E{self.number:02d}"

    @property
    def relative_path(self) -> str:
        """``Season 01/Title (Year) - S01E01 - Name [WEBDL-1080p].mkv``, from the series folder."""
        name = f"{self.series.folder} - {self.code} - {self.title} [{self.quality}].mkv"
        return f"Season {self.season:02d}/{name}"

    @property
    def library_path(self) -> str:
        return f"{self.series.path}/{self.relative_path}"


@dataclass(frozen=True)
class Movie:
    id: int
    title: str
    year: int
    tmdb_id: int
    quality: str = "Bluray-1080p"
    size: int = 2 * MIB
    file_id: int = 0

    @property
    def folder(self) -> str:
        return f"{self.title} ({self.year})"

    @property
    def path(self) -> str:
        return f"{MOVIES_ROOT}/{self.folder}"

    @property
    def file_name(self) -> str:
        return f"{self.folder} [{self.quality}].mkv"

    @property
    def subtitle_name(self) -> str:
        """The English subtitle next to the film: a sidecar the copy takes along."""
        return f"{self.folder} [{self.quality}].en.srt"

    @property
    def library_path(self) -> str:
        return f"{self.path}/{self.file_name}"


LIGHTHOUSE = Series(11, "The Lighthouse Keepers", 2023, 431_001, 221_001, 101)
NORTHERN_LINE = Series(12, "Northern Line", 2022, 431_002, 221_002, 102, ("Crime",))
HARBOUR_LIGHTS = Series(13, "Harbour Lights", 2019, 431_003, 221_003, 103, ("Comedy",))

SEASON_PACK = (
    Episode(LIGHTHOUSE, 1, 1, "First Light", file_id=501),
    Episode(LIGHTHOUSE, 1, 2, "The Fog Bell", file_id=502),
    Episode(LIGHTHOUSE, 1, 3, "Low Tide", file_id=503),
)
UPGRADE = Episode(LIGHTHOUSE, 1, 2, "The Fog Bell", "WEBDL-2160p", 3 * MIB // 2, 504)
"""S01E02 again, in 2160p: Sonarr replaces the 1080p file (``isUpgrade``, ``deletedFiles``)."""
UNANNOUNCED = Episode(LIGHTHOUSE, 1, 4, "Keeper's Log", file_id=505)
"""On the source but never announced (imported while arrkestra was down): reconcile finds it."""
MISSING = Episode(NORTHERN_LINE, 2, 5, "Last Train", file_id=506)
"""Announced, but not on the source: its copy fails and says why."""
MOVIE = Movie(21, "Paper Moons", 2021, 331_001, file_id=601)

IN_OVERSEERR = (LIGHTHOUSE, NORTHERN_LINE, HARBOUR_LIGHTS)
"""Series with a media row (and a request) in the fake Overseerr; the movie has one too."""


def _network(ident: int, name: str, code: str, country: str, timezone: str) -> dict[str, Any]:
    """A TVMaze network, in the show JSON's shape."""
    place = {"name": country, "code": code, "timezone": timezone}
    return {"id": ident, "name": name, "country": place, "officialSite": None}


US, GB = ("US", "United States", "America/New_York"), ("GB", "United Kingdom", "Europe/London")
HBO, NBC, FOX, ABC = (
    _network(n, name, *US) for n, name in ((8, "HBO"), (1, "NBC"), (4, "FOX"), (3, "ABC"))
)
BBC_ONE, ITV, CHANNEL_4 = (
    _network(n, name, *GB) for n, name in ((12, "BBC One"), (35, "ITV"), (45, "Channel 4"))
)
NHK = _network(1024, "NHK", "JP", "Japan", "Asia/Tokyo")


def _show(network: dict[str, Any], premiered: str, rating: float, **fields: Any) -> dict[str, Any]:
    return {"network": network, "premiered": premiered, "rating": {"average": rating}, **fields}


# TVMaze shows for discovery: (tvmaze id, name, fields that differ from make_show's defaults).
# Small ids: the whole index is one page (a full sync reads every page up to the last id).
CATALOGUE: tuple[tuple[int, str, dict[str, Any]], ...] = (
    (LIGHTHOUSE.tvmaze_id, LIGHTHOUSE.title, _show(CHANNEL_4, "2023-05-02", 7.8)),
    (111, "Glass Harbour", _show(BBC_ONE, "2021-03-07", 8.1, genres=["Drama", "Mystery"])),
    (112, "The Quiet Orbit", _show(NBC, "2023-10-12", 7.9, genres=["Science-Fiction"])),
    (113, "Salt and Iron", _show(HBO, "2022-06-19", 8.4, genres=["Action"], runtime=45)),
    (114, "Island Hearts Live", _show(ITV, "2016-06-06", 5.2, type="Reality", genres=[])),
    (115, "Midnight Kitchen Talk", _show(NBC, "2012-01-09", 6.4, type="Talk Show")),
    (116, "Old Frontier", _show(FOX, "2012-09-23", 7.1, status="Ended", ended="2019-05-01")),
    (117, "Kōen no Yoru", _show(NHK, "2020-04-03", 8.0, language="Japanese", genres=["Anime"])),
    (118, "Cheap Seats", _show(ABC, "1998-09-14", 6.9, genres=["Comedy"])),
)
"""Four pass the default filters (Sonarr has the first already), five do not."""


def tvdb_id_of(tvmaze_id: int) -> int:
    """The TVDB id of a catalogue show (TVMaze's ``externals.thetvdb``, Sonarr's key)."""
    return LIGHTHOUSE.tvdb_id if tvmaze_id == LIGHTHOUSE.tvmaze_id else 100_000 + tvmaze_id
