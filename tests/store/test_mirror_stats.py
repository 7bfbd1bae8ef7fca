"""Mirror statistics against a real database, filled through the real queue functions."""

import sqlite3
import time
from typing import Any

from arrkestra.core import jobs as m
from arrkestra.core.job_kinds import CopyParams, CopyResult, DeleteParams, MirrorProblem, media_kind
from arrkestra.core.jobs import FailureKind, Job, JobSpec
from arrkestra.core.retry import RetryPolicy
from arrkestra.store import jobs as store
from arrkestra.store.mirror_stats import job_title, mirror_stats

POLICY = RetryPolicy(max_attempts=3, base=10_000, cap=10_000)  # a failed job is not due again
DAY = 86_400.0
MIDNIGHT = 1_700_000_000.0  # "today" starts here in these tests
GB = 1024**3


def episode(name: str, **extra: Any) -> JobSpec:
    params = {
        "instance": "sonarr.hd",
        "library_path": f"/tv/Show/Season 01/{name}.mkv",
        "title": "Show",
        "season": 1,
        "episodes": [int(name[-2:])],
        **extra,
    }
    return JobSpec("mirror", f"sonarr.hd/{params['library_path']}", params)


def movie(name: str, **extra: Any) -> JobSpec:
    params = {"instance": "radarr.hd", "library_path": f"/movies/{name}/{name}.mkv", **extra}
    params.setdefault("title", name)
    return JobSpec("mirror", f"radarr.hd/{params['library_path']}", params)


def run(conn: sqlite3.Connection, spec: JobSpec, now: float) -> Job:
    job, created = store.enqueue(conn, spec, now=now)
    assert created
    claimed = store.claim_next(conn, ["mirror", "cleanup"], now=now, owner="w", lease=60)
    assert claimed is not None and claimed.id == job.id
    return claimed


def copied(conn: sqlite3.Connection, spec: JobSpec, now: float, size: int, **result: Any) -> Job:
    job = run(conn, spec, now)
    outcome = {"outcome": "copied", "bytes_transferred": size, "summary": None, **result}
    return store.transition(
        conn, job.id, lambda j: m.succeed(j, now=now + 5, result=outcome), owner="w"
    )


def failed(
    conn: sqlite3.Connection, spec: JobSpec, now: float, error: str, kind: FailureKind
) -> Job:
    job = run(conn, spec, now)
    return store.transition(
        conn,
        job.id,
        lambda j: m.fail(j, now=now + 1, kind=kind, error=error, policy=POLICY, rand=lambda: 0.5),
        owner="w",
    )


def fill(conn: sqlite3.Connection) -> dict[str, Job]:
    yesterday, today = MIDNIGHT - DAY / 2, MIDNIGHT + 3600
    return {
        "old_movie": copied(conn, movie("Old Film (1999)"), yesterday, 4 * GB),
        "old_dead": failed(
            conn, movie("Lost (2001)"), yesterday, "rsync: 23", FailureKind.PERMANENT
        ),
        "e01": copied(conn, episode("S01E01"), today, GB, summary="Show S01E01 - Pilot"),
        "e02": copied(conn, episode("S01E02"), today, 2 * GB),
        "present": copied(conn, episode("S01E03"), today, 0, outcome="already_present"),
        "dry": copied(conn, movie("Dry (2020)"), today, 0, outcome="dry_run"),
        "retrying": failed(conn, episode("S01E04"), today, "mount stale", FailureKind.TRANSIENT),
        "dead": failed(conn, episode("S01E05"), today + 60, "no such file", FailureKind.PERMANENT),
        "cleanup": copied(conn, JobSpec("cleanup", "x", {"instance": "radarr.hd"}), today, GB),
    }


def test_counts_split_movies_episodes_and_today(conn: sqlite3.Connection) -> None:
    jobs = fill(conn)
    stats = mirror_stats(conn, day_start=MIDNIGHT)
    assert (stats.movies_synced, stats.episodes_synced) == (1, 2)  # only copies count
    assert stats.bytes_transferred == 7 * GB  # the cleanup job's "bytes" are not mirror's
    assert (stats.total_successful, stats.today_successful) == (5, 4)
    assert (stats.failures, stats.total_failed, stats.today_failed) == (2, 3, 2)
    assert stats.retrying == 1
    assert [f.id for f in stats.needs_attention] == [jobs["dead"].id, jobs["old_dead"].id]
    assert stats.needs_attention[0].title == "Show S01E05"
    assert stats.needs_attention[0].error == "no such file"
    assert stats.needs_attention[1].title == "Lost (2001)"
    recent = [(f.id, f.status) for f in stats.recent_failures]
    assert recent == [
        (jobs["dead"].id, "dead"),
        (jobs["retrying"].id, "failed"),
        (jobs["old_dead"].id, "dead"),
    ]


