"""Review mode in the store: approvals, what saves and refilters keep, and the page's search."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from arrkestra.core.discovery import Verdict
from arrkestra.core.shows import Show, ShowStatus
from arrkestra.store import show_review, show_search
from arrkestra.store import shows as show_store
from arrkestra.store.connection import connect
from arrkestra.store.migrations import migrate

REVIEW = Verdict(ShowStatus.REVIEW, rule=0)
PENDING = Verdict(ShowStatus.PENDING, rule=0)
FILTERED = Verdict(ShowStatus.FILTERED, "genre", "genre Reality is excluded")


@pytest.fixture
def conn(tmp_path: Path) -> sqlite3.Connection:
    connection = connect(tmp_path / "a.db")
    migrate(connection)
    return connection


def show(tvmaze_id: int, title: str | None = None, updated: int = 1) -> Show:
    return Show(tvmaze_id=tvmaze_id, title=title or f"S{tvmaze_id}", updated=updated)


def statuses(conn: sqlite3.Connection) -> dict[int, str]:
    rows = conn.execute("SELECT tvmaze_id, processing_status FROM shows ORDER BY 1")
    return dict(rows.fetchall())


def approved_at(conn: sqlite3.Connection, tvmaze_id: int) -> float | None:
    row = conn.execute("SELECT approved_at FROM shows WHERE tvmaze_id = ?", (tvmaze_id,))
    value: float | None = row.fetchone()[0]
    return value


def always(verdict: Verdict) -> Callable[[Show], Verdict]:
    return lambda _: verdict


def test_only_a_show_in_review_is_approved(conn: sqlite3.Connection) -> None:
    show_store.save_shows(conn, [(show(1), REVIEW), (show(2), FILTERED)], now=1.0)
    first = show_review.approve(conn, 1, at=5.0)
    again = show_review.approve(conn, 1, at=6.0)
    filtered = show_review.approve(conn, 2, at=6.0)
    unknown = show_review.approve(conn, 3, at=6.0)
    assert first == show_review.Approval(True, ShowStatus.APPROVED)
    assert again == show_review.Approval(False, ShowStatus.APPROVED)
    assert filtered == show_review.Approval(False, ShowStatus.FILTERED)
    assert unknown == show_review.Approval(False, None)
    assert statuses(conn) == {1: "approved", 2: "filtered"} and approved_at(conn, 1) == 5.0
    (row,) = show_store.list_shows(conn, ShowStatus.APPROVED, limit=5)
    assert row.approved_at == 5.0 and row.rule == 0


def test_an_approval_holds_while_the_filters_accept_the_show(conn: sqlite3.Connection) -> None:
    show_store.save_shows(conn, [(show(1), REVIEW), (show(2), REVIEW)], now=1.0)
    show_review.approve(conn, 1, at=2.0)
    show_store.save_shows(
        conn, [(show(1, updated=2), REVIEW), (show(2, updated=2), REVIEW)], now=3.0
    )
    assert statuses(conn) == {1: "approved", 2: "review"}  # a TVMaze update keeps both
    waiting = show_store.Outcome(ShowStatus.PENDING_TVDB, retry_after=99.0, retry_count=1)
    show_store.record_outcome(conn, 1, waiting, now=4.0)
    show_store.save_shows(conn, [(show(1, updated=3), REVIEW)], now=5.0)
    assert statuses(conn)[1] == "approved"  # reopened for an early look, still approved
    show_store.save_shows(conn, [(show(1, updated=4), FILTERED)], now=6.0)
    assert statuses(conn)[1] == "filtered" and approved_at(conn, 1) is None
    show_store.save_shows(conn, [(show(1, updated=5), REVIEW)], now=7.0)
    assert statuses(conn)[1] == "review"  # accepted again: asked again


def test_refilter_keeps_review_and_approvals_and_follows_the_mode(
    conn: sqlite3.Connection,
) -> None:
    rows = [(show(n), PENDING) for n in (1, 2, 3, 4)]
    show_store.save_shows(conn, rows, now=1.0)
    waiting = show_store.Outcome(ShowStatus.PENDING_TVDB, retry_after=99.0, retry_count=2)
    show_store.record_outcome(conn, 2, waiting, now=2.0)

    # review turned on: nothing waits to be added without a person's yes
    assert show_store.refilter(conn, always(REVIEW), now=3.0) == (4, 4)
    assert statuses(conn) == {1: "review", 2: "review", 3: "review", 4: "review"}
    show_review.approve(conn, 1, at=4.0)
    assert show_store.refilter(conn, always(REVIEW), now=5.0) == (4, 0)  # nothing moves

    def reject_four(s: Show) -> Verdict:
        return FILTERED if s.tvmaze_id == 4 else REVIEW

    assert show_store.refilter(conn, reject_four, now=6.0) == (4, 1)
    assert statuses(conn) == {1: "approved", 2: "review", 3: "review", 4: "filtered"}
    # review turned off: shows in review wait to be added, the approved one as it was
    assert show_store.refilter(conn, always(PENDING), now=7.0) == (4, 3)
    assert statuses(conn) == {1: "approved", 2: "pending", 3: "pending", 4: "pending"}
    (two,) = [r for r in show_store.list_shows(conn, None, limit=9) if r.show.tvmaze_id == 2]
    assert two.retry_count == 2 and two.retry_after == 99.0  # its retry clock is kept


def test_a_skip_clears_an_approval_and_unskip_asks_again(conn: sqlite3.Connection) -> None:
    show_store.save_shows(conn, [(show(1), REVIEW)], now=1.0)
    show_review.approve(conn, 1, at=2.0)
    show_store.skip(conn, 1, "not for me", 3.0)
    assert statuses(conn) == {1: "skipped"} and approved_at(conn, 1) is None
    assert show_store.refilter(conn, always(REVIEW), now=4.0) == (0, 0)  # not judged
    change = show_store.unskip(conn, 1, always(REVIEW), now=5.0)
    assert change.status is ShowStatus.REVIEW and statuses(conn) == {1: "review"}


def test_the_adding_pass_takes_approved_shows(conn: sqlite3.Connection) -> None:
    show_store.save_shows(conn, [(show(1), REVIEW), (show(2), REVIEW)], now=1.0)
    show_review.approve(conn, 2, at=2.0)
    assert not show_store.still_waiting(conn, 1)
    assert show_store.still_waiting(conn, 2)


def test_find_shows_by_status_and_words_a_page_at_a_time(conn: sqlite3.Connection) -> None:
    titles = ["The Wire", "Wired 100%", "wire_frame", "Dark", "Darker", "Ōoku", "wireless"]
    rows = [(show(n + 1, title), REVIEW if n % 2 else FILTERED) for n, title in enumerate(titles)]
    show_store.save_shows(conn, rows, now=1.0)

    def ids(
        status: ShowStatus | None, words: str | None, limit: int = 10, offset: int = 0
    ) -> list[int]:
        page = show_search.find_shows(conn, status, words, limit=limit, offset=offset)
        return [row.show.tvmaze_id for row in page.rows]

    assert ids(None, "wire") == [7, 3, 2, 1]  # newest TVMaze id first, any case
    assert ids(ShowStatus.REVIEW, "wire") == [2]
    assert ids(ShowStatus.FILTERED, "WIRE") == [7, 3, 1]
    assert ids(None, "100%") == [2] and ids(None, "e_f") == [3]  # % and _ are literal
    assert ids(None, "%") == [2] and ids(None, "nothing like it") == []
    assert ids(None, "Ōoku") == [6]
    assert ids(ShowStatus.REVIEW, None) == [6, 4, 2]
    first = show_search.find_shows(conn, None, None, limit=3)
    last = show_search.find_shows(conn, None, None, limit=3, offset=6)
    assert [r.show.tvmaze_id for r in first.rows] == [7, 6, 5] and first.more
    assert [r.show.tvmaze_id for r in last.rows] == [1] and not last.more


PLANS = [
    (show_search.LIST_ALL_SQL, [51, 0], "SCAN shows"),  # rowid order, stops at the LIMIT
    (show_search.LIST_SQL, ["filtered", 51, 0], "SEARCH shows USING INDEX shows_status"),
    (show_search.SEARCH_SQL, ["filtered", "%wire%", 51, 0], "COVERING INDEX shows_status_title"),
    (show_search.SEARCH_ALL_SQL, ["%wire%", 51, 0], "SCAN shows USING COVERING INDEX"),
]


@pytest.mark.parametrize(("sql", "args", "expected"), PLANS)
def test_the_page_queries_read_an_index_never_the_table_whole(
    conn: sqlite3.Connection, sql: str, args: list[object], expected: str
) -> None:
    """A listing follows an index in id order (no sort); a search scans the covering
    index (status, title), and reads only the page's rows from the table, by id."""
    plan = " | ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", args))
    assert expected in plan, plan
    assert "LIMIT" in sql
    if sql in (show_search.LIST_SQL, show_search.LIST_ALL_SQL):
        assert "TEMP B-TREE" not in plan, plan
    else:
        assert "SEARCH shows USING INTEGER PRIMARY KEY" in plan, plan
