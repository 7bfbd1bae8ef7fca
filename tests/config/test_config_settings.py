"""What the rest of the code asks Settings: retry policies, dry runs, pipelines, warnings."""

from __future__ import annotations

from pathlib import Path

import pytest

from arrkestra.config import PIPELINES, Settings, config_warnings
from arrkestra.core.retry import RetryPolicy


def test_pipeline_retry_overrides_only_the_keys_it_sets(load) -> None:
    settings = load(
        """
        retry: {max_attempts: 5, base: 10s, cap: 1h}
        cleanup: {retry: {max_attempts: null, max_age: 2d}}
        mirror: {retry: {base: 1m}}
        """
    )
    assert settings.retry_policy("reconcile") == RetryPolicy(5, None, 10.0, 3600.0)
    # catch-up keeps its own unbounded attempts (a day of them) unless its section says
    assert settings.retry_policy("catchup") == RetryPolicy(None, 86400.0, 10.0, 3600.0)
    assert settings.retry_policy("cleanup") == RetryPolicy(None, 2 * 86400.0, 10.0, 3600.0)
    # mirror keeps its own: no attempt limit, a day of backoff
    assert settings.retry_policy("mirror") == RetryPolicy(None, 86400.0, 60.0, 3600.0)


def test_cleanup_keeps_its_own_retry_defaults(load) -> None:
    assert Settings().retry_policy("cleanup") == RetryPolicy(None, 7 * 86400.0, 30.0, 900.0)
    partly = load("cleanup: {retry: {base: 5s}}")
    assert partly.retry_policy("cleanup") == RetryPolicy(None, 7 * 86400.0, 5.0, 900.0)
    only_global = load("cleanup: {retry: null}")
    assert only_global.retry_policy("cleanup") == RetryPolicy(3, None, 30.0, 900.0)


def test_mirror_keeps_retrying_for_a_day_with_backoff_up_to_15_minutes(load) -> None:
    assert Settings().retry_policy("mirror") == RetryPolicy(None, 86400.0, 30.0, 900.0)
    capped = load("mirror: {retry: {max_attempts: 10}}")
    assert capped.retry_policy("mirror") == RetryPolicy(10, 86400.0, 30.0, 900.0)
    assert load("mirror: {retry: null}").retry_policy("mirror") == RetryPolicy(3, None, 30.0, 900.0)


def test_pipeline_dry_run_follows_the_global_one_unless_set(load) -> None:
    settings = load("dry_run: true\nmirror: {dry_run: false}\n")
    assert settings.pipeline_dry_run("mirror") is False
    assert all(settings.pipeline_dry_run(p) for p in PIPELINES if p != "mirror")


def test_unknown_pipeline_names_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown pipeline"):
        Settings().retry_policy("cleanpu")


def test_section_defaults() -> None:
    settings = Settings()
    assert settings.queue.lease == 60.0
    assert settings.queue.reclaim_interval == 30.0
    assert settings.queue.poll_interval == 5.0
    assert settings.storage.integrity_check == "0 4 * * *"
    assert settings.reconcile.schedule == "0 3 * * *"
    assert settings.mirror.budget is not None
    assert settings.mirror.budget.deletions == 50
    assert settings.cleanup.budget is not None
    assert settings.cleanup.budget.deletions == 20
    assert settings.server.body_limit == 1024 * 1024
    assert settings.logging.max_bytes == 10 * 1024 * 1024


def test_nullable_sections(load) -> None:
    settings = load(
        """
        server: {rate_limit: null}
        cleanup: {budget: null}
        storage: {integrity_check: null, backup: {schedule: null}}
        notifications: {daily_summary: null}
        """
    )
    assert settings.server.rate_limit is None
    assert settings.cleanup.budget is None
    assert settings.storage.integrity_check is None
    assert settings.storage.backup.schedule is None
    assert settings.notifications.daily_summary is None


def test_case_insensitive_choices_and_storage_paths(load) -> None:
    settings = load("logging: {level: WARN, format: JSON}\nstorage: {path: /srv/arr}\n")
    assert (settings.logging.level, settings.logging.format) == ("warning", "json")
    assert settings.storage.db_file == Path("/srv/arr/arrkestra.db")


def test_plex_sections_are_ids_or_titles(load) -> None:
    settings = load(
        """
        mirror:
          paths:
            - {arr_path: /a, source: /a, destination: /b, plex_section: "3"}
            - {arr_path: /b, source: /a, destination: /b, plex_section: Movies}
        """
    )
    assert [r.plex_section for r in settings.mirror.paths] == [3, "Movies"]


def test_warnings_for_unauthenticated_webhooks_and_api(load) -> None:
    settings = load(
        """
        sonarr: {hd: {url: "http://a:1"}, 4k: {url: "http://b:1", webhook: {secret: s3cret-value}}}
        radarr: {hd: {url: "http://c:1", webhook: {username: radarr, password: pw-value}}}
        """
    )
    messages = {w.path: w.message for w in config_warnings(settings)}
    assert messages["sonarr.hd.webhook"] == "webhooks from sonarr.hd are not authenticated"
    assert "sonarr.4k.webhook" not in messages
    assert "radarr.hd.webhook" not in messages
    assert "/api/v1" in messages["server.api_key"]
    assert "server.api_key is set" in messages["server.api_key"]


def test_warnings_are_not_errors_and_defaults_start(load) -> None:
    warnings = config_warnings(load(""))
    assert [w.path for w in warnings] == ["server.api_key"]


def test_warnings_about_missing_upstreams_and_no_effect_settings(load) -> None:
    settings = load(
        """
        server: {api_key: key-0123456789}
        radarr: {hd: {url: "http://c:1", webhook: {secret: s3cret-value}}}
        mirror: {paths: [{arr_path: /m, source: /a, destination: /b, plex_section: 1}]}
        reconcile: {apply_missed_deletions: true}
        retry: {max_attempts: null}
        dry_run: true
        """
    )
    paths = [w.path for w in config_warnings(settings)]
    assert "overseerr" in paths
    assert "plex" in paths
    assert "reconcile.apply_missed_deletions" in paths
    assert "retry" in paths  # no max_attempts and no max_age: retried forever
    assert "dry_run" in paths
    assert "server.api_key" not in paths


def test_every_dry_run_switch_is_warned_about(load) -> None:
    warned = {w.path for w in config_warnings(load("mirror: {dry_run: true}"))}
    assert "mirror.dry_run" in warned and "dry_run" not in warned
    everything = load("dry_run: true")
    assert everything.any_dry_run() and "dry_run" in {w.path for w in config_warnings(everything)}
