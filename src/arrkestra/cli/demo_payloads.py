"""The webhook bodies ``arrkestra demo`` sends, in the shapes real Sonarr v4 and Radarr v5
send them.

The shapes are those of the captured payloads in ``tests/fixtures/payloads`` (Sonarr's
``v4-download-single.real.json``, ``v4-download-upgrade-deletedfiles.real.json`` and
``v4-series-delete.real.json``; Radarr's ``v5-download.real.json``), copied here because
the tests' fixtures are not shipped. As in those captures, ``episodeFile.path`` and
``movieFile.path`` are the *download* paths; the library path is the series or movie
folder joined with ``relativePath``, which is what mirror copies.
"""

from __future__ import annotations

from typing import Any

from arrkestra.cli.demo_titles import Episode, Movie, Series

SONARR_CLIENT = {"downloadClient": "SABnzbd", "downloadClientType": "SABnzbd"}
RADARR_CLIENT = {"downloadClient": "qBittorrent", "downloadClientType": "qBittorrent"}
NO_CUSTOM_FORMATS = {"customFormats": [], "customFormatScore": 0}


def _media_info(quality: str) -> dict[str, Any]:
    uhd = "2160p" in quality
    return {
        "audioChannels": 5.1,
        "audioCodec": "EAC3",
        "audioLanguages": ["eng"],
        "height": 2160 if uhd else 1080,
        "width": 3840 if uhd else 1920,
        "subtitles": ["eng"],
        "videoCodec": "x265" if uhd else "h264",
        "videoDynamicRange": "HDR" if uhd else "",
        "videoDynamicRangeType": "HDR10" if uhd else "",
    }


def _series(series: Series) -> dict[str, Any]:
    return {
        "id": series.id,
        "title": series.title,
        "titleSlug": series.slug,
        "path": series.path,
        "tvdbId": series.tvdb_id,
        "tvMazeId": series.tvmaze_id,
        "tmdbId": series.tmdb_id,
        "imdbId": f"tt{series.tvdb_id:07d}",
        "type": "standard",
        "year": series.year,
        "genres": list(series.genres),
        "images": [],
        "tags": [],
        "originalLanguage": {"id": 1, "name": "English"},
    }


def _release_name(episode: Episode) -> str:
    series = episode.series
    words = ".".join(series.title.split())
    resolution = "2160p" if "2160p" in episode.quality else "1080p"
    return f"{words}.{episode.code}.{resolution}.WEB-DL.DDP5.1.H.264-DEMO"


def _episode_file(episode: Episode, path: str) -> dict[str, Any]:
    return {
        "id": episode.file_id,
        "relativePath": episode.relative_path,
        "path": path,
        "quality": episode.quality,
        "qualityVersion": 1,
        "releaseGroup": "DEMO",
        "sceneName": _release_name(episode),
        "size": episode.size,
        "dateAdded": "2025-06-01T09:00:00.0000000Z",
        "mediaInfo": _media_info(episode.quality),
    }


def sonarr_download(
    episode: Episode, *, season_pack: bool = False, replaces: Episode | None = None
) -> dict[str, Any]:
    """An episode imported (one Download per file: a season pack sends one for each)."""
    series, release = episode.series, _release_name(episode)
    download_dir = f"/downloads/complete/{release}"
    body: dict[str, Any] = {
        "series": _series(series),
        "episodes": [
            {
                "id": 9000 + episode.file_id,
                "episodeNumber": episode.number,
                "seasonNumber": episode.season,
                "title": episode.title,
                "airDate": "2025-05-30",
                "airDateUtc": "2025-05-30T21:00:00Z",
                "seriesId": series.id,
                "tvdbId": 8_000_000 + episode.file_id,
            }
        ],
        "episodeFile": _episode_file(episode, f"{download_dir}/{release}.mkv"),
        "isUpgrade": replaces is not None,
        **SONARR_CLIENT,
        "downloadId": f"SABnzbd_nzo_demo{episode.file_id}",
        "customFormatInfo": NO_CUSTOM_FORMATS,
        "release": {
            "releaseTitle": release,
            "indexer": "NZBgeek (Prowlarr)",
            "size": episode.size,
            "releaseType": "seasonPack" if season_pack else "singleEpisode",
        },
        "eventType": "Download",
        "instanceName": "Sonarr",
        "applicationUrl": "",
    }
    if replaces is not None:
        body["deletedFiles"] = [_episode_file(replaces, replaces.library_path)]
    return body


def sonarr_series_delete(series: Series) -> dict[str, Any]:
    """A series deleted in Sonarr, its files with it."""
    return {
        "series": _series(series),
        "deletedFiles": True,
        "eventType": "SeriesDelete",
        "instanceName": "Sonarr",
        "applicationUrl": "",
    }


def radarr_download(movie: Movie) -> dict[str, Any]:
    """A movie imported."""
    imdb = f"tt{movie.tmdb_id:07d}"
    release = f"{'.'.join(movie.title.split())}.{movie.year}.1080p.BluRay.x264-DEMO"
    return {
        "movie": {
            "id": movie.id,
            "title": movie.title,
            "year": movie.year,
            "releaseDate": f"{movie.year}-11-05",
            "folderPath": movie.path,
            "tmdbId": movie.tmdb_id,
            "imdbId": imdb,
            "overview": "Two sisters chart the sky above a town that has forgotten it.",
        },
        "remoteMovie": {
            "tmdbId": movie.tmdb_id,
            "imdbId": imdb,
            "title": movie.title,
            "year": movie.year,
        },
        "movieFile": {
            "id": movie.file_id,
            "relativePath": movie.file_name,
            "path": f"/downloads/complete/{release}.mkv",
            "quality": movie.quality,
            "qualityVersion": 1,
            "releaseGroup": "DEMO",
            "sceneName": release,
            "indexerFlags": "0",
            "size": movie.size,
            "dateAdded": "2025-06-01T11:00:00.0000000Z",
            "mediaInfo": _media_info(movie.quality),
        },
        "isUpgrade": False,
        **RADARR_CLIENT,
        "downloadId": f"DEMO{movie.file_id:036d}",
        "customFormatInfo": NO_CUSTOM_FORMATS,
        "release": {"releaseTitle": release, "indexer": "Demo (Prowlarr)", "size": movie.size},
        "eventType": "Download",
        "instanceName": "Radarr",
        "applicationUrl": "",
    }
