"""The ``shows`` table: the TVMaze cache and what discovery made of each show.

Shows are written together with the ``state`` rows that describe them (the checkpoint
page, the filter fingerprint) in one transaction, so a checkpoint can never run ahead of
(or behind) the data. A refresh of a show Sonarr already has (``added``/``exists``)
updates its data but keeps its status; a show still waiting for a TVDB id keeps its
retry clock.

Review mode (core/show_review): an accepted show is ``review`` until a person approves
it; the approval (``approved_at``) survives every save and refilter that still accepts
the show, which then is ``approved`` (or waits for a TVDB id); a rejection clears it.

A show skipped by hand (``show_skips``, keyed by TVMaze id alone, so a skip can precede
the catalogue) is ``skipped`` whatever later writes bring: every save of its data keeps
the status, a refilter does not judge it, and only :func:`unskip` lets the filters judge
it again.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from arrkestra.core.discovery import Verdict
from arrkestra.core.show_review import settled
from arrkestra.core.shows import Show, ShowStatus
from arrkestra.store import state as state_store
from arrkestra.store.connection import write_transaction


@dataclass(frozen=True)
class StateKeys:
    """Discovery's rows in the ``state`` table: checkpoints and what the last cycle did."""

    next_page: str = "discovery.next_page"
    initial_complete: str = "discovery.initial_complete"
    last_full_sync: str = "discovery.last_full_sync"
    last_incremental_sync: str = "discovery.last_incremental_sync"
    last_updates_check: str = "discovery.last_updates_check"
    last_success: str = "discovery.last_success"  # what the next update window must cover
    filter_hash: str = "discovery.filter_hash"
    last_run: str = "discovery.last_run"  # {"started", "duration", "outcome"}


STATE_KEYS = StateKeys()


def read_state(conn: sqlite3.Connection) -> dict[str, Any]:
    """Every one of discovery's state rows (None where unset)."""
    return {key: state_store.get(conn, key) for key in vars(STATE_KEYS).values()}


DATA_COLUMNS = (
    "tvmaze_id, tvdb_id, imdb_id, title, language, country, type, status, premiered, ended, "
    "network, web_channel, genres, runtime, rating, tvmaze_updated_at"
)
UPSERT_SQL = f"""
INSERT INTO shows ({DATA_COLUMNS}, processing_status, filter_code, filter_reason, rule,
                   last_checked, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (tvmaze_id) DO UPDATE SET
    tvdb_id = excluded.tvdb_id, imdb_id = excluded.imdb_id, title = excluded.title,
    language = excluded.language, country = excluded.country, type = excluded.type,
    status = excluded.status, premiered = excluded.premiered, ended = excluded.ended,
    network = excluded.network, web_channel = excluded.web_channel, genres = excluded.genres,
    runtime = excluded.runtime, rating = excluded.rating,
    tvmaze_updated_at = excluded.tvmaze_updated_at, last_checked = excluded.last_checked,
    updated_at = excluded.updated_at,
    processing_status = CASE WHEN shows.processing_status IN ('added', 'exists')
        THEN shows.processing_status
        WHEN excluded.processing_status IN ('pending', 'review') AND shows.approved_at IS NOT NULL
        THEN 'approved' ELSE excluded.processing_status END,
    approved_at = CASE WHEN excluded.processing_status = 'filtered'
        AND shows.processing_status NOT IN ('added', 'exists') THEN NULL ELSE shows.approved_at END,
    filter_code = CASE WHEN shows.processing_status IN ('added', 'exists')
        THEN shows.filter_code ELSE excluded.filter_code END,
    filter_reason = CASE WHEN shows.processing_status IN ('added', 'exists')
        THEN shows.filter_reason ELSE excluded.filter_reason END,
    rule = CASE WHEN shows.processing_status IN ('added', 'exists')
        THEN shows.rule ELSE excluded.rule END
"""
RESULT_SQL = """
UPDATE shows SET processing_status = ?, sonarr_series_id = COALESCE(?, sonarr_series_id),
    added_to_sonarr_at = COALESCE(?, added_to_sonarr_at), error_message = ?, retry_after = ?,
    retry_count = ?, last_checked = ?, updated_at = ?
WHERE tvmaze_id = ?
    AND (processing_status != 'skipped' OR ? IN ('added', 'exists'))
"""
SELECT_COLUMNS = (
    f"{DATA_COLUMNS}, processing_status, filter_code, filter_reason, rule, sonarr_series_id, "
    "added_to_sonarr_at, last_checked, retry_after, retry_count, error_message, created_at, "
    "updated_at, approved_at"
)


