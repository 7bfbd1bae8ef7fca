"""``arrkestra migrate`` with sync-webhook's job database: its history counts in ``/stats``."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.conftest import API_KEY, base_config, write_config
from tests.migrate.legacy_rig import build_jobs_db, job_row, migrate
from tests.web.conftest import AppFactory

HEADERS = {"X-Api-Key": API_KEY}
OLD_JOBS = [
    job_row(1, "success"),
    job_row(2, "success", bytes_transferred=None, file_size=3_000_000),  # size, no rsync count
    job_row(
        3,
        "success",
        job_type="episode",
        title="Series S01E05",
        bytes_transferred=500_000,
        webhook_payload=None,
    ),
    job_row(4, "failed_permanent", error_message="rsync error: some files vanished (code 24)"),
    job_row(5, "failed", error_message="NFS mount not healthy", retry_count=1),
    job_row(6, "pending"),
]


async def test_finished_jobs_count_in_stats_once_however_often_imported(
    tmp_path: Path, running_app: AppFactory
) -> None:
    config = write_config(tmp_path, base_config(tmp_path), name="mine.yaml")
    old = build_jobs_db(tmp_path / "sync_jobs.db", OLD_JOBS)
    first = migrate(old, "--config", config)
    assert first.exit_code == 0, first.output
    assert f"{old}: sync-webhook job database" in first.output
    assert "imported sync_jobs.db: 4 finished copies (3 succeeded, 1 gave up)" in first.output
    assert "; 4 new, 0 imported before" in first.output
    assert "not imported: 1 failed, 1 pending (unfinished" in first.output
    assert "#5 Movie 5 (2024) (failed)" in first.output and "#6 Movie 6 (2024) (pending)" in (
        first.output
    )
    again = migrate(old, "--config", config)
    assert again.exit_code == 0, again.output
    assert "; 0 new, 4 imported before" in again.output

    async with running_app(background=False) as r:
        stats, listed, succeeded = [
            (await r.client.get(path, headers=HEADERS)).json()
            for path in ("/stats", "/jobs?status=failed", "/jobs?status=success")
        ]
    assert stats == {
        "movies_synced": 2,
        "episodes_synced": 1,
        "failures": 1,
        "bytes_transferred": 4_500_000,
        "bytes_transferred_human": stats["bytes_transferred_human"],
        "total_successful": 3,
        "total_failed": 1,
        "today_successful": 0,
        "today_failed": 0,
    }
    (dead,) = listed["jobs"]
    assert dead["title"] == "Movie 4 (2024)" and dead["status"] == "failed"
    assert "code 24" in dead["error_message"]
    assert succeeded["count"] == 3


def test_a_dead_import_keeps_the_file_its_webhook_named(tmp_path: Path) -> None:
    config = write_config(tmp_path, base_config(tmp_path), name="mine.yaml")
    old = build_jobs_db(tmp_path / "jobs.db", [job_row(4, "failed_permanent", retry_count=3)])
    assert migrate(old, "--config", config).exit_code == 0
    conn = sqlite3.connect(tmp_path / "data" / "arrkestra.db")
    (row,) = conn.execute(
        "SELECT pipeline, status, attempts, json_extract(params, '$.library_path'), "
        "json_extract(params, '$.instance'), finished_at IS NOT NULL FROM jobs"
    )
    conn.close()
    assert row == ("mirror", "dead", 4, "/movies/Movie 4 (2024)/movie.mkv", "sync-webhook", 1)


def test_a_dead_import_without_its_webhook_is_mapped_back_by_the_rules(tmp_path: Path) -> None:
    """No payload kept: its source path goes back through mirror.paths to the library path a
    retry needs (a NAS path would be refused by the path rules)."""
    rule = {"arr_path": "/movies", "source": "/mnt/synology/rs-movies", "destination": "/d/M"}
    data = base_config(tmp_path, mirror={"paths": [rule]})
    config = write_config(tmp_path, data, name="mine.yaml")
    rows = [
        job_row(5, "failed_permanent", webhook_payload=None),
        job_row(6, "failed_permanent", webhook_payload=None, source_path="/elsewhere/x.mkv"),
    ]
    old = build_jobs_db(tmp_path / "jobs.db", rows)
    assert migrate(old, "--config", config).exit_code == 0
    conn = sqlite3.connect(tmp_path / "data" / "arrkestra.db")
    paths = [p for (p,) in conn.execute("SELECT json_extract(params, '$.library_path') FROM jobs")]
    conn.close()
    assert sorted(paths) == ["/elsewhere/x.mkv", "/movies/Movie 5 (2024)/movie.mkv"]
