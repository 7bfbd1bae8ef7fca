"""docs/configuration.md documents every setting and every old tool's variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from arrkestra.config import ALIASES, Settings
from arrkestra.config.models.fieldtree import field_paths

DOCS = Path(__file__).parents[2] / "docs" / "configuration.md"
PATHS = list(field_paths(Settings))


@pytest.fixture(scope="module")
def docs() -> str:
    return DOCS.read_text(encoding="utf-8")


def test_the_walk_sees_nested_instances_lists_and_rules() -> None:
    for path in (
        "server.rate_limit.requests",
        "sonarr.<name>.webhook.secret",
        "mirror.paths[].plex_section",
        "discovery.rules[].target.instance",
        "cleanup.retry.max_age",
    ):
        assert path in PATHS


@pytest.mark.parametrize("path", PATHS)
def test_every_setting_is_documented(docs: str, path: str) -> None:
    assert f"`{path}`" in docs, f"{path} is missing from {DOCS.name}"


@pytest.mark.parametrize("alias", ALIASES, ids=lambda alias: alias.names[0])
def test_every_old_variable_is_documented_with_its_target(docs: str, alias) -> None:
    rows = [line for line in docs.splitlines() if line.startswith(f"| `{alias.names[0]}`")]
    assert rows, f"{alias.names[0]} has no row in the alias table"
    assert all(f"`{name}`" in rows[0] for name in alias.names)
    assert f"| {alias.target} |" in rows[0]
