"""The new config as YAML text: sections in the order of the example file, ``${NAME}``
references in double quotes (as the docs ask), a header saying where it came from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

SECTION_ORDER = (
    "server", "queue", "storage", "logging", "dry_run", "retry", "sonarr", "radarr",
    "overseerr", "plex", "notifications", "cleanup", "mirror", "catchup", "reconcile",
    "discovery",
)  # fmt: skip


class _Dumper(yaml.SafeDumper):
    """Block style; strings with ``${`` quoted, as YAML needs for a value starting with $."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if "${" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


FIRST_KEYS = ("enabled", "url", "api_key", "token", "default", "is_4k")
"""Within a section, these lead (as in the example file); the rest keep their order."""


def _ordered(value: Any) -> Any:
    if isinstance(value, list):
        return [_ordered(item) for item in value]
    if not isinstance(value, dict):
        return value
    keys = [k for k in FIRST_KEYS if k in value] + [k for k in value if k not in FIRST_KEYS]
    return {key: _ordered(value[key]) for key in keys}


def render_yaml(data: dict[str, Any], sources: Sequence[str]) -> str:
    ordered = {key: _ordered(data[key]) for key in SECTION_ORDER if key in data}
    ordered |= {key: _ordered(value) for key, value in data.items() if key not in ordered}
    header = [
        "# arrkestra configuration, written by `arrkestra migrate` from:",
        *(f"#   {source}" for source in sources),
        "# Secrets are ${NAME} references: keep those variables set (docs/migrating.md).",
        "# Every key is described in docs/configuration.md.",
    ]
    body = yaml.dump(
        ordered, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True
    )
    return "\n".join(header) + "\n\n" + body
