"""``arrkestra migrate`` with sync-webhook's .env and its app.py's PATH_MAPPINGS."""

from __future__ import annotations

from pathlib import Path

import yaml
from tests.migrate.legacy_rig import SYNC_WEBHOOK_SECRETS, copy_fixture, migrate
from typer.testing import CliRunner

from arrkestra.cli import app
from arrkestra.config import load_settings
from arrkestra.config.migration import PathMappings, Refused, read_legacy_file

ENV = {**SYNC_WEBHOOK_SECRETS, "ARRKESTRA_API_KEY": "api-key-0123456789"}


def paths_of(written: dict[str, object]) -> list[tuple[str, str, str, object]]:
    mirror = written["mirror"]
    assert isinstance(mirror, dict)
    return [
        (r["arr_path"], r["source"], r["destination"], r.get("plex_section"))
        for r in mirror["paths"]
    ]


def test_env_and_path_mappings_become_mirror_rules_instances_and_notifications(
    tmp_path: Path,
) -> None:
    env_file = copy_fixture(tmp_path, "sync-webhook.env")
    app_py = copy_fixture(tmp_path, "sync-webhook-app.py")
    answer = migrate(env_file, app_py)
    assert answer.exit_code == 0, answer.output
    assert f"{app_py}: sync-webhook PATH_MAPPINGS (4 mappings)" in answer.output
    assert f"{env_file}: sync-webhook environment file" in answer.output
    text = (tmp_path / "arrkestra.yaml").read_text()
    written = yaml.safe_load(text)
    assert paths_of(written) == [
        ("/movies", "/mnt/synology/rs-movies", "/mnt/unraid/media/Movies", 1),
        ("/movies-4k", "/mnt/synology/rs-4kmedia/4kmovies", "/mnt/unraid/media/4K Movies", 2),
        ("/tv", "/mnt/synology/rs-tv", "/mnt/unraid/media/TV Shows", 3),
        ("/tv-4k", "/mnt/synology/rs-4kmedia/4ktv", "/mnt/unraid/media/4K TV Shows", 4),
    ]
    assert written["radarr"]["hd"] == {
        "url": "http://radarr-hd:7878",
        "default": True,
        "webhook": {"secret": "${WEBHOOK_SECRET}"},
    }
    assert written["radarr"]["4k"]["is_4k"] is True
    assert set(written["sonarr"]) == {"hd", "4k"}
    assert written["notifications"]["urls"] == ["tgram://${TELEGRAM_BOT_TOKEN}/${TELEGRAM_CHAT_ID}"]
    assert written["notifications"]["fallback_urls"] == ["${DISCORD_WEBHOOK_URL}"]
    assert written["plex"] == {"url": "http://10.0.0.50:32400", "token": "${PLEX_TOKEN}"}
    assert written["mirror"]["retry"] == {"base": "900s", "cap": "900s"}
    assert written["mirror"]["dry_run"] is False and written["mirror"]["enabled"] is True
    assert written["storage"] == {"path": "/data", "timezone": "Europe/Berlin"}
    assert written["cleanup"] == {"enabled": False}
    for secret in SYNC_WEBHOOK_SECRETS.values():
        assert secret not in text, secret
        assert secret not in answer.output, secret
    for name in SYNC_WEBHOOK_SECRETS:
        assert f"  {name}: set in sync-webhook.env" in answer.output


def test_the_written_file_loads_with_the_old_variables_set(tmp_path: Path) -> None:
    answer = migrate(
        copy_fixture(tmp_path, "sync-webhook.env"), copy_fixture(tmp_path, "sync-webhook-app.py")
    )
    assert answer.exit_code == 0, answer.output
    settings = load_settings(tmp_path / "arrkestra.yaml", ENV)
    assert [str(rule.destination) for rule in settings.mirror.paths][:1] == [
        "/mnt/unraid/media/Movies"
    ]
    assert settings.mirror.paths[2].plex_section == 3
    assert settings.plex is not None and settings.plex.token is not None
    assert settings.plex.token.get_secret_value() == SYNC_WEBHOOK_SECRETS["PLEX_TOKEN"]
    (telegram,) = settings.notifications.urls
    token = SYNC_WEBHOOK_SECRETS["TELEGRAM_BOT_TOKEN"]
    assert telegram.get_secret_value() == f"tgram://{token}/-1001264005957"
    assert settings.default_instance("radarr") == "hd"
    hd = settings.radarr["hd"].webhook.secret
    assert hd is not None and hd.get_secret_value() == SYNC_WEBHOOK_SECRETS["WEBHOOK_SECRET"]
    assert settings.storage.timezone == "Europe/Berlin"
    checked = CliRunner().invoke(app, ["check", "--config", "arrkestra.yaml"], env=ENV)
    assert checked.exit_code == 0, checked.output
    assert "configuration OK" in checked.output and "mirror: configured" in checked.output
    assert "not a URL Apprise can use" not in checked.output  # Discord's own URL included
    for secret in SYNC_WEBHOOK_SECRETS.values():
        assert secret not in checked.output


