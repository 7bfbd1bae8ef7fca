"""ARRKESTRA_* overrides, ${NAME} substitution, NAME_FILE secrets and the precedence rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from arrkestra.core.errors import ConfigError

FILE = """
server: {port: 9000}
logging: {level: warning}
mirror: {concurrency: 3}
overseerr: {url: "http://file-overseerr:5055"}
"""


@pytest.mark.parametrize(
    ("environ", "port", "level", "concurrency", "overseerr"),
    [
        ({}, 9000, "warning", 3, "http://file-overseerr:5055"),
        (
            {"PORT": "7000", "LOG_LEVEL": "DEBUG", "OVERSEER_URL": "http://old:5055"},
            9000,
            "warning",
            3,
            "http://file-overseerr:5055",
        ),
        (
            {
                "ARRKESTRA_SERVER__PORT": "6000",
                "PORT": "7000",
                "ARRKESTRA_LOGGING__LEVEL": "error",
                "LOG_LEVEL": "debug",
                "ARRKESTRA_MIRROR__CONCURRENCY": "5",
                "ARRKESTRA_OVERSEERR__URL": "http://env:5055",
                "OVERSEER_URL": "http://old:5055",
            },
            6000,
            "error",
            5,
            "http://env:5055",
        ),
    ],
)
def test_arrkestra_variables_beat_the_file_which_beats_aliases(
    load, environ, port, level, concurrency, overseerr
) -> None:
    settings = load(FILE, environ)
    assert settings.server.port == port
    assert settings.logging.level == level
    assert settings.mirror.concurrency == concurrency
    assert settings.overseerr is not None
    assert settings.overseerr.url == overseerr


def test_aliases_beat_defaults(load) -> None:
    settings = load("", {"PORT": "7000", "LOG_LEVEL": "DEBUG", "DRY_RUN": "true"})
    assert settings.server.port == 7000
    assert settings.logging.level == "debug"
    assert settings.dry_run is True


def test_defaults_apply_when_nothing_is_set(load) -> None:
    settings = load("", {})
    assert (settings.server.port, settings.logging.level, settings.mirror.concurrency) == (
        8080,
        "info",
        2,
    )


def test_nested_overrides_reach_named_instances(load) -> None:
    settings = load(
        'sonarr: {hd: {url: "http://sonarr:8989"}}',
        {
            "ARRKESTRA_SONARR__HD__API_KEY": "key-from-env-123",
            "ARRKESTRA_SONARR__HD__WEBHOOK__SECRET": "hook-from-env-123",
            "ARRKESTRA_SONARR__4K__URL": "http://sonarr-4k:8989/",
            "arrkestra_radarr__main__url": "http://radarr:7878",
        },
    )
    hd = settings.sonarr["hd"]
    assert hd.url == "http://sonarr:8989"
    assert hd.api_key is not None
    assert hd.api_key.get_secret_value() == "key-from-env-123"
    assert hd.webhook.secret is not None
    assert settings.sonarr["4k"].url == "http://sonarr-4k:8989"
    assert settings.radarr["main"].url == "http://radarr:7878"


def test_overrides_of_lists_null_and_top_level_keys(load) -> None:
    settings = load(
        "server: {rate_limit: {requests: 5, per: 1s}}",
        {
            "ARRKESTRA_MIRROR__EXCLUDES": "#recycle, .Trash",
            "ARRKESTRA_DISCOVERY__FILTERS__GENRES__EXCLUDE": '["News", "Talk Show"]',
            "ARRKESTRA_SERVER__RATE_LIMIT": "null",
            "ARRKESTRA_DRY_RUN": "yes",
            "ARRKESTRA_MIRROR__PATHS": '[{"arr_path": "/tv", "source": "/a", "destination": "/b"}]',
        },
    )
    assert settings.mirror.excludes == ["#recycle", ".Trash"]
    assert settings.discovery.filters.genres.exclude == ["News", "Talk Show"]
    assert settings.server.rate_limit is None
    assert settings.dry_run is True
    assert settings.mirror.paths[0].source == Path("/a")


def test_an_empty_override_counts_as_unset(load) -> None:
    assert load("server: {port: 9000}", {"ARRKESTRA_SERVER__PORT": ""}).server.port == 9000


def test_an_override_file_variable_reads_a_docker_secret(load, tmp_path: Path) -> None:
    secret = tmp_path / "api_key"
    secret.write_text("key-from-file-123\n", encoding="utf-8")
    settings = load(
        "",
        {
            "ARRKESTRA_SERVER__API_KEY_FILE": str(secret),
            "ARRKESTRA_SERVER__API_KEY": "plain-key-123",
            "ARRKESTRA_LOGGING__HISTORY_FILE": "/logs/history.log",
        },
    )
    assert settings.server.api_key is not None
    assert settings.server.api_key.get_secret_value() == "key-from-file-123"
    assert settings.logging.history_file == Path("/logs/history.log")


def test_an_unreadable_override_file_is_an_error(problems, tmp_path: Path) -> None:
    missing = tmp_path / "nothing-here"
    [problem] = problems("", {"ARRKESTRA_PLEX__TOKEN_FILE": str(missing)}).problems
    assert problem.path == "ARRKESTRA_PLEX__TOKEN_FILE"
    assert str(missing) in problem.message


def test_unknown_arrkestra_variables_are_errors_with_a_suggestion(problems) -> None:
    error: ConfigError = problems(
        "",
        {
            "ARRKESTRA_MIRROR__CONCURENCY": "4",
            "ARRKESTRA_MIROR__CONCURRENCY": "4",
            "ARRKESTRA_MIRROR__PATHS__0__SOURCE": "/x",
            "ARRKESTRA_SERVER__PORT__X": "1",
        },
    )
    found = {p.path: p.hint for p in error.problems}
    assert found["ARRKESTRA_MIRROR__CONCURENCY"] == "did you mean ARRKESTRA_MIRROR__CONCURRENCY?"
    assert found["ARRKESTRA_MIROR__CONCURRENCY"] == "did you mean ARRKESTRA_MIRROR__CONCURRENCY?"
    assert "ARRKESTRA_MIRROR__PATHS='[...]'" in found["ARRKESTRA_MIRROR__PATHS__0__SOURCE"]
    assert "server.port has no keys below it" in found["ARRKESTRA_SERVER__PORT__X"]


def test_plain_arrkestra_names_are_free_for_substitution(load) -> None:
    settings = load(
        'server: {api_key: "${ARRKESTRA_API_KEY}"}',
        {"ARRKESTRA_API_KEY": "key-0123456789", "ARRKESTRA_CONFIG_DIR": "/x"},
    )
    assert settings.server.api_key is not None


def test_a_bad_override_value_names_its_variable(problems) -> None:
    error = problems("", {"ARRKESTRA_MIRROR__CONCURRENCY": "many"})
    [problem] = error.problems
    assert problem.path == "mirror.concurrency"
    assert "ARRKESTRA_MIRROR__CONCURRENCY" in problem.message
    assert problem.hint == "a whole number"


def test_substitution_inside_longer_strings_and_escapes(load) -> None:
    settings = load(
        """
        notifications:
          urls: ["tgram://${BOT}/${CHAT}"]
        mirror:
          excludes: ["$${LITERAL}", "${EMPTY}x"]
        """,
        {"BOT": "123:bot-token-abcdef", "CHAT": "42", "EMPTY": ""},
    )
    assert settings.notifications.urls[0].get_secret_value() == "tgram://123:bot-token-abcdef/42"
    assert settings.mirror.excludes == ["${LITERAL}", "x"]


def test_a_file_variable_wins_and_loses_its_trailing_newline(load, tmp_path: Path) -> None:
    secret = tmp_path / "sonarr_key"
    secret.write_text("key-from-file-0123\n", encoding="utf-8")
    settings = load(
        'sonarr: {hd: {url: "http://sonarr:8989", api_key: "${SONARR_API_KEY}"}}',
        {"SONARR_API_KEY_FILE": str(secret), "SONARR_API_KEY": "plain-key-0123"},
    )
    key = settings.sonarr["hd"].api_key
    assert key is not None
    assert key.get_secret_value() == "key-from-file-0123"


def test_a_missing_variable_names_both_forms(problems) -> None:
    error = problems('server: {api_key: "${MY_KEY}"}', {})
    [problem] = error.problems
    assert problem.path == "server.api_key"
    assert "MY_KEY_FILE" in problem.message
    assert "MY_KEY " in problem.message
    assert "MY_KEY_FILE" in problem.hint


def test_an_unreadable_secret_file_names_the_file(problems, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-secret"
    error = problems('server: {api_key: "${MY_KEY}"}', {"MY_KEY_FILE": str(missing)})
    [problem] = error.problems
    assert problem.path == "server.api_key"
    assert str(missing) in problem.message
    assert "MY_KEY_FILE" in problem.message
