"""Why a webhook made the jobs it did, or none (the DEBUG line of each webhook)."""

from __future__ import annotations

from typing import Any

import pytest

from arrkestra.core.events import ArrKind, parse_event
from arrkestra.core.instances import InstanceRef
from arrkestra.core.routing import jobs_for
from arrkestra.core.routing_notes import explain

BOTH = frozenset({"cleanup", "mirror"})
SERIES = {"id": 1, "title": "Show", "path": "/tv/Show", "tvdbId": 5, "tmdbId": 6}
DELETE = {"eventType": "SeriesDelete", "series": SERIES, "deletedFiles": False}
FILE_DELETE = {
    "eventType": "EpisodeFileDelete",
    "series": SERIES,
    "episodeFile": {"id": 7, "relativePath": "Season 01/Show - S01E01.mkv"},
}
IMPORT = {
    "eventType": "Download",
    "series": SERIES,
    "episodes": [{"id": n, "episodeNumber": n, "seasonNumber": 1} for n in (1, 2, 3, 4)],
    "episodeFiles": [
        {"id": n, "relativePath": f"Season 01/Show - S01E0{n}.mkv"} for n in (1, 2, 3, 4)
    ],
}


def said(
    body: dict[str, Any],
    *,
    kind: ArrKind = "sonarr",
    pipelines: frozenset[str] = BOTH,
    **ref: Any,
) -> str:
    event = parse_event(kind, body)
    instance = InstanceRef(kind, "hd", **ref)
    specs = jobs_for(event, instance, pipelines=pipelines)
    return explain(event, instance, pipelines=pipelines, specs=specs)


def test_jobs_made_are_counted_and_named() -> None:
    assert said(DELETE) == (
        "SeriesDelete from sonarr.hd -> 1 cleanup job: sonarr.hd/tv/tmdb:6/tvdb:5/arr:1"
    )
    many = said(IMPORT)
    assert many.startswith("Download from sonarr.hd -> 4 mirror jobs: sonarr.hd//tv/Show/")
    assert many.endswith(" and 1 more")


@pytest.mark.parametrize(
    ("body", "ref", "pipelines", "why"),
    [
        (DELETE, {"cleanup": False}, BOTH, "sonarr.hd.cleanup is off"),
        (
            DELETE,
            {"cleanup_only_when_files_deleted": True},
            BOTH,
            "its files were not deleted (cleanup.only_when_files_deleted is on)",
        ),
        (DELETE, {}, frozenset({"mirror"}), "the cleanup pipeline is not running"),
        (IMPORT, {"mirror": False}, BOTH, "sonarr.hd.mirror is off"),
        (FILE_DELETE, {}, BOTH, "mirror.propagate_deletes is off"),
        ({"eventType": "Grab", "series": SERIES}, {}, BOTH, "no pipeline acts on this event"),
        ({"eventType": "SomethingNew"}, {}, BOTH, "an event type this version does not know"),
    ],
)
def test_no_job_says_which_setting_decided(
    body: dict[str, Any], ref: dict[str, Any], pipelines: frozenset[str], why: str
) -> None:
    note = said(body, pipelines=pipelines, **ref)
    assert f"from sonarr.hd: no job: {why}" in note
