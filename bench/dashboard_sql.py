"""The SQL behind the dashboard and the JSON API on a seeded database: plans and timings.

Each probe calls a store function the pages or ``/api/v1`` use (or a query a page might be
tempted to write, marked ``[ad hoc]``), on the daemon's own connection settings
(``store.connection.connect``), and captures every statement it runs through SQLite's trace
hook (statements come back with their values bound). The report gives, per probe, the
median time of a few calls (after one untimed call: the page cache is warm, as in a
daemon that has been up for a while) and ``EXPLAIN QUERY PLAN`` of each statement.

A ``SCAN <table>`` line (marked ``!``) walks the table itself rather than an index: with
``ORDER BY id DESC LIMIT n`` it stops once n rows matched, so it is cheap when most rows
match and reads everything when few or none do; the time says which. A probe above
``SLOW_MS`` is marked ``SLOW``.

The samples (a title, a job with attempts, an event with jobs, the reconcile run waiting
for confirmation ...) are read from the database itself, so this runs on any seeded one:
``python bench/dashboard_sql.py PATH/arrkestra.db`` (``bench/dashboard.py --keep`` keeps
one), or through ``bench/dashboard.py --explain``.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sqlite3
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

from arrkestra.core.jobs import JobStatus
from arrkestra.core.shows import ShowStatus
from arrkestra.store import events, jobs, mirror_stats, reconcile_runs, shows, state
from arrkestra.store.connection import connect

SLOW_MS = 20.0  # a query above this leaves too little of a page's 100 ms for the rest


@dataclass(frozen=True)
class Samples:
    """Values the pages are asked about, read from the seeded database."""

    title: str  # a busy series' title
    word: str  # its longest word: several titles contain it
    movie: str  # a busy movie's title
    instance: str  # the instance most jobs name (``sonarr.hd``)
    path: str  # a file as its instance names it (``/tv/...``): the settings page's preview
    job: int  # a dead job with several attempts
    running: int  # a running job (else the newest job waiting to run)
    event: int  # a recent import, with its jobs
    run: int  # the reconcile run waiting for confirmation
    deep_cursor: int  # ``before`` of a page far down the list
    now: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


BUSIEST = (
    "SELECT json_extract(params, '$.title') AS t FROM jobs WHERE id > ? AND pipeline = "
    "'mirror' AND json_extract(params, '$.instance') = ? AND t IS NOT NULL "
    "GROUP BY t ORDER BY COUNT(*) DESC LIMIT 1"
)


def samples_of(conn: sqlite3.Connection) -> Samples:
    """The samples, each found by an indexed read over the newest few thousand rows."""
    last = int(conn.execute("SELECT MAX(id) FROM jobs").fetchone()[0])
    instance = conn.execute(
        "SELECT json_extract(params, '$.instance') AS i FROM jobs WHERE id > ? AND pipeline = "
        "'mirror' AND i LIKE 'sonarr.%' GROUP BY i ORDER BY COUNT(*) DESC LIMIT 1",
        (last - 5000,),
    ).fetchone()[0]
    title = conn.execute(BUSIEST, (last - 5000, instance)).fetchone()[0]
    movie = conn.execute(BUSIEST, (last - 5000, "radarr." + instance.split(".", 1)[1]))
    path = conn.execute(
        "SELECT json_extract(params, '$.library_path') FROM jobs WHERE id > ? AND pipeline = "
        "'mirror' AND json_extract(params, '$.title') = ? ORDER BY id DESC LIMIT 1",
        (last - 5000, title),
    ).fetchone()
    job = conn.execute(
        "SELECT job_id FROM job_attempts WHERE outcome = 'dead' AND attempt > 2 "
        "ORDER BY id DESC LIMIT 1"
    ).fetchone()
    running = conn.execute(
        "SELECT id FROM jobs WHERE id > ? AND status IN ('running', 'pending') "
        "ORDER BY status = 'running' DESC, id DESC LIMIT 1",
        (last - 5000,),
    ).fetchone()
    event = conn.execute(
        "SELECT event_id FROM jobs WHERE id > ? AND event_id IS NOT NULL ORDER BY id DESC LIMIT 1",
        (last - 5000,),
    ).fetchone()
    run = conn.execute(
        "SELECT id FROM reconcile_runs WHERE status = 'needs_confirmation' ORDER BY id DESC"
    ).fetchone()
    return Samples(
        title=str(title),
        word=max(str(title).split(), key=len),
        movie=str((movie.fetchone() or (title,))[0]),
        instance=str(instance),
        path=str(path[0]) if path else f"/tv/{title}",
        job=int(job[0]) if job else 1,
        running=int(running[0]) if running else last,
        event=int(event[0]) if event else 1,
        run=int(run[0]) if run else 1,
        deep_cursor=last // 2,
        now=float(conn.execute("SELECT MAX(updated_at) FROM jobs").fetchone()[0]),
    )


Probe = Callable[[sqlite3.Connection, Samples], object]

PROBES: list[tuple[str, Probe]] = []
"""(label, call): what the pages and the API read. A page's new store call gets a probe."""


