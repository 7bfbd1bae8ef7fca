"""Migration 9 rebuilds ``shows`` for review mode: rows from before keep every value."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from arrkestra.store.connection import connect
from arrkestra.store.migrations import available_migrations, migrate, schema_version

OLD_STATUSES = ("pending", "filtered", "pending_tvdb", "added", "exists", "failed", "skipped")


def before_nine(path: Path) -> sqlite3.Connection:
    conn = connect(path)
    migrate(conn, available_migrations()[:8])
    assert schema_version(conn) == 8
    return conn


def indexes_of_shows(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'shows'"
    )
    return {row[0] for row in rows}


def old_row(n: int, status: str) -> tuple[object, ...]:
    """Every column of the version-8 table, each value distinct (nulls where allowed)."""
    return (
        n, 100_000 + n, f"tt{n:07d}", f"Show {n}: ünïcode", "English", "US", "Scripted",
        "Running", "2015-03-0" + str(n % 9 + 1), None if n % 2 else "2020-01-01", "HBO", None,
        '["Drama", "Crime"]', 45 + n, 7.5 + n / 10, status, f"reason {n}", f"code{n}",
        n % 3, 900 + n, 1_700_000_000.5 + n, 1_700_000_100.25 + n, 1_690_000_000 + n,
        None if n % 2 else 1_800_000_000.0 + n, n, f"error {n}", 1_600_000_000.0 + n,
        1_650_000_000.0 + n,
    )  # fmt: skip


COLUMNS = (
    "tvmaze_id, tvdb_id, imdb_id, title, language, country, type, status, premiered, ended, "
    "network, web_channel, genres, runtime, rating, processing_status, filter_reason, "
    "filter_code, rule, sonarr_series_id, added_to_sonarr_at, last_checked, tvmaze_updated_at, "
    "retry_after, retry_count, error_message, created_at, updated_at"
)


def test_rows_from_before_keep_their_status_and_data(tmp_path: Path) -> None:
    conn = before_nine(tmp_path / "a.db")
    rows = [old_row(n, status) for n, status in enumerate(OLD_STATUSES, start=1)]
    marks = ", ".join("?" for _ in rows[0])
    conn.executemany(f"INSERT INTO shows ({COLUMNS}) VALUES ({marks})", rows)
    conn.execute("INSERT INTO show_skips (tvmaze_id, reason, skipped_at) VALUES (7, 'meh', 5.0)")
    conn.commit()
    before = indexes_of_shows(conn)

    applied = migrate(conn)

    assert applied[0] == "0009_show_review.sql"
    after = conn.execute(f"SELECT {COLUMNS} FROM shows ORDER BY tvmaze_id")
    assert [tuple(row) for row in after] == rows
    assert conn.execute("SELECT COUNT(*) FROM shows WHERE approved_at IS NULL").fetchone()[0] == 7
    assert [tuple(row) for row in conn.execute("SELECT * FROM show_skips")] == [(7, "meh", 5.0)]
    assert "shows_status" in before
    assert indexes_of_shows(conn) == before | {"shows_status_title"}  # the page's, new
    assert (
        conn.execute("SELECT name FROM sqlite_master WHERE name = 'shows_new'").fetchone() is None
    )
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_the_new_statuses_are_taken_and_others_still_refused(tmp_path: Path) -> None:
    conn = before_nine(tmp_path / "a.db")
    migrate(conn)
    insert = (
        "INSERT INTO shows (tvmaze_id, title, processing_status, tvmaze_updated_at, created_at, "
        "updated_at, approved_at) VALUES (?, 'x', ?, 0, 0, 0, ?)"
    )
    conn.execute(insert, (1, "review", None))
    conn.execute(insert, (2, "approved", 12.5))
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute(insert, (3, "maybe", None))
    statuses = conn.execute("SELECT processing_status, approved_at FROM shows ORDER BY 1")
    assert [tuple(row) for row in statuses] == [("approved", 12.5), ("review", None)]
