"""Migration 0008 repairs job JSON SQLite cannot read before indexing it: an older
version's NaN/Infinity (Python writes them, SQLite refuses them) must not stop the
upgrade, and the daemon must start."""

from __future__ import annotations

import json
from pathlib import Path

from arrkestra.store.connection import connect
from arrkestra.store.migrations import available_migrations, migrate, schema_version

ROW = (
    "INSERT INTO jobs (pipeline, key, params, status, created_at, updated_at, next_attempt_at,"
    " result) VALUES (?, ?, ?, ?, 1.0, 1.0, 1.0, ?)"
)


def test_unreadable_job_json_is_repaired_and_every_migration_applies(tmp_path: Path) -> None:
    conn = connect(tmp_path / "old.db")
    migrate(conn, available_migrations()[:7])
    conn.executemany(
        ROW,
        [
            ("mirror", "a", '{"title": "NaNa :NaN", "size": NaN}', "succeeded",
             '{"outcome": "copied", "seconds": Infinity, "rate": -Infinity}'),
            ("mirror", "b", "not json at all", "dead", "garbage"),
            ("cleanup", "c", '{"title": "Fine"}', "pending", None),
        ],
    )  # fmt: skip
    conn.commit()

    migrate(conn)

    assert schema_version(conn) == len(available_migrations())
    rows = {
        key: (json.loads(params), None if result is None else json.loads(result))
        for key, params, result in conn.execute("SELECT key, params, result FROM jobs")
    }
    assert rows["a"] == (
        {"title": "NaNa :NaN", "size": None},
        {"outcome": "copied", "seconds": None, "rate": None},
    )
    assert rows["b"][0] == {"unreadable": "not json at all"}
    assert rows["b"][1]["outcome"] == "unreadable"
    assert rows["c"] == ({"title": "Fine"}, None)
