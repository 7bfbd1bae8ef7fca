"""One title's rows, found by its text, and the SQL expressions every title lookup uses.

A title is its text as Sonarr/Radarr send it plus its kind (``core/timeline``): the jobs
whose params name it (``title``; their kind from ``media_type``/``instance``), the webhooks
whose ``series.title`` or ``movie.title`` it is, discovery's shows of that name or of a
TVDB id its webhooks carried, the scans of its folders (Plex, Jellyfin, Emby) and the
reconcile runs that mention it. The search over every title is ``store/title_search``.

Every lookup reads an index of migration ``0008_title_indexes`` (the scans: ``0012``),
queried with the very expressions it was built on (below, from the job kinds'
``json_path``): change one and SQLite reads every row instead. Each list is the latest
``limit`` rows, newest first.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from arrkestra.core.errors import PermanentError
from arrkestra.core.job_kinds import (
    EMBY_SCAN,
    JELLYFIN_SCAN,
    PLEX_SCAN,
    CopyParams,
    ScanParams,
)
from arrkestra.core.job_kinds.reconcile import ReconcileReport
from arrkestra.core.jobs import Job
from arrkestra.core.timeline import EventFacts, Kind, RunFacts, ShowFacts, TitleIds
from arrkestra.core.timeline.entry import INSTANCE_KINDS, MEDIA_TYPE_KINDS
from arrkestra.store.events import EVENT_COLUMNS, routed_pipelines
from arrkestra.store.jobs import JOB_COLUMNS, row_to_job

JOB_TITLE = f"json_extract(params, '{CopyParams.json_path('title')}')"
JOB_INSTANCE = f"json_extract(params, '{CopyParams.json_path('instance')}')"
JOB_MEDIA_TYPE = f"json_extract(params, '{CopyParams.json_path('media_type')}')"
SCAN_FOLDER = f"json_extract(params, '{ScanParams.json_path('folder')}')"
SCAN_PIPELINES = f"('{PLEX_SCAN}', '{JELLYFIN_SCAN}', '{EMBY_SCAN}')"  # as in migration 0012
BODY = "CASE WHEN json_valid(body) THEN body END"
"""An event's body as SQLite's JSON functions may read it: an older version stored some
bodies SQLite's JSON refuses (``NaN``, nesting past its limit); ``json_extract`` would raise
on them, in a query and in an index (failing the migration that builds it, and every
later insert), so each expression reads them as no JSON at all."""
EVENT_TITLE: Mapping[Kind, str] = {
    "series": f"json_extract({BODY}, '$.series.title')",
    "movie": f"json_extract({BODY}, '$.movie.title')",
}
EVENT_IDS: Mapping[Kind, tuple[str, str]] = {  # (tvdb, tmdb) of the webhook's item
    "series": (
        f"json_extract({BODY}, '$.series.tvdbId')",
        f"json_extract({BODY}, '$.series.tmdbId')",
    ),
    "movie": ("NULL", f"json_extract({BODY}, '$.movie.tmdbId')"),
}


def _kind_sql() -> str:
    """core/timeline's ``kind_of`` in SQL, over the columns of index ``jobs_title``."""
    whens = [f"WHEN {JOB_MEDIA_TYPE} = '{m}' THEN '{k}'" for m, k in MEDIA_TYPE_KINDS.items()]
    whens += [
        f"WHEN substr({JOB_INSTANCE}, 1, {len(p)}) = '{p}' THEN '{k}'"
        for p, k in INSTANCE_KINDS.items()
    ]
    return f"(CASE {' '.join(whens)} END)"


JOB_KIND = _kind_sql()
SHOW_COLUMNS = (
    "tvmaze_id, tvdb_id, title, premiered, processing_status, filter_reason, rule, "
    "added_to_sonarr_at, last_checked, created_at, updated_at, error_message"
)
RUN_WINDOW = 1000  # the latest reconcile runs searched for a title (nightly: ~3 years)


@dataclass(frozen=True)
class TitleRows:
    """The latest events and jobs of one title, and how many there are in all."""

    events: list[EventFacts]
    jobs: list[Job]
    event_total: int
    job_total: int

    @property
    def known(self) -> bool:
        return bool(self.event_total or self.job_total)


def marks(values: Sequence[object]) -> str:
    """``?,?,?``: one placeholder per value."""
    return ",".join("?" * len(values))


def _event(row: sqlite3.Row) -> EventFacts:
    return EventFacts(
        id=row["id"],
        source=row["source"],
        instance=row["instance"],
        event_type=row["event_type"],
        received_at=row["received_at"],
        body=row["body"],
        routed_to=tuple(routed_pipelines(row["routed_to"])),
        remote_addr=row["remote_addr"],
        tvdb_id=_whole(row["tvdb_id"]),
        tmdb_id=_whole(row["tmdb_id"]),
    )


