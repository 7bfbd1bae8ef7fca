"""The old tools' files for ``arrkestra migrate``'s tests: the fixtures (written from the old
tools' documents, see tests/fixtures/legacy/README.md) copied into a temp dir, and their
SQLite databases built from the documented schemas with sqlite3."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

from typer.testing import CliRunner, Result

from arrkestra.cli import app

FIXTURES = Path(__file__).parents[1] / "fixtures" / "legacy"
ARRSYNC_SECRETS = {"OVERSEER_API_KEY": "arrsync-overseerr-key-0123456789"}
SYNC_WEBHOOK_SECRETS = {
    "TELEGRAM_BOT_TOKEN": "123456789:sync-webhook-telegram-token-abcdef",
    "TELEGRAM_CHAT_ID": "-1001264005957",
    "PLEX_TOKEN": "plex-token-sync-webhook-0123456789",
    "WEBHOOK_SECRET": "sync-webhook-shared-secret-0123456789",
    "DISCORD_WEBHOOK_URL": "https://discord.com/api/webhooks/112233445566778899/"
    "discord-webhook-token-0123456789",
}
"""The secret values in the fixture .env files: none may appear in a written file or output."""
TVMAZE_ENV = {
    "SONARR_URL": "http://sonarr:8989",
    "SONARR_API_KEY": "sonarr-tvmaze-key-0123456789",
    "TVMAZE_API_KEY": "tvmaze-premium-key-0123456789",
}
"""What TVMaze-Sync's compose file set for the ``${...}`` of its config.yaml."""

runner = CliRunner()


def copy_fixture(directory: Path, name: str) -> Path:
    target = directory / name
    shutil.copyfile(FIXTURES / name, target)
    return target


def migrate(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    """``arrkestra migrate ARGS`` in-process (stdout and stderr together in ``output``)."""
    return runner.invoke(app, ["migrate", *map(str, args)], env=env)


def show_row(tvmaze_id: int, status: str, **fields: Any) -> dict[str, Any]:
    """A row of TVMaze-Sync's ``shows`` table; defaults pass arrkestra's default filters."""
    return {
        "tvmaze_id": tvmaze_id,
        "tvdb_id": 100_000 + tvmaze_id,
        "title": f"Show {tvmaze_id}",
        "language": "English",
        "country": "US",
        "type": "Scripted",
        "status": "Running",
        "premiered": "2015-01-01",
        "genres": json.dumps(["Drama"]),
        "runtime": 60,
        "processing_status": status,
        "last_checked": "2025-01-15 10:00:00",
        "tvmaze_updated_at": 1_700_000_000,
        **fields,
    }


def build_shows_db(path: Path, rows: list[dict[str, Any]]) -> Path:
    """TVMaze-Sync's shows.db, from its documented schema."""
    conn = sqlite3.connect(path)
    conn.executescript((FIXTURES / "tvmaze-sync-shows.sql").read_text())
    for row in rows:
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        conn.execute(f"INSERT INTO shows ({names}) VALUES ({marks})", list(row.values()))
    conn.commit()
    conn.close()
    return path


def job_row(job_id: int, status: str, **fields: Any) -> dict[str, Any]:
    """A row of sync-webhook's ``sync_jobs`` table: a movie copy by default."""
    title = f"Movie {job_id} (2024)"
    return {
        "id": job_id,
        "job_type": "movie",
        "source_path": f"/mnt/synology/rs-movies/{title}/movie.mkv",
        "dest_path": f"/mnt/unraid/media/Movies/{title}/",
        "title": title,
        "quality": "Bluray-1080p",
        "file_size": 1_000_000,
        "status": status,
        "created_at": "2026-01-01 10:00:00",
        "completed_at": "2026-01-01 10:01:00"
        if status in ("success", "failed_permanent")
        else None,
        "duration_seconds": 12.5,
        "bytes_transferred": 1_000_000 if status == "success" else None,
        "webhook_payload": json.dumps(
            {"eventType": "Download", "movieFile": {"path": f"/movies/{title}/movie.mkv"}}
        ),
        **fields,
    }


def build_jobs_db(path: Path, rows: list[dict[str, Any]]) -> Path:
    """sync-webhook's job database, from its documented schema."""
    conn = sqlite3.connect(path)
    conn.executescript((FIXTURES / "sync-webhook-jobs.sql").read_text())
    for row in rows:
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        conn.execute(f"INSERT INTO sync_jobs ({names}) VALUES ({marks})", list(row.values()))
    conn.commit()
    conn.close()
    return path
