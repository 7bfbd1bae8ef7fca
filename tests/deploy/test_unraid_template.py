"""deploy/unraid/arrkestra.xml, the Community Applications template: the port, the paths,
only variables arrkestra reads, every secret masked, and its defaults load."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from arrkestra.config import ALIASES, load_settings
from arrkestra.config.loading.environment import PREFIX

TEMPLATE = Path(__file__).resolve().parents[2] / "deploy" / "unraid" / "arrkestra.xml"
ENTRYPOINT_VARIABLES = {"PUID", "PGID", "UMASK"}  # deploy/docker/entrypoint.sh
SECRET_WORDS = ("KEY", "TOKEN", "SECRET", "PASSWORD")


def container() -> ET.Element:
    root = ET.parse(TEMPLATE).getroot()
    assert root.tag == "Container" and root.get("version") == "2"
    return root


def configs(kind: str) -> dict[str, ET.Element]:
    return {c.get("Target", ""): c for c in container().iter("Config") if c.get("Type") == kind}


def test_the_essentials_are_there() -> None:
    root = container()
    for tag in ("Name", "Repository", "Network", "WebUI", "Overview", "Category"):
        assert (root.findtext(tag) or "").strip(), tag
    assert "[PORT:8080]" in (root.findtext("WebUI") or "")
    port = configs("Port")["8080"]
    assert port.get("Mode") == "tcp" and port.text == "8080"
    paths = configs("Path")
    assert {"/config", "/data", "/mnt/synology", "/mnt/unraid/media"} <= set(paths)
    assert paths["/mnt/synology"].get("Mode") == "ro"


def test_variables_are_ones_arrkestra_reads_and_secrets_are_masked() -> None:
    names = {n for alias in ALIASES for n in alias.names} | ENTRYPOINT_VARIABLES
    variables = configs("Variable")
    unknown = [name for name in variables if name not in names and not name.startswith(PREFIX)]
    assert unknown == []
    expected = {
        "PUID",
        "PGID",
        "TZ",
        "ARRKESTRA_API_KEY",
        "OVERSEER_URL",
        "OVERSEER_API_KEY",
        "SONARR_URL",
        "SONARR_API_KEY",
        "RADARR_URL",
        "RADARR_API_KEY",
        "WEBHOOK_SECRET",
        "TELEGRAM_BOT_TOKEN",
        "TELEGRAM_CHAT_ID",
    }
    assert expected <= set(variables)
    for name, config in variables.items():
        secret = any(word in name for word in SECRET_WORDS)
        assert (config.get("Mask") == "true") == secret, name


def test_the_defaults_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As Unraid starts it before anything is filled in: no config file, the defaults only."""
    monkeypatch.chdir(tmp_path)
    environ = {name: c.get("Default", "") for name, c in configs("Variable").items()}
    settings = load_settings(None, environ)
    assert settings.storage.timezone == environ["TZ"]
    assert settings.dry_run is False