@dataclass(frozen=True)
class ShowRow:
    show: Show
    status: ShowStatus
    filter_code: str | None
    filter_reason: str | None
    rule: int | None
    sonarr_series_id: int | None
    added_to_sonarr_at: float | None
    last_checked: float | None
    retry_after: float | None
    retry_count: int
    error_message: str | None
    created_at: float
    updated_at: float
    approved_at: float | None = None  # review mode: when a person approved the show


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _data(show: Show) -> tuple[Any, ...]:
    return (
        show.tvmaze_id, show.tvdb_id, show.imdb_id, show.title, show.language, show.country,
        show.type, show.status, _day(show.premiered), _day(show.ended), show.network,
        show.web_channel, json.dumps(list(show.genres)), show.runtime, show.rating, show.updated,
    )  # fmt: skip


def _show(row: Sequence[Any]) -> Show:
    return Show(
        tvmaze_id=row[0], tvdb_id=row[1], imdb_id=row[2], title=row[3], language=row[4],
        country=row[5], type=row[6], status=row[7],
        premiered=date.fromisoformat(row[8]) if row[8] else None,
        ended=date.fromisoformat(row[9]) if row[9] else None,
        network=row[10], web_channel=row[11], genres=tuple(json.loads(row[12])),
        runtime=row[13], rating=row[14], updated=row[15],
    )  # fmt: skip


class _Days(dict[str | None, date | None]):
    """ISO date text -> date, each distinct text parsed once."""

    def __missing__(self, text: str | None) -> date | None:
        value = self[text] = date.fromisoformat(text) if text else None
        return value


class _Genres(dict[str, tuple[str, ...]]):
    """The genres column (JSON) -> tuple, each distinct text decoded once."""

    def __missing__(self, text: str) -> tuple[str, ...]:
        value = self[text] = tuple(json.loads(text))
        return value


def _decoder() -> Callable[[Sequence[Any]], Show]:
    """``_show`` for a pass over the whole table: the same genre lists and dates recur in
    thousands of rows, so each distinct text is decoded once (a refilter reads ~90,000)."""
    days, genres = _Days(), _Genres()

    def decode(row: Sequence[Any]) -> Show:
        return Show(
            tvmaze_id=row[0], tvdb_id=row[1], imdb_id=row[2], title=row[3], language=row[4],
            country=row[5], type=row[6], status=row[7], premiered=days[row[8]],
            ended=days[row[9]], network=row[10], web_channel=row[11], genres=genres[row[12]],
            runtime=row[13], rating=row[14], updated=row[15],
        )  # fmt: skip

    return decode


def show_row(row: Sequence[Any]) -> ShowRow:
    """A row selected with :data:`SELECT_COLUMNS`."""
    return ShowRow(_show(row), ShowStatus(row[16]), *row[17:])


def save_shows(
    conn: sqlite3.Connection,
    judged: Sequence[tuple[Show, Verdict]],
    *,
    now: float,
    state: Mapping[str, Any] | None = None,
) -> None:
    """Store shows with their verdicts, and ``state`` rows, in one transaction.

    A show skipped by hand is stored ``skipped`` whatever its verdict.
    """
    with write_transaction(conn):
        held = skips_of(conn, [show.tvmaze_id for show, _ in judged])
        rows = [(*_data(s), *_verdict(held.get(s.tvmaze_id, v)), now, now, now) for s, v in judged]
        conn.executemany(UPSERT_SQL, rows)
        for key, value in (state or {}).items():
            state_store.put(conn, key, value, now=now)


