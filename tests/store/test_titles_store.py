"""store/titles and store/title_search on real SQLite: a title's rows by kind, the search
in any case, and every query the titles pages run reading an index (EXPLAIN QUERY PLAN)."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from arrkestra.core.discovery import Verdict
from arrkestra.core.job_kinds import (
    CleanupParams,
    CopyParams,
    JellyfinScanParams,
    MediaChange,
    ScanParams,
)
from arrkestra.core.job_kinds.reconcile import MissedDeletion, ReconcileReport
from arrkestra.core.shows import Show, ShowStatus
from arrkestra.core.timeline import TitleIds, kind_of
from arrkestra.store import title_search, titles
from arrkestra.store.connection import connect
from arrkestra.store.events import IncomingEvent, accept_events
from arrkestra.store.jobs import enqueue
from arrkestra.store.migrations import available_migrations, migrate
from arrkestra.store.reconcile_runs import Counts, finish_run, queue_run
from arrkestra.store.shows import save_shows

T0 = 1_700_000_000.0


def webhook(conn: sqlite3.Connection, kind: str, title: str, *, at: float = T0, **item: Any) -> int:
    """A stored Sonarr (series) or Radarr (movie) webhook naming ``title``."""
    key, source = ("series", "sonarr") if kind == "series" else ("movie", "radarr")
    body = {"eventType": "Grab", key: {"title": title, **item}}
    incoming = IncomingEvent(source, "hd", "Grab", json.dumps(body), f"{title}/{at}", at)
    return accept_events(conn, [incoming], dedupe_window=0)[0].event_id


def copy_job(
    conn: sqlite3.Connection, title: str | None, instance: str = "sonarr.hd", **p: Any
) -> int:
    params = CopyParams(
        instance=instance, library_path=f"/tv/{title}/{len(p)}-{p}.mkv", title=title, **p
    )
    return enqueue(conn, params.spec(), now=T0)[0].id


def test_a_titles_rows_are_its_kinds_own_newest_first_with_totals(
    conn: sqlite3.Connection,
) -> None:
    first = webhook(conn, "series", "Dune", at=T0, tvdbId=5)
    second = webhook(conn, "series", "Dune", at=T0 + 1, tvdbId=5)
    webhook(conn, "movie", "Dune", at=T0 + 2, tmdbId=438631)  # the movie: another title
    webhook(conn, "series", "Dune: Prophecy", at=T0 + 3)
    series_job = copy_job(conn, "Dune", season=1, episodes=[1])
    movie_job = copy_job(conn, "Dune", instance="radarr.hd")
    cleanup = CleanupParams(media_type="tv", instance="sonarr.hd", title="Dune", tvdb_id=5)
    cleanup_job = enqueue(conn, cleanup.spec(), now=T0)[0].id
    rows = titles.title_rows(conn, "series", "Dune", limit=10)
    assert [e.id for e in rows.events] == [second, first]
    assert [(e.tvdb_id, e.tmdb_id) for e in rows.events] == [(5, None), (5, None)]
    assert [j.id for j in rows.jobs] == [cleanup_job, series_job]
    assert (rows.event_total, rows.job_total, rows.known) == (2, 2, True)
    movie = titles.title_rows(conn, "movie", "Dune", limit=10)
    assert [j.id for j in movie.jobs] == [movie_job]
    assert [e.tmdb_id for e in movie.events] == [438631]
    limited = titles.title_rows(conn, "series", "Dune", limit=1)
    assert ([e.id for e in limited.events], limited.event_total) == ([second], 2)
    assert not titles.title_rows(conn, "movie", "Dune: Prophecy", limit=10).known


def test_the_sql_kind_of_a_job_is_core_timelines_kind_of(conn: sqlite3.Connection) -> None:
    cases = [
        (instance, media_type)
        for instance in ("sonarr.hd", "radarr.4k", "sync-webhook", "sonarrx", None)
        for media_type in ("tv", "episode", "movie", None)
    ]
    for n, (instance, media_type) in enumerate(cases):
        params = {"title": "T", "instance": instance, "media_type": media_type}
        conn.execute(
            "INSERT INTO jobs (pipeline, key, params, status, created_at, updated_at, "
            "next_attempt_at) VALUES ('x', ?, ?, 'succeeded', 0, 0, 0)",
            (str(n), json.dumps(params)),
        )
    sql = f"SELECT {titles.JOB_INSTANCE}, {titles.JOB_MEDIA_TYPE}, {titles.JOB_KIND} FROM jobs"
    found = [(i, m, k) for i, m, k in conn.execute(sql).fetchall()]
    assert found == [(i, m, kind_of(i, m)) for i, m in cases]


def test_the_search_finds_titles_containing_the_text_in_any_case(
    conn: sqlite3.Connection,
) -> None:
    webhook(conn, "series", "The Expanse", tvdbId=1)
    webhook(conn, "series", "The Expanse: Aftershow")
    webhook(conn, "movie", "Amélie")
    webhook(conn, "movie", "Straße der Sehnsucht")
    webhook(conn, "series", "100% Hotter")
    copy_job(conn, "Expanse Legacy", instance="sync-webhook", media_type="episode")
    copy_job(conn, "Expanse Unknown", instance="sync-webhook")  # no kind: no page
    copy_job(conn, "The Expanse", season=1, episodes=[2])
    show = Show(tvmaze_id=1, title="Expanse Origins", updated=1)
    save_shows(conn, [(show, Verdict(ShowStatus.FILTERED, "genre", "genre Anime"))], now=T0)

    def names(text: str) -> list[tuple[str, str, int, int, tuple[str, ...]]]:
        found = title_search.search_titles(conn, text)
        return [(m.kind, m.title, m.events, m.jobs, m.shows) for m in found.matches]

    assert names("the expanse") == [
        ("series", "The Expanse", 1, 1, ()),  # exact first
        ("series", "The Expanse: Aftershow", 1, 0, ()),
    ]
    assert [title for _, title, *_ in names("EXPANSE")] == [
        "Expanse Legacy",  # those starting with it next
        "Expanse Origins",
        "The Expanse",
        "The Expanse: Aftershow",
    ]
    assert names("origins") == [("series", "Expanse Origins", 0, 0, ("filtered",))]
    assert [t for _, t, *_ in names("AMÉLIE")] == ["Amélie"]  # folded in Python
    assert [t for _, t, *_ in names("straße")] == ["Straße der Sehnsucht"]  # as typed
    assert [t for _, t, *_ in names("STRASSE")] == []  # SQLite does not fold ß
    assert [t for _, t, *_ in names("0%")] == ["100% Hotter"]  # % and _ are literal
    assert names("_") == []
    exact = title_search.search_titles(conn, "The Expanse")
    assert exact.exact == [("series", "The Expanse")]
    assert title_search.search_titles(conn, "the expanse").exact == []  # exact is exact


def test_a_search_says_when_more_titles_match_than_it_lists(conn: sqlite3.Connection) -> None:
    for n in range(6):
        webhook(conn, "movie", f"Film {n}")
    found = title_search.search_titles(conn, "film", limit=4)
    assert [m.title for m in found.matches] == ["Film 0", "Film 1", "Film 2", "Film 3"]
    assert found.more
    assert not title_search.search_titles(conn, "film", limit=6).more


def test_recent_titles_are_those_the_latest_webhooks_named(conn: sqlite3.Connection) -> None:
    webhook(conn, "series", "Old", at=T0)
    webhook(conn, "movie", "Newer", at=T0 + 1)
    webhook(conn, "series", "Old", at=T0 + 2)
    assert title_search.recent_titles(conn) == [
        ("series", "Old", T0 + 2),
        ("movie", "Newer", T0 + 1),
    ]
    assert title_search.recent_titles(conn, limit=1) == [("series", "Old", T0 + 2)]


def finished_run(conn: sqlite3.Connection, report: ReconcileReport) -> int:
    """A reconcile run done, its report written as ``finish_run`` writes it."""
    run, _ = queue_run(conn, trigger="cli", dry_run=False, confirm=False, now=T0)
    finish_run(conn, run.id, "done", Counts(), report, now=T0)
    conn.execute("UPDATE jobs SET status = 'succeeded' WHERE id = ?", (run.job_id,))
    return run.id


def test_related_rows_shows_scans_and_reconcile_runs(conn: sqlite3.Connection) -> None:
    before = enqueue(conn, ScanParams(folder="/data/TV/Show/Season 01").spec(), now=T0)[0].id
    first = copy_job(conn, "Show", season=1)
    scan = ScanParams(folder="/data/TV/Show/Season 01", section=2)
    later = enqueue(conn, scan.spec(), now=T0)[0].id
    change = MediaChange(path="/media/tv/Show/Season 01/e1.mkv", type="Created")
    told = JellyfinScanParams(
        server="jellyfin.default", folder="/media/tv/Show/Season 01", changes=[change]
    )
    jellyfin = enqueue(conn, told.spec(), now=T0)[0].id
    enqueue(conn, ScanParams(folder="/data/TV/Other/Season 01").spec(), now=T0)
    ours = Show(tvmaze_id=1, title="Show (US)", updated=1, tvdb_id=77)
    same_name = Show(tvmaze_id=2, title="Show", updated=1, tvdb_id=78)
    verdict = Verdict(ShowStatus.PENDING)
    save_shows(conn, [(ours, verdict), (same_name, verdict)], now=T0)
    runs = []
    for report in (
        ReconcileReport(sample_missing=["Show/Season 01/Show - S01E01.mkv"]),
        ReconcileReport(missed_deletions=[MissedDeletion(media_type="tv", media_id=9, tvdb_id=77)]),
        ReconcileReport(sample_missing=["Amélie (2001)/Amélie.mkv"]),  # written escaped
        ReconcileReport(sample_missing=["Other/x.mkv"]),
    ):
        runs.append(finished_run(conn, report))
    ids = TitleIds(tvdb=frozenset({77}))
    folders = ["/data/TV/Show/Season 01", "/media/tv/Show/Season 01"]  # as Plex, as Jellyfin
    found = titles.related_rows(
        conn, "series", "Show", ids, folders, after=first, scans=10, runs=10
    )
    # not the one queued before its files; Jellyfin's update of the folder too
    assert [job.id for job in found.scans] == [jellyfin, later]
    assert before < first
    assert sorted(s.tvmaze_id for s in found.shows) == [1, 2]  # candidates: by id and by name
    assert [run.id for run in found.runs] == [runs[1], runs[0]]
    accents = titles.runs_naming(conn, "Amélie", TitleIds(), limit=10)
    assert [run.id for run in accents] == [runs[2]]
    movie = titles.related_rows(conn, "movie", "Show", TitleIds(), [], after=0, scans=5, runs=5)
    assert (movie.shows, movie.scans) == ([], [])


@contextmanager
def statements(conn: sqlite3.Connection) -> Iterator[list[str]]:
    """Every statement run meanwhile, with its values bound in."""
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    try:
        yield seen
    finally:
        conn.set_trace_callback(None)


ALLOWED_SCANS = re.compile(r"^SCAN (titles|r|m|json_each|CONSTANT ROW)\b|USING (COVERING )?INDEX")
"""Plan lines that read no table whole: the search's distinct titles (a CTE), the JSON of
a reconcile report, index scans."""
LATEST = re.compile(r"ORDER BY id DESC\s+LIMIT \d+\s*\)?", re.S)
"""A table read in id order, newest first, stopping at a limit (the latest events, the
window of the latest reconcile runs): as many rows as the limit, not the table."""


def test_every_query_of_the_titles_pages_reads_an_index(conn: sqlite3.Connection) -> None:
    webhook(conn, "series", "Show", tvdbId=77)
    copy_job(conn, "Show", season=1)
    with statements(conn) as seen:
        title_search.search_titles(conn, "sho")
        title_search.search_titles(conn, "ÉCOLE")
        title_search.recent_titles(conn)
        titles.title_rows(conn, "series", "Show", limit=5)
        ids = TitleIds(tvdb=frozenset({77}), tmdb=frozenset({1}))
        titles.related_rows(conn, "series", "Show", ids, ["/a", "/b"], after=0, scans=5, runs=5)
    plans = {}
    for sql in seen:
        if sql.lstrip().upper().startswith(("SELECT", "WITH")):
            plans[sql] = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}")]
    assert len(plans) >= 15
    for sql, plan in plans.items():
        for line in plan:
            if line.startswith("SCAN") and not ALLOWED_SCANS.search(line):
                assert line in ("SCAN events", "SCAN reconcile_runs"), f"{line} in\n{sql}"
                assert LATEST.search(sql), f"{line} without a limit in\n{sql}"
    used = " ".join(line for plan in plans.values() for line in plan)
    for index in ("jobs_title", "events_series_title", "events_movie_title", "shows_title"):
        assert f"INDEX {index}" in used, index
    assert "INDEX jobs_scan_folder" in used


def test_the_migration_indexes_the_very_expressions_the_queries_use() -> None:
    migration = (
        resources.files("arrkestra.store.migrations") / "0008_title_indexes.sql"
    ).read_text(encoding="utf-8")
    flat = " ".join(migration.split())
    for expression in (
        titles.JOB_TITLE,
        titles.JOB_INSTANCE,
        titles.JOB_MEDIA_TYPE,
        titles.SCAN_FOLDER,
        *titles.EVENT_TITLE.values(),
    ):
        assert expression in flat, expression


def test_a_body_sqlite_cannot_read_as_json_neither_breaks_the_migration_nor_the_pages(
    tmp_path: Path,
) -> None:
    """An older version stored bodies with NaN: the title indexes must build over them,
    later webhooks must still be stored, and the title's rows still found."""
    db = connect(tmp_path / "old.db")
    migrate(db, available_migrations()[:7])
    db.execute(
        "INSERT INTO events (source, instance, event_type, received_at, body, dedupe_key) "
        "VALUES ('sonarr', 'default', 'Download', 1.0, ?, 'k1')",
        ('{"series": {"title": "Odd"}, "rating": NaN}',),
    )
    db.commit()
    migrate(db)
    webhook(db, "series", "Odd", at=T0)
    rows = titles.title_rows(db, "series", "Odd", limit=10)
    assert rows.event_total == 1  # the readable one; the NaN body counts as no title
    db.close()
