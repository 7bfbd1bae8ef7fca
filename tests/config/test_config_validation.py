"""Validation: every problem at once, each with its path and a hint, never with a secret."""

from __future__ import annotations

import json

import pytest

from arrkestra.config import Settings
from arrkestra.core.errors import ConfigError

SECRETS = {
    "API": "api-key-SENSITIVE-1",
    "SONARR": "sonarr-key-SENSITIVE-2",
    "HOOK": "hook-secret-SENSITIVE-3",
    "BOT": "555:telegram-SENSITIVE-4",
    "PLEX": "plex-token-SENSITIVE-5",
}


def test_five_mistakes_are_reported_together(problems) -> None:
    error: ConfigError = problems(
        """
        server:
          port: 99999
          rate_limit: {requests: 10, per: soon}
        logging: {level: loud}
        sonarr:
          hd: {url: "ftp://sonarr", api_key: "${SONARR}"}
        mirror:
          concurency: 4
          paths:
            - {arr_path: /movies, source: /a, destination: /b}
            - {arr_path: movies, source: /c, destination: /d}
        storage: {backup: {schedule: "61 * * * *"}, timezone: Mars/Olympus}
        notifications: {daily_summary: {at: "25:00"}}
        """,
        SECRETS,
    )
    paths = sorted(p.path for p in error.problems)
    assert paths == sorted(
        [
            "server.port",
            "server.rate_limit.per",
            "storage.backup.schedule",
            "storage.timezone",
            "logging.level",
            "sonarr.hd.url",
            "notifications.daily_summary.at",
            "mirror.concurency",
            "mirror.paths[1].arr_path",
        ]
    )
    assert all(p.hint for p in error.problems), [p.render() for p in error.problems]
    assert "configuration has 9 problems" in str(error)


def test_an_unknown_key_suggests_the_closest_valid_one(problems) -> None:
    error = problems("mirror: {concurency: 4}\nserverr: {port: 1}\nsonarr: {hd: {urll: x}}")
    hints = {p.path: (p.message, p.hint) for p in error.problems}
    assert hints["mirror.concurency"] == ("unknown key", "did you mean concurrency?")
    assert hints["serverr"] == ("unknown key", "did you mean server?")
    assert hints["sonarr.hd.urll"] == ("unknown key", "did you mean url?")


def test_an_unknown_key_without_a_close_match_lists_the_valid_ones(problems) -> None:
    [problem] = problems("queue: {zzz: 1}").problems
    assert problem.hint == "valid keys here: lease, reclaim_interval, poll_interval"


def test_two_default_instances_are_an_error(problems) -> None:
    error = problems(
        """
        sonarr:
          hd: {url: "http://a:1", default: true}
          4k: {url: "http://b:1", default: true}
        """
    )
    [problem] = error.problems
    assert problem.path == "sonarr"
    assert "sonarr.hd, sonarr.4k" in problem.message


def test_default_instance_rules(load) -> None:
    one = load('radarr: {main: {url: "http://a:1"}}')
    assert one.default_instance("radarr") == "main"
    assert one.default_instance("sonarr") == "default"  # implied: none configured
    assert one.implied("sonarr", "default") and not one.implied("radarr", "main")
    two = load('radarr: {a: {url: "http://a:1"}, b: {url: "http://b:1"}}')
    assert two.default_instance("radarr") is None
    marked = load('radarr: {a: {url: "http://a:1"}, b: {url: "http://b:1", default: true}}')
    assert marked.default_instance("radarr") == "b"


@pytest.mark.parametrize("name", ["HD", "-hd", "a" * 33, "hd.4k", "h d"])
def test_instance_names_are_strict(problems, name: str) -> None:
    [problem] = problems(f'sonarr: {{"{name}": {{url: "http://a:1"}}}}').problems
    assert problem.path == f"sonarr.{name}"
    assert "invalid instance name" in problem.message


