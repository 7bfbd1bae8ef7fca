"""The shows table: data and checkpoint in one transaction, settled statuses kept."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pytest

from arrkestra.core.discovery import Verdict
from arrkestra.core.shows import Show, ShowStatus
from arrkestra.store import shows as show_store
from arrkestra.store import state as state_store
from arrkestra.store.connection import connect
from arrkestra.store.migrations import migrate

PENDING = Verdict(ShowStatus.PENDING, rule=0)
FILTERED = Verdict(ShowStatus.FILTERED, "genre", "genre Reality is excluded")


@pytest.fixture
def conn(tmp_path: Path) -> sqlite3.Connection:
    connection = connect(tmp_path / "a.db")
    migrate(connection)
    return connection


def show(tvmaze_id: int, updated: int = 1, **fields: object) -> Show:
    return Show(tvmaze_id=tvmaze_id, title=f"S{tvmaze_id}", updated=updated, **fields)  # type: ignore[arg-type]


def test_a_page_and_its_checkpoint_commit_together(conn: sqlite3.Connection) -> None:
    show_store.save_shows(conn, [(show(1), PENDING), (show(2), FILTERED)], now=5.0, state={"cp": 1})
    assert state_store.get(conn, "cp") == 1
    assert show_store.count_by_status(conn) == {"pending": 1, "filtered": 1}
    with pytest.raises(sqlite3.IntegrityError):  # a bad row rolls the checkpoint back too
        show_store.save_shows(
            conn,
            [(show(3), PENDING), (show(4), Verdict(SimpleNamespace(value="nonsense")))],  # type: ignore[arg-type]
            now=6.0,
            state={"cp": 2},
        )
    assert state_store.get(conn, "cp") == 1 and show_store.highest_id(conn) == 2


def test_a_refresh_keeps_what_sonarr_decided(conn: sqlite3.Connection) -> None:
    show_store.save_shows(conn, [(show(1), PENDING)], now=1.0)
    outcome = show_store.Outcome(ShowStatus.ADDED, sonarr_series_id=77)
    show_store.record_outcome(conn, 1, outcome, now=2.0)
    show_store.save_shows(conn, [(show(1, updated=9, status="Ended"), FILTERED)], now=3.0)
    (row,) = show_store.list_shows(conn, None, limit=10)
    assert row.status is ShowStatus.ADDED and row.sonarr_series_id == 77
    assert row.show.status == "Ended" and row.show.updated == 9  # the data is fresh


def test_refilter_touches_only_changed_rows_and_keeps_retry_clocks(
    conn: sqlite3.Connection,
) -> None:
    rows = [(show(1), FILTERED), (show(2), PENDING), (show(3), FILTERED)]
    show_store.save_shows(conn, rows, now=1.0)
    waiting = show_store.Outcome(ShowStatus.PENDING_TVDB, retry_after=99.0, retry_count=2)
    show_store.record_outcome(conn, 2, waiting, now=2.0)

    def accept_all_but_three(s: Show) -> Verdict:
        return FILTERED if s.tvmaze_id == 3 else PENDING

    evaluated, changed = show_store.refilter(
        conn, accept_all_but_three, now=3.0, state={"hash": "new"}
    )
    assert (evaluated, changed) == (3, 1)  # only show 1 changed
    by_id = {r.show.tvmaze_id: r for r in show_store.list_shows(conn, None, limit=10)}
    assert by_id[1].status is ShowStatus.PENDING
    assert by_id[2].status is ShowStatus.PENDING_TVDB and by_id[2].retry_count == 2
    assert state_store.get(conn, "hash") == "new"


def test_due_retries_only(conn: sqlite3.Connection) -> None:
    show_store.save_shows(conn, [(show(1), PENDING), (show(2), PENDING)], now=1.0)
    later = show_store.Outcome(ShowStatus.PENDING_TVDB, retry_after=100.0, retry_count=1)
    show_store.record_outcome(conn, 2, later, now=1.0)
    statuses = (ShowStatus.PENDING, ShowStatus.PENDING_TVDB)
    due = [r.show.tvmaze_id for r in show_store.rows_with_status(conn, statuses, due_before=50)]
    assert due == [1]
    due = [r.show.tvmaze_id for r in show_store.rows_with_status(conn, statuses, due_before=150)]
    assert due == [1, 2]
