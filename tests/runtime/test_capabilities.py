"""What ``check`` and ``serve`` say about each capability comes from ``why_not`` alone, and
is what the services build: a capability reported "configured" runs, no other does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.conftest import base_config, write_config
from typer.testing import CliRunner

from arrkestra.cli import app
from arrkestra.config import load_settings
from arrkestra.runtime import capabilities
from arrkestra.runtime.services import open_services

FULL: dict[str, Any] = {
    "sonarr": {"hd": {"url": "http://sonarr:8989", "api_key": "sonarr-key-0123456789"}},
    "radarr": {"hd": {"url": "http://radarr:7878", "api_key": "radarr-key-0123456789"}},
    "overseerr": {"url": "http://overseerr:5055", "api_key": "overseerr-key-0123456789"},
    "plex": {"url": "http://plex:32400", "token": "plex-token-0123456789"},
    "notifications": {"urls": ["json://127.0.0.1:9/alerts"]},
    "mirror": {"paths": [{"arr_path": "/tv", "source": "/src/tv", "destination": "/dst/tv"}]},
    "discovery": {
        "enabled": True,
        "target": {"root_folder": "/tv", "quality_profile": "HD-1080p"},
    },
}
CASES = {
    "no config": (
        {},
        {
            "cleanup": "cleanup: not configured: needs an overseerr section (or OVERSEER_URL)",
            "mirror": "mirror: not configured: needs mirror.paths",
            "discovery": "discovery: disabled (set discovery.enabled: true",
            "catchup": "catchup: not configured: replays imports into mirror, which is not",
            "reconcile": "reconcile: not configured: queues mirror copies, and mirror is not",
        },
    ),
    "overseerr without any instance": (  # ArrSync's setup: the legacy URLs imply instances
        {"overseerr": FULL["overseerr"]},
        {
            "cleanup": "cleanup: configured: series/movies deleted in sonarr.default (implied), "
            "radarr.default (implied) are removed from Overseerr at http://overseerr:5055",
            "mirror": "mirror: not configured: needs mirror.paths",
            "discovery": "discovery: disabled",
            "catchup": "catchup: not configured",
            "reconcile": "reconcile: not configured",
        },
    ),
    "mirror with an instance that has no api_key": (
        {
            "sonarr": {"hd": {"url": "http://sonarr:8989"}},
            "mirror": FULL["mirror"],
            "reconcile": {"enabled": False},
        },
        {
            "mirror": "mirror: configured",
            "catchup": "catchup: not configured: needs a sonarr or radarr instance with mirror",
            "reconcile": "reconcile: disabled (reconcile.enabled is false)",
        },
    ),
    "every capability": (
        FULL,
        {
            "cleanup": "cleanup: configured",
            "mirror": "mirror: configured",
            "discovery": "discovery: configured",
            "catchup": "catchup: configured",
            "reconcile": "reconcile: configured",
        },
    ),
}


@pytest.fixture(autouse=True)
def no_ambient_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ARRKESTRA_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize("case", list(CASES))
def test_check_reports_each_capability_as_why_not_says(tmp_path: Path, case: str) -> None:
    sections, expected = CASES[case]
    config = write_config(tmp_path, base_config(tmp_path, **sections))
    answer = CliRunner().invoke(app, ["check", "--config", str(config)])
    nothing = case == "no config"
    assert answer.exit_code == (1 if nothing else 0), answer.output
    assert ("nothing to do: no capability is configured" in answer.output) is nothing
    lines = [line.strip() for line in answer.output.splitlines()]
    for name, line in expected.items():
        [found] = [x for x in lines if x.startswith(f"{name}:")]
        assert found.startswith(line), found


@pytest.mark.parametrize("case", list(CASES))
def test_what_is_reported_configured_is_exactly_what_runs(tmp_path: Path, case: str) -> None:
    sections, _ = CASES[case]
    settings = load_settings(write_config(tmp_path, base_config(tmp_path, **sections)), {})
    report = capabilities.report(settings)
    configured = {line.split(":")[0] for line in report if ": configured: " in line}
    assert configured == set(capabilities.configured(settings))
    services = open_services(settings, daemon=True)
    try:
        built = set(services.capabilities)
        pipelines = set(services.worker.pipelines)
    finally:
        services.close()
    assert built == configured
    plex = "mirror" in configured and "plex" in sections
    expected_pipelines = set(configured) | ({"plex_scan"} if plex else set())
    assert pipelines == expected_pipelines


def test_the_serve_log_names_every_capability(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, base_config(tmp_path)), {})
    names = [line.split(":")[0] for line in capabilities.report(settings)]
    assert names[:5] == ["cleanup", "mirror", "catchup", "reconcile", "discovery"]
