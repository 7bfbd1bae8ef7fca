"""The search over every title (``/ui/titles?q=``) and the titles events named lately.

The search (contained, any case) reads the distinct titles of each title index once
(``store/titles``' expressions, migration 0008) and tests each title, not each row, in
SQLite's own ``LIKE`` (see :func:`patterns` for when Python's fold is asked too). Exact
titles are looked up by index on their own, so a link with a title's exact text
(``/ui/titles?q=<title>`` from a job's page) always finds it, however many contain it.
Counts come from the indexes alone.
"""

from __future__ import annotations

import sqlite3
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from arrkestra.core.timeline import KINDS, Kind
from arrkestra.store.job_search import FOLD, LIKE_ESCAPE, contains_pattern, fold
from arrkestra.store.titles import EVENT_TITLE, JOB_KIND, JOB_TITLE, marks

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


def _counted(conn: sqlite3.Connection, titles: Sequence[str]) -> list[TitleMatch]:
    """Each kind of each title (in the order given) with its counts, read from indexes
    alone; a title only a job of no known kind names is left out."""
    if not titles:
        return []
    where = marks(titles)
    jobs: dict[tuple[object, object], int] = {}
    sql = f"SELECT {JOB_TITLE}, {JOB_KIND}, COUNT(*) FROM jobs WHERE {JOB_TITLE} IN ({where})"
    for title, kind, count in conn.execute(f"{sql} GROUP BY 1, 2", titles).fetchall():
        jobs[(kind, title)] = count
    events: dict[tuple[object, object], int] = {}
    for kind, e in EVENT_TITLE.items():
        sql = f"SELECT {e}, COUNT(*) FROM events WHERE {e} IN ({where}) GROUP BY 1"
        for title, count in conn.execute(sql, titles).fetchall():
            events[(kind, title)] = count
    shows: dict[object, list[str]] = {}
    sql = f"SELECT title, processing_status FROM shows WHERE title IN ({where}) ORDER BY 1, 2"
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


RECENT_SQL = f"""
SELECT {EVENT_TITLE["series"]}, {EVENT_TITLE["movie"]}, received_at FROM events
ORDER BY id DESC LIMIT ?
"""
RECENT_WINDOW = 300  # the latest events read for the titles they name


def recent_titles(conn: sqlite3.Connection, *, limit: int = 20) -> list[tuple[Kind, str, float]]:
    """The titles the latest events named, newest first: (kind, title, last event time)."""
    seen: dict[tuple[Kind, str], float] = {}
    for series, movie, at in conn.execute(RECENT_SQL, (RECENT_WINDOW,)).fetchall():
        named: tuple[tuple[Kind, object], ...] = (("series", series), ("movie", movie))
        for kind, title in named:
            if isinstance(title, str) and title and len(seen) < limit:
                seen.setdefault((kind, title), at)
    return [(kind, title, at) for (kind, title), at in seen.items()]