def probe_of(label: str) -> Callable[[Probe], Probe]:
    def register(call: Probe) -> Probe:
        PROBES.append((label, call))
        return call

    return register


def _store(name: str) -> Callable[..., Any]:
    """``arrkestra.store.<module>.<function>``, looked up when the probe runs: a page's
    store function renamed or not written yet makes its probe say so, not the script fail."""
    module, function = name.rsplit(".", 1)
    found: Callable[..., Any] = getattr(
        importlib.import_module(f"arrkestra.store.{module}"), function
    )
    return found


def _list(conn: sqlite3.Connection, **fields: Any) -> list[Any]:
    return jobs.list_jobs(conn, jobs.JobFilter(**fields))


# -- the JSON API (/api/v1) and the store functions under it ----------------------------


@probe_of("jobs: newest 50 (/api/v1/jobs)")
def _newest(c: sqlite3.Connection, s: Samples) -> object:
    return _list(c)


@probe_of("jobs: status=dead")
def _dead(c: sqlite3.Connection, s: Samples) -> object:
    return _list(c, status=JobStatus.DEAD)


@probe_of("jobs: pipeline=mirror&status=succeeded")
def _mirror_succeeded(c: sqlite3.Connection, s: Samples) -> object:
    return _list(c, pipeline="mirror", status=JobStatus.SUCCEEDED)


@probe_of("jobs: pipeline=cleanup&status=failed (rare)")
def _cleanup_failed(c: sqlite3.Connection, s: Samples) -> object:
    return _list(c, pipeline="cleanup", status=JobStatus.FAILED)


@probe_of("jobs: before=<half way> (page 1000)")
def _deep(c: sqlite3.Connection, s: Samples) -> object:
    return _list(c, before=s.deep_cursor)


@probe_of("jobs: q=<title>")
def _title(c: sqlite3.Connection, s: Samples) -> object:
    return _list(c, text=s.title)


@probe_of("jobs: q=<one word>")
def _word(c: sqlite3.Connection, s: Samples) -> object:
    return _list(c, text=s.word)


@probe_of("jobs: q=<no match>")
def _nothing(c: sqlite3.Connection, s: Samples) -> object:
    return _list(c, text="no such title anywhere")


@probe_of("jobs: q=<no match>, newest 20,000 (/ui/jobs?q=)")
def _nothing_window(c: sqlite3.Connection, s: Samples) -> object:
    top = jobs.next_job_id(c)  # the page's search window (web/dashboard/jobs.py)
    return _list(c, text="no such title anywhere", before=top, after=max(1, top - 20_000))


@probe_of("jobs: instance=<instance>")
def _instance(c: sqlite3.Connection, s: Samples) -> object:
    return _list(c, instance=s.instance)


@probe_of("jobs: pipeline=mirror&status=dead&instance=<instance>")
def _combined(c: sqlite3.Connection, s: Samples) -> object:
    return _list(c, pipeline="mirror", status=JobStatus.DEAD, instance=s.instance)


@probe_of("jobs: q=<title>&status=dead")
def _title_dead(c: sqlite3.Connection, s: Samples) -> object:
    return _list(c, status=JobStatus.DEAD, text=s.title)


@probe_of("job: one, with attempts (/api/v1/jobs/N)")
def _job(c: sqlite3.Connection, s: Samples) -> object:
    return jobs.get_job(c, s.job), jobs.list_attempts(c, s.job)


@probe_of("jobs: count by pipeline and status")
def _counts(c: sqlite3.Connection, s: Samples) -> object:
    return jobs.count_by_pipeline_status(c)


@probe_of("jobs: finished in the last 24 h (/health)")
def _finished(c: sqlite3.Connection, s: Samples) -> object:
    return jobs.finished_since(c, s.now - 86400)


@probe_of("mirror stats (/stats, daily summary)")
def _mirror_stats(c: sqlite3.Connection, s: Samples) -> object:
    return mirror_stats.mirror_stats(c, day_start=s.now - 86400)


@probe_of("events: newest 50 (/api/v1/events)")
def _events(c: sqlite3.Connection, s: Samples) -> object:
    return events.list_events(c, events.EventFilter())


@probe_of("events: source=radarr&type=MovieDelete")
def _rare_events(c: sqlite3.Connection, s: Samples) -> object:
    return events.list_events(c, events.EventFilter(source="radarr", event_type="MovieDelete"))


