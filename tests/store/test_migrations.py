import sqlite3
from pathlib import Path

import pytest

from arrkestra.store.connection import StoreError, connect, write_transaction
from arrkestra.store.migrations import Migration, available_migrations, migrate, schema_version


def test_new_database_is_wal_with_full_schema(db_path: Path) -> None:
    conn = connect(db_path)
    applied = migrate(conn)
    assert applied == [m.name for m in available_migrations()]
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"events", "jobs", "job_attempts", "state"} <= tables
    assert migrate(conn) == []  # idempotent
    conn.close()


def test_migrations_are_numbered_without_gaps() -> None:
    versions = [m.version for m in available_migrations()]
    assert versions == list(range(1, len(versions) + 1))


def test_a_failing_migration_is_rolled_back(conn: sqlite3.Connection) -> None:
    before = schema_version(conn)
    broken = [
        *available_migrations(),
        Migration(before + 1, "bad.sql", "CREATE TABLE t (x); SELECT * FROM nope;"),
    ]
    with pytest.raises(StoreError, match=r"bad\.sql"):
        migrate(conn, broken)
    assert schema_version(conn) == before
    assert conn.execute("SELECT name FROM sqlite_master WHERE name = 't'").fetchone() is None


def test_a_newer_schema_is_refused(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA user_version = 999")
    with pytest.raises(StoreError, match="newer arrkestra"):
        migrate(conn)


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "arrkestra.db"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match="not a usable SQLite database"):
        connect(path)


def test_write_transaction_rolls_back_on_error(conn: sqlite3.Connection) -> None:
    def insert_then_fail() -> None:
        with write_transaction(conn):
            conn.execute("INSERT INTO state (key, value, updated_at) VALUES ('a', '1', 0)")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        insert_then_fail()
    assert conn.execute("SELECT COUNT(*) FROM state").fetchone()[0] == 0
    assert not conn.in_transaction


def test_migration_4_carries_the_run_alone_note_into_its_column(db_path: Path) -> None:
    """Before 4, "run alone next time" was the note on a released attempt row."""
    conn = connect(db_path)
    migrate(conn, available_migrations()[:3])
    rows = [
        # id, attempts, the released attempt's number, its note: alone / plain drain / spent
        (1, 0, 1, "released: the batch run of job 9 failed: rsync exit 23"),
        (2, 0, 1, None),
        (3, 1, 1, "released: the batch run of job 9 failed: rsync exit 23"),
    ]
    for job_id, attempts, attempt, note in rows:
        conn.execute(
            "INSERT INTO jobs (id, pipeline, key, params, status, attempts, created_at, "
            "updated_at, next_attempt_at) VALUES (?, 'mirror', ?, '{}', 'pending', ?, 1, 1, 1)",
            (job_id, f"k{job_id}", attempts),
        )
        conn.execute(
            "INSERT INTO job_attempts (job_id, attempt, owner, started_at, finished_at, "
            "outcome, error) VALUES (?, ?, 'w', 2, 3, 'released', ?)",
            (job_id, attempt, note),
        )
    assert migrate(conn)[0] == "0004_jobs_run_alone.sql"
    flags = dict(conn.execute("SELECT id, run_alone FROM jobs").fetchall())
    assert flags == {1: 1, 2: 0, 3: 0}  # job 3 ran again since: its note no longer holds
    conn.close()
