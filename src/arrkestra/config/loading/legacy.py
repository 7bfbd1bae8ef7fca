"""Applying the ``ALIASES`` table: the old tools' variables fill what is still unset.

"Unset" means the key is absent, ``null`` or an empty list, after the file and the
``ARRKESTRA_*`` overrides were merged, so both always win over an alias.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from arrkestra.config.loading.aliases import ALIASES, Alias, AliasIgnored, Values, lookup
from arrkestra.config.loading.substitution import EnvLookup, SecretFileError
from arrkestra.config.models.fieldtree import Loc
from arrkestra.core.errors import ConfigProblem


@dataclass
class AliasResult:
    """The data with the aliases filled in, and what happened on the way."""

    data: dict[str, Any]
    problems: list[ConfigProblem] = field(default_factory=list)
    notes: list[ConfigProblem] = field(default_factory=list)
    sources: dict[Loc, str] = field(default_factory=dict)


def apply_aliases(
    data: Mapping[str, Any], env: EnvLookup, referenced: frozenset[str] = frozenset()
) -> AliasResult:
    """Fill the gaps in ``data`` (not modified) from the old tools' variables.

    ``referenced`` are variables the file already uses as ``${NAME}``: an alias of theirs
    that cannot apply is expected, not worth a warning.
    """
    result = AliasResult(copy.deepcopy(dict(data)))
    for alias in ALIASES:
        values = _values(alias, env, result)
        if values is None:
            continue
        try:
            fills = alias.fills(values, result.data)
        except AliasIgnored as exc:
            if not referenced.intersection(alias.names):
                result.notes.append(ConfigProblem(alias.names[0], f"ignored: {exc}", _IGNORED))
            continue
        except ValueError as exc:
            result.problems.append(ConfigProblem(alias.names[0], str(exc), alias.rule))
            continue
        source = " and ".join(alias.names)
        for loc, value in fills:
            if _fill_gap(result.data, loc, value):
                result.sources[loc] = source
    return result


_IGNORED = "set the value in the config file instead, or unset the variable"


def _values(alias: Alias, env: EnvLookup, result: AliasResult) -> Values | None:
    """The alias's variables (``NAME_FILE`` first); ``None`` when none is set (empty = unset)."""
    values: list[str | None] = []
    for name in alias.names:
        try:
            value = env.get(name) or None
        except SecretFileError as exc:
            result.problems.append(ConfigProblem(f"{name}_FILE", str(exc), "check the file"))
            return None
        values.append(value)
    return tuple(values) if any(v is not None for v in values) else None


def _fill_gap(data: dict[str, Any], loc: Loc, value: Any) -> bool:
    """Set ``loc`` to ``value`` unless something is there already; create missing sections."""
    container: Any = data
    for key in loc[:-1]:
        nested = lookup(container, (key,))
        if nested is None and isinstance(container, dict):
            nested = container[key] = {}
        if not isinstance(nested, dict | list):
            return False  # a scalar where a section belongs: validation reports it
        container = nested
    last = loc[-1]
    if not isinstance(container, dict) or container.get(last) not in (None, []):
        return False
    container[last] = value
    return True
