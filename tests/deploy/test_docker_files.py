"""The Dockerfile and docker-compose.example.yml say what the image does (there is no Docker
engine in CI: the entrypoint itself is run in test_entrypoint.py).

The Dockerfile starts through the entrypoint under tini, checks health with ``arrkestra
health`` (which follows the configured port) and forces no config file; the compose example
only uses variables arrkestra reads, and its settings load as they are written.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from arrkestra.config import ALIASES, config_warnings, load_settings
from arrkestra.config.loading.environment import PREFIX
from arrkestra.runtime import capabilities

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT_VARIABLES = {"PUID", "PGID", "UMASK"}  # deploy/docker/entrypoint.sh


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the final stage, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text("utf-8")
    joined = re.sub(r"\\\n\s*", " ", text)
    lines = [line.strip() for line in joined.splitlines()]
    steps = [tuple(line.split(None, 1)) for line in lines if line and not line.startswith("#")]
    stages = [i for i, step in enumerate(steps) if step[0].upper() == "FROM"]
    return [(step[0].upper(), step[1] if len(step) > 1 else "") for step in steps[stages[-1] :]]


def only(name: str) -> str:
    found = [arguments for instruction, arguments in instructions() if instruction == name]
    assert len(found) == 1, (name, found)
    return found[0]


def is_read(name: str) -> bool:
    """A variable arrkestra (or its entrypoint) reads."""
    names = {n for alias in ALIASES for n in alias.names} | ENTRYPOINT_VARIABLES
    return name.startswith(PREFIX) or name.removesuffix("_FILE") in names


def test_the_healthcheck_asks_arrkestra_health_on_the_configured_port() -> None:
    healthcheck = only("HEALTHCHECK")
    command = json.loads(healthcheck.split("CMD", 1)[1])
    assert command == ["arrkestra", "health"]
    assert "8080" not in healthcheck


def test_the_entrypoint_script_runs_under_tini() -> None:
    assert json.loads(only("ENTRYPOINT")) == ["tini", "--", "arrkestra-entrypoint"]
    assert json.loads(only("CMD")) == ["serve"]
    copies = [a for i, a in instructions() if i == "COPY"]
    assert "deploy/docker/entrypoint.sh /usr/local/bin/arrkestra-entrypoint" in copies


def test_no_fixed_user_and_no_config_file_forced() -> None:
    steps = instructions()
    # the entrypoint drops root to PUID:PGID; compose `user:` still works without a USER line
    assert not [arguments for instruction, arguments in steps if instruction == "USER"]
    env = " ".join(arguments for instruction, arguments in steps if instruction == "ENV")
    assert "ARRKESTRA_STORAGE__PATH=/data" in env
    assert "ARRKESTRA_CONFIG=" not in env
    # ./arrkestra.yaml, read when it exists, is /config/arrkestra.yaml (healthcheck included)
    assert only("WORKDIR") == "/config"


def compose_service() -> dict[str, Any]:
    compose = yaml.safe_load((ROOT / "docker-compose.example.yml").read_text("utf-8"))
    service: dict[str, Any] = compose["services"]["arrkestra"]
    return service


def test_compose_sets_only_variables_arrkestra_reads() -> None:
    environment = compose_service()["environment"]
    unknown = [name for name in environment if not is_read(name)]
    assert unknown == []
    for name in ("PUID", "PGID", "TZ", "ARRKESTRA_API_KEY", "OVERSEER_URL", "WEBHOOK_SECRET"):
        assert name in environment


def test_compose_settings_load_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its variables, with the .env secrets filled in and no config file, give a working
    config: cleanup and mirror configured, nothing refused."""
    monkeypatch.chdir(tmp_path)  # no ./arrkestra.yaml: /config is optional
    service = compose_service()
    assert "user" not in service  # PUID/PGID instead
    assert any(volume.endswith(":/data") for volume in service["volumes"])
    secrets = {
        "ARRKESTRA_API_KEY": "api-key-0123456789abcdef",
        "OVERSEER_API_KEY": "overseerr-key-0123456789",
        "SONARR_API_KEY": "0123456789abcdef0123456789abcdef",
        "RADARR_API_KEY": "fedcba9876543210fedcba9876543210",
        "PLEX_TOKEN": "plex-token-0123456789",
        "WEBHOOK_SECRET": "webhook-secret-0123456789",
        "TELEGRAM_BOT_TOKEN": "123456:telegram-token",
        "TELEGRAM_CHAT_ID": "42",
    }
    environ = {
        name: re.sub(r"\$\{(\w+)\}", lambda m: secrets[m[1]], str(value))
        for name, value in service["environment"].items()
    }
    settings = load_settings(None, environ)
    assert settings.server.api_key is not None
    assert settings.sonarr["default"].webhook.secret is not None
    assert [rule.arr_path for rule in settings.mirror.paths] == ["/tv", "/movies"]
    report = "\n".join(capabilities.report(settings))
    assert "cleanup: configured" in report
    assert "mirror: configured" in report
    assert not [w for w in config_warnings(settings) if "not authenticated" in w.message]
