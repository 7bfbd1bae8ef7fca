"""Skips by hand in the store: a skipped show stays skipped whatever later writes bring."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from arrkestra.core.discovery import Verdict
from arrkestra.core.shows import Show, ShowStatus
from arrkestra.store import shows as show_store
from arrkestra.store.connection import connect
from arrkestra.store.migrations import migrate

PENDING = Verdict(ShowStatus.PENDING, rule=0)
FILTERED = Verdict(ShowStatus.FILTERED, "genre", "genre Reality is excluded")


@pytest.fixture
def conn(tmp_path: Path) -> sqlite3.Connection:
    connection = connect(tmp_path / "a.db")
    migrate(connection)
    return connection


def show(tvmaze_id: int, updated: int = 1) -> Show:
    return Show(tvmaze_id=tvmaze_id, title=f"S{tvmaze_id}", updated=updated)


def status(conn: sqlite3.Connection, tvmaze_id: int) -> ShowStatus:
    row = show_store.get_show(conn, tvmaze_id)
    assert row is not None
    return row.status


def test_a_skip_before_the_catalogue_holds_when_the_show_is_stored(
    conn: sqlite3.Connection,
) -> None:
    change = show_store.skip(conn, 7, "not for us", 1.0)
    assert change == show_store.SkipChange(True, None)
    show_store.save_shows(conn, [(show(6), PENDING), (show(7), PENDING)], now=2.0)
    row = show_store.get_show(conn, 7)
    assert row is not None and row.status is ShowStatus.SKIPPED
    assert row.filter_reason == "skipped by hand: not for us" and row.rule is None
    assert status(conn, 6) is ShowStatus.PENDING
    assert show_store.count_skips(conn) == 1


def test_refreshes_refilters_and_late_outcomes_leave_a_skip_alone(
    conn: sqlite3.Connection,
) -> None:
    show_store.save_shows(conn, [(show(1), PENDING), (show(2), FILTERED)], now=1.0)
    assert show_store.skip(conn, 1, None, 2.0) == show_store.SkipChange(True, ShowStatus.SKIPPED)
    assert show_store.skip(conn, 2, "again", 2.0).status is ShowStatus.SKIPPED
    assert not show_store.still_waiting(conn, 1)
    show_store.save_shows(conn, [(show(1, updated=5), PENDING)], now=3.0)  # TVMaze updated it
    evaluated, changed = show_store.refilter(conn, lambda s: PENDING, now=4.0)
    # an adding pass that read show 1 before the skip: its outcome is not recorded
    waiting = show_store.Outcome(ShowStatus.PENDING_TVDB, retry_after=9.0, retry_count=1)
    show_store.record_outcome(conn, 1, waiting, now=5.0)
    assert (evaluated, changed) == (0, 0)
    assert status(conn, 1) is ShowStatus.SKIPPED and status(conn, 2) is ShowStatus.SKIPPED
    row = show_store.get_show(conn, 1)
    assert row is not None and row.show.updated == 5 and row.retry_count == 0  # data fresh


def test_sonarr_taking_a_show_during_a_skip_is_recorded(conn: sqlite3.Connection) -> None:
    show_store.save_shows(conn, [(show(1), PENDING)], now=1.0)
    show_store.skip(conn, 1, None, 2.0)  # while Sonarr was adding it
    show_store.record_outcome(conn, 1, show_store.Outcome(ShowStatus.ADDED, 42), now=3.0)
    assert status(conn, 1) is ShowStatus.ADDED  # the truth: Sonarr has it


def test_a_show_in_sonarr_is_not_skipped(conn: sqlite3.Connection) -> None:
    show_store.save_shows(conn, [(show(1), PENDING)], now=1.0)
    show_store.record_outcome(conn, 1, show_store.Outcome(ShowStatus.EXISTS), now=2.0)
    assert show_store.skip(conn, 1, None, 3.0) == show_store.SkipChange(False, ShowStatus.EXISTS)
    assert show_store.count_skips(conn) == 0 and status(conn, 1) is ShowStatus.EXISTS


def test_a_second_skip_replaces_the_reason(conn: sqlite3.Connection) -> None:
    show_store.skip(conn, 1, "first", 1.0)
    show_store.skip(conn, 1, "second", 2.0)
    assert show_store.list_skips(conn, limit=10) == [show_store.Skip(1, "second", 2.0)]


def test_unskip_judges_the_show_again_and_restarts_its_retry_clock(
    conn: sqlite3.Connection,
) -> None:
    show_store.save_shows(conn, [(show(1), PENDING), (show(2), PENDING)], now=1.0)
    abandoned = show_store.Outcome(ShowStatus.SKIPPED, error="abandoned", retry_count=9)
    show_store.record_outcome(conn, 1, abandoned, now=2.0)
    show_store.skip(conn, 1, None, 3.0)
    show_store.skip(conn, 2, None, 3.0)
    judged = show_store.unskip(conn, 1, lambda s: PENDING, now=4.0)
    rejected = show_store.unskip(conn, 2, lambda s: FILTERED, now=4.0)
    assert judged == show_store.SkipChange(True, ShowStatus.PENDING)
    assert rejected == show_store.SkipChange(True, ShowStatus.FILTERED)
    row = show_store.get_show(conn, 1)
    assert row is not None and row.retry_count == 0 and row.error_message is None
    assert row.rule == 0 and show_store.still_waiting(conn, 1)
    assert show_store.count_skips(conn) == 0


def test_unskip_of_a_show_not_skipped_by_hand_changes_nothing(conn: sqlite3.Connection) -> None:
    show_store.save_shows(conn, [(show(1), PENDING)], now=1.0)
    excluded = show_store.Outcome(ShowStatus.SKIPPED, error="on Sonarr's import list exclusions")
    show_store.record_outcome(conn, 1, excluded, now=2.0)
    change = show_store.unskip(conn, 1, lambda s: PENDING, now=3.0)
    assert change == show_store.SkipChange(False, ShowStatus.SKIPPED)
    assert show_store.unskip(conn, 5, lambda s: PENDING, now=3.0) == show_store.SkipChange(
        False, None
    )