def test_discovery_target_must_name_a_configured_instance(problems) -> None:
    error = problems(
        """
        sonarr: {hd: {url: "http://sonarr:8989"}}
        discovery:
          enabled: true
          target: {instance: hdd, root_folder: /tv, quality_profile: HD}
          rules:
            - target: {instance: anime}
            - filters: {genres: {include: [Anime]}}
        """
    )
    by_path = {p.path: p for p in error.problems}
    assert set(by_path) == {
        "discovery.rules[0].target.instance",
        "discovery.rules[1].target.instance",
    }
    assert (
        "sonarr.anime is not a configured instance"
        in by_path["discovery.rules[0].target.instance"].message
    )
    assert "did you mean hd?" in by_path["discovery.rules[1].target.instance"].hint


def test_enabled_discovery_needs_a_sonarr_instance_and_a_target(problems) -> None:
    error = problems("discovery: {enabled: true}")
    assert [p.path for p in error.problems] == [
        "discovery.target.instance",
        "discovery.target.root_folder",
        "discovery.target.quality_profile",
    ]


def test_discovery_without_a_default_instance_must_name_one(problems) -> None:
    error = problems(
        """
        sonarr: {hd: {url: "http://a:1"}, anime: {url: "http://b:1"}}
        discovery: {enabled: true, target: {root_folder: /tv, quality_profile: HD}}
        """
    )
    [problem] = error.problems
    assert problem.path == "discovery.target.instance"
    assert "none is marked default" in problem.message


def test_disabled_discovery_is_not_checked(load) -> None:
    assert not load("discovery: {target: {instance: nowhere}}").discovery.enabled


def test_discovery_rules_inherit_what_they_do_not_set(load) -> None:
    settings = load(
        """
        sonarr: {hd: {url: "http://a:1"}, anime: {url: "http://b:1"}}
        discovery:
          enabled: true
          target: {instance: hd, root_folder: /tv, quality_profile: HD, tags: [auto]}
          rules:
            - filters: {genres: {include: [Anime]}, countries: {include: [JP]}}
              target: {instance: anime, root_folder: /anime}
            - {}
        """
    )
    first, second = settings.discovery.effective_rules()
    assert first.target.instance == "anime"
    assert first.target.root_folder == "/anime"
    assert first.target.quality_profile == "HD"
    assert first.target.tags == ["auto"]
    assert first.filters.genres.include == ["Anime"]
    assert first.filters.genres.exclude == settings.discovery.filters.genres.exclude
    assert first.filters.countries.include == ["JP"]
    assert second.target == settings.discovery.target
    assert second.filters == settings.discovery.filters


def test_path_rules_are_checked(problems) -> None:
    error = problems(
        """
        radarr: {hd: {url: "http://radarr:7878"}}
        mirror:
          paths:
            - {arr_path: /movies, source: /a, destination: /b, instances: [radarr.hd]}
            - {arr_path: /movies/, source: /c, destination: /d}
            - {arr_path: 'D:\\Movies', source: /e, destination: /f, instances: [radarr.hdd]}
            - {arr_path: '\\\\nas\\tv', source: /g, destination: /h}
        """
    )
    found = {p.path: p for p in error.problems}
    assert set(found) == {"mirror.paths[1].arr_path", "mirror.paths[2].instances[0]"}
    assert "did you mean radarr.hd?" in found["mirror.paths[2].instances[0]"].hint
    assert "mirror.paths[0]" in found["mirror.paths[1].arr_path"].message


def test_instance_references_have_a_shape(problems) -> None:
    [problem] = problems(
        "mirror: {paths: [{arr_path: /tv, source: /a, destination: /b, instances: [lidarr.x]}]}"
    ).problems
    assert problem.path == "mirror.paths[0].instances[0]"
    assert "KIND.NAME" in problem.hint


def test_cross_checks_still_run_when_other_sections_are_broken(problems) -> None:
    error = problems(
        """
        server: {port: nope}
        sonarr: {hd: {url: "http://a:1"}}
        discovery: {enabled: true, target: {instance: other, root_folder: /tv, quality_profile: HD}}
        """
    )
    assert [p.path for p in error.problems] == ["server.port", "discovery.target.instance"]


def test_urls_are_checked_and_lose_their_trailing_slash(load, problems) -> None:
    settings = load('plex: {url: "https://plex.example:32400/"}')
    assert settings.plex is not None
    assert settings.plex.url == "https://plex.example:32400"
    for url in ("sonarr:8989", "ftp://x", "http://", "http://host:99999"):
        [problem] = problems(f'overseerr: {{url: "{url}"}}').problems
        assert problem.path == "overseerr.url"


