"""Jellyfin and Emby in the config: one server or named ones, a required key with the hint
of where to make it, a url that is the server's root, warnings as Plex has them, the key
masked wherever settings are shown."""

from __future__ import annotations

import json

from arrkestra.config import config_warnings
from arrkestra.web.dashboard.settings import sections

KEY = "jellyfin-key-SENSITIVE-0123"
EMBY_KEY = "emby-key-SENSITIVE-456789"


def test_a_flat_section_is_the_server_default_and_named_ones_keep_their_names(load) -> None:
    settings = load(
        f"""
        jellyfin: {{url: "http://jellyfin:8096/", api_key: {KEY}}}
        emby:
          living: {{url: "http://emby:8096/emby", api_key: {EMBY_KEY}, scan_debounce: 5s}}
          den: {{url: "https://den.example/emby-proxy", api_key: {EMBY_KEY}}}
        """
    )
    (default,) = settings.media_servers("jellyfin").values()
    assert list(settings.media_servers("jellyfin")) == ["default"]
    assert default.url == "http://jellyfin:8096" and default.scan_debounce == 30.0
    assert list(settings.media_servers("emby")) == ["living", "den"]
    assert settings.emby["living"].url == "http://emby:8096/emby"  # /emby written: accepted
    assert settings.emby["living"].scan_debounce == 5.0


def test_a_server_without_api_key_is_an_error_saying_where_to_make_one(problems) -> None:
    error = problems(
        """
        jellyfin: {url: "http://jellyfin:8096"}
        emby: {living: {url: "http://emby:8096", api_key: ""}}
        """
    )
    jellyfin, emby = sorted(error.problems, key=lambda p: p.path, reverse=True)
    assert jellyfin.path == "jellyfin.default.api_key"
    assert "an API key is required" in jellyfin.message and "Jellyfin" in jellyfin.message
    assert "Dashboard -> API Keys" in jellyfin.hint and "${JELLYFIN_API_KEY}" in jellyfin.hint
    assert emby.path == "emby.living.api_key"
    assert "Server Dashboard -> Advanced (under Expert) -> Security" in emby.hint


def test_urls_are_checked_as_plexs_and_the_web_apps_page_is_refused(problems) -> None:
    for url in ("jellyfin:8096", "ftp://jellyfin", "http://host:99999"):
        [problem] = problems(f'jellyfin: {{url: "{url}", api_key: {KEY}}}').problems
        assert problem.path == "jellyfin.default.url"
    for url in ("http://jellyfin:8096/web/index.html", "http://jellyfin:8096/web/#/home.html"):
        [problem] = problems(f'jellyfin: {{url: "{url}", api_key: {KEY}}}').problems
        assert problem.path == "jellyfin.default.url"
        assert "web app page, not its root" in problem.message
        assert "http://jellyfin:8096" in problem.hint


def test_a_server_path_without_its_server_is_a_warning_as_for_plex(load, tmp_path) -> None:
    rule = f"{{arr_path: /tv, source: {tmp_path}, destination: {tmp_path}, jellyfin_path: /tv}}"
    settings = load(f"mirror: {{paths: [{rule}]}}")
    said = {w.path: w for w in config_warnings(settings)}
    assert "jellyfin_path but jellyfin is not configured" in said["jellyfin"].message
    assert "set jellyfin.url and jellyfin.api_key" in said["jellyfin"].hint
    assert "emby" not in said and "plex" not in said
    configured = load(
        f"""
        jellyfin: {{url: "http://jellyfin:8096", api_key: {KEY}}}
        mirror: {{paths: [{rule}]}}
        """
    )
    assert "jellyfin" not in {w.path for w in config_warnings(configured)}


def test_the_key_is_masked_in_redacted_settings_and_on_the_settings_page(load) -> None:
    settings = load(
        f"""
        jellyfin: {{url: "http://jellyfin:8096", api_key: {KEY}}}
        emby: {{living: {{url: "http://emby:8096", api_key: {EMBY_KEY}}}}}
        """
    )
    assert KEY in settings.secret_values() and EMBY_KEY in settings.secret_values()
    assert "SENSITIVE" not in json.dumps(settings.redacted())
    rows = {row.path: row.value for section in sections(settings) for row in section.rows}
    assert rows["jellyfin.default.api_key"] == rows["emby.living.api_key"] == "***"
    assert rows["emby.living.url"] == "http://emby:8096"
    assert "SENSITIVE" not in settings.redactor()(f"Authorization: MediaBrowser Token={KEY}")