def _verdict(verdict: Verdict | Skip) -> tuple[Any, ...]:
    """The status columns (status, filter_code, filter_reason, rule) a save writes."""
    if isinstance(verdict, Skip):
        return (ShowStatus.SKIPPED.value, None, verdict.describe(), None)
    return (verdict.status.value, verdict.code, verdict.reason, verdict.rule)


def put_state(conn: sqlite3.Connection, values: Mapping[str, Any], *, now: float) -> None:
    with write_transaction(conn):
        for key, value in values.items():
            state_store.put(conn, key, value, now=now)


@dataclass(frozen=True)
class Outcome:
    """What Sonarr made of one show (a show skipped by hand meanwhile stays skipped,
    unless Sonarr just took it)."""

    status: ShowStatus
    sonarr_series_id: int | None = None
    error: str | None = None
    retry_after: float | None = None
    retry_count: int = 0


def record_outcome(
    conn: sqlite3.Connection, tvmaze_id: int, outcome: Outcome, *, now: float
) -> None:
    added_at = now if outcome.status is ShowStatus.ADDED else None
    with write_transaction(conn):
        conn.execute(
            RESULT_SQL,
            (
                outcome.status.value, outcome.sonarr_series_id, added_at, outcome.error,
                outcome.retry_after, outcome.retry_count, now, now, tvmaze_id,
                outcome.status.value,
            ),
        )  # fmt: skip


def still_waiting(conn: sqlite3.Connection, tvmaze_id: int) -> bool:
    """The show still waits to be added (``pending``/``pending_tvdb``): not skipped by hand
    (or otherwise decided) since an adding pass read it."""
    row = conn.execute("SELECT processing_status FROM shows WHERE tvmaze_id = ?", (tvmaze_id,))
    found = row.fetchone()
    return found is not None and found[0] in WAITING


def known_updates(conn: sqlite3.Connection) -> dict[int, int]:
    """Every cached show's TVMaze ``updated``: what an updates list is compared with."""
    return dict(conn.execute("SELECT tvmaze_id, tvmaze_updated_at FROM shows"))


