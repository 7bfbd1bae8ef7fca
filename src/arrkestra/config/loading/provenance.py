"""Which layer of the loader set each value: the record behind ``Settings.sources``.

The layers, in the loader's precedence: an ``ARRKESTRA_*`` override (present in the
overrides' data) wins over the file; an alias only fills what neither set; the default is
what is left. The record is made after validation from what each layer held, so it never
changes how a value loads.

A leaf is a value of the validated settings' JSON form that is not a section: a scalar, a
list of scalars (``mirror.excludes``, set whole), or an empty section or list. Items of a
list of sections (``mirror.paths[0].source``) are leaves one by one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from arrkestra.config.loading.substitution import reference_names
from arrkestra.config.models.fieldtree import Loc, render_path
from arrkestra.config.models.sources import DEFAULT, Source

_ABSENT = object()


def leaves(data: Any, loc: Loc = ()) -> Iterator[tuple[Loc, Any]]:
    """Every leaf of JSON-like ``data`` with its location, in the data's order."""
    if isinstance(data, dict) and data:
        for key, value in data.items():
            yield from leaves(value, (*loc, str(key)))
    elif isinstance(data, list) and data and any(isinstance(v, dict | list) for v in data):
        for index, value in enumerate(data):
            yield from leaves(value, (*loc, index))
    else:
        yield loc, data


def _at(data: Any, loc: Loc) -> Any:
    """The value at ``loc`` in raw data; a scalar met on the way stands for everything below
    it (a layer that set a section in a short form set its leaves); ``_ABSENT`` if unset."""
    current = data
    for key in loc:
        if isinstance(current, dict) and isinstance(key, str):
            current = current.get(key, _ABSENT)
        elif isinstance(current, list) and isinstance(key, int):
            current = current[key] if key < len(current) else _ABSENT
        else:
            return current
        if current is _ABSENT:
            return _ABSENT
    return current


def _set(raw: Any, value: Any) -> bool:
    """Whether a layer's raw value counts as setting a leaf whose final value is ``value``:
    ``null`` means "unset" (the default) unless null is what the setting holds."""
    return raw is not _ABSENT and (raw is not None or value is None)


def _deepest(sources: Mapping[Loc, str], loc: Loc) -> str | None:
    """The entry of ``sources`` at ``loc`` or the nearest section above it."""
    for depth in range(len(loc), 0, -1):
        found = sources.get(loc[:depth])
        if found is not None:
            return found
    return None


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _file_source(raw: Any) -> Source:
    names = dict.fromkeys(name for text in _strings(raw) for name in reference_names(text))
    return Source("file", tuple(names))


def sources_of(
    final: Mapping[str, Any],
    file_data: Mapping[str, Any],
    overrides: tuple[Mapping[str, Any], Mapping[Loc, str]],
    aliases: Mapping[Loc, str],
) -> dict[str, Source]:
    """``{dotted path: Source}`` for every leaf of ``final`` (the validated settings'
    JSON form). ``file_data`` is the file before substitution (its ``${}`` references are
    named); ``overrides`` the ``ARRKESTRA_*`` data and variable names; ``aliases`` the
    locations the old tools' variables filled."""
    override_data, override_names = overrides
    found: dict[str, Source] = {}
    for loc, value in leaves(final):
        path = render_path(loc)
        variable = _deepest(override_names, loc)
        alias = _deepest(aliases, loc)
        in_file = _at(file_data, loc)
        if variable is not None and _set(_at(override_data, loc), value):
            found[path] = Source("env", (variable,))
        elif alias is not None:
            found[path] = Source("alias", tuple(alias.split(" and ")))
        elif _set(in_file, value):
            found[path] = _file_source(in_file)
        else:
            found[path] = DEFAULT
    return found