def test_since_limits_the_totals_but_not_today_nor_what_needs_attention(
    conn: sqlite3.Connection,
) -> None:
    jobs = fill(conn)
    stats = mirror_stats(conn, day_start=MIDNIGHT + 2 * DAY, since=MIDNIGHT, failed_limit=1)
    assert (stats.movies_synced, stats.episodes_synced, stats.bytes_transferred) == (0, 2, 3 * GB)
    assert (stats.total_successful, stats.total_failed, stats.failures) == (4, 2, 1)
    assert (stats.today_successful, stats.today_failed) == (0, 0)  # "today" is later
    assert [f.id for f in stats.recent_failures] == [jobs["dead"].id]
    assert len(stats.needs_attention) == 2  # a dead job stays unresolved whatever its age


def test_a_retried_dead_job_no_longer_needs_attention(conn: sqlite3.Connection) -> None:
    jobs = fill(conn)
    store.transition(conn, jobs["old_dead"].id, lambda j: m.retry(j, now=MIDNIGHT + 100))
    stats = mirror_stats(conn, day_start=MIDNIGHT)
    assert [f.id for f in stats.needs_attention] == [jobs["dead"].id]
    assert stats.failures == 1


def test_kind_comes_from_the_instance_else_the_media_type_else_a_season(
    conn: sqlite3.Connection,
) -> None:
    manual_movie = JobSpec("mirror", "a", {"library_path": "/m/A.mkv", "media_type": "movie"})
    manual_episode = JobSpec("mirror", "b", {"library_path": "/t/B.mkv", "season": 2})
    unknown = JobSpec("mirror", "c", {"library_path": "/x/C.mkv"})
    for spec in (manual_movie, manual_episode, unknown):
        copied(conn, spec, MIDNIGHT, 10)
    stats = mirror_stats(conn, day_start=MIDNIGHT)
    assert (stats.movies_synced, stats.episodes_synced, stats.total_successful) == (1, 1, 3)
    assert stats.bytes_transferred == 30


def test_an_empty_database_gives_zeros(conn: sqlite3.Connection) -> None:
    stats = mirror_stats(conn, day_start=0.0, failed_limit=-1)
    assert stats.movies_synced == stats.bytes_transferred == stats.total_failed == 0
    assert stats.recent_failures == stats.needs_attention == ()


def test_job_title_prefers_the_run_summary_then_the_import() -> None:
    params = CopyParams(
        instance="sonarr.hd", title="Show", season=1, episodes=[2, 3], library_path="/tv/S/e.mkv"
    )
    summary = CopyResult(
        outcome="copied",
        source="/s/e.mkv",
        destination="/d/e.mkv",
        files=["e.mkv"],
        files_transferred=1,
        bytes_transferred=1,
        seconds=1.0,
        summary="Show S01E02E03 (HD)",
    )
    assert job_title(1, params, summary) == "Show S01E02E03 (HD)"
    assert job_title(1, params, None) == "Show S01E02E03"
    film = DeleteParams(instance="radarr.hd", library_path="/m/Film.mkv", title="Film")
    assert job_title(1, film, None) == "Film"
    windows = CopyParams(instance="radarr.hd", library_path="D:\\Movies\\Film\\Film.mkv")
    assert job_title(1, windows, None) == "Film.mkv"
    assert job_title(7, MirrorProblem(problems=["no path"]), None) == "job 7"
    assert job_title(8, None, None) == "job 8"  # params that fit no model


def test_fast_on_a_hundred_thousand_jobs(conn: sqlite3.Connection) -> None:
    rows = [
        (
            "mirror",
            f"sonarr.hd/{i}",
            '{"instance":"sonarr.hd","library_path":"/tv/x.mkv","season":1}',
            "succeeded" if i % 10 else "dead",
            f'{{"outcome":"copied","bytes_transferred":{i}}}' if i % 10 else None,
            *[float(i)] * 4,
        )
        for i in range(100_000)
    ]
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO jobs (pipeline, key, params, status, result, created_at, updated_at, "
        "next_attempt_at, finished_at, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
        rows,
    )
    conn.execute("COMMIT")
    started = time.perf_counter()
    stats = mirror_stats(conn, day_start=50_000.0)
    elapsed = time.perf_counter() - started
    assert stats.episodes_synced == 90_000 and stats.failures == 10_000
    assert stats.bytes_transferred == sum(i for i in range(100_000) if i % 10)
    assert elapsed < 2.0, f"mirror_stats took {elapsed:.2f}s on 100,000 jobs"


def test_media_kind_follows_the_same_rule_as_the_counts() -> None:
    def copy(instance: str, **params: Any) -> CopyParams:
        return CopyParams(instance=instance, library_path="/x/a.mkv", **params)

    assert media_kind(copy("radarr.4k", season=1)) == "movie"
    assert media_kind(copy("sonarr.hd")) == "episode"
    assert media_kind(copy("manual", media_type="movie")) == "movie"
    assert media_kind(copy("manual", season=0)) == "episode"
    assert media_kind(copy("manual")) is None
    assert media_kind(DeleteParams(instance="sonarr.hd", library_path="/tv/a.mkv")) == "episode"
