"""The settings model as a tree of keys: walk it, look a key up, spell a path.

Used for "did you mean ...?" hints, for checking ``ARRKESTRA_*`` variable names, and by the
test that every setting is documented. Path notation (also the docs'): ``server.port``,
``sonarr.<name>.url`` for any instance, ``mirror.paths[].source`` for any list item, and
``mirror.paths[1].source`` for one item.
"""

from __future__ import annotations

import types
from collections.abc import Iterator, Sequence
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

Loc = tuple[str | int, ...]
"""A location in config data: ``("mirror", "paths", 1, "source")``."""

ANY_NAME = "<name>"
ANY_ITEM = "[]"


def unwrap(annotation: Any) -> Any:
    """Strip ``Annotated[...]`` and ``| None``; a real union of several types stays as is."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return unwrap(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        return unwrap(members[0]) if len(members) == 1 else annotation
    return annotation


def model_class(annotation: Any) -> type[BaseModel] | None:
    inner = unwrap(annotation)
    return inner if isinstance(inner, type) and issubclass(inner, BaseModel) else None


def child(annotation: Any, key: str | int) -> Any | None:
    """The annotation one level below ``annotation`` at ``key``, or ``None`` if there is none."""
    inner = unwrap(annotation)
    model = model_class(inner)
    if model is not None:
        field = model.model_fields.get(key) if isinstance(key, str) else None
        return None if field is None else field.annotation
    origin, args = get_origin(inner), get_args(inner)
    if origin is dict and isinstance(key, str):
        return args[1]
    if origin is list and isinstance(key, int):
        return args[0]
    return None


def resolve(root: Any, keys: Sequence[str | int]) -> Any | None:
    """The annotation at ``keys`` below ``root``, or ``None`` when no setting lives there."""
    current: Any | None = root
    for key in keys:
        current = child(current, key)
        if current is None:
            return None
    return current


def valid_keys(annotation: Any) -> list[str]:
    model = model_class(annotation)
    return list(model.model_fields) if model is not None else []


def field_paths(root: type[BaseModel], prefix: str = "") -> Iterator[str]:
    """Every setting's path, parents before children (``server``, ``server.port``, ...)."""
    for name, field in root.model_fields.items():
        path = f"{prefix}{name}"
        yield path
        yield from _paths_below(field.annotation, path)


def _paths_below(annotation: Any, path: str) -> Iterator[str]:
    inner = unwrap(annotation)
    model = model_class(inner)
    if model is not None:
        yield from field_paths(model, f"{path}.")
    elif get_origin(inner) is dict:
        yield from _paths_below(get_args(inner)[1], f"{path}.{ANY_NAME}")
    elif get_origin(inner) is list:
        yield from _paths_below(get_args(inner)[0], f"{path}{ANY_ITEM}")


def render_path(loc: Loc) -> str:
    """``("mirror", "paths", 1, "source")`` -> ``"mirror.paths[1].source"``."""
    text = ""
    for key in loc:
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else key)
    return text
