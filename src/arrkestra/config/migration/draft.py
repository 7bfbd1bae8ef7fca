"""The new config while it is assembled: each key is filled once, by the first old setting
that names it, and every fill (or refused fill) goes into the report.

A second old setting for a key already filled is *not mapped* when it disagrees (the
report names who filled the key), *mapped* when it says the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from arrkestra.config.loading.aliases import lookup
from arrkestra.config.migration.report import Kind, Report
from arrkestra.config.models.fieldtree import Loc, render_path

Fill = tuple[Loc, Any]


def reference(name: str) -> str:
    """How the new file names a variable: ``${NAME}``."""
    return f"${{{name}}}"


def unset(value: Any) -> bool:
    """As the loader's aliases see it: absent, ``null`` or an empty list."""
    return value is None or value == []


@dataclass
class Draft:
    data: dict[str, Any] = field(default_factory=dict)
    report: Report = field(default_factory=Report)
    filled_by: dict[Loc, str] = field(default_factory=dict)

    def get(self, loc: Loc) -> Any:
        return lookup(self.data, loc)

    def fill(self, fills: Sequence[Fill], *, old: str, source: str, note: str = "") -> bool:
        """Put each value where nothing is yet and report it; False when none could go."""
        placed: list[str] = []
        refused: list[str] = []
        for loc, value in fills:
            current = self.get(loc)
            if unset(current):
                _set(self.data, loc, value)
                self.filled_by[loc] = old
                placed.append(render_path(loc))
            elif current == value or current == reference(old):
                placed.append(render_path(loc))
            else:
                owner = self.filled_by.get(loc, "an earlier setting")
                refused.append(f"{render_path(loc)} is already set by {owner}")
        if placed:
            self.report.add(Kind.MAPPED, old, ", ".join(placed), source, note)
        if refused:
            self.report.add(Kind.NOT_MAPPED, old, "", source, "; ".join(refused))
        return bool(placed)

    def default(self, loc: Loc, value: Any, *, why: str, missing: str = "") -> None:
        """Set a value arrkestra chose (no old setting said it), reported as defaulted."""
        if not unset(self.get(loc)):
            return
        _set(self.data, loc, value)
        self.filled_by[loc] = "arrkestra migrate"
        self.report.add(Kind.DEFAULTED, missing, f"{render_path(loc)} = {shown(value)}", "", why)

    def not_mapped(self, old: str, why: str, source: str = "") -> None:
        self.report.add(Kind.NOT_MAPPED, old, "", source, why)


def shown(value: Any) -> str:
    """A value arrkestra chose, as the report prints it (never an old file's value)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return "[" + ", ".join(shown(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {shown(v)}" for k, v in value.items()) + "}"
    return "null" if value is None else str(value)


def _set(data: dict[str, Any], loc: Loc, value: Any) -> None:
    """Set ``loc`` to ``value``, creating the sections (and list items) on the way."""
    container: Any = data
    for key, below in pairwise(loc):
        fresh: Any = [] if isinstance(below, int) else {}
        if isinstance(key, int):
            while len(container) <= key:
                container.append({})
            if unset(container[key]):
                container[key] = fresh
        elif unset(container.get(key)):
            container[key] = fresh
        container = container[key]
    last = loc[-1]
    if isinstance(last, int):
        while len(container) <= last:
            container.append(None)
    container[last] = value
