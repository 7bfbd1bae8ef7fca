"""A title's rows, found by its text: the search over every title and one title's history.

A title is its text as Sonarr/Radarr send it plus its kind (``core/timeline``): the jobs
whose params name it (``title``; their kind from ``media_type``/``instance``), the webhooks
whose ``series.title`` or ``movie.title`` it is, discovery's shows of that name, the Plex
scans of its folders and the reconcile runs that mention it.

Every lookup reads an index of migration ``0008_title_indexes``, queried with the very
expressions it was built on (from the job kinds' ``json_path``). The search (``?q=``,
contained, any case) reads the distinct titles of each index once and tests each title,
not each row: in SQLite's own ``LIKE`` for ASCII titles (its case rule is then exactly
:func:`~arrkestra.store.jobs.fold`'s), through Python's fold only for the others.
"""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from arrkestra.core.job_kinds import CopyParams, ScanParams
from arrkestra.core.job_kinds.reconcile import ReconcileReport
from arrkestra.core.jobs import Job
from arrkestra.core.timeline import KINDS, EventFacts, Kind, RunFacts, ShowFacts, TitleIds
from arrkestra.core.timeline.entry import INSTANCE_KINDS, MEDIA_TYPE_KINDS
from arrkestra.store.events import EVENT_COLUMNS
from arrkestra.store.jobs import FOLD, JOB_COLUMNS, LIKE_ESCAPE, contains_pattern, fold, row_to_job