@probe_of("event: one, with its job ids")
def _event(c: sqlite3.Connection, s: Samples) -> object:
    return events.get_event(c, s.event), events.job_ids_of(c, s.event)


@probe_of("reconcile: runs, newest 50")
def _runs(c: sqlite3.Connection, s: Samples) -> object:
    return reconcile_runs.list_runs(c)


@probe_of("reconcile: one run")
def _run(c: sqlite3.Connection, s: Samples) -> object:
    return reconcile_runs.get_run(c, s.run)


@probe_of("shows: status=filtered, offset 5000 (/shows)")
def _shows(c: sqlite3.Connection, s: Samples) -> object:
    return shows.list_shows(c, ShowStatus.FILTERED, limit=100, offset=5000)


@probe_of("shows: count by status, filtered by reason")
def _show_counts(c: sqlite3.Connection, s: Samples) -> object:
    return shows.count_by_status(c), shows.count_filtered_by_reason(c)


@probe_of("state: paused pipelines")
def _paused(c: sqlite3.Connection, s: Samples) -> object:
    return state.paused_pipelines(c)


# -- the pages' own store calls, as the page modules make them ---------------------------


@probe_of("/ui/: overview.read_overview")
def _overview(c: sqlite3.Connection, s: Samples) -> object:
    from arrkestra.core.daily_chart import last_days

    return _store("overview.read_overview")(c, now=s.now, days=last_days(s.now, UTC, 30))


@probe_of("/ui/overview/live: overview.queue_state")
def _queue(c: sqlite3.Connection, s: Samples) -> object:
    return _store("overview.queue_state")(c)


@probe_of("/ui/jobs/N/now: jobs.get_job (a running job)")
def _running(c: sqlite3.Connection, s: Samples) -> object:
    return jobs.get_job(c, s.running)


@probe_of("/ui/jobs/N: jobs.recent_attempts")
def _attempts(c: sqlite3.Connection, s: Samples) -> object:
    return _store("jobs.recent_attempts")(c, s.job, 21)


@probe_of("/ui/events: events.list_summaries")
def _summaries(c: sqlite3.Connection, s: Samples) -> object:
    return _store("events.list_summaries")(c, events.EventFilter(limit=51))


@probe_of("/ui/events?source=sonarr: events.list_summaries")
def _summaries_sonarr(c: sqlite3.Connection, s: Samples) -> object:
    return _store("events.list_summaries")(c, events.EventFilter(source="sonarr", limit=51))


@probe_of("/ui/events?type=Download: events.list_summaries")
def _summaries_download(c: sqlite3.Connection, s: Samples) -> object:
    found = _store("events.list_summaries")
    return found(c, events.EventFilter(event_type="Download", limit=51))


@probe_of("/ui/events/N: events.jobs_of")
def _jobs_of(c: sqlite3.Connection, s: Samples) -> object:
    return _store("events.jobs_of")(c, s.event, 21)


@probe_of("/ui/discovery: show_search.find_shows")
def _find_shows(c: sqlite3.Connection, s: Samples) -> object:
    return _store("show_search.find_shows")(c, None, None, limit=50)


@probe_of("/ui/discovery?status=filtered, page 20")
def _find_filtered(c: sqlite3.Connection, s: Samples) -> object:
    find = _store("show_search.find_shows")
    return find(c, ShowStatus.FILTERED, None, limit=50, offset=950)


@probe_of("/ui/discovery?status=all&q=the")
def _find_words(c: sqlite3.Connection, s: Samples) -> object:
    return _store("show_search.find_shows")(c, None, "the", limit=50)


@probe_of("/ui/discovery?status=review")
def _find_review(c: sqlite3.Connection, s: Samples) -> object:
    return _store("show_search.find_shows")(c, ShowStatus.REVIEW, None, limit=50)


@probe_of("/ui/reconcile: reconcile_runs.held_run")
def _held(c: sqlite3.Connection, s: Samples) -> object:
    return _store("reconcile_runs.held_run")(c)


@probe_of("/ui/titles: title_search.recent_titles")
def _recent_titles(c: sqlite3.Connection, s: Samples) -> object:
    return _store("title_search.recent_titles")(c, limit=20)


@probe_of("/ui/titles?q=<word>: title_search.search_titles")
def _search_titles(c: sqlite3.Connection, s: Samples) -> object:
    return _store("title_search.search_titles")(c, s.word, limit=50)


@probe_of("/ui/titles/series/<title>: titles.title_rows")
def _title_rows(c: sqlite3.Connection, s: Samples) -> object:
    return _store("titles.title_rows")(c, "series", s.title, limit=100)


