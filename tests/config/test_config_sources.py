"""Where each setting came from (``Settings.sources``): the file, a ``${}`` reference in it,
an ``ARRKESTRA_*`` variable, an old tool's variable, or the default; and never a value."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from arrkestra.config import Settings
from arrkestra.config.loading import settings_from_data
from arrkestra.config.loading.provenance import leaves
from arrkestra.config.models.fieldtree import render_path
from arrkestra.config.models.sources import Source

RULE = {"arr_path": "/tv", "source": "/mnt/src/tv", "destination": "/mnt/dst/tv"}


def said(settings: Settings, path: str) -> str:
    return str(settings.sources[path])


def test_each_kind_of_source_is_recorded_per_leaf() -> None:
    data: dict[str, Any] = {
        "server": {"api_key": "${MY_KEY}", "port": 9000},
        "sonarr": {"hd": {"url": "http://sonarr:8989"}},
        "mirror": {"paths": [RULE]},
    }
    environ = {
        "MY_KEY": "file-key-abcdefghijkl",
        "ARRKESTRA_QUEUE__LEASE": "90s",
        "OVERSEER_URL": "http://overseerr:5055",
        "OVERSEER_API_KEY": "alias-key-abcdefghijkl",
        "PLEX_SECTION_TV": "2",
    }
    settings = settings_from_data(data, environ)
    assert settings.sources["server.port"] == Source("file")
    assert said(settings, "server.port") == "file"
    assert said(settings, "server.api_key") == "file (${MY_KEY})"
    assert said(settings, "sonarr.hd.url") == "file"
    assert said(settings, "queue.lease") == "env ARRKESTRA_QUEUE__LEASE"
    assert settings.queue.lease == 90.0  # recording changed nothing
    assert said(settings, "overseerr.url") == "alias OVERSEER_URL"
    assert said(settings, "overseerr.api_key") == "alias OVERSEER_API_KEY"
    assert said(settings, "overseerr.timeout") == "default"  # the alias made the section only
    assert said(settings, "mirror.paths[0].source") == "file"
    assert said(settings, "mirror.paths[0].plex_section") == "alias PLEX_SECTION_TV"
    assert said(settings, "mirror.paths[0].plex_path") == "default"
    assert said(settings, "server.host") == "default"
    assert said(settings, "sonarr.hd.timeout") == "default"


def test_every_leaf_has_a_source_and_no_source_names_a_value() -> None:
    environ = {
        "K": "referenced-secret-0123456789",
        "ARRKESTRA_SERVER__API_KEY": "env-secret-0123456789",
        "PLEX_TOKEN": "alias-secret-0123456789",
        "PLEX_URL": "http://plex:32400",
    }
    settings = settings_from_data({"overseerr": {"url": "http://o", "api_key": "${K}"}}, environ)
    paths = [render_path(loc) for loc, _ in leaves(settings.model_dump(mode="json"))]
    assert list(settings.sources) == paths
    text = json.dumps({path: str(source) for path, source in settings.sources.items()})
    for secret in ("referenced-secret", "env-secret", "alias-secret"):
        assert secret not in text
    assert said(settings, "overseerr.api_key") == "file (${K})"
    assert said(settings, "server.api_key") == "env ARRKESTRA_SERVER__API_KEY"
    assert said(settings, "plex.token") == "alias PLEX_TOKEN"


def test_overrides_win_over_the_file_and_aliases_fill_only_gaps() -> None:
    data = {"server": {"port": 9000}, "logging": {"level": "debug"}}
    environ = {"ARRKESTRA_SERVER__PORT": "9100", "LOG_LEVEL": "warning", "PORT": "9200"}
    settings = settings_from_data(data, environ)
    assert settings.server.port == 9100
    assert said(settings, "server.port") == "env ARRKESTRA_SERVER__PORT"
    assert settings.logging.level == "debug"
    assert said(settings, "logging.level") == "file"  # LOG_LEVEL only fills a gap


def test_a_secret_read_from_a_file_variable_names_the_variable(tmp_path: Path) -> None:
    secret = tmp_path / "api_key"
    secret.write_text("docker-secret-0123456789\n")
    settings = settings_from_data({}, {"ARRKESTRA_SERVER__API_KEY_FILE": str(secret)})
    assert said(settings, "server.api_key") == "env ARRKESTRA_SERVER__API_KEY_FILE"


def test_a_section_set_whole_from_json_marks_each_of_its_leaves() -> None:
    paths = json.dumps([RULE])
    settings = settings_from_data(
        {"mirror": {"concurrency": 3}}, {"ARRKESTRA_MIRROR__PATHS": paths}
    )
    assert said(settings, "mirror.paths[0].arr_path") == "env ARRKESTRA_MIRROR__PATHS"
    assert said(settings, "mirror.paths[0].plex_path") == "default"  # the JSON left it out
    assert said(settings, "mirror.concurrency") == "file"


def test_null_in_the_file_is_the_default_except_where_null_is_a_value() -> None:
    settings = settings_from_data({"server": {"port": None, "rate_limit": None}}, {})
    assert said(settings, "server.port") == "default"
    assert settings.server.rate_limit is None
    assert said(settings, "server.rate_limit") == "file"


def test_settings_the_loader_did_not_build_record_nothing() -> None:
    assert dict(Settings().sources) == {}
    loaded = settings_from_data({"server": {"port": 9000}}, {"DRY_RUN": "true"})
    assert said(loaded.with_load_notes(()), "dry_run") == "alias DRY_RUN"
    assert loaded == Settings(server={"port": 9000}, dry_run=True)  # values alone compare