def test_webhook_basic_auth_needs_both_parts(problems) -> None:
    [problem] = problems('sonarr: {hd: {url: "http://a:1", webhook: {username: s}}}').problems
    assert problem.path == "sonarr.hd.webhook"
    assert "password is missing" in problem.message


def test_an_unquoted_time_gets_a_helpful_hint(problems) -> None:
    [problem] = problems("notifications: {daily_summary: {at: 12:30}}").problems
    assert "quotes" in problem.hint


def test_secrets_never_appear_in_errors(problems) -> None:
    error = problems(
        """
        server: {api_key: "${API}", port: "${API}"}
        sonarr:
          hd: {url: "${SONARR}", api_key: 12345678, webhook: {secret: "${HOOK}", header: "${HOOK}"}}
        plex: {url: "http://plex:32400", token: "${PLEX}", timeout: "${PLEX}"}
        notifications: {urls: ["${BOT}"]}
        """,
        SECRETS,
    )
    text = str(error) + repr(error.problems)
    assert {p.path for p in error.problems} == {
        "server.port",
        "sonarr.hd.url",
        "plex.timeout",
        "notifications.urls[0]",
    }
    for secret in SECRETS.values():
        assert secret not in text
    assert "12345678" not in text


def test_redacted_hides_every_secret(load) -> None:
    settings = load(
        """
        server: {api_key: "${API}", basic_auth: {username: admin, password: pass-SENSITIVE-6}}
        sonarr:
          hd:
            url: "http://user:url-SENSITIVE-7@sonarr:8989"
            api_key: "${SONARR}"
            webhook: {secret: "${HOOK}"}
        plex: {url: "http://plex:32400", token: "${PLEX}"}
        notifications:
          urls: ["tgram://${BOT}/42"]
          fallback_urls: ["discord://1/discord-SENSITIVE-8"]
        discovery: {tvmaze: {api_key: tvmaze-SENSITIVE-9}}
        """,
        SECRETS,
    )
    dumped = json.dumps(settings.redacted())
    assert "SENSITIVE" not in dumped
    assert dumped.count('"***"') == 8
    assert settings.redacted()["sonarr"]["hd"]["url"] == "http://user:***@sonarr:8989"
    secrets = settings.secret_values()
    assert "pass-SENSITIVE-6" in secrets
    assert "555:telegram-SENSITIVE-4" in secrets  # the token inside the Apprise URL, alone
    redactor = settings.redactor()
    log_line = "POST https://api.telegram.org/bot555:telegram-SENSITIVE-4/sendMessage failed"
    assert "SENSITIVE" not in redactor(log_line)
    assert "url-SENSITIVE-7" in secrets  # a password inside an ordinary URL setting
    assert "SENSITIVE" not in redactor(repr(settings))
    assert not [s for s in secrets if s.startswith(("api", "pass", "hook")) and s in repr(settings)]


def test_settings_built_directly_run_the_cross_checks_too() -> None:
    with pytest.raises(ValueError, match=r"sonarr\.nope is not a configured instance"):
        Settings.model_validate({"discovery": {"enabled": True, "target": {"instance": "nope"}}})


def test_an_exclude_rsync_reads_as_an_include_is_refused_at_load(problems) -> None:
    error: ConfigError = problems("mirror: {excludes: ['@eaDir', '+ keep.nfo']}")
    assert "mirror.excludes" in str(error) and "include" in str(error)


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("source", "relative/tv", "is not an absolute path"),
        ("destination", "/a/../b", "holds a '..' component"),
        ("source", "/src/t\nv", "holds"),
    ],
)
def test_a_mirror_root_serve_could_not_map_is_refused_at_load(
    problems, field: str, value: str, said: str
) -> None:
    rule = {"arr_path": "/tv", "source": "/src/tv", "destination": "/dst/tv", field: value}
    error = problems(f"mirror: {{paths: [{json.dumps(rule)}]}}")
    [problem] = error.problems
    assert problem.path == "mirror.paths[0]" and said in problem.message
