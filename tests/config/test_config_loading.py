"""Reading the file: the example loads, no file means defaults, file problems are ConfigErrors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from arrkestra.config import Settings, load_settings, resolve_config_path
from arrkestra.core.errors import ConfigError


def test_the_example_file_loads(example: Path, example_env: dict[str, str]) -> None:
    settings = load_settings(example, example_env)

    assert settings.server.api_key is not None
    assert settings.server.api_key.get_secret_value() == example_env["ARRKESTRA_API_KEY"]
    assert set(settings.sonarr) == {"hd", "4k"}
    assert settings.sonarr["4k"].is_4k
    assert settings.default_instance("sonarr") == "hd"
    assert settings.default_instance("radarr") == "hd"
    assert settings.sonarr["hd"].webhook.header == "X-Webhook-Secret"
    assert [rule.arr_path for rule in settings.mirror.paths] == ["/movies", "/movies-4k", "/tv"]
    assert settings.mirror.paths[0].plex_path == "/data/Movies"
    [url] = settings.notifications.urls
    token, chat = example_env["TELEGRAM_BOT_TOKEN"], example_env["TELEGRAM_CHAT_ID"]
    assert url.get_secret_value() == f"tgram://{token}/{chat}"
    assert settings.cleanup.retry is not None
    assert settings.cleanup.retry.max_attempts is None
    assert settings.cleanup.retry.max_age == 7 * 86400
    assert settings.discovery.target.instance == "hd"
    assert settings.discovery.filters.premiered.after is not None
    assert settings.server.rate_limit is not None
    assert settings.server.rate_limit.per == 1.0


def test_the_example_file_values_are_the_defaults(
    example: Path, example_env: dict[str, str]
) -> None:
    """The example documents the defaults: where it writes a default, it is the default."""
    settings = load_settings(example, example_env)
    defaults = Settings()
    for section in ("queue", "storage", "logging", "retry", "catchup", "reconcile"):
        assert getattr(settings, section) == getattr(defaults, section), section
    assert settings.discovery.filters == defaults.discovery.filters
    assert settings.discovery.tvmaze == defaults.discovery.tvmaze
    assert settings.notifications.daily_summary == defaults.notifications.daily_summary
    assert settings.server.rate_limit == defaults.server.rate_limit
    assert settings.mirror.model_dump(exclude={"paths"}) == defaults.mirror.model_dump(
        exclude={"paths"}
    )


def test_no_file_at_all_means_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None, {})
    assert settings == Settings()
    assert settings.server.port == 8080
    assert settings.server.host == "0.0.0.0"
    assert settings.storage.db_file == Path("data/arrkestra.db")
    assert settings.storage.backup_dir == Path("data/backups")
    assert settings.sonarr == {}
    assert settings.overseerr is None
    assert settings.mirror.paths == []
    assert not settings.discovery.enabled
    assert not settings.notifications.enabled


def test_an_empty_file_means_defaults(load) -> None:
    assert load("") == Settings()
    assert load("# only a comment\n") == Settings()


def test_null_means_unset_unless_null_is_a_value(load) -> None:
    settings = load(
        """
        server: {port: null, rate_limit: null}
        sonarr:
        mirror: {paths: null, excludes: null}
        overseerr: null
        """
    )
    assert settings.server.port == 8080
    assert settings.server.rate_limit is None
    assert settings.sonarr == {}
    assert settings.mirror.paths == []
    assert settings.mirror.excludes == ["#recycle", "@eaDir", ".DS_Store"]
    assert settings.overseerr is None


def test_an_explicitly_chosen_missing_file_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(missing, {})
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(None, {"ARRKESTRA_CONFIG": str(missing)})


def test_resolve_config_path() -> None:
    env = {"ARRKESTRA_CONFIG": "/etc/arrkestra/config.yaml"}
    assert resolve_config_path(Path("cli.yaml"), env) == (Path("cli.yaml"), True)
    assert resolve_config_path(None, env) == (Path("/etc/arrkestra/config.yaml"), True)
    assert resolve_config_path(None, {}) == (Path("arrkestra.yaml"), False)
    assert resolve_config_path(None, {"ARRKESTRA_CONFIG": ""}) == (Path("arrkestra.yaml"), False)


def test_the_default_path_is_read_when_present(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "arrkestra.yaml").write_text("server: {port: 9999}\n", encoding="utf-8")
    assert load_settings(None, {}).server.port == 9999


def test_a_directory_is_not_a_readable_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_settings(tmp_path, {})


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_an_unreadable_file_is_an_error(write_config) -> None:
    path = write_config("server: {port: 1}\n")
    path.chmod(0)
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_settings(path, {})


def test_a_file_that_is_not_utf8_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("server: {host: caf\xe9}\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="not UTF-8 text"):
        load_settings(path, {})


def test_a_yaml_syntax_error_names_line_and_column(write_config) -> None:
    path = write_config("server:\n  port: 8080\n  host: [unclosed\nmirror: {}\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, {})
    [problem] = caught.value.problems
    assert "YAML error at line" in problem.message
    assert "column" in problem.message


def test_a_repeated_key_is_an_error(write_config) -> None:
    path = write_config("server:\n  port: 8080\n  port: 9090\n")
    with pytest.raises(ConfigError, match=r"line 3, column 3: found the key 'port' twice"):
        load_settings(path, {})


@pytest.mark.parametrize("text", ["- a\n- b\n", "just text\n", "42\n"])
def test_the_top_level_must_be_a_mapping(write_config, text: str) -> None:
    with pytest.raises(ConfigError, match="mapping at the top level"):
        load_settings(write_config(text), {})


def test_settings_are_frozen(load) -> None:
    settings = load("server: {port: 9000}")
    with pytest.raises(ValueError, match="frozen"):
        settings.server.port = 1  # type: ignore[misc]
