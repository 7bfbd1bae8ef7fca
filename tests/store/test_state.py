import sqlite3

from arrkestra.store import state
from arrkestra.store.connection import write_transaction


def test_put_get_overwrite_delete(conn: sqlite3.Connection) -> None:
    assert state.get(conn, "x") is None
    with write_transaction(conn):
        state.put(conn, "x", {"page": 3}, now=1.0)
        state.put(conn, "x", {"page": 4}, now=2.0)
    assert state.get(conn, "x") == {"page": 4}
    with write_transaction(conn):
        assert state.delete(conn, "x")
    assert state.get(conn, "x") is None


def test_pause_and_resume_pipelines(conn: sqlite3.Connection) -> None:
    state.pause_pipeline(conn, "cleanup", "deletion budget exceeded", now=5.0)
    with write_transaction(conn):
        state.put(conn, "pipeline.pausedX", 1, now=0)  # a neighbouring key is not a pause
    assert state.paused_pipelines(conn) == {
        "cleanup": {"reason": "deletion budget exceeded", "since": 5.0}
    }
    assert state.resume_pipeline(conn, "cleanup")
    assert not state.resume_pipeline(conn, "cleanup")
    assert state.paused_pipelines(conn) == {}


def test_probe_write(conn: sqlite3.Connection) -> None:
    state.probe_write(conn, now=7.0)
    state.probe_write(conn, now=8.0)
    assert (
        conn.execute("SELECT updated_at FROM state WHERE key = 'ready.probe'").fetchone()[0] == 8.0
    )
