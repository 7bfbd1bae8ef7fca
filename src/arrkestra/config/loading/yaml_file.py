"""The config file's YAML: a safe loader that refuses a key written twice, a recursive alias,
aliases that expand past a bound ("billion laughs") and nesting past a bound, each quickly and
as a config error with its line (never a ``RecursionError`` or a hang in the later stages,
which walk the document as the tree the aliases expand to).

Imported only when a config file exists (PyYAML is not needed to start on defaults).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import yaml

from arrkestra.core.errors import ConfigError, ConfigProblem

MAX_VALUES = 100_000
"""Values (scalars, lists, mappings) the document may hold once every alias is expanded.
A real config holds a few hundred; a nest of aliases can reach billions from a few lines."""

MAX_DEPTH = 64
"""Nesting of lists and mappings; a real config nests less than ten deep."""

RECURSIVE = "is inside the value its anchor names (a recursive alias)"
EXPANDS = f"aliases expand the file to more than {MAX_VALUES:,} values"
MERGE_TAG = "tag:yaml.org,2002:merge"
TOO_DEEP = f"lists and mappings nested more than {MAX_DEPTH} deep"

_HINTS = {
    RECURSIVE: "an alias (*name) may repeat only a value written before it, not one it is in",
    EXPANDS: "write the repeated values out, or nest fewer aliases",
    TOO_DEEP: "check the file is an arrkestra config",
}
_SYNTAX_HINT = "check indentation; quote values that contain ': ' or start with a special character"


class _BoundedLoader(yaml.SafeLoader):
    """A SafeLoader that refuses a repeated key, a recursive alias, an alias bomb and deep
    nesting. Aliases share nodes, so the expanded size is counted once a node (memoised),
    in time linear in the file."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._open_anchors: set[str] = set()
        self._depth = 0
        self._measured: dict[int, tuple[int, int]] = {}

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event: yaml.Event = self.peek_event()  # type: ignore[no-untyped-call]
        mark = cast("yaml.Mark | None", event.start_mark)
        if isinstance(event, yaml.AliasEvent):
            if event.anchor in self._open_anchors:
                problem = f"the alias *{event.anchor} {RECURSIVE}"
                raise yaml.composer.ComposerError(None, None, problem, mark)
            node = super().compose_node(parent, index)
            self._refuse_expansion(node, mark)
            return node
        nests = isinstance(event, yaml.CollectionStartEvent)
        self._depth += nests
        if self._depth > MAX_DEPTH:
            raise yaml.composer.ComposerError(None, None, TOO_DEEP, mark)
        anchor = cast("str | None", getattr(event, "anchor", None))
        if anchor is not None:
            self._open_anchors.add(anchor)
        try:
            return super().compose_node(parent, index)
        finally:
            self._open_anchors.discard(anchor or "")
            self._depth -= nests

    def compose_document(self) -> yaml.Node | None:
        node = super().compose_document()
        self._refuse_expansion(node, None)
        return node

    def _refuse_expansion(self, node: yaml.Node | None, mark: yaml.Mark | None) -> None:
        """Measured at each alias, so every aliased node is measured (and memoised) before
        any node holding it: the walk below never goes deeper than the text's nesting."""
        if node is None:
            return
        size, depth = self._expanded(node)
        if size > MAX_VALUES:
            raise yaml.composer.ComposerError(None, None, EXPANDS, mark or node.start_mark)
        if depth > MAX_DEPTH:
            raise yaml.composer.ComposerError(None, None, TOO_DEEP, mark or node.start_mark)

    def _expanded(self, node: yaml.Node) -> tuple[int, int]:
        """``(values, depth)`` of ``node`` with every alias expanded (values capped just
        past the bound)."""
        known = self._measured.get(id(node))
        if known is not None:
            return known
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = node.value
        elif isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        size, depth = 1, 0
        for child in children:
            child_size, child_depth = self._expanded(child)
            size = min(size + child_size, MAX_VALUES + 1)
            depth = max(depth, child_depth)
        measured = (size, depth + 1 if isinstance(node, yaml.CollectionNode) else 0)
        self._measured[id(node)] = measured
        return measured

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """PyYAML keeps the last of two equal keys silently; a repeated key is a mistake here.
        Keys a merge (``<<: *base``) brings in may be written again: that is what it is for."""
        seen: set[object] = set()
        for key_node, _value in node.value:
            if key_node.tag == MERGE_TAG:
                continue
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
        return yaml.load(text, Loader=_BoundedLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = str(exc.problem)
        hint = next((h for key, h in _HINTS.items() if key in problem), _SYNTAX_HINT)
        raise ConfigError(
            [ConfigProblem("", f"{path}: YAML error{where}: {problem}", hint)]
        ) from None
    except (yaml.YAMLError, RecursionError):
        raise ConfigError([ConfigProblem("", f"{path}: not valid YAML", "")]) from None
