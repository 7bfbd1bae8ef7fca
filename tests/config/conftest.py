"""Shared helpers for the config tests: real files in tmp_path, the environment as a dict."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from textwrap import dedent

import pytest

from arrkestra.config import Settings, load_settings
from arrkestra.core.errors import ConfigError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "config"
EXAMPLE = FIXTURES / "arrkestra.example.yaml"

EXAMPLE_ENV = {
    "ARRKESTRA_API_KEY": "api-key-0123456789",
    "SONARR_API_KEY": "sonarr-key-0123456789",
    "SONARR_4K_API_KEY": "sonarr4k-key-0123456789",
    "RADARR_API_KEY": "radarr-key-0123456789",
    "WEBHOOK_SECRET": "hook-secret-0123456789",
    "OVERSEER_API_KEY": "overseer-key-0123456789",
    "PLEX_TOKEN": "plex-token-0123456789",
    "TELEGRAM_BOT_TOKEN": "123456:telegram-token-abcdefghij",
    "TELEGRAM_CHAT_ID": "-100200300",
}
"""The variables the example file references, with recognisable fake values."""

Load = Callable[..., Settings]


@pytest.fixture
def example() -> Path:
    """A copy of shared/arrkestra.example.yaml: the user-facing shape of the file."""
    return EXAMPLE


@pytest.fixture
def example_env() -> dict[str, str]:
    return dict(EXAMPLE_ENV)


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[[str], Path]:
    """Write YAML text (dedented) to tmp_path/arrkestra.yaml and return the path."""

    def write(text: str) -> Path:
        path = tmp_path / "arrkestra.yaml"
        path.write_text(dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture
def load(write_config: Callable[[str], Path]) -> Load:
    """Load settings from YAML text and an environment dict."""

    def run(text: str = "", environ: Mapping[str, str] | None = None) -> Settings:
        return load_settings(write_config(text), dict(environ or {}))

    return run


@pytest.fixture
def problems(load: Load) -> Callable[..., ConfigError]:
    """Load and expect a ConfigError; return it."""

    def run(text: str = "", environ: Mapping[str, str] | None = None) -> ConfigError:
        with pytest.raises(ConfigError) as caught:
            load(text, environ)
        return caught.value

    return run