@probe_of("/ui/titles/movie/<movie>: titles.title_rows")
def _movie_rows(c: sqlite3.Connection, s: Samples) -> object:
    return _store("titles.title_rows")(c, "movie", s.movie, limit=100)


@probe_of("/ui/titles/series/<title>: titles.related_rows")
def _related_rows(c: sqlite3.Connection, s: Samples) -> object:
    """As the page calls it, but with no scan folders (the page maps them through the
    mirror's path rules from settings): shows and reconcile runs naming the title."""
    from arrkestra.core import timeline

    rows = _store("titles.title_rows")(c, "series", s.title, limit=100)
    ids = timeline.ids_of(rows.events, rows.jobs)
    first = min((job.id for job in rows.jobs), default=0)
    related = _store("titles.related_rows")
    return related(c, "series", s.title, ids, [], after=first, scans=100, runs=20)


# -- what a page might be tempted to write ----------------------------------------------


@probe_of("[ad hoc] jobs: every title, counted")
def _distinct_titles(c: sqlite3.Connection, s: Samples) -> object:
    sql = "SELECT json_extract(params, '$.title') AS t, COUNT(*) FROM jobs GROUP BY t"
    return c.execute(sql).fetchall()


@probe_of("[ad hoc] events: body LIKE %title%")
def _body_like(c: sqlite3.Connection, s: Samples) -> object:
    sql = "SELECT id FROM events WHERE body LIKE ? ORDER BY id DESC LIMIT 50"
    return c.execute(sql, (f"%{s.title}%",)).fetchall()


@dataclass(frozen=True)
class Finding:
    label: str
    median_ms: float
    statements: tuple[tuple[str, tuple[str, ...]], ...]  # (SQL, plan lines)
    error: str | None = None


def _plan(conn: sqlite3.Connection, sql: str) -> tuple[str, ...]:
    sql = re.sub(r"\bInf\b", "1e999", sql)  # an infinite float bound, as SQLite writes it
    try:
        rows = conn.execute("EXPLAIN QUERY PLAN " + sql).fetchall()
    except sqlite3.Error as exc:
        return (f"(no plan: {exc})",)
    return tuple(str(row[3]) for row in rows)


def probe(conn: sqlite3.Connection, label: str, call: Probe, samples: Samples) -> Finding:
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    try:
        call(conn, samples)  # untimed: warms the page cache and captures the SQL
    except Exception as exc:  # a store function a page helper renamed: say so, go on
        return Finding(label, 0.0, (), f"{type(exc).__name__}: {exc}")
    finally:
        conn.set_trace_callback(None)
    times = []
    for _ in range(5):
        start = time.perf_counter()
        call(conn, samples)
        times.append((time.perf_counter() - start) * 1000)
        if sum(times) > 3000:
            break
    wanted = [s for s in dict.fromkeys(seen) if s.lstrip().upper().startswith(("SELECT", "WITH"))]
    return Finding(label, statistics.median(times), tuple((s, _plan(conn, s)) for s in wanted))


def full_scan(line: str) -> bool:
    """``SCAN jobs``: the table itself, in rowid order (see the module doc); not ``SCAN jobs
    USING INDEX`` (an index in order), nor a subquery's or a constant row."""
    words = line.split()
    return len(words) >= 2 and words[0] == "SCAN" and "INDEX" not in line and "(" not in line


def report(db_file: Path, samples: Samples | None = None, *, plans: bool = True) -> None:
    conn = connect(db_file)
    try:
        samples = samples or samples_of(conn)
        findings = [probe(conn, label, call, samples) for label, call in PROBES]
    finally:
        conn.close()
    print(f"\nSQL of the pages and the API on {db_file} (median of up to 5 calls, warm cache)")
    print(f"{'probe':<52} {'ms':>8}  verdict")
    for found in findings:
        scans = [line for _, plan in found.statements for line in plan if full_scan(line)]
        verdict = found.error or ("SLOW" if found.median_ms > SLOW_MS else "ok")
        if scans and not found.error:
            verdict += "; table scan: " + ", ".join(sorted({s.split()[1] for s in scans}))
        print(f"{found.label:<52} {found.median_ms:>8.2f}  {verdict}")
    if plans:
        for found in findings:
            print(f"\n-- {found.label}: {found.median_ms:.2f} ms")
            for sql, plan in found.statements:
                print("   " + " ".join(sql.split())[:160])
                for line in plan:
                    print(f"     {'!' if full_scan(line) else ' '} {line}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("db", type=Path, help="a seeded arrkestra.db (bench/dashboard.py --keep)")
    parser.add_argument("--no-plans", action="store_true", help="the table only")
    args = parser.parse_args()
    report(args.db, plans=not args.no_plans)
