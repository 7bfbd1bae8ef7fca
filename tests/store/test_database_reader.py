"""``Database.read``: pages read on a connection of their own, which cannot write, sees
what the writer committed, and does not wait behind the writer's thread."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest

from arrkestra.store.database import Database


async def test_the_reader_sees_commits_and_cannot_write(tmp_path: Path) -> None:
    db = Database.open(tmp_path / "a.db")
    try:

        def put(conn: sqlite3.Connection) -> None:
            conn.execute("INSERT INTO state (key, value, updated_at) VALUES ('k', '1', 1.0)")

        def get(conn: sqlite3.Connection) -> list[str]:
            return [row[0] for row in conn.execute("SELECT key FROM state")]

        await db.run(put)
        assert await db.read(get) == ["k"]
        with pytest.raises(sqlite3.OperationalError, match=r"readonly|read-only|query_only"):
            await db.read(put)
    finally:
        db.close()


async def test_a_read_does_not_wait_for_the_writers_thread(tmp_path: Path) -> None:
    db = Database.open(tmp_path / "a.db")
    release = threading.Event()
    try:

        def busy_writer(conn: sqlite3.Connection) -> None:
            release.wait(10)  # the writer's thread is busy (a long write, a stuck disk)

        def count(conn: sqlite3.Connection) -> int:
            return int(conn.execute("SELECT count(*) FROM jobs").fetchone()[0])

        writing = asyncio.ensure_future(db.run(busy_writer))
        assert await asyncio.wait_for(db.read(count), timeout=5) == 0
        release.set()
        await writing
    finally:
        release.set()
        db.close()
