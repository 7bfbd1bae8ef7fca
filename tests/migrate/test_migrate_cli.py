"""``arrkestra migrate``'s refusals and its dry run: nothing half done, nothing overwritten."""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml
from tests.conftest import base_config, write_config
from tests.migrate.legacy_rig import (
    ARRSYNC_SECRETS,
    SYNC_WEBHOOK_SECRETS,
    build_jobs_db,
    build_shows_db,
    copy_fixture,
    job_row,
    migrate,
    show_row,
)

from arrkestra.config import load_settings
from arrkestra.store.lock import DatabaseLock

ALL_SECRETS = {**ARRSYNC_SECRETS, **SYNC_WEBHOOK_SECRETS}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def every_input(tmp_path: Path) -> list[Path]:
    return [
        copy_fixture(tmp_path, "arrsync.env"),
        copy_fixture(tmp_path, "sync-webhook.env"),
        copy_fixture(tmp_path, "sync-webhook-app.py"),
        copy_fixture(tmp_path, "tvmaze-sync-config.yaml"),
        copy_fixture(tmp_path, "tvmaze-sync-state.json"),
        build_shows_db(tmp_path / "shows.db", [show_row(1, "pending"), show_row(2, "skipped")]),
        build_jobs_db(tmp_path / "jobs.db", [job_row(1, "success"), job_row(2, "failed")]),
    ]


def test_an_unrecognised_file_stops_everything_with_a_clear_line(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("remember to buy milk\n")
    blob = tmp_path / "blob.bin"
    blob.write_bytes(bytes(range(256)))
    answer = migrate(copy_fixture(tmp_path, "arrsync.env"), notes, blob, tmp_path / "gone.env")
    assert answer.exit_code == 2
    assert f"error: {notes}: not recognised (no NAME=VALUE lines)" in answer.output
    assert f"error: {blob}: not a text file" in answer.output
    assert f"error: {tmp_path / 'gone.env'}: no such file" in answer.output
    assert "Traceback" not in answer.output
    assert not (tmp_path / "arrkestra.yaml").exists() and not (tmp_path / "data").exists()


def test_an_arrkestra_database_is_not_an_old_tool_s(tmp_path: Path) -> None:
    config = write_config(tmp_path, base_config(tmp_path), name="mine.yaml")
    old = build_jobs_db(tmp_path / "jobs.db", [job_row(1, "success")])
    assert migrate(old, "--config", config).exit_code == 0  # creates data/arrkestra.db
    answer = migrate(tmp_path / "data" / "arrkestra.db")
    assert answer.exit_code == 2 and "not recognised: arrkestra database" in answer.output


def test_the_dry_run_prints_everything_and_writes_nothing(tmp_path: Path) -> None:
    inputs = every_input(tmp_path)
    before = {path: digest(path) for path in inputs}
    target = Path("/data/arrkestra.db")  # TVMaze-Sync's storage.path is /data
    existed = target.exists()
    answer = migrate(*inputs, "--dry-run", env=ALL_SECRETS)
    assert answer.exit_code == 0, answer.output
    printed = answer.output.split("(dry run: not written) ---\n", 1)[1].split("\n---\n", 1)[0]
    assert yaml.safe_load(printed)["discovery"]["enabled"] is True
    for kind in ("mapped (", "defaulted (", "not mapped (", "keep these variables set"):
        assert kind in answer.output
    assert "would import shows.db: 2 shows: 1 pending, 1 skipped" in answer.output
    assert "would import jobs.db: 1 finished copies (1 succeeded, 0 gave up)" in answer.output
    assert not (tmp_path / "arrkestra.yaml").exists()
    assert f"database: {target}" in answer.output and target.exists() == existed
    assert {path: digest(path) for path in inputs} == before
    for secret in ALL_SECRETS.values():
        assert secret not in answer.output


def test_everything_at_once_writes_a_file_arrkestra_loads(tmp_path: Path) -> None:
    inputs = every_input(tmp_path)
    config = tmp_path / "settings" / "new.yaml"
    mine = write_config(tmp_path, base_config(tmp_path), name="mine.yaml")
    answer = migrate(*inputs, "--output", config, "--config", mine)
    assert answer.exit_code == 0, answer.output
    assert f"wrote {config}" in answer.output
    assert "imported shows.db: 2 shows (2 new" in answer.output
    text = config.read_text()
    for secret in ALL_SECRETS.values():
        assert secret not in text and secret not in answer.output
    env = {**ALL_SECRETS, "SONARR_URL": "http://sonarr:8989", "SONARR_API_KEY": "s" * 32}
    settings = load_settings(config, {**env, "TVMAZE_API_KEY": "t" * 32})
    assert settings.cleanup.enabled and settings.mirror.enabled and settings.discovery.enabled
    assert settings.discovery.target.instance == "default"


def test_an_existing_output_is_kept_unless_forced(tmp_path: Path) -> None:
    env_file = copy_fixture(tmp_path, "arrsync.env")
    output = tmp_path / "arrkestra.yaml"
    output.write_text("# mine\n")
    refused = migrate(env_file)
    assert refused.exit_code == 2 and "arrkestra.yaml exists" in refused.output
    assert output.read_text() == "# mine\n"
    forced = migrate(env_file, "--force")
    assert forced.exit_code == 0, forced.output
    assert "overseerr:" in output.read_text()


def test_a_database_a_daemon_holds_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    config = write_config(tmp_path, base_config(tmp_path), name="mine.yaml")
    settings = load_settings(config, {})
    lock = DatabaseLock(settings.storage.db_file)
    lock.acquire()  # as a running daemon holds it
    try:
        answer = migrate(
            copy_fixture(tmp_path, "arrsync.env"),
            build_jobs_db(tmp_path / "jobs.db", [job_row(1, "success")]),
            "--config",
            config,
        )
    finally:
        lock.release()
    assert answer.exit_code == 1
    assert "is already using" in answer.output and "stop it first" in answer.output
    assert not (tmp_path / "arrkestra.yaml").exists()  # the config waits for the import
    assert settings.storage.db_file.stat().st_size == 0  # the lock (on the file) made it empty


def test_a_config_that_does_not_load_is_written_to_fix_and_the_data_waits(
    tmp_path: Path,
) -> None:
    app_py = tmp_path / "app.py"
    app_py.write_text("PATH_MAPPINGS = {'movies': ('/mnt/a/movies', '/mnt/b/movies')}\n")
    old = build_jobs_db(tmp_path / "jobs.db", [job_row(1, "success")])
    answer = migrate(app_py, old)
    assert answer.exit_code == 1
    assert "error: the new config does not load: configuration has 1 problem" in answer.output
    assert "mirror.paths[0].arr_path: 'movies' is not an absolute path" in answer.output
    assert "not imported: the new config does not load (above)" in answer.output
    assert "arr_path: movies" in (tmp_path / "arrkestra.yaml").read_text()
    assert not (tmp_path / "data").exists()