def test_without_path_mappings_the_readme_table_is_used_and_said_so(tmp_path: Path) -> None:
    answer = migrate(copy_fixture(tmp_path, "sync-webhook.env"), "--dry-run")
    assert answer.exit_code == 0, answer.output
    defaulted = answer.output.split("defaulted (", 1)[1].split("not mapped (", 1)[0]
    assert "mirror.paths = [{arr_path: /movies" in defaulted
    assert "(no PATH_MAPPINGS): sync-webhook's built-in table" in defaulted
    assert not (tmp_path / "arrkestra.yaml").exists()


def test_what_arrkestra_does_differently_is_reported_not_dropped(tmp_path: Path) -> None:
    answer = migrate(copy_fixture(tmp_path, "sync-webhook.env"), "--dry-run")
    not_mapped = answer.output.split("not mapped (", 1)[1]
    for name in ("SYNC_LOG_JSON_PATH", "SYNC_MAX_RETRIES"):
        assert f"  {name}: " in not_mapped, name


def test_without_path_mappings_the_table_follows_the_base_variables(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("SYNC_SOURCE_BASE=/mnt/nas\nSYNC_DEST_BASE=/mnt/backup/media\n")
    answer = migrate(env, "--dry-run")
    assert answer.exit_code == 0, answer.output
    assert "source: /mnt/nas/rs-movies" in answer.output
    assert "destination: /mnt/backup/media/4K TV Shows" in answer.output
    assert "/mnt/synology" not in answer.output.split("defaulted (", 1)[0]
    mapped = answer.output.split("mapped (", 1)[1].split("defaulted (", 1)[0]
    assert "SYNC_SOURCE_BASE" in mapped and "SYNC_DEST_BASE" in mapped


def test_a_shared_env_with_only_telegram_assumes_no_folders(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("TELEGRAM_BOT_TOKEN=123:abc-token-0123456789\nTELEGRAM_CHAT_ID=42\n")
    answer = migrate(env, "--dry-run")
    assert answer.exit_code == 0, answer.output
    assert "mirror.paths = [" not in answer.output and "arr_path:" not in answer.output


def test_path_mappings_are_read_never_run(tmp_path: Path) -> None:
    witness = tmp_path / "ran"
    app_py = tmp_path / "app.py"
    app_py.write_text(
        f"open({str(witness)!r}, 'w').write('ran')\n"
        "BASE = '/mnt/synology'\n"
        "PATH_MAPPINGS = {\n"
        "    '/movies': ('/mnt/synology/rs-movies', '/mnt/unraid/media/Movies'),\n"
        "    '/tv': (BASE + '/rs-tv', '/mnt/unraid/media/TV Shows'),\n"
        "}\n"
    )
    found = read_legacy_file(app_py)
    assert isinstance(found, PathMappings)
    assert [m.arr_path for m in found.mappings] == ["/movies"]
    assert found.problems == (
        "entry 2 (line 5) is not '/arr/path': ('/source', '/destination') written as plain text",
    )
    assert not witness.exists()
    answer = migrate(app_py, "--dry-run")
    assert "PATH_MAPPINGS: entry 2 (line 5) is not" in answer.output


def test_a_python_file_without_path_mappings_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "settings.py"
    other.write_text("DEBUG = True\n")
    found = read_legacy_file(other)
    assert isinstance(found, Refused) and "without PATH_MAPPINGS" in found.reason


def test_a_token_in_a_url_s_query_is_written_as_a_reference(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    token = "plex-query-token-0123456789"
    env.write_text(f"SYNC_DRY_RUN=false\nPLEX_URL=http://plex:32400/?X-Plex-Token={token}\n")
    answer = migrate(env, "--output", tmp_path / "out.yaml")
    written = (tmp_path / "out.yaml").read_text()
    assert token not in written and token not in answer.output
    assert "${PLEX_URL}" in written
