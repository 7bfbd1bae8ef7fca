"""core/timeline: a title's rows as steps in words, with outcome and reason, oldest first."""

from __future__ import annotations

import json
from typing import Any

import pytest

from arrkestra.core.job_kinds import (
    CleanupParams,
    CleanupResult,
    CopyParams,
    CopyResult,
    DeleteParams,
    DeleteResult,
    RenameParams,
)
from arrkestra.core.job_kinds.reconcile import MissedDeletion, ReconcileReport
from arrkestra.core.jobs import Job, JobStatus, JsonObject
from arrkestra.core.paths import PathRule
from arrkestra.core.timeline import (
    Entry,
    EventFacts,
    RunFacts,
    ShowFacts,
    TitleIds,
    event_entry,
    ids_of,
    in_order,
    job_entry,
    kind_of,
    names_title,
    scan_folders,
    show_entries,
    shows_of,
    steps,
)
from arrkestra.core.timeline.reconcile import run_entries

T0 = 1_700_000_000.0


def event(body: dict[str, Any], *, source: str = "sonarr", **fields: Any) -> EventFacts:
    values: dict[str, Any] = {
        "id": 1,
        "source": source,
        "instance": "hd",
        "event_type": str(body.get("eventType")),
        "received_at": T0,
        "body": json.dumps(body),
        "routed_to": ("mirror",),
    }
    return EventFacts(**(values | fields))


def job(
    params: JsonObject,
    *,
    pipeline: str = "mirror",
    status: JobStatus = JobStatus.SUCCEEDED,
    result: JsonObject | None = None,
    **fields: Any,
) -> Job:
    values: dict[str, Any] = {
        "id": 5,
        "pipeline": pipeline,
        "key": "k",
        "params": params,
        "status": status,
        "attempts": 1,
        "created_at": T0,
        "updated_at": T0 + 5,
        "next_attempt_at": T0,
        "result": result,
        "finished_at": T0 + 5 if status is JobStatus.SUCCEEDED else None,
    }
    return Job(**(values | fields))


SERIES = {"id": 7, "title": "The Show", "path": "/tv/The Show", "tvdbId": 280619}
EPISODE = [{"id": 1, "episodeNumber": 2, "seasonNumber": 1}]
FILE = {"id": 3, "relativePath": "Season 01/The Show - S01E02.mkv", "quality": "WEBDL-1080p"}


@pytest.mark.parametrize(
    ("instance", "media_type", "kind"),
    [
        ("sonarr.hd", None, "series"),
        ("radarr.4k", None, "movie"),
        ("sync-webhook", "episode", "series"),  # a legacy row says its type
        ("sync-webhook", "movie", "movie"),
        ("radarr.hd", "tv", "series"),  # media_type decides first (cleanup's tv/movie)
        ("sync-webhook", None, None),
        (None, None, None),
    ],
)
def test_a_jobs_kind_comes_from_its_media_type_then_its_instance(
    instance: str | None, media_type: str | None, kind: str | None
) -> None:
    assert kind_of(instance, media_type) == kind


@pytest.mark.parametrize(
    ("body", "badge", "what"),
    [
        (
            {"eventType": "Download", "series": SERIES, "episodes": EPISODE, "episodeFile": FILE},
            "imported",
            "Sonarr imported S01E02 (WEBDL-1080p, The Show - S01E02.mkv)",
        ),
        (
            {
                "eventType": "Download",
                "series": SERIES,
                "episodes": EPISODE,
                "episodeFile": FILE,
                "isUpgrade": True,
            },
            "upgraded",
            "Sonarr upgraded S01E02 (WEBDL-1080p, The Show - S01E02.mkv)",
        ),
        (
            {
                "eventType": "Download",
                "series": SERIES,
                "episodes": [{"id": n, "episodeNumber": n, "seasonNumber": 1} for n in (1, 2)],
                "episodeFiles": [FILE, {**FILE, "id": 4}],
            },
            "imported",
            "Sonarr imported S01E01-E02 (2 files)",
        ),
        (
            {"eventType": "SeriesDelete", "series": SERIES, "deletedFiles": False},
            "deleted",
            "Sonarr deleted the series (its files kept)",
        ),
        (
            {
                "eventType": "EpisodeFileDelete",
                "series": SERIES,
                "episodes": EPISODE,
                "episodeFile": FILE,
                "deleteReason": "upgrade",
            },
            "file deleted",
            "Sonarr deleted the file of S01E02; reason: upgrade",
        ),
        (
            {"eventType": "Rename", "series": SERIES, "renamedEpisodeFiles": [FILE, FILE]},
            "renamed",
            "Sonarr renamed 2 files",
        ),
        ({"eventType": "SeriesAdd", "series": SERIES}, "added", "Sonarr added the series"),
    ],
)
def test_an_event_says_what_sonarr_did(body: dict[str, Any], badge: str, what: str) -> None:
    entry = event_entry(event(body))
    assert (entry.outcome, entry.what, entry.tone) == (badge, what, "info")
    assert entry.pipeline == "sonarr.hd"
    assert (entry.source, entry.source_id, entry.at) == ("event", 1, T0)


