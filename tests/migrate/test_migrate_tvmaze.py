"""``arrkestra migrate`` with TVMaze-Sync's config.yaml: discovery, its Sonarr instance."""

from __future__ import annotations

from pathlib import Path

import yaml
from tests.migrate.legacy_rig import TVMAZE_ENV, copy_fixture, migrate
from typer.testing import CliRunner

from arrkestra.cli import app
from arrkestra.config import load_settings


def test_config_yaml_becomes_discovery_and_keeps_its_references(tmp_path: Path) -> None:
    config = copy_fixture(tmp_path, "tvmaze-sync-config.yaml")
    answer = migrate(config)
    assert answer.exit_code == 0, answer.output
    assert f"{config}: TVMaze-Sync config.yaml" in answer.output
    written = yaml.safe_load((tmp_path / "arrkestra.yaml").read_text())
    assert written["sonarr"] == {
        "default": {"url": "${SONARR_URL}", "api_key": "${SONARR_API_KEY}"}
    }
    discovery = written["discovery"]
    assert discovery["enabled"] is True and discovery["dry_run"] is False
    assert discovery["target"] == {
        "instance": "default",
        "root_folder": "/tv",
        "quality_profile": "HD-1080p",
        "language_profile": "English",
        "monitor": "all",
        "search_on_add": True,
        "tags": ["auto-sync"],
    }
    assert discovery["tvmaze"] == {
        "api_key": "${TVMAZE_API_KEY}",
        "rate_limit": 20,
        "update_window": "week",
    }
    assert (discovery["poll_interval"], discovery["retry_delay"]) == ("6h", "1w")
    assert discovery["filters"]["countries"]["include"] == [
        "US",
        "UK",
        "CA",
        "AU",
        "NZ",
        "IE",
        "GB",
    ]
    assert discovery["filters"]["premiered"] == {"after": "2010-01-01"}
    assert discovery["filters"]["min_runtime"] == 20
    assert written["storage"] == {"path": "/data"}
    assert written["logging"] == {"level": "INFO", "format": "json"}
    assert written["server"] == {"port": 8080}
    assert "server.enabled: arrkestra's server always runs" in answer.output
    for name in TVMAZE_ENV:  # referenced before, referenced still
        assert f"  {name}: tvmaze-sync-config.yaml referenced it already" in answer.output
    assert "not set here (set them before arrkestra starts): " in answer.output


def test_the_written_file_loads_and_checks(tmp_path: Path) -> None:
    assert migrate(copy_fixture(tmp_path, "tvmaze-sync-config.yaml")).exit_code == 0
    config = tmp_path / "arrkestra.yaml"
    settings = load_settings(config, TVMAZE_ENV)
    assert settings.discovery.enabled and settings.discovery.poll_interval == 6 * 3600
    assert settings.sonarr["default"].url == "http://sonarr:8989"
    assert settings.logging.level == "info" and settings.logging.format == "json"
    assert settings.discovery.filters.rules().exclude_ended is True
    checked = CliRunner().invoke(app, ["check", "--config", str(config)], env=TVMAZE_ENV)
    assert checked.exit_code == 0, checked.output
    assert "discovery: configured" in checked.output


def test_a_secret_written_inline_becomes_a_reference_to_its_variable(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "tvmaze: {api_key: tvmaze-inline-key-0123456789}\n"
        "sonarr: {url: 'http://sonarr:8989', api_key: sonarr-inline-key-0123456789,"
        " root_folder: /tv, quality_profile: HD-1080p}\n"
        "filters: {min_episodes: 3}\n"
        "notifier: {enabled: true}\n"
    )
    answer = migrate(config)
    assert answer.exit_code == 0, answer.output
    text = (tmp_path / "arrkestra.yaml").read_text()
    written = yaml.safe_load(text)
    assert written["discovery"]["tvmaze"] == {"api_key": "${TVMAZE_API_KEY}"}
    assert written["sonarr"]["default"] == {
        "url": "http://sonarr:8989",
        "api_key": "${SONARR_API_KEY}",
    }
    for secret in ("tvmaze-inline-key-0123456789", "sonarr-inline-key-0123456789"):
        assert secret not in text and secret not in answer.output
    assert (
        "  TVMAZE_API_KEY: tvmaze.api_key was written inline in config.yaml: set TVMAZE_API_KEY"
        in answer.output
    )
    not_mapped = answer.output.split("not mapped (", 1)[1]
    assert "filters.min_episodes: not a TVMaze-Sync setting arrkestra knows" in not_mapped
    assert "notifier.enabled: not a TVMaze-Sync setting arrkestra knows" in not_mapped


def test_an_arrkestra_config_is_not_migrated(tmp_path: Path) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_text("mirror: {concurrency: 3}\n")
    answer = migrate(mine)
    assert answer.exit_code == 2
    assert "already an arrkestra config" in answer.output


def test_its_sonarr_is_the_instance_sync_webhook_named_with_the_same_url(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(  # only a sonarr section: every other key at TVMaze-Sync's default
        "sonarr: {url: 'http://sonarr-hd:8989/', api_key: '${SONARR_API_KEY}',"
        " root_folder: /tv, quality_profile: HD-1080p}\n"
    )
    answer = migrate(copy_fixture(tmp_path, "sync-webhook.env"), config, "--dry-run")
    assert answer.exit_code == 0, answer.output
    assert f"{config}: TVMaze-Sync config.yaml" in answer.output
    assert "sonarr.url -> sonarr.hd.url: the same server  [config.yaml]" in answer.output
    printed = answer.output.split("(dry run: not written) ---\n", 1)[1].split("\n---\n", 1)[0]
    written = yaml.safe_load(printed)
    assert set(written["sonarr"]) == {"hd", "4k"}
    assert written["sonarr"]["hd"]["api_key"] == "${SONARR_API_KEY}"
    assert written["discovery"]["target"]["instance"] == "hd"
