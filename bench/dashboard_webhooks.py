"""The webhooks Sonarr and Radarr send about the bench's library, one function per kind.

Each writes the body Sonarr or Radarr would send, shaped like the samples in
``tests/fixtures/payloads`` (the fields routing reads, and the bulk that makes a stored
body as large as a real one). ``random_body`` draws one from the mix of a busy server:
mostly single-episode and movie imports. Nothing here knows about jobs:
``dashboard_seed`` parses these bodies and routes them with the daemon's own code.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from dashboard_library import Library, Movie, Series, episode_file_name, movie_file_name

_GENRES = "Drama Comedy Crime Thriller Science-Fiction Fantasy Mystery Documentary Action"
GENRES = tuple(_GENRES.split())
QUALITIES = ("WEBDL-1080p", "WEBDL-2160p", "Bluray-1080p", "HDTV-1080p", "WEBRip-1080p")
GROUPS = ("NTb", "FLUX", "EVO", "SPARKS", "TEPES", "KOGi", "playWEB", "HONE")
CLIENT = {"downloadClient": "SABnzbd", "downloadClientType": "SABnzbd"}
OVERVIEW = (
    "A story told over many nights: what was hidden comes to light, old friends turn up "
    "where nobody expected them, and a choice made long ago has to be made again."
)


def _series_json(show: Series) -> dict[str, Any]:
    slug = show.title.lower().replace(" ", "-")
    return {
        "id": show.id,
        "title": show.title,
        "titleSlug": slug,
        "path": show.folder,
        "tvdbId": show.tvdb_id,
        "tvMazeId": show.tvmaze_id,
        "tmdbId": show.tmdb_id,
        "imdbId": f"tt{3000000 + show.id}",
        "type": "standard",
        "year": show.year,
        "genres": GENRES[show.id % 5 : show.id % 5 + 2],
        "images": [
            {
                "coverType": "poster",
                "url": f"/MediaCover/{show.id}/poster.jpg?lastWrite=638602185955165176",
                "remoteUrl": f"https://artworks.thetvdb.com/banners/posters/{show.tvdb_id}-1.jpg",
            }
        ],
        "tags": [],
        "originalLanguage": {"id": 1, "name": "English"},
    }


def _movie_json(movie: Movie) -> dict[str, Any]:
    return {
        "id": movie.id,
        "title": movie.title,
        "year": movie.year,
        "releaseDate": f"{movie.year}-06-01",
        "folderPath": movie.folder,
        "tmdbId": movie.tmdb_id,
        "imdbId": f"tt{1000000 + movie.id}",
        "overview": OVERVIEW,
        "genres": GENRES[movie.id % 6 : movie.id % 6 + 2],
        "images": [],
        "tags": [],
        "originalLanguage": {"id": 1, "name": "English"},
    }


def _episode(show: Series, season: int, number: int) -> dict[str, Any]:
    return {
        "id": show.id * 1000 + season * 50 + number,
        "episodeNumber": number,
        "seasonNumber": season,
        "title": f"Chapter {number}",
        "overview": OVERVIEW,
        "airDate": f"{show.year + season - 1}-03-{number + 1:02d}",
        "airDateUtc": f"{show.year + season - 1}-03-{number + 1:02d}T02:00:00Z",
        "seriesId": show.id,
        "tvdbId": show.tvdb_id * 100 + season * 30 + number,
    }


def _media_file(
    rng: random.Random, file_id: int, relative: str, path: str, quality: str
) -> dict[str, Any]:
    group = rng.choice(GROUPS)
    return {
        "id": file_id,
        "relativePath": relative,
        "path": path,
        "quality": quality,
        "qualityVersion": 1,
        "releaseGroup": group,
        "sceneName": relative.rsplit("/", 1)[-1].rsplit(".", 1)[0].replace(" ", "."),
        "size": rng.randint(300, 9000) * 1_048_576,
        "dateAdded": "2024-09-26T21:48:37.4969803Z",
        "languages": [{"id": 1, "name": "English"}],
        "mediaInfo": {
            "audioChannels": 5.1,
            "audioCodec": "EAC3",
            "audioLanguages": ["eng"],
            "height": 1080,
            "width": 1920,
            "subtitles": ["eng"],
            "videoCodec": "x265",
            "videoDynamicRange": "",
            "videoDynamicRangeType": "",
        },
    }


def _pick_episode(rng: random.Random, show: Series) -> tuple[int, int]:
    season = rng.randint(1, len(show.seasons))
    return season, rng.randint(1, show.seasons[season - 1])


def sonarr_download(rng: random.Random, show: Series, *, upgrade: bool) -> dict[str, Any]:
    """One episode imported (an upgrade names the file it replaced)."""
    season, number = _pick_episode(rng, show)
    quality = rng.choice(QUALITIES)
    relative = episode_file_name(show, season, number, quality)
    download = f"/downloads/complete/{show.title}.S{season:02d}E{number:02d}"
    body: dict[str, Any] = {
        "series": _series_json(show),
        "episodes": [_episode(show, season, number)],
        "episodeFile": _media_file(rng, rng.randint(1, 10**6), relative, download, quality),
        "isUpgrade": upgrade,
        **CLIENT,
        "downloadId": f"SABnzbd_nzo_{rng.getrandbits(40):x}",
        "customFormatInfo": {"customFormats": [], "customFormatScore": 0},
        "release": {"releaseTitle": download.rsplit("/", 1)[-1], "indexer": "NZBgeek (Prowlarr)"},
        "eventType": "Download",
        "instanceName": "Sonarr",
        "applicationUrl": "",
    }
    if upgrade:
        old = episode_file_name(show, season, number, "HDTV-720p")
        body["deletedFiles"] = [
            _media_file(rng, rng.randint(1, 10**6), old, f"{show.folder}/{old}", "HDTV-720p")
        ]
    return body


def sonarr_import_complete(rng: random.Random, show: Series) -> dict[str, Any]:
    """A season pack: "On Import Complete" with every file of the season."""
    season = rng.randint(1, len(show.seasons))
    quality = rng.choice(QUALITIES)
    numbers = range(1, show.seasons[season - 1] + 1)
    files = []
    for n in numbers:
        relative = episode_file_name(show, season, n, quality)
        files.append(
            _media_file(rng, rng.randint(1, 10**6), relative, show.folder + "/" + relative, quality)
        )
    return {
        "series": _series_json(show),
        "episodes": [_episode(show, season, n) for n in numbers],
        "episodeFiles": files,
        "isUpgrade": False,
        **CLIENT,
        "downloadId": f"SABnzbd_nzo_{rng.getrandbits(40):x}",
        "eventType": "Download",
        "instanceName": "Sonarr",
        "applicationUrl": "",
    }


def sonarr_file_delete(rng: random.Random, show: Series) -> dict[str, Any]:
    season, number = _pick_episode(rng, show)
    relative = episode_file_name(show, season, number, rng.choice(QUALITIES))
    return {
        "series": _series_json(show),
        "episodes": [_episode(show, season, number)],
        "episodeFile": _media_file(
            rng, rng.randint(1, 10**6), relative, f"{show.folder}/{relative}", "WEBDL-1080p"
        ),
        "deleteReason": rng.choice(("manual", "upgrade", "missingFromDisk")),
        "eventType": "EpisodeFileDelete",
        "instanceName": "Sonarr",
        "applicationUrl": "",
    }


def sonarr_rename(rng: random.Random, show: Series) -> dict[str, Any]:
    season = rng.randint(1, len(show.seasons))
    files = []
    for n in range(1, min(show.seasons[season - 1], 3) + 1):
        relative = episode_file_name(show, season, n, "WEBDL-1080p")
        previous = f"Season {season:02d}/{show.title}.S{season:02d}E{n:02d}.1080p.WEB-DL.mkv"
        renamed = _media_file(
            rng, rng.randint(1, 10**6), relative, f"{show.folder}/{relative}", "WEBDL-1080p"
        )
        renamed |= {"previousRelativePath": previous, "previousPath": f"{show.folder}/{previous}"}
        files.append(renamed)
    return {
        "series": _series_json(show),
        "renamedEpisodeFiles": files,
        "eventType": "Rename",
        "instanceName": "Sonarr",
        "applicationUrl": "",
    }


def sonarr_series_delete(rng: random.Random, show: Series) -> dict[str, Any]:
    return {
        "series": _series_json(show),
        "deletedFiles": rng.random() < 0.7,
        "eventType": "SeriesDelete",
        "instanceName": "Sonarr",
        "applicationUrl": "",
    }


def sonarr_grab(rng: random.Random, show: Series) -> dict[str, Any]:
    season, number = _pick_episode(rng, show)
    return {
        "series": _series_json(show),
        "episodes": [_episode(show, season, number)],
        "release": {
            "quality": rng.choice(QUALITIES),
            "releaseTitle": f"{show.title}.S{season:02d}E{number:02d}.1080p.WEB-DL",
            "indexer": "NZBgeek (Prowlarr)",
            "size": rng.randint(300, 9000) * 1_048_576,
        },
        **CLIENT,
        "downloadId": f"SABnzbd_nzo_{rng.getrandbits(40):x}",
        "eventType": "Grab",
        "instanceName": "Sonarr",
        "applicationUrl": "",
    }


def radarr_download(rng: random.Random, movie: Movie, *, upgrade: bool) -> dict[str, Any]:
    quality = rng.choice(QUALITIES)
    relative = movie_file_name(movie, quality)
    download = f"/downloads/complete/{movie.title}.{movie.year}.{quality}"
    body: dict[str, Any] = {
        "movie": _movie_json(movie),
        "remoteMovie": {"tmdbId": movie.tmdb_id, "title": movie.title, "year": movie.year},
        "movieFile": _media_file(
            rng, rng.randint(1, 10**6), relative, f"{download}/{relative}", quality
        ),
        "isUpgrade": upgrade,
        **CLIENT,
        "downloadId": f"SABnzbd_nzo_{rng.getrandbits(40):x}",
        "customFormatInfo": {"customFormats": [], "customFormatScore": 0},
        "release": {"releaseTitle": download.rsplit("/", 1)[-1], "indexer": "Blutopia (API)"},
        "eventType": "Download",
        "instanceName": "Radarr",
        "applicationUrl": "",
    }
    if upgrade:
        old = movie_file_name(movie, "HDTV-720p")
        body["deletedFiles"] = [
            _media_file(rng, rng.randint(1, 10**6), old, f"{movie.folder}/{old}", "HDTV-720p")
        ]
    return body


def radarr_file_delete(rng: random.Random, movie: Movie) -> dict[str, Any]:
    relative = movie_file_name(movie, rng.choice(QUALITIES))
    return {
        "movie": _movie_json(movie),
        "movieFile": _media_file(
            rng, rng.randint(1, 10**6), relative, f"{movie.folder}/{relative}", "Bluray-1080p"
        ),
        "deleteReason": rng.choice(("manual", "upgrade")),
        "eventType": "MovieFileDelete",
        "instanceName": "Radarr",
        "applicationUrl": "",
    }


def radarr_rename(rng: random.Random, movie: Movie) -> dict[str, Any]:
    relative = movie_file_name(movie, "Bluray-1080p")
    previous = f"{movie.title}.{movie.year}.1080p.BluRay.x264.mkv".replace(" ", ".")
    renamed = _media_file(
        rng, rng.randint(1, 10**6), relative, f"{movie.folder}/{relative}", "Bluray-1080p"
    )
    renamed |= {"previousRelativePath": previous, "previousPath": f"{movie.folder}/{previous}"}
    return {
        "movie": _movie_json(movie),
        "renamedMovieFiles": [renamed],
        "eventType": "Rename",
        "instanceName": "Radarr",
        "applicationUrl": "",
    }


def radarr_movie_delete(rng: random.Random, movie: Movie) -> dict[str, Any]:
    return {
        "movie": _movie_json(movie),
        "deletedFiles": rng.random() < 0.7,
        "movieFolderSize": rng.randint(1, 60) * 1_073_741_824,
        "eventType": "MovieDelete",
        "instanceName": "Radarr",
        "applicationUrl": "",
    }


def health(rng: random.Random, app: str) -> dict[str, Any]:
    return {
        "level": "warning",
        "message": f"Indexers unavailable due to failures: {rng.choice(GROUPS)} (Prowlarr)",
        "type": "IndexerStatusCheck",
        "wikiUrl": "https://wiki.servarr.com/sonarr/system#indexers-are-unavailable-due-to-failures",
        "eventType": "Health",
        "instanceName": app,
        "applicationUrl": "",
    }


def without_path(body: dict[str, Any]) -> dict[str, Any]:
    """An import whose series has no folder: mirror cannot place the file (a problem job)."""
    del body["series"]["path"]
    return body


SeriesBody = Callable[[random.Random, Series], dict[str, Any]]
MovieBody = Callable[[random.Random, Movie], dict[str, Any]]

SONARR_MIX: tuple[tuple[float, SeriesBody], ...] = (
    (0.552, lambda rng, s: sonarr_download(rng, s, upgrade=False)),
    (0.003, lambda rng, s: without_path(sonarr_download(rng, s, upgrade=False))),
    (0.060, lambda rng, s: sonarr_download(rng, s, upgrade=True)),
    (0.020, sonarr_import_complete),
    (0.030, sonarr_file_delete),
    (0.010, sonarr_rename),
    (0.015, sonarr_series_delete),
    (0.035, sonarr_grab),
)
RADARR_MIX: tuple[tuple[float, MovieBody], ...] = (
    (0.200, lambda rng, m: radarr_download(rng, m, upgrade=False)),
    (0.020, lambda rng, m: radarr_download(rng, m, upgrade=True)),
    (0.010, radarr_file_delete),
    (0.005, radarr_rename),
    (0.015, radarr_movie_delete),
)
HEALTH_SHARE = 0.025  # what is left: Health events, which route to nothing
"""Shares of all events, by kind: mostly single-episode and movie imports."""


def random_body(rng: random.Random, library: Library) -> tuple[str, dict[str, Any]]:
    """One webhook, drawn from the mix above: ``(sonarr|radarr, body)``."""
    draw = rng.random()
    for share, build in SONARR_MIX:
        if draw < share:
            show = rng.choices(library.series, cum_weights=library.series_weights)[0]
            return "sonarr", build(rng, show)
        draw -= share
    for share, make in RADARR_MIX:
        if draw < share:
            movie = rng.choices(library.movies, cum_weights=library.movie_weights)[0]
            return "radarr", make(rng, movie)
        draw -= share
    app = rng.choice(("sonarr", "radarr"))
    return app, health(rng, app.capitalize())