def test_a_movie_event_names_radarr_and_its_file() -> None:
    movie = {"title": "Amélie", "year": 2001, "folderPath": "/movies/Amélie (2001)", "tmdbId": 194}
    body = {
        "eventType": "MovieDelete",
        "movie": movie,
        "deletedFiles": True,
    }
    assert (
        event_entry(event(body, source="radarr")).what == "Radarr deleted the movie and its files"
    )
    deleted = {"eventType": "MovieFileDelete", "movie": movie, "deleteReason": "manual"}
    entry = event_entry(event(deleted, source="radarr"))
    assert entry.what == "Radarr deleted the movie's file; reason: manual"


def test_an_event_notes_where_it_went_and_whether_catch_up_replayed_it() -> None:
    body = {"eventType": "SeriesDelete", "series": SERIES}
    assert event_entry(event(body, routed_to=("cleanup",))).note == "queued: cleanup"
    replayed = event_entry(event(body, routed_to=(), remote_addr="catchup"))
    assert replayed.note == "no job queued; replayed by catch-up"


def test_a_malformed_event_is_a_failure_naming_its_problems() -> None:
    body = {"eventType": "Download", "series": "not an object"}
    entry = event_entry(event(body))
    assert (entry.outcome, entry.tone) == ("malformed", "bad")
    assert entry.reason is not None and entry.reason.startswith("series:")
    garbled = EventFacts(1, "sonarr", "hd", "Download", T0, "not json")
    assert event_entry(garbled).what == "Sonarr sent Download"
    assert event_entry(event(body, source="replay")).outcome == "download"


def cleanup(outcome: str, *, is_4k: bool = False, **result: Any) -> Job:
    params = CleanupParams(media_type="tv", instance="sonarr.hd", title="The Show", is_4k=is_4k)
    answer = CleanupResult(outcome=outcome, title="The Show", **result)  # type: ignore[arg-type]
    return job(params.to_json(), pipeline="cleanup", result=answer.to_json())


@pytest.mark.parametrize(
    ("done", "badge", "tone", "reason"),
    [
        (cleanup("deleted", media_id=4), "removed", "ok", None),
        (cleanup("not_in_overseerr"), "skipped", "skip", "not in Overseerr"),
        (cleanup("not_in_overseerr", media_id=4), "skipped", "skip", "already gone from Overseerr"),
        (
            cleanup("kept_other_copy", removed_requests=[1]),
            "kept",
            "skip",
            "kept: the 4K copy still exists",
        ),
        (
            cleanup("kept_other_copy", is_4k=True, removed_requests=[1]),
            "kept",
            "skip",
            "kept: the non-4K copy still exists",
        ),
        (cleanup("kept_blacklisted"), "kept", "skip", "kept: it is blacklisted in Overseerr"),
        (cleanup("dry_run"), "dry run", "info", None),
    ],
)
def test_every_cleanup_outcome_has_its_badge_and_every_skip_its_reason(
    done: Job, badge: str, tone: str, reason: str | None
) -> None:
    entry = job_entry(done)
    assert (entry.outcome, entry.tone, entry.reason) == (badge, tone, reason)
    assert entry.at == T0 + 5  # when it finished
    assert '"The Show"' in entry.what


def copy(outcome: str = "copied", *, bulk: bool = False) -> Job:
    params = CopyParams(
        instance="sonarr.hd",
        library_path="/tv/The Show/Season 01/The Show - S01E02.mkv",
        title="The Show",
        season=1,
        episodes=[2],
        bulk=bulk,
    )
    result = CopyResult(
        outcome=outcome,  # type: ignore[arg-type]
        source="/src",
        destination="/dst",
        files=["The Show - S01E02.mkv"],
        files_transferred=1,
        bytes_transferred=2048,
        seconds=3.0,
    )
    return job(params.to_json(), result=result.to_json())


