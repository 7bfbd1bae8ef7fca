"""The media library the dashboard bench pretends to serve: series and movies.

A few thousand series and movies with made-up but realistic titles (about one job in
fifteen names one with an accent: a search must fold case and accents, and a row with a
non-ASCII title takes the search's slow exact test), each with the ids Sonarr, Radarr and
TVMaze give them, and the names their files get. A few titles are far more active than
the rest, as in a real library. ``dashboard_webhooks`` writes the webhooks about them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from itertools import accumulate

_ADJECTIVES = (
    "Silent Broken Hidden Golden Crimson Northern Lost Last Wild Quiet Burning Frozen "
    "Secret Dark Bright Iron Velvet Hollow Savage Distant Little Endless Paper Glass "
    "Electric Bitter Sacred Restless Midnight Scarlet Wandering Forgotten Shining Brave "
    "Gentle Hungry Lonely Royal Stolen Painted"
)
ADJECTIVES = tuple(_ADJECTIVES.split())
_NOUNS = (
    "Harbor Kingdom Signal Orchard Frontier Protocol River Empire Station Garden Circuit "
    "Witness Lantern Compass Tide Meridian Fortress Archive Horizon Cartel Academy Voyage "
    "Mirror Covenant Island Engine Crown Shadow Letters Valley Parish Summit Forest "
    "Canyon Motel Bakery Orbit Saga Rebellion Legacy Verdict Outpost Harvest Diaries "
    "Chronicles Files Hours Rivals Heirs Strangers Sisters Brothers Doctors Detectives "
    "Pilots Café Château"
)
NOUNS = tuple(_NOUNS.split())
_PLACES = "Avalon Brooklyn Kyoto Lisbon Montréal Oslo Seville Dublin Tampere Reykjavík"
PLACES = tuple(_PLACES.split())


@dataclass(frozen=True)
class Series:
    id: int  # Sonarr's
    title: str
    year: int
    tvdb_id: int
    tvmaze_id: int
    tmdb_id: int
    seasons: tuple[int, ...]  # episodes per season

    @property
    def folder(self) -> str:
        return f"/tv/{self.title} ({self.year})"


@dataclass(frozen=True)
class Movie:
    id: int  # Radarr's
    title: str
    year: int
    tmdb_id: int

    @property
    def folder(self) -> str:
        return f"/movies/{self.title} ({self.year})"


@dataclass
class Library:
    series: list[Series] = field(default_factory=list)
    movies: list[Movie] = field(default_factory=list)
    series_weights: list[float] = field(default_factory=list)  # cumulative: how often each
    movie_weights: list[float] = field(default_factory=list)  # gets an event


def _title(rng: random.Random, taken: set[str]) -> str:
    while True:
        adjective, noun = rng.choice(ADJECTIVES), rng.choice(NOUNS)
        shape = rng.random()
        if shape < 0.5:
            title = f"The {adjective} {noun}"
        elif shape < 0.8:
            title = f"{adjective} {noun}"
        else:
            title = f"{noun} of {rng.choice(PLACES)}"
        if title in taken:
            title = f"{title} {rng.choice(('II', 'Returns', 'Reborn', 'Redux', 'Begins'))}"
        if title not in taken:
            taken.add(title)
            return title


def make_library(rng: random.Random, series: int, movies: int) -> Library:
    """``series`` shows and ``movies`` films; a few of each are far more active than the
    rest (weights fall off like a long tail), as in a real library."""
    taken: set[str] = set()
    library = Library()
    for n in range(series):
        seasons = tuple(rng.randint(6, 22) for _ in range(rng.randint(1, 8)))
        library.series.append(
            Series(
                n + 1,
                _title(rng, taken),
                rng.randint(1995, 2025),
                70000 + n * 13,
                100 + n * 7,
                1000 + n * 11,
                seasons,
            )
        )
        library.series_weights.append(1 / (n + 5) ** 0.8)
    for n in range(movies):
        library.movies.append(Movie(n + 1, _title(rng, taken), rng.randint(1960, 2025), 500 + n))
        library.movie_weights.append(1 / (n + 5) ** 0.6)
    for weights in (library.series_weights, library.movie_weights):
        rng.shuffle(weights)
        weights[:] = accumulate(weights)  # what ``random.choices`` takes as cum_weights
    return library


def episode_file_name(show: Series, season: int, number: int, quality: str) -> str:
    episode = f"S{season:02d}E{number:02d} - Chapter {number}"
    return f"Season {season:02d}/{show.title} - {episode} [{quality}].mkv"


def movie_file_name(movie: Movie, quality: str) -> str:
    return f"{movie.title} ({movie.year}) [{quality}].mkv"
