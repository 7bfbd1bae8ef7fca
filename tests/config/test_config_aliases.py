"""The old tools' environment variables, each mapped to its place in the new model."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from arrkestra.config import ALIASES, config_warnings

MOVIE_PATHS = """
mirror:
  paths:
    - {arr_path: /movies, source: /src/movies, destination: /dst/movies}
    - {arr_path: /movies-4k/, source: /src/4k, destination: /dst/4k}
    - {arr_path: /tv, source: /src/tv, destination: /dst/tv, plex_section: 9}
    - {arr_path: /tv-4k, source: /src/tv4k, destination: /dst/tv4k}
"""


def _secret(value: object) -> str:
    assert value is not None
    return value.get_secret_value()  # type: ignore[attr-defined]


def test_arrsync_variables(load) -> None:
    settings = load(
        "",
        {
            "OVERSEER_URL": "http://overseerr:5055/",
            "OVERSEER_API_KEY": "overseer-key-123",
            "API_TIMEOUT": "45",
            "OVERSEER_POLL_INTERVAL": "120",
            "PORT": "5000",
            "MAX_RETRIES": "4",
            "DRY_RUN": "1",
            "LOG_LEVEL": "WARNING",
        },
    )
    assert settings.overseerr is not None
    assert settings.overseerr.url == "http://overseerr:5055"
    assert _secret(settings.overseerr.api_key) == "overseer-key-123"
    assert settings.overseerr.timeout == 45.0
    assert settings.overseerr.poll_interval == 120.0
    assert settings.server.port == 5000
    assert settings.dry_run is True
    assert settings.logging.level == "warning"
    assert settings.overseerr.retries == 4  # ArrSync retried one Overseerr call
    policy = settings.retry_policy("cleanup")
    assert policy.max_attempts is None  # ... it never gives up on the deletion
    assert policy.max_age == 7 * 86400  # cleanup's 7-day retry stays


def test_alias_section_fills_only_the_gaps_of_the_file(load) -> None:
    settings = load(
        'overseerr: {url: "http://file:5055", timeout: 10s}',
        {"OVERSEER_URL": "http://old:5055", "API_TIMEOUT": "45", "OVERSEER_API_KEY": "key-12345"},
    )
    assert settings.overseerr is not None
    assert settings.overseerr.url == "http://file:5055"
    assert settings.overseerr.timeout == 10.0
    assert _secret(settings.overseerr.api_key) == "key-12345"


def test_sync_webhook_retry_variables(load) -> None:
    settings = load("", {"SYNC_MAX_RETRIES": "0", "SYNC_RETRY_INTERVAL": "300"})
    policy = settings.retry_policy("mirror")
    assert policy.max_attempts != 1  # a retry count never makes a copy give up early
    assert policy.base == policy.cap == 300.0
    notes = {note.path: note.message for note in settings.load_notes}
    assert "mount that is down costs no attempt" in notes["SYNC_MAX_RETRIES"]
    assert settings.retry_policy("catchup").base == 30.0  # only the mirror's retry changed


def test_dry_run_variables(load) -> None:
    settings = load("", {"SYNC_DRY_RUN": "on"})
    assert settings.dry_run is False
    assert settings.pipeline_dry_run("mirror") is True
    assert settings.pipeline_dry_run("cleanup") is False

    settings = load("", {"DRY_RUN": "yes", "SYNC_DRY_RUN": "off"})
    assert settings.pipeline_dry_run("cleanup") is True
    assert settings.pipeline_dry_run("mirror") is False


def test_log_level_wins_over_sync_log_level(load) -> None:
    assert load("", {"SYNC_LOG_LEVEL": "DEBUG"}).logging.level == "debug"
    assert load("", {"LOG_LEVEL": "error", "SYNC_LOG_LEVEL": "debug"}).logging.level == "error"


@pytest.mark.parametrize(
    ("value", "file", "history"),
    [
        ("/logs/sync.log", Path("/logs/sync.log"), None),
        ("/logs", Path("/logs/arrkestra.log"), Path("/logs/sync_history.log")),
        ("/var/log/sync.d/", Path("/var/log/sync.d/arrkestra.log"), None),
    ],
)
def test_sync_log_path(load, value: str, file: Path, history: Path | None) -> None:
    settings = load("", {"SYNC_LOG_PATH": value})
    assert settings.logging.file == file
    if history is not None:
        assert settings.logging.history_file == history


def test_storage_variables(load) -> None:
    assert load("", {"SYNC_DB_PATH": "/app/data/sync.db"}).storage.path == Path("/app/data")
    assert load("", {"STORAGE_PATH": "/data"}).storage.path == Path("/data")
    both = {"STORAGE_PATH": "/data", "SYNC_DB_PATH": "/app/data/sync.db"}
    assert load("", both).storage.path == Path("/data")


def test_plex_variables(load) -> None:
    settings = load(
        MOVIE_PATHS,
        {
            "PLEX_URL": "http://plex:32400",
            "PLEX_TOKEN": "plex-token-123",
            "PLEX_SECTION_MOVIES": "1",
            "PLEX_SECTION_MOVIES_4K": "2",
            "PLEX_SECTION_TV": "3",
            "PLEX_SECTION_TV_4K": "4",
        },
    )
    assert settings.plex is not None
    assert settings.plex.url == "http://plex:32400"
    assert _secret(settings.plex.token) == "plex-token-123"
    sections = [rule.plex_section for rule in settings.mirror.paths]
    assert sections == [1, 2, 9, 4]  # the file's plex_section 9 wins


def test_plex_section_without_a_matching_rule_is_a_warning(load) -> None:
    settings = load("", {"PLEX_SECTION_TV": "3"})
    notes = [w for w in config_warnings(settings) if w.path == "PLEX_SECTION_TV"]
    assert len(notes) == 1
    assert "no mirror.paths rule has arr_path /tv" in notes[0].message


def test_telegram_variables_become_a_notification_url(load) -> None:
    env = {"TELEGRAM_BOT_TOKEN": "123:abcdefghijkl", "TELEGRAM_CHAT_ID": "-1001"}
    [url] = load("", env).notifications.urls
    assert url.get_secret_value() == "tgram://123:abcdefghijkl/-1001"

    file_urls = load('notifications: {urls: ["mailto://me@example.com"]}', env)
    assert [u.get_secret_value() for u in file_urls.notifications.urls] == [
        "mailto://me@example.com"
    ]


def test_telegram_needs_both_variables(problems) -> None:
    error = problems("", {"TELEGRAM_BOT_TOKEN": "123:abcdefghijkl"})
    [problem] = error.problems
    assert problem.path == "TELEGRAM_BOT_TOKEN"
    assert "TELEGRAM_CHAT_ID is not set" in problem.message


def test_discord_webhook_url_becomes_a_fallback_url(load) -> None:
    env = {"DISCORD_WEBHOOK_URL": "https://discord.com/api/webhooks/1234/tok-EN_value"}
    settings = load("", env)
    assert [u.get_secret_value() for u in settings.notifications.fallback_urls] == [
        "discord://1234/tok-EN_value"
    ]
    assert settings.notifications.urls == []


def test_a_bad_discord_url_is_an_error_without_its_value(problems) -> None:
    error = problems("", {"DISCORD_WEBHOOK_URL": "https://example.com/secret-hook-value"})
    [problem] = error.problems
    assert problem.path == "DISCORD_WEBHOOK_URL"
    assert "secret-hook-value" not in str(error)


def test_webhook_secret_goes_to_every_instance_without_credentials(load) -> None:
    settings = load(
        """
        sonarr:
          hd: {url: "http://sonarr:8989"}
          4k: {url: "http://sonarr4k:8989", webhook: {secret: own-secret-123}}
        radarr:
          hd: {url: "http://radarr:7878", webhook: {username: radarr, password: pw-12345}}
          uhd: {url: "http://radarr4k:7878", webhook: {header: X-Token}}
        """,
        {"WEBHOOK_SECRET": "shared-secret-123"},
    )
    assert _secret(settings.sonarr["hd"].webhook.secret) == "shared-secret-123"
    assert _secret(settings.sonarr["4k"].webhook.secret) == "own-secret-123"
    assert settings.radarr["hd"].webhook.secret is None
    assert _secret(settings.radarr["uhd"].webhook.secret) == "shared-secret-123"
    assert settings.radarr["uhd"].webhook.header == "X-Token"


def test_sonarr_variables_create_the_default_instance(load) -> None:
    settings = load(
        "",
        {
            "SONARR_URL": "http://sonarr:8989",
            "SONARR_API_KEY": "sonarr-key-123",
            "WEBHOOK_SECRET": "shared-secret-123",
        },
    )
    assert list(settings.sonarr) == ["default"]
    instance = settings.sonarr["default"]
    assert instance.url == "http://sonarr:8989"
    assert _secret(instance.api_key) == "sonarr-key-123"
    assert _secret(instance.webhook.secret) == "shared-secret-123"
    assert settings.default_instance("sonarr") == "default"


def test_sonarr_variables_are_ignored_with_a_warning_when_the_file_has_instances(load) -> None:
    settings = load('sonarr: {hd: {url: "http://sonarr:8989"}}', {"SONARR_URL": "http://x:1"})
    assert list(settings.sonarr) == ["hd"]
    notes = [w for w in config_warnings(settings) if w.path == "SONARR_URL"]
    assert len(notes) == 1
    assert "sonarr.hd" in notes[0].message


def test_no_warning_for_a_variable_the_file_references(load) -> None:
    settings = load(
        'sonarr: {hd: {url: "http://sonarr:8989", api_key: "${SONARR_API_KEY}"}}',
        {"SONARR_API_KEY": "sonarr-key-123"},
    )
    assert not [w for w in config_warnings(settings) if w.path == "SONARR_API_KEY"]


def test_tvmaze_sync_variables(load) -> None:
    settings = load(
        "discovery: {enabled: true}",
        {
            "SONARR_URL": "http://sonarr:8989",
            "TVMAZE_API_KEY": "tvmaze-key-123",
            "TVMAZE_RATE_LIMIT": "10",
            "SYNC_POLL_INTERVAL": "3600",
            "SYNC_RETRY_DELAY": "86400",
            "SYNC_ABANDON_AFTER": "30d",
            "STORAGE_PATH": "/tvmaze",
            "FILTERS_GENRES_EXCLUDE": "Reality,Talk Show",
            "FILTERS_GENRES_INCLUDE": "Drama",
            "FILTERS_TYPES_INCLUDE": "Scripted",
            "FILTERS_COUNTRIES_INCLUDE": '["US", "GB"]',
            "FILTERS_LANGUAGES_INCLUDE": "English, German",
            "FILTERS_STATUS_EXCLUDE_ENDED": "false",
            "FILTERS_PREMIERED_AFTER": "2015-06-01",
            "FILTERS_MIN_RUNTIME": "30",
            "SONARR_ROOT_FOLDER": "/tv",
            "SONARR_QUALITY_PROFILE": "HD-1080p",
            "SONARR_LANGUAGE_PROFILE": "English",
            "SONARR_MONITOR": "future",
            "SONARR_SEARCH_ON_ADD": "no",
            "SONARR_TAGS": "tvmaze, auto",
        },
    )
    discovery = settings.discovery
    assert _secret(discovery.tvmaze.api_key) == "tvmaze-key-123"
    assert discovery.tvmaze.rate_limit == 10
    assert discovery.poll_interval == 3600.0
    assert discovery.retry_delay == 86400.0
    assert discovery.abandon_after == 30 * 86400.0
    assert settings.storage.path == Path("/tvmaze")
    filters = discovery.filters
    assert filters.genres.exclude == ["Reality", "Talk Show"]
    assert filters.genres.include == ["Drama"]
    assert filters.types.include == ["Scripted"]
    assert filters.countries.include == ["US", "GB"]
    assert filters.languages.include == ["English", "German"]
    assert filters.status.exclude_ended is False
    assert filters.premiered.after == date(2015, 6, 1)
    assert filters.min_runtime == 30
    target = discovery.target
    assert (target.root_folder, target.quality_profile, target.language_profile) == (
        "/tv",
        "HD-1080p",
        "English",
    )
    assert target.monitor == "future"
    assert target.search_on_add is False
    assert target.tags == ["tvmaze", "auto"]
    assert target.instance is None  # the default instance: sonarr.default
    assert settings.default_instance("sonarr") == "default"


def test_tvmaze_api_key_fills_the_example_files_null(load, example: Path) -> None:
    text = example.read_text(encoding="utf-8")
    assert "api_key: null" in text
    settings = load(
        'discovery: {tvmaze: {url: "https://api.tvmaze.com", api_key: null}}',
        {"TVMAZE_API_KEY": "tvmaze-key-123"},
    )
    assert _secret(settings.discovery.tvmaze.api_key) == "tvmaze-key-123"


def test_alias_file_variables_are_read(load, tmp_path: Path) -> None:
    secret = tmp_path / "overseer_key"
    secret.write_text("from-file-key-123\n", encoding="utf-8")
    settings = load(
        "",
        {
            "OVERSEER_URL": "http://overseerr:5055",
            "OVERSEER_API_KEY_FILE": str(secret),
            "OVERSEER_API_KEY": "plain-key-123",
        },
    )
    assert settings.overseerr is not None
    assert _secret(settings.overseerr.api_key) == "from-file-key-123"


def test_an_empty_alias_counts_as_unset(load) -> None:
    assert load("", {"PORT": "", "OVERSEER_URL": ""}).overseerr is None


@pytest.mark.parametrize(
    ("environ", "path", "text"),
    [
        ({"PORT": "http"}, "server.port", "(set by PORT)"),
        ({"MAX_RETRIES": "many"}, "MAX_RETRIES", "whole number of retries"),
        ({"SYNC_MAX_RETRIES": "-1"}, "SYNC_MAX_RETRIES", "whole number of retries"),
        ({"SYNC_POLL_INTERVAL": "soon"}, "discovery.poll_interval", "SYNC_POLL_INTERVAL"),
    ],
)
def test_bad_alias_values_are_reported(problems, environ, path: str, text: str) -> None:
    error = problems("", environ)
    assert [p.path for p in error.problems] == [path]
    assert text in error.problems[0].render()


def test_every_alias_name_is_an_old_tool_variable() -> None:
    names = [name for alias in ALIASES for name in alias.names]
    assert len(names) == len(set(names))
    # ARRKESTRA_API_KEY is the one exception: the compose example set it before it was read
    own = [name for name in names if name.startswith("ARRKESTRA_")]
    assert own == ["ARRKESTRA_API_KEY"]
    assert all(name == name.upper() for name in names)


def test_radarr_url_and_key_create_the_default_radarr_instance(load) -> None:
    settings = load("", {"RADARR_URL": "http://radarr:7878", "RADARR_API_KEY": "radarr-key-1234"})
    instance = settings.radarr["default"]
    assert str(instance.url).startswith("http://radarr:7878")
    assert instance.api_key is not None and instance.api_key.get_secret_value() == "radarr-key-1234"


def test_arrkestra_api_key_is_the_server_key_unless_the_file_sets_one(load) -> None:
    from_env = load("", {"ARRKESTRA_API_KEY": "env-key-0123456789"})
    assert from_env.server.api_key is not None
    assert from_env.server.api_key.get_secret_value() == "env-key-0123456789"
    both = load(
        "server: {api_key: file-key-0123456789}", {"ARRKESTRA_API_KEY": "env-key-0123456789"}
    )
    assert both.server.api_key is not None
    assert both.server.api_key.get_secret_value() == "file-key-0123456789"


def test_tz_sets_the_schedules_and_the_summary_day_unless_the_file_does(load) -> None:
    zoned = load("", {"TZ": "Europe/Paris"})
    assert zoned.storage.timezone == "Europe/Paris"
    assert zoned.notifications.daily_summary is not None
    assert zoned.notifications.daily_summary.timezone == "Europe/Paris"
    own = load("storage: {timezone: Asia/Tokyo}", {"TZ": "Europe/Paris"})
    assert own.storage.timezone == "Asia/Tokyo"
    off = load("notifications: {daily_summary: null}", {"TZ": "Europe/Paris"})
    assert off.notifications.daily_summary is None  # not turned back on


def test_a_tz_that_is_no_zone_name_is_a_warning_not_an_error(load) -> None:
    settings = load("", {"TZ": ":/etc/localtime"})
    assert settings.storage.timezone == "UTC"
    assert any("TZ" in w.render() for w in config_warnings(settings))


def test_a_key_without_url_is_a_warning_not_an_error(load) -> None:
    settings = load("", {"SONARR_API_KEY": "key-123"})
    warnings = {w.path: w.message for w in config_warnings(settings)}
    assert "nothing can call it" in warnings["sonarr.default.url"]


def test_tvmaze_sync_server_and_logging_variables(load) -> None:
    settings = load(
        "",
        {
            "SERVER_PORT": "5050",
            "LOGGING_LEVEL": "DEBUG",
            "LOGGING_FORMAT": "json",
            "TVMAZE_UPDATE_WINDOW": "month",
        },
    )
    assert settings.server.port == 5050
    assert settings.logging.level == "debug"
    assert settings.logging.format == "json"
    assert settings.discovery.tvmaze.update_window == "month"
    assert load("", {"PORT": "5000", "SERVER_PORT": "5050"}).server.port == 5000


def test_webhook_secret_protects_the_implied_default_instances(load) -> None:
    settings = load("", {"WEBHOOK_SECRET": "s3cret-value"})
    for kind in ("sonarr", "radarr"):
        assert settings.default_instance(kind) == "default"
        secret = settings.instances(kind)["default"].webhook.secret
        assert secret is not None and secret.get_secret_value() == "s3cret-value"
        assert settings.instances(kind)["default"].url is None