def highest_id(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COALESCE(MAX(tvmaze_id), 0) FROM shows").fetchone()[0])


def rows_with_status(
    conn: sqlite3.Connection, statuses: Sequence[ShowStatus], *, due_before: float | None = None
) -> Iterator[ShowRow]:
    """Rows in these statuses (oldest id first); ``due_before``: only due ``pending_tvdb``."""
    marks = ", ".join("?" for _ in statuses)
    sql = f"SELECT {SELECT_COLUMNS} FROM shows WHERE processing_status IN ({marks})"
    args: list[Any] = [s.value for s in statuses]
    if due_before is not None:
        sql += (
            " AND (processing_status != 'pending_tvdb' OR retry_after IS NULL OR retry_after <= ?)"
        )
        args.append(due_before)
    for row in conn.execute(sql + " ORDER BY tvmaze_id", args):
        yield show_row(row)


def list_shows(
    conn: sqlite3.Connection, status: ShowStatus | None, *, limit: int, offset: int = 0
) -> list[ShowRow]:
    sql = f"SELECT {SELECT_COLUMNS} FROM shows"
    args: list[Any] = []
    if status is not None:
        sql += " WHERE processing_status = ?"
        args.append(status.value)
    sql += " ORDER BY tvmaze_id LIMIT ? OFFSET ?"
    return [show_row(r) for r in conn.execute(sql, [*args, limit, offset])]


def get_show(conn: sqlite3.Connection, tvmaze_id: int) -> ShowRow | None:
    row = conn.execute(f"SELECT {SELECT_COLUMNS} FROM shows WHERE tvmaze_id = ?", (tvmaze_id,))
    found = row.fetchone()
    return None if found is None else show_row(found)


REFILTER_SQL = f"""
SELECT {DATA_COLUMNS}, processing_status, filter_code, filter_reason, rule, approved_at
FROM shows
WHERE processing_status IN ('pending', 'filtered', 'pending_tvdb', 'review', 'approved')
"""
WAITING = frozenset({"pending", "pending_tvdb", "approved"})  # cleared to add, not in Sonarr


def refilter(
    conn: sqlite3.Connection,
    judge_show: Callable[[Show], Verdict],
    *,
    now: float,
    state: Mapping[str, Any] | None = None,
) -> tuple[int, int]:
    """Re-evaluate the cached shows not yet in Sonarr, with no request to anyone.

    Only rows whose verdict changes are written, together with ``state`` (the new filter
    fingerprint) in one transaction. A show accepted again keeps its waiting status (and
    retry clock), a show in review stays there, an approval holds (see core/show_review).
    Shows Sonarr decided on (added, exists, failed) and abandoned ones stay as they are: a
    refresh of their data reopens them. Returns (evaluated, changed).
    """
    changes = []
    evaluated = 0
    cursor = conn.cursor()
    cursor.row_factory = None  # plain tuples: faster than sqlite3.Row over the whole table
    decode = _decoder()
    for row in cursor.execute(REFILTER_SQL):
        evaluated += 1
        verdict = judge_show(decode(row))
        old_status, old_reason, old_rule, approved_at = row[16], row[18], row[19], row[20]
        new_status = settled(verdict, ShowStatus(old_status), approved=approved_at is not None)
        if new_status == old_status and (verdict.rule, verdict.reason) == (old_rule, old_reason):
            continue
        if new_status is ShowStatus.FILTERED:
            approved_at = None
        changes.append(
            (new_status.value, verdict.code, verdict.reason, verdict.rule, approved_at, now, row[0])
        )
    with write_transaction(conn):
        conn.executemany(
            "UPDATE shows SET processing_status = ?, filter_code = ?, filter_reason = ?, "
            "rule = ?, approved_at = ?, updated_at = ? WHERE tvmaze_id = ?",
            changes,
        )
        for key, value in (state or {}).items():
            state_store.put(conn, key, value, now=now)
    return evaluated, len(changes)


def count_by_status(conn: sqlite3.Connection) -> dict[str, int]:
    return dict(conn.execute("SELECT processing_status, COUNT(*) FROM shows GROUP BY 1"))


def count_filtered_by_reason(conn: sqlite3.Connection) -> dict[str, int]:
    return dict(
        conn.execute(
            "SELECT COALESCE(filter_code, 'unknown'), COUNT(*) FROM shows "
            "WHERE processing_status = 'filtered' GROUP BY 1"
        )
    )


def count_pending_retry(conn: sqlite3.Connection) -> dict[str, int]:
    """Shows waiting to be tried again, by why (``pending_tvdb``, ``failed``)."""
    return dict(
        conn.execute(
            "SELECT processing_status, COUNT(*) FROM shows "
            "WHERE processing_status = 'pending_tvdb' GROUP BY 1"
        )
    )


# Skipped by hand -------------------------------------------------------------------------

SKIPPED_BY_HAND = "skipped by hand"
IN_SONARR = frozenset({ShowStatus.ADDED, ShowStatus.EXISTS})


@dataclass(frozen=True)
class Skip:
    """A show excluded from discovery by hand: TVMaze-Sync's ``skipped``."""

    tvmaze_id: int
    reason: str | None
    skipped_at: float

    def describe(self) -> str:
        """The ``filter_reason`` a skipped show shows."""
        return f"{SKIPPED_BY_HAND}: {self.reason}" if self.reason else SKIPPED_BY_HAND


@dataclass(frozen=True)
class SkipChange:
    """What :func:`skip` or :func:`unskip` did.

    ``changed``: false when there was nothing to do (unskip: the show was not skipped by
    hand) or nothing was done (skip: Sonarr already has the show). ``status``: the
    catalogued show's status now; None while the show is not in the catalogue.
    """

    changed: bool
    status: ShowStatus | None


def _status(conn: sqlite3.Connection, tvmaze_id: int) -> ShowStatus | None:
    row = conn.execute("SELECT processing_status FROM shows WHERE tvmaze_id = ?", (tvmaze_id,))
    found = row.fetchone()
    return None if found is None else ShowStatus(found[0])


def skip(conn: sqlite3.Connection, tvmaze_id: int, reason: str | None, at: float) -> SkipChange:
    """Exclude a show from discovery by hand, whether or not it is in the catalogue yet.

    Its row (if any) becomes ``skipped`` at once and stays so: no cycle judges or adds it
    until :func:`unskip`. A second skip replaces the reason and time. A show Sonarr
    already has (``added``/``exists``) is left as it is (a skip would not remove it from
    Sonarr, and discovery never adds a show twice): ``changed`` is false.
    """
    with write_transaction(conn):
        return skip_within(conn, tvmaze_id, reason, at)


def skip_within(
    conn: sqlite3.Connection, tvmaze_id: int, reason: str | None, at: float
) -> SkipChange:
    """:func:`skip` inside the caller's write transaction (an import that must hold its
    skips in the same commit as the rows they protect)."""
    status = _status(conn, tvmaze_id)
    if status in IN_SONARR:
        return SkipChange(False, status)
    conn.execute(
        "INSERT INTO show_skips (tvmaze_id, reason, skipped_at) VALUES (?, ?, ?) "
        "ON CONFLICT (tvmaze_id) DO UPDATE SET reason = excluded.reason, "
        "skipped_at = excluded.skipped_at",
        (tvmaze_id, reason, at),
    )
    if status is None:
        return SkipChange(True, None)
    conn.execute(
        "UPDATE shows SET processing_status = 'skipped', filter_code = NULL, "
        "filter_reason = ?, rule = NULL, retry_after = NULL, approved_at = NULL, updated_at = ? "
        "WHERE tvmaze_id = ?",
        (Skip(tvmaze_id, reason, at).describe(), at, tvmaze_id),
    )
    return SkipChange(True, ShowStatus.SKIPPED)


def unskip(
    conn: sqlite3.Connection, tvmaze_id: int, judge_show: Callable[[Show], Verdict], *, now: float
) -> SkipChange:
    """Lift a skip by hand; a catalogued show is judged again by the filters at once.

    Accepted, it is ``pending`` (the next cycle adds it), or ``review`` when the judge asks
    for a person's approval; rejected, ``filtered``. Its retry clock starts again. A show
    not skipped by hand is left as it is (``changed`` false), an abandoned or
    Sonarr-excluded ``skipped`` show included.
    """
    with write_transaction(conn):
        removed = conn.execute("DELETE FROM show_skips WHERE tvmaze_id = ?", (tvmaze_id,))
        if removed.rowcount == 0:
            return SkipChange(False, _status(conn, tvmaze_id))
        row = conn.execute(
            f"SELECT {DATA_COLUMNS} FROM shows WHERE tvmaze_id = ? AND processing_status = ?",
            (tvmaze_id, ShowStatus.SKIPPED.value),
        ).fetchone()
        if row is None:
            return SkipChange(True, _status(conn, tvmaze_id))
        verdict = judge_show(_show(row))
        conn.execute(
            "UPDATE shows SET processing_status = ?, filter_code = ?, filter_reason = ?, "
            "rule = ?, retry_after = NULL, retry_count = 0, error_message = NULL, "
            "updated_at = ? WHERE tvmaze_id = ?",
            (verdict.status.value, verdict.code, verdict.reason, verdict.rule, now, tvmaze_id),
        )
    return SkipChange(True, verdict.status)


SKIP_COLUMNS = "tvmaze_id, reason, skipped_at"


def skips_of(conn: sqlite3.Connection, tvmaze_ids: Sequence[int]) -> dict[int, Skip]:
    """The skips by hand among these shows, by id (one indexed range read, however many)."""
    if not tvmaze_ids:
        return {}
    wanted = set(tvmaze_ids)
    rows = conn.execute(
        f"SELECT {SKIP_COLUMNS} FROM show_skips WHERE tvmaze_id BETWEEN ? AND ?",
        (min(wanted), max(wanted)),
    )
    return {row[0]: Skip(*row) for row in rows if row[0] in wanted}


def list_skips(conn: sqlite3.Connection, *, limit: int, offset: int = 0) -> list[Skip]:
    """Every skip by hand (catalogued or not), oldest id first."""
    rows = conn.execute(
        f"SELECT {SKIP_COLUMNS} FROM show_skips ORDER BY tvmaze_id LIMIT ? OFFSET ?",
        (limit, offset),
    )
    return [Skip(*row) for row in rows]


def count_skips(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM show_skips").fetchone()[0])