JOB_TITLE = f"json_extract(params, '{CopyParams.json_path('title')}')"
JOB_INSTANCE = f"json_extract(params, '{CopyParams.json_path('instance')}')"
JOB_MEDIA_TYPE = f"json_extract(params, '{CopyParams.json_path('media_type')}')"
SCAN_FOLDER = f"json_extract(params, '{ScanParams.json_path('folder')}')"
EVENT_TITLE: Mapping[Kind, str] = {
    "series": "json_extract(body, '$.series.title')",
    "movie": "json_extract(body, '$.movie.title')",
}
EVENT_IDS: Mapping[Kind, tuple[str, str]] = {  # (tvdb, tmdb) of the webhook's item
    "series": ("json_extract(body, '$.series.tvdbId')", "json_extract(body, '$.series.tmdbId')"),
    "movie": ("NULL", "json_extract(body, '$.movie.tmdbId')"),
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
SEARCH_LIMIT = 200  # titles read per source for one search


def _contains(column: str) -> str:
    """``column`` contains the text searched for, in any case (see :func:`patterns`)."""
    like = f"ESCAPE '{LIKE_ESCAPE}'"
    return (
        f"({column} LIKE :typed {like} OR {column} LIKE :pattern {like} "
        f"OR ({column} LIKE :loose {like} AND {FOLD}({column}) LIKE :pattern {like}))"
    )


def _like(text: str) -> str:
    escaped = "".join(LIKE_ESCAPE + c if c in "%_" + LIKE_ESCAPE else c for c in text)
    return f"%{escaped}%"


def patterns(text: str) -> dict[str, str]:
    """The three LIKE patterns of a search, each tested in SQLite's own code first.

    SQLite's LIKE ignores the case of ASCII letters only. ``typed`` is the text as typed
    (``Straße``), ``pattern`` the text folded (``strasse``; ``amélie`` for ``AMÉLIE``):
    for a title in ASCII, or a search in ASCII, these two decide. A search with other
    letters (``AMÉLIE``) also folds the titles that pass ``loose`` (its ASCII parts in
    order, ``%am%lie%``) in Python, and only those: a search with under two ASCII
    letters or digits (``進撃``) matches as typed or lowercased only.
    """
    folded = fold(text) or ""
    runs = "".join(c if c.isascii() else "\x00" for c in folded).split("\x00")
    loose = "%".join(_like(run)[1:-1] for run in runs if run)
    enough = sum(c.isascii() and c.isalnum() for c in folded) >= 2
    typed = unicodedata.normalize("NFC", text)
    same = typed.isascii() and typed.lower() == folded  # LIKE's own case rule covers it
    return {
        "typed": "" if same else _like(typed),
        "pattern": contains_pattern(text),
        "loose": f"%{loose}%" if enough and not folded.isascii() else "",
    }


SEARCHES: tuple[str, ...] = (
    f"WITH titles AS MATERIALIZED (SELECT DISTINCT {JOB_TITLE} AS title FROM jobs "
    f"WHERE {JOB_TITLE} IS NOT NULL) SELECT title FROM titles",
    *(
        f"WITH titles AS MATERIALIZED (SELECT DISTINCT {e} AS title FROM events "
        f"WHERE {e} IS NOT NULL) SELECT title FROM titles"
        for e in EVENT_TITLE.values()
    ),
    "SELECT DISTINCT title FROM shows",
)
"""Each source's distinct titles (MATERIALIZED: tested once per title, not once per
row); their kinds are read with their counts."""


def _search_sql(titles: str) -> str:
    return f"{titles} WHERE title != '' AND {_contains('title')} LIMIT :limit"


EXACT: tuple[str, ...] = (
    f"SELECT DISTINCT {JOB_KIND} FROM jobs WHERE {JOB_TITLE} = ?",
    *(f"SELECT '{kind}' FROM events WHERE {e} = ? LIMIT 1" for kind, e in EVENT_TITLE.items()),
    "SELECT 'series' FROM shows WHERE title = ? LIMIT 1",
)
"""The kinds of the titles exactly ``?``."""


@dataclass(frozen=True)
class TitleMatch:
    """A title a search found, with how much there is about it."""

    kind: Kind
    title: str
    events: int = 0
    jobs: int = 0
    shows: tuple[str, ...] = ()  # discovery's status of each show of that name


@dataclass(frozen=True)
class Found:
    """A search's answer: the best ``limit`` matches (exact ones first), whether more
    titles match, and the titles that are exactly the text searched for."""

    matches: list[TitleMatch]
    more: bool
    exact: list[tuple[Kind, str]] = field(default_factory=list)


def _rank(text: str) -> Callable[[str], tuple[int, str, str]]:
    """Exact (any case) first, then titles starting with ``text``, then by name."""
    wanted = fold(text) or ""

    def key(title: str) -> tuple[int, str, str]:
        folded = fold(title) or ""
        closeness = 0 if folded == wanted else 1 if folded.startswith(wanted) else 2
        return (closeness, folded, title)

    return key


def _as_kind(value: object) -> Kind | None:
    return next((kind for kind in KINDS if kind == value), None)


def exact_titles(conn: sqlite3.Connection, text: str) -> list[tuple[Kind, str]]:
    """The titles whose text is exactly ``text`` (one per kind at most)."""
    kinds = {
        kind
        for sql in EXACT
        for (value,) in conn.execute(sql, (text,)).fetchall()
        if (kind := _as_kind(value)) is not None
    }
    return [(kind, text) for kind in KINDS if kind in kinds]


def search_titles(conn: sqlite3.Connection, text: str, *, limit: int = 50) -> Found:
    """The titles containing ``text`` in any case (exact ones first, then those starting
    with it, then by name), each kind of each with its counts."""
    conn.create_function(FOLD, 1, fold, deterministic=True)
    args = {**patterns(text), "limit": SEARCH_LIMIT + 1}
    titles: set[str] = set()
    more = False
    for source in SEARCHES:
        rows = conn.execute(_search_sql(source), args).fetchall()
        more |= len(rows) > SEARCH_LIMIT
        titles |= {title for (title,) in rows[:SEARCH_LIMIT] if isinstance(title, str)}
    exact = exact_titles(conn, text)
    titles |= {title for _, title in exact}
    ranked = sorted(titles, key=_rank(text))
    more |= len(ranked) > limit
    matches = _counted(conn, ranked[:limit])
    return Found(matches[:limit], more or len(matches) > limit, exact)


def _marks(values: Sequence[object]) -> str:
    return ",".join("?" * len(values))


def _counted(conn: sqlite3.Connection, titles: Sequence[str]) -> list[TitleMatch]:
    """Each kind of each title (in the order given) with its counts, read from indexes
    alone; a title only a job of no known kind names is left out."""
    if not titles:
        return []
    marks = _marks(titles)
    jobs: dict[tuple[object, object], int] = {}
    sql = f"SELECT {JOB_TITLE}, {JOB_KIND}, COUNT(*) FROM jobs WHERE {JOB_TITLE} IN ({marks})"
    for title, kind, count in conn.execute(f"{sql} GROUP BY 1, 2", titles).fetchall():
        jobs[(kind, title)] = count
    events: dict[tuple[object, object], int] = {}
    for kind, e in EVENT_TITLE.items():
        sql = f"SELECT {e}, COUNT(*) FROM events WHERE {e} IN ({marks}) GROUP BY 1"
        for title, count in conn.execute(sql, titles).fetchall():
            events[(kind, title)] = count
    shows: dict[object, list[str]] = {}
    sql = f"SELECT title, processing_status FROM shows WHERE title IN ({marks}) ORDER BY 1, 2"
    for title, status in conn.execute(sql, titles).fetchall():
        shows.setdefault(title, []).append(status)
    matches = []
    for title in titles:
        for kind in KINDS:
            found = TitleMatch(
                kind,
                title,
                events=events.get((kind, title), 0),
                jobs=jobs.get((kind, title), 0),
                shows=tuple(shows.get(title, [])) if kind == "series" else (),
            )
            if found.events or found.jobs or found.shows:
                matches.append(found)
    return matches


# One title's rows ---------------------------------------------------------------------


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


def _event(row: sqlite3.Row) -> EventFacts:
    return EventFacts(
        id=row["id"],
        source=row["source"],
        instance=row["instance"],
        event_type=row["event_type"],
        received_at=row["received_at"],
        body=row["body"],
        routed_to=tuple(json.loads(row["routed_to"])),
        remote_addr=row["remote_addr"],
        tvdb_id=_whole(row["tvdb_id"]),
        tmdb_id=_whole(row["tmdb_id"]),
    )


def _whole(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def title_rows(conn: sqlite3.Connection, kind: Kind, title: str, *, limit: int) -> TitleRows:
    """The title's latest ``limit`` events and jobs (newest first), and their totals."""
    e = EVENT_TITLE[kind]
    tvdb, tmdb = EVENT_IDS[kind]
    events_sql = (
        f"SELECT {EVENT_COLUMNS}, {tvdb} AS tvdb_id, {tmdb} AS tmdb_id FROM events "
        f"WHERE {e} = ? ORDER BY id DESC LIMIT ?"
    )
    jobs_where = f"WHERE {JOB_TITLE} = ? AND {JOB_KIND} = ?"
    jobs_sql = f"SELECT {JOB_COLUMNS} FROM jobs {jobs_where} ORDER BY id DESC LIMIT ?"
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
        sql = f"SELECT {SHOW_COLUMNS} FROM shows WHERE tvdb_id IN ({_marks(tvdb)}) LIMIT ?"
        rows += conn.execute(sql, (*tvdb, SHOWS_LIMIT)).fetchall()
    unique = {row["tvmaze_id"]: row for row in rows}
    return [_show(row) for row in unique.values()]


def scans_of(
    conn: sqlite3.Connection, folders: Sequence[str], *, after: int, limit: int
) -> list[Job]:
    """The latest Plex scans of these folders queued after job ``after`` (newest first)."""
    if not folders:
        return []
    sql = (
        f"SELECT {JOB_COLUMNS} FROM jobs INDEXED BY jobs_scan_folder WHERE pipeline = 'plex_scan' "
        f"AND {SCAN_FOLDER} IN ({_marks(folders)}) AND id > ? ORDER BY id DESC LIMIT ?"
    )
    return [row_to_job(r) for r in conn.execute(sql, (*folders, after, limit)).fetchall()]


RUNS_SQL = f"""
SELECT id, status, started_at, finished_at, report FROM (
    SELECT id, status, started_at, finished_at, report FROM reconcile_runs
    ORDER BY id DESC LIMIT {RUN_WINDOW}
) AS r
WHERE instr(r.report, :needle) > 0 OR EXISTS (
    SELECT 1 FROM json_each(r.report, '$.missed_deletions') AS m
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
        except ValueError:
            continue  # a report that fits no model says nothing about the title
        runs.append(
            RunFacts(row["id"], row["status"], row["started_at"], row["finished_at"], report)
        )
    return runs
