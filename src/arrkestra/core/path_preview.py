"""The path-mapping preview: what ``mirror.paths`` makes of one library path, in words.

The settings page asks "where would this file go?" before a real import does. The answer
is the mapping a copy job would use (:func:`paths.map_path`, the same function, so the
preview cannot disagree with the mirror), the rule that matched (its index in
``mirror.paths``), or why the path is refused. Purely lexical: nothing is looked up on
disk, so a symlink leading out of a root is not seen here (the mirror checks that when it
copies).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from arrkestra.core.paths import MappedPath, PathRefused, PathRule, map_path

NO_RULE = "no mirror.paths rule matches"


@dataclass(frozen=True)
class Preview:
    """``mapped`` when a rule matched (``index`` into ``mirror.paths``, ``mapped`` the
    paths); otherwise ``unmapped`` (no rule covers the path) or ``refused`` (a path the
    mirror will never touch: relative, ``..``, control characters, a root itself)."""

    outcome: Literal["mapped", "unmapped", "refused"]
    path: str
    instance: str | None
    index: int | None = None
    mapped: MappedPath | None = None
    reason: str = ""


def preview(path: str, rules: Sequence[PathRule], instance: str | None = None) -> Preview:
    """Map ``path`` (as Sonarr/Radarr name it) for ``instance`` (None: any instance)."""
    try:
        mapped = map_path(path, rules, instance=instance)
    except PathRefused as exc:
        reason = str(exc)
        outcome: Literal["unmapped", "refused"] = (
            "unmapped" if reason.startswith(NO_RULE) else "refused"
        )
        return Preview(outcome, path, instance, reason=reason)
    index = next(i for i, rule in enumerate(rules) if rule is mapped.rule)
    return Preview("mapped", path, instance, index=index, mapped=mapped)
