"""History records become the webhook the app would have sent, and route like one."""

from __future__ import annotations

from typing import Any

from arrkestra.core.events import SonarrDownload, parse_event
from arrkestra.core.history import HistoryRecord, Skipped, upgraded_imports, webhook_body
from arrkestra.core.instances import InstanceRef
from arrkestra.core.job_kinds import CopyParams, DeleteParams, RenameParams, load_mirror_params
from arrkestra.core.routing import jobs_for

SERIES = {"id": 7, "title": "The Show", "path": "/tv/The Show", "tvdbId": 81189, "year": 2019}
EPISODE = {"id": 70, "seasonNumber": 1, "episodeNumber": 2, "title": "Two"}
QUALITY = {"quality": {"id": 7, "name": "Bluray-1080p", "source": "bluray", "resolution": 1080}}


def record(event_type: str, data: dict[str, Any], **extra: Any) -> HistoryRecord:
    raw = {
        "id": 101,
        "eventType": event_type,
        "date": "2026-11-30T21:14:03Z",
        "seriesId": 7,
        "episodeId": 70,
        "sourceTitle": "The.Show.S01E02.1080p",
        "downloadId": "SAB_1",
        "quality": QUALITY,
        "data": data,
        "series": SERIES,
        "episode": EPISODE,
    }
    return HistoryRecord.model_validate(raw | extra)


def jobs(body: dict[str, Any], **flags: bool) -> list[Any]:
    ref = InstanceRef("sonarr", "hd", **flags)
    parsed = parse_event("sonarr", body)
    return [
        load_mirror_params(s.params) for s in jobs_for(parsed, ref, pipelines=frozenset({"mirror"}))
    ]


def test_an_import_is_the_download_webhook_with_the_library_path() -> None:
    imported = "/tv/The Show/Season 01/The Show - S01E02.mkv"
    body = webhook_body(
        "sonarr",
        record(
            "downloadFolderImported",
            {
                "importedPath": imported,
                "droppedPath": "/downloads/x.mkv",
                "size": "1523412345",
                "fileId": "55",
            },
        ),
    )
    assert isinstance(body, dict)
    event = parse_event("sonarr", body)
    assert isinstance(event, SonarrDownload)
    [copy] = jobs(body)
    assert isinstance(copy, CopyParams)
    assert copy.library_path == imported  # never the dropped (download) path
    assert (copy.size, copy.season, copy.episodes, copy.quality) == (
        1523412345,
        1,
        [2],
        "Bluray-1080p",
    )
    assert copy.replace_existing is False
    assert copy.key() == f"sonarr.hd/{imported}"  # the key a webhook's copy has


def test_a_file_outside_the_series_folder_keeps_its_own_path() -> None:
    imported = "/tv2/Moved Show/S01/e.mkv"
    body = webhook_body("sonarr", record("downloadFolderImported", {"importedPath": imported}))
    assert isinstance(body, dict)
    [copy] = jobs(body)
    assert isinstance(copy, CopyParams) and copy.library_path == imported


def test_an_upgrade_replaces_the_copy_and_its_delete_pairs_with_it() -> None:
    imported = record("downloadFolderImported", {"importedPath": "/tv/The Show/S1/e.mkv"})
    deleted = record(
        "episodeFileDeleted", {"reason": "Upgrade"}, id=100, sourceTitle="/tv/The Show/S1/e.mkv"
    )
    other = record("episodeFileDeleted", {"reason": "Manual"}, id=99, episodeId=71)
    assert upgraded_imports("sonarr", [deleted, imported, other]) == {101}
    body = webhook_body("sonarr", imported, upgrade=True)
    assert isinstance(body, dict)
    [copy] = jobs(body)
    assert isinstance(copy, CopyParams) and copy.replace_existing


def test_deletes_and_renames_route_as_their_webhooks() -> None:
    deleted = record("episodeFileDeleted", {"reason": "Manual"}, sourceTitle="Season 01/old.mkv")
    body = webhook_body("sonarr", deleted)
    assert isinstance(body, dict)
    [delete] = jobs(body, mirror_deletes=True)
    assert isinstance(delete, DeleteParams)
    assert delete.library_path == "/tv/The Show/Season 01/old.mkv"  # relative to the folder
    assert jobs(body) == []  # propagate_deletes off: nothing
    renamed = record(
        "episodeFileRenamed",
        {
            "sourcePath": "/tv/The Show/S1/a.mkv",
            "sourceRelativePath": "S1/a.mkv",
            "path": "/tv/The Show/S1/b.mkv",
            "relativePath": "S1/b.mkv",
        },
    )
    body = webhook_body("sonarr", renamed)
    assert isinstance(body, dict)
    [move] = jobs(body, mirror_renames=True)
    assert isinstance(move, RenameParams)
    assert (move.previous_path, move.library_path) == (
        "/tv/The Show/S1/a.mkv",
        "/tv/The Show/S1/b.mkv",
    )
    [copy] = jobs(body)
    assert isinstance(copy, CopyParams) and copy.library_path == "/tv/The Show/S1/b.mkv"


def test_radarr_records() -> None:
    movie = {"id": 3, "title": "Film", "year": 2020, "path": "/movies/Film (2020)", "tmdbId": 42}
    raw = {
        "id": 5,
        "eventType": "downloadFolderImported",
        "date": "2026-11-30T21:14:03Z",
        "movieId": 3,
        "movie": movie,
        "data": {"importedPath": "/movies/Film (2020)/Film.mkv", "size": "10"},
    }
    body = webhook_body("radarr", HistoryRecord.model_validate(raw))
    assert isinstance(body, dict)
    parsed = parse_event("radarr", body)
    ref = InstanceRef("radarr", "main")
    [spec] = jobs_for(parsed, ref, pipelines=frozenset({"mirror"}))
    copy = load_mirror_params(spec.params)
    assert isinstance(copy, CopyParams)
    assert (copy.library_path, copy.title, copy.year) == (
        "/movies/Film (2020)/Film.mkv",
        "Film",
        2020,
    )


def test_what_stands_for_no_webhook_is_skipped_with_a_reason() -> None:
    assert webhook_body("sonarr", record("grabbed", {})) == Skipped("other_event", "grabbed")
    skipped = webhook_body("sonarr", record("downloadFolderImported", {"droppedPath": "/d/x"}))
    assert isinstance(skipped, Skipped) and skipped.reason == "malformed"
    no_file = webhook_body(
        "sonarr", record("episodeFileDeleted", {}, sourceTitle="x.mkv", series=None)
    )
    assert isinstance(no_file, Skipped) and no_file.reason == "malformed"
