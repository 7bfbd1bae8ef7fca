"""The error tree drawn in ``core/errors``' docstring is the tree the code has: every class
it names exists where it says, under the parent it is drawn under, and every exception
class arrkestra defines is drawn."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import arrkestra
from arrkestra.core import errors

ENTRY = re.compile(r"^(?P<indent>[ │]*)[├└]── (?P<name>\w+)\s+(?P<module>[a-z_/]+)\b")


def drawn() -> dict[str, tuple[str, str]]:
    """Class name -> (module, parent name), read from the docstring's tree."""
    text = errors.__doc__ or ""
    tree = text[text.index("    Exception\n") :]
    found: dict[str, tuple[str, str]] = {}
    parents: dict[int, str] = {0: "Exception"}
    for raw in tree.splitlines()[1:]:
        line = raw[4:]  # the literal block's indentation
        match = ENTRY.match(line)
        if match is None:
            continue
        depth = len(match["indent"]) // 4 + 1
        found[match["name"]] = (match["module"], parents[depth - 1])
        parents[depth] = match["name"]
    return found


def defined() -> dict[str, type[BaseException]]:
    """Every exception class defined in src (the fake servers in ``testing`` aside)."""
    classes: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(arrkestra.__path__, "arrkestra."):
        if info.name.startswith(("arrkestra.testing", "arrkestra.__main__")):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == info.name
            ):
                classes[name] = value
    return classes


def test_every_drawn_class_exists_where_the_tree_says_under_its_parent() -> None:
    tree = drawn()
    assert len(tree) >= 20
    for name, (module, parent) in tree.items():
        dotted = "arrkestra." + module.replace("/", ".")
        cls = getattr(importlib.import_module(dotted), name)
        base = cls.__mro__[1]
        if parent == "Exception":  # drawn at the top: on a builtin or web framework class
            assert base.__module__ in ("builtins", "starlette.exceptions", "fastapi.exceptions")
            assert cls is errors.ArrkestraError or not issubclass(cls, errors.ArrkestraError)
        else:
            assert base.__name__ == parent, f"{name} is drawn under {parent}, derives {base}"


def test_every_exception_class_is_in_the_tree() -> None:
    missing = sorted(set(defined()) - set(drawn()))
    assert missing == [], f"add these to the tree in core/errors: {missing}"
