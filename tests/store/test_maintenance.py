import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from arrkestra.store import maintenance
from arrkestra.store.connection import connect
from arrkestra.store.migrations import migrate


def _fill(conn: sqlite3.Connection, n: int) -> None:
    conn.executemany(
        "INSERT INTO state (key, value, updated_at) VALUES (?, ?, 0)",
        [(f"k{i}", '"v"') for i in range(n)],
    )


def test_backup_is_a_consistent_copy_and_rotation_keeps_the_newest(
    conn: sqlite3.Connection, tmp_path: Path
) -> None:
    _fill(conn, 50)
    backups = tmp_path / "backups"
    start = datetime(2026, 1, 1, tzinfo=UTC)
    results = [
        maintenance.backup(conn, backups, keep=3, now=start + timedelta(days=d)) for d in range(5)
    ]
    kept = maintenance.list_backups(backups)
    assert kept == [r.path for r in reversed(results[-3:])]
    assert not list(backups.glob("*.partial"))
    copy = sqlite3.connect(kept[0])
    assert copy.execute("SELECT COUNT(*) FROM state").fetchone()[0] == 50
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    copy.close()
    assert results[-1].removed == (results[1].path,)


def test_integrity_check_passes_on_a_healthy_file(conn: sqlite3.Connection) -> None:
    assert maintenance.check_integrity(conn, full=True).ok
    assert maintenance.check_integrity(conn, full=False).ok


def test_corruption_is_detected_and_the_message_names_the_newest_backup(tmp_path: Path) -> None:
    db_file = tmp_path / "arrkestra.db"
    conn = connect(db_file)
    migrate(conn)
    _fill(conn, 3000)  # enough pages that damage lands in table data
    newest = maintenance.backup(
        conn, tmp_path / "backups", keep=2, now=datetime(2026, 5, 1, tzinfo=UTC)
    )
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    raw = bytearray(db_file.read_bytes())
    page = 4096
    for offset in range(page * 3, len(raw) - page, page * 2):  # scribble over every other page
        raw[offset + 100 : offset + 400] = b"\xff" * 300
    db_file.write_bytes(bytes(raw))
    conn = sqlite3.connect(db_file)
    report = maintenance.check_integrity(conn, full=True)
    conn.close()
    assert not report.ok and report.problems
    message = maintenance.corruption_message(db_file, tmp_path / "backups", report.problems)
    assert str(newest.path) in message and "damaged" in message
