"""Every webhook sample parses into the right event with the right ids, titles and paths.

The samples live in tests/fixtures/payloads (see its README for where each came from).
Each row names the expected class and the values read from the sample by hand; the
library paths are always series.path / movie.folderPath + relativePath, never the
download path some versions put in ``path``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from arrkestra.core.events import (
    KNOWN_EVENT_TYPES,
    Event,
    RadarrApplicationUpdate,
    RadarrDownload,
    RadarrGrab,
    RadarrHealth,
    RadarrHealthRestored,
    RadarrManualInteractionRequired,
    RadarrMovieAdded,
    RadarrMovieDelete,
    RadarrMovieFileDelete,
    RadarrRename,
    RadarrTest,
    SonarrApplicationUpdate,
    SonarrDownload,
    SonarrEpisodeFileDelete,
    SonarrGrab,
    SonarrHealth,
    SonarrHealthRestored,
    SonarrImportComplete,
    SonarrManualInteractionRequired,
    SonarrRename,
    SonarrSeriesAdd,
    SonarrSeriesDelete,
    SonarrTest,
    parse_event,
)

PAYLOADS = Path(__file__).parents[1] / "fixtures" / "payloads"

TV = "/volume2/Media/TV Series"
EXPANSE = "/tv/The Expanse/Season 06/The Expanse - S06E0{} [WEBDL-1080p][EAC3 5.1][h264]-NTb.mkv"
SHIELD = (
    "D:\\TV\\Marvel's Agents of S.H.I.E.L.D. [2013]\\Season 01\\Marvel's Agents of S.H.I.E.L.D."
)
SEVERANCE = "/data/media/tv/Severance/Season 01/"
DUNE = "/data/media/movies/Dune Part Two (2024)/Dune Part Two (2024) "
AMELIE = "\\\\nas\\movies\\Le Fabuleux Destin d'Amélie Poulain (2001)"
AOT = '/data/anime/Shingeki no Kyojin "Attack on Titan" {tvdb-267440}'

# file -> (class, {check: expected}); a check is an attribute path on the event, or one of
# "imported" / "replaced" / "renamed" (the library paths its methods return).
EXPECTED: dict[str, tuple[type[Event], dict[str, Any]]] = {
    "sonarr/v3-download-single.constructed.json": (
        SonarrDownload,
        {
            "series_id": 14,
            "tvdb_id": 280619,
            "tmdb_id": None,
            "imdb_id": "tt3230854",
            "title": "The Expanse",
            "instance_name": None,
            "is_upgrade": False,
            "episode_file.size": 2147483999,
            "imported": [
                "/tv/The Expanse/Season 6/The Expanse - S06E03 - Force Projection WEBDL-1080p.mkv"
            ],
            "replaced": [],
            "summary": "Download: The Expanse S06E03 (WEBDL-1080p)",
        },
    ),
    "sonarr/v3-download-no-relative-path.constructed.json": (
        SonarrDownload,
        {"series_id": 14, "title": "The Expanse", "imported": [None], "episode_file.id": 878},
    ),
    "sonarr/v3-episode-file-delete-internal-model.constructed.json": (
        SonarrEpisodeFileDelete,
        {
            "series_id": 7,
            "tvdb_id": 78804,
            "title": "Doctor Who (2005)",
            "delete_reason": "upgrade",
            "for_upgrade": True,
            "episode_file.id": 9034,
            "episode_file.quality": "Bluray-1080p",
            "episode_file.quality_version": 2,
            "episode_file.size": 5368709120,
            "library_path": "/tv/Doctor Who (2005)/Season 04/"
            "Doctor Who (2005) - S04E13 - Journey's End [Bluray-1080p].mkv",
            "summary": "EpisodeFileDelete: Doctor Who (2005) S04E13 (upgrade)",
        },
    ),
    "sonarr/v3-test.constructed.json": (
        SonarrTest,
        {"series_id": 1, "tvdb_id": 1234, "title": "Test Title", "series_path": "C:\\testpath"},
    ),
    "sonarr/v4-application-update.constructed.json": (
        SonarrApplicationUpdate,
        {
            "previous_version": "4.0.14.2939",
            "new_version": "4.0.15.2941",
            "application_url": None,
            "summary": "ApplicationUpdate: 4.0.14.2939 -> 4.0.15.2941",
        },
    ),
    "sonarr/v4-download-single.real.json": (
        SonarrDownload,
        {
            "series_id": 123,
            "tvdb_id": 74852,
            "title": "Avatar: The Last Airbender",
            "instance_name": "Sonarr",
            "application_url": "",
            "imported": [
                f"{TV}/Avatar - The Last Airbender/Season 2/Avatar - The Last Airbender (2005) "
                "S02E18 The Earth King (1080p BDRip x265 10bit EAC3 2.0 - WEM)[TAoE].mkv"
            ],
            "release.size": 8440794112,
        },
    ),
    "sonarr/v4-download-upgrade-deletedfiles.real.json": (
        SonarrDownload,
        {
            "series_id": 34,
            "tvdb_id": 371572,
            "tmdb_id": 94997,
            "title": "House of the Dragon",
            "is_upgrade": True,
            "imported": [
                f"{TV}/House of the Dragon/Season 1/"
                "House.of.the.Dragon.S01E04.King.of.the.Narrow.Sea.2160p.WEBRip.DDP5.1.Atmos.HDR.X.265-EVO.mkv"
            ],
            "replaced": [
                f"{TV}/House of the Dragon/"
                "House.of.the.Dragon.S01E04.1080p.HMAX.WEB-DL.DDP5.1.Atmos.x264-EVO.mkv"
            ],
            "custom_format_info.custom_format_score": 100,
            "summary": "Download: House of the Dragon S01E04 (WEBRip-2160p, upgrade)",
        },
    ),
    "sonarr/v4-download-windows-upgrade.constructed.json": (
        SonarrDownload,
        {
            "series_id": 42,
            "tmdb_id": 1403,
            "title": "Marvel's Agents of S.H.I.E.L.D.",
            "instance_name": "Sonarr 4K",
            "imported": [f'{SHIELD} - S01E01-E02 - Pilot "Director\'s Cut" [Bluray-2160p].mkv'],
            "replaced": [f"{SHIELD} - S01E01-E02 - Pilot [HDTV-720p].mkv"],
            "episode_file.size": 45097156608,
            "summary": "Download: Marvel's Agents of S.H.I.E.L.D. S01E01-E02 "
            "(Bluray-2160p, upgrade)",
        },
    ),
    "sonarr/v4-episode-file-delete.real.json": (
        SonarrEpisodeFileDelete,
        {
            "series_id": 71,
            "tvdb_id": 376058,
            "tmdb_id": 88408,
            "title": "The New Pope",
            "delete_reason": "manual",
            "for_upgrade": False,
            "library_path": f"{TV}/The New Pope/the new pope s01e01.mkv",
        },
    ),
    "sonarr/v4-grab.constructed.json": (
        SonarrGrab,
        {
            "series_id": 57,
            "tvdb_id": 371980,
            "title": "Severance",
            "download_id": "SABnzbd_nzo_q1w2e3",
            "release.quality": "WEBDL-2160p",
            "release.size": 9663676416,
            "release.custom_formats": ("DV", "Atmos"),
            "summary": "Grab: Severance S02E10 (WEBDL-2160p)",
        },
    ),
    "sonarr/v4-health-restored.constructed.json": (
        SonarrHealthRestored,
        {"level": "warning", "type": "IndexerStatusCheck", "instance_name": "Sonarr"},
    ),
    "sonarr/v4-health.constructed.json": (
        SonarrHealth,
        {
            "level": "error",
            "message": "Missing root folder: /tv",
            "summary": "Health: Missing root folder: /tv (error, RootFolderCheck)",
        },
    ),
    "sonarr/v4-import-complete-episodefiles.real.json": (
        SonarrImportComplete,
        {
            "series_id": 360,
            "tvdb_id": 359579,
            "tmdb_id": 86430,
            "title": "Your Honor",
            "file_count": 1,
            "source_path": "/volume2/nzb/complete/Your.Honor.S02E01.DVDRip.x264-TABULARiA",
            "destination_path": f"{TV}/Your Honor/Season 2",
            "imported": [f"{TV}/Your Honor/Season 2/Your.Honor.S02E01.DVDRip.x264-TABULARiA.mkv"],
            "replaced": [],
        },
    ),
    "sonarr/v4-import-complete-season-pack.constructed.json": (
        SonarrImportComplete,
        {
            "series_id": 14,
            "tvdb_id": 280619,
            "tmdb_id": 63639,
            "title": "The Expanse",
            "release.release_type": "seasonPack",
            "imported": [
                EXPANSE.format("1 - Strange Dogs"),
                EXPANSE.format("2 - Azure Dragon"),
                EXPANSE.format("3 - Force Projection"),
            ],
            "summary": "Download: The Expanse S06E01-E03 (3 files)",
        },
    ),
    "sonarr/v4-manual-interaction-required.constructed.json": (
        SonarrManualInteractionRequired,
        {
            "series": None,
            "series_id": None,
            "download_status": "Warning",
            "download_info.size": 1500000000,
            "summary": "ManualInteractionRequired: unknown series "
            "(Unknown.Show.S01E01.1080p.WEB.H264-GRP)",
        },
    ),
    "sonarr/v4-rename.constructed.json": (
        SonarrRename,
        {
            "series_id": 57,
            "tvdb_id": 371980,
            "tmdb_id": 95396,
            "title": "Severance",
            "renamed": [
                (
                    f"{SEVERANCE}Severance.S01E01.Good.News.About.Hell."
                    "2160p.ATVP.WEB-DL.DDP5.1.Atmos.DV.HEVC-FLUX.mkv",
                    f"{SEVERANCE}Severance - S01E01 - Good News About Hell "
                    "[WEBDL-2160p][DV][EAC3 Atmos 5.1][h265]-FLUX.mkv",
                )
            ],
        },
    ),
    "sonarr/v4-series-add.constructed.json": (
        SonarrSeriesAdd,
        {"series_id": 361, "tvdb_id": 376155, "tmdb_id": 95480, "title": "Slow Horses"},
    ),
    "sonarr/v4-series-delete-keep-files-no-tmdb.constructed.json": (
        SonarrSeriesDelete,
        {
            "series_id": 0,
            "tvdb_id": 999001,
            "tmdb_id": None,
            "imdb_id": None,
            "title": "Ålesund Ünïcode 'Show' [US]",
            "series_path": "/tv/Ålesund Ünïcode 'Show' [US]",
            "deleted_files": False,
        },
    ),
    "sonarr/v3-series-delete.constructed.json": (
        SonarrSeriesDelete,
        {
            "series_id": 12,
            "tvdb_id": 280619,
            "tmdb_id": None,
            "imdb_id": "tt3230854",
            "title": "The Expanse",
            "series_path": "/tv/The Expanse",
            "deleted_files": True,
            "summary": "SeriesDelete: The Expanse (files deleted)",
        },
    ),
    "sonarr/v4-series-delete.real.json": (
        SonarrSeriesDelete,
        {
            "series_id": 169,
            "tvdb_id": 271005,
            "tmdb_id": 64728,
            "imdb_id": "tt3019170",
            "title": "Mountain Monsters",
            "series_path": f"{TV}/Mountain Monsters",
            "deleted_files": True,
            "summary": "SeriesDelete: Mountain Monsters (files deleted)",
        },
    ),
    "sonarr/v4-test.constructed.json": (
        SonarrTest,
        {"series_id": 1, "tvdb_id": 1234, "tmdb_id": 0, "title": "Test Title"},
    ),
    "sonarr/v5-download-additions.constructed.json": (
        SonarrDownload,
        {
            "series_id": 900,
            "tvdb_id": 267440,
            "tmdb_id": 0,
            "title": "進撃の巨人",
            "episode_file.id": 0,
            "episode_file.size": 4294967297,
            "episodes.0.finale_type": "season",
            "release.indexer_flags": ("G_Freeleech",),
            "imported": [f"{AOT}/Season 01/進撃の巨人 - S01E25 - 壁 [Bluray-1080p][10bit].mkv"],
        },
    ),
    "radarr/v3-download.constructed.json": (
        RadarrDownload,
        {
            "movie_id": 88,
            "tmdb_id": 329865,
            "imdb_id": "tt2543164",
            "title": "Arrival",
            "instance_name": None,
            "download_client_type": None,
            "release": None,
            "imported": ["/movies/Arrival (2016)/Arrival (2016) Bluray-1080p.mkv"],
            "summary": "Download: Arrival (2016) (Bluray-1080p)",
        },
    ),
    "radarr/v3-rename-movie-only.constructed.json": (
        RadarrRename,
        {"movie_id": 88, "tmdb_id": 329865, "title": "Arrival", "renamed": []},
    ),
    "radarr/v3-test.constructed.json": (
        RadarrTest,
        {"movie_id": 1, "tmdb_id": 0, "title": "Test Title", "remote_movie.tmdb_id": 1234},
    ),
    "radarr/v5-application-update.constructed.json": (
        RadarrApplicationUpdate,
        {"instance_name": None, "new_version": "5.27.5.10198"},
    ),
    "radarr/v5-download.real.json": (
        RadarrDownload,
        {
            "movie_id": 284,
            "tmdb_id": 129,
            "imdb_id": "tt0245429",
            "title": "Spirited Away",
            "year": 2001,
            "is_upgrade": False,
            "movie_file.size": 12729205605,
            "movie_file.indexer_flags": "0",
            "imported": [
                "/volume2/Media/Movies/Spirited Away (2001)/"
                "Spirited.Away.2002.1080p.BluRay.Dual-Audio.DD+.5.1.x265-NAN0.mkv"
            ],
            "replaced": [],
        },
    ),
    "radarr/v5-grab.real.json": (
        RadarrGrab,
        {
            "movie_id": 285,
            "tmdb_id": 149,
            "title": "Akira",
            "release.size": 4252075264,
            "release.indexer_flags": ("G_Freeleech",),
            "summary": "Grab: Akira (1988) (Bluray-1080p)",
        },
    ),
    "radarr/v5-health-restored.constructed.json": (
        RadarrHealthRestored,
        {"level": "warning", "application_url": None},
    ),
    "radarr/v5-health.real.json": (
        RadarrHealth,
        {
            "level": "warning",
            "type": "IndexerStatusCheck",
            "message": "Indexers unavailable due to failures: Blutopia (API) (Prowlarr)",
            "instance_name": "Radarr",
        },
    ),
    "radarr/v5-manual-interaction-required.constructed.json": (
        RadarrManualInteractionRequired,
        {"movie_id": 285, "tmdb_id": 149, "download_status": "Warning"},
    ),
    "radarr/v5-movie-added.real.json": (
        RadarrMovieAdded,
        {"movie_id": 284, "tmdb_id": 129, "title": "Spirited Away", "add_method": "manual"},
    ),
    "radarr/v5-movie-file-delete.real.json": (
        RadarrMovieFileDelete,
        {
            "movie_id": 130,
            "tmdb_id": 671583,
            "title": "Upside-Down Magic",
            "delete_reason": "manual",
            "library_path": "/volume2/Media/Movies/Upside-Down Magic (2020)/"
            "Upside-Down Magic (2020).mp4",
        },
    ),
    "radarr/v5-test.real.json": (
        RadarrTest,
        {
            "movie_id": 1,
            "tmdb_id": 0,
            "title": "Test Title",
            "folder_path": "C:\\testpath",
            "remote_movie.imdb_id": "5678",
        },
    ),
    "radarr/v6-download-upgrade-deletedfiles.constructed.json": (
        RadarrDownload,
        {
            "movie_id": 512,
            "tmdb_id": 693134,
            "title": "Dune: Part Two",
            "is_upgrade": True,
            "imported": [f"{DUNE}[Bluray-2160p][DV HDR10][TrueHD Atmos 7.1][x265]-W4NK3R.mkv"],
            "replaced": [f"{DUNE}[WEBDL-1080p][EAC3 Atmos 5.1][h264]-FLUX.mkv"],
            "deleted_files.0.recycle_bin_path": "/data/recycle/Dune Part Two (2024)/"
            "Dune Part Two (2024) [WEBDL-1080p][EAC3 Atmos 5.1][h264]-FLUX.mkv",
        },
    ),
    "radarr/v6-movie-delete-keep-files.constructed.json": (
        RadarrMovieDelete,
        {
            "movie_id": 3,
            "tmdb_id": 603,
            "imdb_id": "tt0133093",
            "title": "The Matrix",
            "folder_path": "/movies/The Matrix (1999)",
            "deleted_files": False,
            "movie_folder_size": 0,
            "summary": "MovieDelete: The Matrix (1999)",
        },
    ),
    "radarr/v6-movie-delete-with-files.constructed.json": (
        RadarrMovieDelete,
        {
            "movie_id": 0,
            "tmdb_id": 0,
            "imdb_id": None,
            "title": 'Untitled "Project" [Placeholder]',
            "year": 0,
            "deleted_files": True,
            "movie_folder_size": 53687091200,
            "summary": 'MovieDelete: Untitled "Project" [Placeholder] (files deleted)',
        },
    ),
    "radarr/v6-movie-file-delete-windows.constructed.json": (
        RadarrMovieFileDelete,
        {
            "movie_id": 77,
            "tmdb_id": 194,
            "title": "Amélie",
            "for_upgrade": True,
            "movie_file.indexer_flags": "G_Freeleech, G_Internal",
            "library_path": f"{AMELIE}\\"
            "Le Fabuleux Destin d'Amélie Poulain (2001) [Bluray-1080p].mkv",
        },
    ),
    "radarr/v6-rename.constructed.json": (
        RadarrRename,
        {
            "movie_id": 640,
            "tmdb_id": 872585,
            "title": "Oppenheimer",
            "renamed": [
                (
                    "/movies/Oppenheimer (2023)/Oppenheimer.2023.1080p.BluRay.x264-SPARKS.mkv",
                    "/movies/Oppenheimer (2023)/"
                    "Oppenheimer (2023) {tmdb-872585} [Bluray-1080p].mkv",
                )
            ],
        },
    ),
}


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / name).read_text(encoding="utf-8"))
    return data


def check_value(event: Event, check: str) -> Any:
    """The value a table check names: a library-path list, or an attribute path."""
    if check == "imported":
        return [f.library_path for f in event.imported_files()]  # type: ignore[attr-defined]
    if check == "replaced":
        return event.replaced_paths()  # type: ignore[attr-defined]
    if check == "renamed":
        return [(f.previous_path, f.library_path) for f in event.renamed_files()]  # type: ignore[attr-defined]
    value: Any = event
    for part in check.split("."):
        value = value[int(part)] if part.isdigit() else getattr(value, part)
    return value


def test_every_sample_has_a_row() -> None:
    on_disk = {f"{p.parent.name}/{p.name}" for p in PAYLOADS.glob("*/*.json")}
    assert on_disk == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_parses_into_the_right_event(name: str) -> None:
    expected_class, checks = EXPECTED[name]
    body = load(name)
    event = parse_event(name.split("/")[0], body)  # type: ignore[arg-type]
    assert type(event) is expected_class
    assert isinstance(event, Event)
    assert event.kind == name.split("/")[0]
    assert event.event_type == body["eventType"]
    assert event.event_type in KNOWN_EVENT_TYPES[event.kind]
    for check, expected in checks.items():
        assert check_value(event, check) == expected, check


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_no_library_path_is_a_download_path(name: str) -> None:
    event = parse_event(name.split("/")[0], load(name))  # type: ignore[arg-type]
    paths = [getattr(event, "library_path", None)]
    paths += [f.library_path for f in getattr(event, "imported_files", list)()]
    for path in filter(None, paths):
        assert "downloads" not in path.casefold() and "/nzb/" not in path


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_round_trips_through_its_wire_names(name: str) -> None:
    body = load(name)
    event = parse_event(name.split("/")[0], body)  # type: ignore[arg-type]
    assert isinstance(event, Event)
    dumped = event.model_dump(mode="json", by_alias=True, exclude_none=True)
    assert dumped["eventType"] == body["eventType"]
    again = parse_event(event.kind, dumped)
    assert again == event