def test_a_copy_is_announced_when_notifications_are_on_and_it_was_no_bulk_copy() -> None:
    said = job_entry(copy(), announcing=True)
    assert (said.outcome, said.tone, said.note) == ("copied", "ok", "announced")
    assert said.what == 'mirrored "The Show S01E02" 2.0 KiB in 3 s'
    assert job_entry(copy(), announcing=False).note is None
    assert job_entry(copy(bulk=True), announcing=True).note is None
    skipped = job_entry(copy("already_present"), announcing=True)
    assert (skipped.outcome, skipped.reason, skipped.note) == (
        "skipped",
        "already at the destination",
        None,
    )


def test_a_delete_kept_because_the_source_is_back_says_so() -> None:
    params = DeleteParams(instance="sonarr.hd", library_path="/tv/The Show/x.mkv", title="X")
    result = DeleteResult(outcome="kept_source_present", destination="/dst/x.mkv")
    entry = job_entry(job(params.to_json(), result=result.to_json()))
    assert (entry.outcome, entry.reason) == ("kept", "kept: the file is at the source again")


def test_an_unfinished_or_failed_job_says_its_state_and_why() -> None:
    params = CleanupParams(media_type="tv", instance="sonarr.hd", title="The Show").to_json()
    dead = job_entry(
        job(params, pipeline="cleanup", status=JobStatus.DEAD, last_error="HTTP 500\n boom")
    )
    assert (dead.outcome, dead.tone, dead.reason) == ("dead", "bad", "HTTP 500 boom")
    assert dead.what == 'could not remove "The Show" from Overseerr'
    failed = job_entry(job(params, pipeline="cleanup", status=JobStatus.FAILED, last_error="x"))
    assert (failed.outcome, failed.at) == ("failed", T0 + 5)
    assert failed.what.endswith("it will be tried again")
    waiting = job_entry(job(params, status=JobStatus.PENDING, waiting_on="/mnt/nas"))
    assert (waiting.outcome, waiting.tone, waiting.at) == ("waiting", "wait", T0)
    assert waiting.reason == "waits for /mnt/nas to come back"
    queued = job_entry(job(params, pipeline="cleanup", status=JobStatus.PENDING))
    assert (queued.outcome, queued.reason) == ("queued", None)
    cancelled = job_entry(job(params, pipeline="cleanup", status=JobStatus.CANCELLED))
    assert (cancelled.outcome, cancelled.tone) == ("cancelled", "skip")
    unknown = job_entry(job({"odd": 1}, pipeline="future", status=JobStatus.RUNNING))
    assert (unknown.outcome, unknown.what) == ("running", "run the future job")


def test_scan_folders_are_each_servers_folders_of_the_titles_files() -> None:
    rule = PathRule(
        arr_path="/tv",
        source="/mnt/src/tv",
        destination="/mnt/dst/TV",
        plex_path="/data/TV",
        jellyfin_path="/media/tv",
    )
    jobs = [
        copy(),
        job(
            RenameParams(
                instance="sonarr.hd",
                library_path="/tv/The Show/Season 02/b.mkv",
                previous_path="/tv/The Show/Season 01/a.mkv",
            ).to_json()
        ),
        job(DeleteParams(instance="sonarr.hd", library_path="/elsewhere/x.mkv").to_json()),
    ]
    assert scan_folders(jobs, [rule]) == (
        "/data/TV/The Show/Season 01",  # Plex
        "/data/TV/The Show/Season 02",
        "/media/tv/The Show/Season 01",  # Jellyfin
        "/media/tv/The Show/Season 02",
        "/mnt/dst/TV/The Show/Season 01",  # Emby: no emby_path, the destination
        "/mnt/dst/TV/The Show/Season 02",
    )


def show(status: str, **fields: Any) -> ShowFacts:
    values: dict[str, Any] = {
        "tvmaze_id": 9,
        "tvdb_id": 280619,
        "title": "The Show",
        "premiered": "2015-12-14",
        "status": status,
        "filter_reason": None,
        "rule": None,
        "added_to_sonarr_at": None,
        "last_checked": T0 + 100,
        "created_at": T0,
        "updated_at": T0 + 100,
    }
    return ShowFacts(**(values | fields))


