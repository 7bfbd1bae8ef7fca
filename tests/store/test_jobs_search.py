"""Finding jobs by title or file path (``list_jobs`` with ``text``) in a real SQLite file."""

from __future__ import annotations

import sqlite3

import pytest

from arrkestra.core import jobs as m
from arrkestra.core.job_kinds import (
    CleanupParams,
    CleanupResult,
    CopyParams,
    DeleteParams,
    RenameParams,
    ScanParams,
)
from arrkestra.core.jobs import JobStatus
from arrkestra.store import jobs as store
from arrkestra.store.jobs import JobFilter


def found(conn: sqlite3.Connection, text: str, **query: object) -> list[str]:
    jobs = store.list_jobs(conn, JobFilter(text=text, **query))  # type: ignore[arg-type]
    return [job.key for job in jobs]


@pytest.fixture
def jobs(conn: sqlite3.Connection) -> sqlite3.Connection:
    specs = [
        CopyParams(instance="radarr.hd", library_path="/movies/Amélie (2001)/Amélie.mkv"),
        CopyParams(instance="sonarr.hd", library_path="/tv/Show/S01E01.mkv", title="ÉCOLE 100%"),
        DeleteParams(instance="sonarr.hd", library_path="/tv/Other_Show/x.mkv", title="Other"),
        RenameParams(
            instance="sonarr.hd",
            library_path="/tv/Renamed/new.mkv",
            previous_path="/tv/Renamed/old name.mkv",
        ),
        ScanParams(folder="/data/Movies/Scanned Film (1999)", section=1),
        CleanupParams(media_type="tv", instance="sonarr.hd", tmdb_id=1, title="Severance"),
        CleanupParams(media_type="movie", instance="radarr.hd", tmdb_id=603),
    ]
    for params in specs:
        store.enqueue(conn, params.spec(), now=1.0)
    return conn


def test_title_and_every_path_field_are_searched_in_any_case(jobs: sqlite3.Connection) -> None:
    assert found(jobs, "severance") == ["sonarr.hd/tv/tmdb:1/tvdb:None/arr:None"]
    assert found(jobs, "OTHER_show") == ["sonarr.hd/delete//tv/Other_Show/x.mkv"]
    assert found(jobs, "old name") == ["sonarr.hd/rename//tv/Renamed/old name.mkv"]
    assert found(jobs, "scanned film") == ["1:/data/Movies/Scanned Film (1999)"]
    assert found(jobs, "/tv/show/s01") == ["sonarr.hd//tv/Show/S01E01.mkv"]
    assert found(jobs, "nothing like it") == []


def test_non_ascii_text_matches_in_any_case_and_form(jobs: sqlite3.Connection) -> None:
    amelie = ["radarr.hd//movies/Amélie (2001)/Amélie.mkv"]
    assert found(jobs, "amélie") == amelie
    assert found(jobs, "AMÉLIE") == amelie
    assert found(jobs, "Ame\u0301lie") == amelie  # decomposed, as macOS names files
    assert found(jobs, "école") == ["sonarr.hd//tv/Show/S01E01.mkv"]


def test_like_wildcards_are_literal(jobs: sqlite3.Connection) -> None:
    assert found(jobs, "100%") == ["sonarr.hd//tv/Show/S01E01.mkv"]
    assert found(jobs, "%") == ["sonarr.hd//tv/Show/S01E01.mkv"]
    assert found(jobs, "r_show") == ["sonarr.hd/delete//tv/Other_Show/x.mkv"]
    assert found(jobs, "_") == ["sonarr.hd/delete//tv/Other_Show/x.mkv"]
    assert found(jobs, "\\") == []


def test_works_with_the_other_filters_and_paging(jobs: sqlite3.Connection) -> None:
    every = found(jobs, ".mkv")
    assert len(every) == 4
    assert found(jobs, ".mkv", pipeline="cleanup") == []
    first = store.list_jobs(jobs, JobFilter(limit=2, text=".mkv"))
    rest = store.list_jobs(jobs, JobFilter(before=first[-1].id, limit=10, text=".mkv"))
    assert [j.key for j in first + rest] == every
    assert found(jobs, ".mkv", status=JobStatus.SUCCEEDED) == []


def test_the_title_overseerr_gave_is_found_too(conn: sqlite3.Connection) -> None:
    job, _ = store.enqueue(
        conn, CleanupParams(media_type="movie", instance="radarr.hd", tmdb_id=603).spec(), now=1.0
    )
    assert store.claim_next(conn, ["cleanup"], now=1.0, owner="w", lease=60) is not None
    result = CleanupResult(outcome="deleted", title="The Matrix", media_id=1).to_json()
    store.transition(conn, job.id, lambda j: m.succeed(j, now=2.0, result=result), owner="w")
    assert found(conn, "the matrix") == [job.key]