def _whole(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _latest(ids: str) -> str:
    """The jobs whose ids ``ids`` selects, the latest ``?`` of them, newest first. The ids
    are sorted from the index alone; only the rows shown are read (sorting whole rows
    cost 6 ms for a title of 800 jobs)."""
    return (
        f"SELECT {JOB_COLUMNS} FROM jobs WHERE id IN ({ids} ORDER BY id DESC LIMIT ?) "
        "ORDER BY id DESC"
    )


def title_rows(conn: sqlite3.Connection, kind: Kind, title: str, *, limit: int) -> TitleRows:
    """The title's latest ``limit`` events and jobs (newest first), and their totals."""
    e = EVENT_TITLE[kind]
    tvdb, tmdb = EVENT_IDS[kind]
    events_sql = (
        f"SELECT {EVENT_COLUMNS}, {tvdb} AS tvdb_id, {tmdb} AS tmdb_id FROM events "
        f"WHERE {e} = ? ORDER BY id DESC LIMIT ?"
    )
    jobs_where = f"WHERE {JOB_TITLE} = ? AND {JOB_KIND} = ?"
    jobs_sql = _latest(f"SELECT id FROM jobs {jobs_where}")
    events = [_event(r) for r in conn.execute(events_sql, (title, limit)).fetchall()]
    jobs = [row_to_job(r) for r in conn.execute(jobs_sql, (title, kind, limit)).fetchall()]
    event_total = conn.execute(f"SELECT COUNT(*) FROM events WHERE {e} = ?", (title,))
    job_total = conn.execute(f"SELECT COUNT(*) FROM jobs {jobs_where}", (title, kind))
    return TitleRows(events, jobs, int(event_total.fetchone()[0]), int(job_total.fetchone()[0]))


def _show(row: sqlite3.Row) -> ShowFacts:
    return ShowFacts(
        tvmaze_id=row["tvmaze_id"],
        tvdb_id=row["tvdb_id"],
        title=row["title"],
        premiered=row["premiered"],
        status=row["processing_status"],
        filter_reason=row["filter_reason"],
        rule=row["rule"],
        added_to_sonarr_at=row["added_to_sonarr_at"],
        last_checked=row["last_checked"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        error_message=row["error_message"],
    )


SHOWS_LIMIT = 20


def shows_named(conn: sqlite3.Connection, title: str, ids: TitleIds) -> list[ShowFacts]:
    """Discovery's shows of this name or of one of these TVDB ids (candidates: the
    timeline's ``shows_of`` picks the title's own)."""
    rows = conn.execute(
        f"SELECT {SHOW_COLUMNS} FROM shows WHERE title = ? ORDER BY tvmaze_id LIMIT ?",
        (title, SHOWS_LIMIT),
    ).fetchall()
    tvdb = sorted(ids.tvdb)[:SHOWS_LIMIT]
    if tvdb:
        sql = f"SELECT {SHOW_COLUMNS} FROM shows WHERE tvdb_id IN ({marks(tvdb)}) LIMIT ?"
        rows += conn.execute(sql, (*tvdb, SHOWS_LIMIT)).fetchall()
    unique = {row["tvmaze_id"]: row for row in rows}
    return [_show(row) for row in unique.values()]


def scans_of(
    conn: sqlite3.Connection, folders: Sequence[str], *, after: int, limit: int
) -> list[Job]:
    """The latest scans of these folders (Plex, Jellyfin, Emby: the folders as each server
    sees them) queued after job ``after`` (newest first)."""
    if not folders:
        return []
    sql = _latest(
        f"SELECT id FROM jobs INDEXED BY jobs_scan_folder WHERE pipeline IN {SCAN_PIPELINES} "
        f"AND {SCAN_FOLDER} IN ({marks(folders)}) AND id > ?"
    )
    return [row_to_job(r) for r in conn.execute(sql, (*folders, after, limit)).fetchall()]


RUNS_SQL = f"""
SELECT id, status, started_at, finished_at, report FROM (
    SELECT id, status, started_at, finished_at, report FROM reconcile_runs
    ORDER BY id DESC LIMIT {RUN_WINDOW}
) AS r
WHERE instr(r.report, :needle) > 0 OR EXISTS (
    SELECT 1 FROM json_each(CASE WHEN json_valid(r.report) THEN r.report END,
                            '$.missed_deletions') AS m
    WHERE json_extract(m.value, '$.tvdb_id') IN (SELECT value FROM json_each(:tvdb))
       OR json_extract(m.value, '$.tmdb_id') IN (SELECT value FROM json_each(:tmdb))
)
ORDER BY id DESC LIMIT :limit
"""
"""Runs (of the latest ``RUN_WINDOW``) whose report holds the title's text (as JSON
writes it) or a missed deletion with one of its ids; the timeline keeps what is its."""


def runs_naming(
    conn: sqlite3.Connection, title: str, ids: TitleIds, *, limit: int
) -> list[RunFacts]:
    args = {
        "needle": json.dumps(title)[1:-1],  # reports are written with json.dumps' escapes
        "tvdb": json.dumps(sorted(ids.tvdb)),
        "tmdb": json.dumps(sorted(ids.tmdb)),
        "limit": limit,
    }
    runs = []
    for row in conn.execute(RUNS_SQL, args).fetchall():
        try:
            report = ReconcileReport.load(json.loads(row["report"]))
        except (ValueError, RecursionError, PermanentError):
            continue  # a report that fits no model says nothing about the title
        runs.append(
            RunFacts(row["id"], row["status"], row["started_at"], row["finished_at"], report)
        )
    return runs


@dataclass(frozen=True)
class Related:
    """The rows of a title found through its ids and files: discovery's candidate shows
    (series only), the Plex scans of its folders, the reconcile runs that mention it."""

    shows: list[ShowFacts]
    scans: list[Job]
    runs: list[RunFacts]


def related_rows(
    conn: sqlite3.Connection,
    kind: Kind,
    title: str,
    ids: TitleIds,
    folders: Sequence[str],
    *,
    after: int,
    scans: int,
    runs: int,
) -> Related:
    """:func:`shows_named`, :func:`scans_of` and :func:`runs_naming` in one visit."""
    return Related(
        shows=shows_named(conn, title, ids) if kind == "series" else [],
        scans=scans_of(conn, folders, after=after, limit=scans),
        runs=runs_naming(conn, title, ids, limit=runs),
    )