def test_discovery_says_when_it_found_the_show_and_its_verdict_with_the_reason() -> None:
    found, rejected = show_entries(
        show("filtered", filter_reason="language Japanese not in English")
    )
    assert (found.at, found.outcome) == (T0, "catalogued")
    assert found.what == 'discovery found "The Show" (2015), TVMaze 9 in the TVMaze catalogue'
    assert (rejected.at, rejected.outcome, rejected.tone) == (T0 + 100, "rejected", "skip")
    assert rejected.reason == "rejected: language Japanese not in English"
    _, added = show_entries(show("added", rule=0, added_to_sonarr_at=T0 + 50))
    assert (added.at, added.outcome, added.what) == (
        T0 + 50,
        "added",
        "discovery added it to Sonarr (rule 1)",
    )
    _, exists = show_entries(show("exists"))
    assert (exists.outcome, exists.reason) == ("skipped", "already in Sonarr")
    _, failed = show_entries(show("failed", error_message="Sonarr said 400"))
    assert (failed.tone, failed.reason) == ("bad", "passes the filters; Sonarr said 400")
    assert len(show_entries(show("from_the_future"))) == 1


def test_a_series_show_is_picked_by_its_tvdb_id_else_by_its_exact_title() -> None:
    ours, other = show("filtered", tvmaze_id=1), show("filtered", tvmaze_id=2, tvdb_id=5)
    renamed = show("added", tvmaze_id=3, title="The Show (US)")
    ids = TitleIds(tvdb=frozenset({280619}))
    assert [s.tvmaze_id for s in shows_of([ours, other, renamed], "The Show", ids)] == [1, 3]
    assert [s.tvmaze_id for s in shows_of([other], "The Show", ids)] == []  # another show
    assert [s.tvmaze_id for s in shows_of([ours, other], "The Show", TitleIds())] == [1, 2]


def test_reconcile_findings_about_the_title_by_id_or_by_its_folder() -> None:
    report = ReconcileReport(
        sample_missing=[
            "The Show/Season 01/The Show - S01E02.mkv",
            "The Show Aftershow/Season 01/x.mkv",  # another title
        ],
        sample_extra=["Movies/The Show (2015)/old.mkv"],
        missed_deletions=[
            MissedDeletion(media_type="tv", media_id=1, tvdb_id=280619, action="queued"),
            MissedDeletion(media_type="tv", media_id=2, tvdb_id=1),
            MissedDeletion(media_type="movie", media_id=3, title="The Show"),  # a movie
        ],
    )
    run = RunFacts(id=3, status="done", started_at=T0, finished_at=T0 + 9, report=report)
    found = run_entries(run, "series", "The Show", TitleIds(tvdb=frozenset({280619})))
    assert [(e.outcome, e.at, e.source_id) for e in found] == [
        ("queued", T0 + 9, 3),
        ("missing", T0 + 9, 3),
        ("extra", T0 + 9, 3),
    ]
    assert found[1].what == (
        'reconcile run 3 found 1 file missing at the destination: "The Show - S01E02.mkv"'
    )
    listed = run_entries(run, "movie", "The Show", TitleIds())
    assert [e.outcome for e in listed] == ["listed", "missing", "extra"]  # paths: any kind
    assert (listed[0].tone, listed[0].reason) == (
        "skip",
        "listed only: no cleanup queued (apply_missed_deletions off, a dry run, or cleanup off)",
    )
    assert names_title("D:\\TV\\the show\\x.mkv", "The Show")
    assert not names_title("The Show - S01E02.mkv", "The Show")  # a file, not a folder


def test_ids_come_from_events_and_cleanup_jobs() -> None:
    params = CleanupParams(media_type="tv", instance="sonarr.hd", tvdb_id=11, tmdb_id=12)
    ids = ids_of([event({}, tvdb_id=1, tmdb_id=0)], [job(params.to_json(), pipeline="cleanup")])
    assert ids == TitleIds(tvdb=frozenset({1, 11}), tmdb=frozenset({12}))


def entry(at: float, source: Any = "job", source_id: int = 1) -> Entry:
    return Entry(at, "mirror", "x", "copied", "ok", source, source_id)


def test_steps_come_oldest_first_an_event_before_its_jobs_and_the_latest_when_limited() -> None:
    jobbed, evented = entry(T0, "job", 1), entry(T0, "event", 9)
    later = entry(T0 + 1, "job", 0)
    assert in_order([later, jobbed, evented]) == [evented, jobbed, later]
    assert in_order([later, jobbed, evented], limit=2) == [jobbed, later]
    delete = {"eventType": "SeriesDelete", "series": SERIES}
    merged = steps(
        "series",
        "The Show",
        events=[event(delete, received_at=T0 + 10)],
        jobs=[copy()],
        shows=[show("exists")],
    )
    assert [e.source for e in merged] == ["show", "job", "event", "show"]
    assert steps("movie", "The Show", shows=[show("exists")]) == []  # shows are series
