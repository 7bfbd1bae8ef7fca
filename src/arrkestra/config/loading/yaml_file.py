"""The config file's YAML: a safe loader that refuses a key written twice.

Imported only when a config file exists (PyYAML is not needed to start on defaults).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from arrkestra.core.errors import ConfigError, ConfigProblem


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML keeps the last of two equal keys silently; a repeated key is a mistake here."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[object] = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str | int | float | bool) and key in seen:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    f"found the key {key!r} twice",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse_yaml(text: str, path: Path) -> object:
    """The document, or ``ConfigError`` saying where the YAML is broken."""
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        hint = "check indentation; quote values that contain ': ' or start with a special character"
        problem = ConfigProblem("", f"{path}: YAML error{where}: {exc.problem}", hint)
        raise ConfigError([problem]) from None
    except yaml.YAMLError:
        raise ConfigError([ConfigProblem("", f"{path}: not valid YAML", "")]) from None
