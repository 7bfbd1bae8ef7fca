"""``arrkestra migrate`` with ArrSync's .env: Overseerr and cleanup, secrets as references."""

from __future__ import annotations

from pathlib import Path

import yaml
from tests.migrate.legacy_rig import ARRSYNC_SECRETS, copy_fixture, migrate
from typer.testing import CliRunner

from arrkestra.cli import app
from arrkestra.config import load_settings
from arrkestra.config.migration import EnvFile, build_config, read_legacy_file

OVERSEER_KEY = ARRSYNC_SECRETS["OVERSEER_API_KEY"]


def test_an_arrsync_env_becomes_overseerr_and_cleanup(tmp_path: Path) -> None:
    env_file = copy_fixture(tmp_path, "arrsync.env")
    answer = migrate(env_file)
    assert answer.exit_code == 0, answer.output
    assert f"{env_file}: ArrSync environment file (8 variables)" in answer.output
    text = (tmp_path / "arrkestra.yaml").read_text()
    written = yaml.safe_load(text)
    assert written["overseerr"] == {
        "url": "http://192.168.1.100:5055",
        "api_key": "${OVERSEER_API_KEY}",
        "timeout": "30s",
        "poll_interval": "60s",
        "retries": 3,
    }
    assert written["server"] == {"port": 8080}
    assert written["logging"] == {"level": "info"}
    assert written["cleanup"] == {"enabled": True, "dry_run": False}
    assert written["mirror"] == {"enabled": False}  # sync-webhook is not being migrated
    assert written["dry_run"] is False  # DRY_RUN left in the environment stays ArrSync's
    assert '"${OVERSEER_API_KEY}"' in text  # quoted, as the docs ask
    for said in ("OVERSEER_URL -> overseerr.url", "DRY_RUN -> cleanup.dry_run"):
        assert said in answer.output
    assert "OVERSEER_API_KEY: set in arrsync.env" in answer.output  # keep it set
    assert OVERSEER_KEY not in text and OVERSEER_KEY not in answer.output


def test_the_written_file_loads_and_checks_with_the_old_variables_set(tmp_path: Path) -> None:
    assert migrate(copy_fixture(tmp_path, "arrsync.env")).exit_code == 0
    config = tmp_path / "arrkestra.yaml"
    settings = load_settings(config, ARRSYNC_SECRETS)
    assert settings.overseerr is not None
    assert settings.overseerr.api_key is not None
    assert settings.overseerr.api_key.get_secret_value() == OVERSEER_KEY
    assert settings.overseerr.timeout == 30.0 and settings.overseerr.poll_interval == 60.0
    assert settings.cleanup.enabled and not settings.mirror.enabled
    assert settings.cleanup.dry_run is False and settings.dry_run is False
    checked = CliRunner().invoke(app, ["check", "--config", str(config)], env=ARRSYNC_SECRETS)
    assert checked.exit_code == 0, checked.output
    assert "configuration OK" in checked.output and OVERSEER_KEY not in checked.output


def test_an_unknown_variable_is_reported_never_dropped(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "OVERSEER_URL=http://overseerr:5055\n"
        "OVERSEER_API_KEY=some-key-0123456789\n"
        "ARRSYNC_THEME=dark\n"
        "export COMPOSE_PROJECT_NAME='media'\n"
    )
    answer = migrate(env_file, "--dry-run")
    assert answer.exit_code == 0, answer.output
    not_mapped = answer.output.split("not mapped (", 1)[1]
    assert "ARRSYNC_THEME: unknown: not a variable of ArrSync  [.env]" in not_mapped
    assert "COMPOSE_PROJECT_NAME: unknown" in not_mapped
    assert "dark" not in answer.output and "some-key-0123456789" not in answer.output


def test_what_the_file_does_not_say_is_reported_as_defaulted(tmp_path: Path) -> None:
    env_file = tmp_path / "arrsync.env"
    env_file.write_text("OVERSEER_URL=http://overseerr:5055\nOVERSEER_API_KEY=k-0123456789\n")
    found = read_legacy_file(env_file)
    assert isinstance(found, EnvFile)
    report = build_config([found]).report
    defaulted = [entry.render() for entry in report.entries if entry.kind == "defaulted"]
    assert "server.port = 8080 (no PORT): arrkestra's default" in defaulted
    assert "overseerr.timeout = 30s (no API_TIMEOUT): arrkestra's default" in defaulted
    assert "overseerr.poll_interval = 60s (no OVERSEER_POLL_INTERVAL): arrkestra's default" in (
        defaulted
    )
    assert "cleanup.enabled = true: ArrSync's job" in defaulted
