"""docs/architecture.md names real code: every ``file:function`` it cites exists, and each of
the two paths it walks stays within eight steps."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"
SRC = ROOT / "src" / "arrkestra"
REFERENCE = re.compile(r"`(?P<file>[a-z_/]+\.py):(?P<name>[A-Za-z_][\w.]*)`")


def references() -> list[tuple[str, str]]:
    return [(m["file"], m["name"]) for m in REFERENCE.finditer(DOC.read_text())]


def defined_names(path: Path) -> set[str]:
    """Top-level names and ``Class.method`` names defined in a module."""
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    names.add(f"{node.name}.{item.name}")
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def test_the_page_cites_code() -> None:
    assert len(references()) >= 25


@pytest.mark.parametrize(("file", "name"), references())
def test_every_cited_function_exists(file: str, name: str) -> None:
    path = SRC / file
    assert path.is_file(), f"docs/architecture.md cites {file}, which does not exist"
    assert name in defined_names(path), f"docs/architecture.md cites {file}:{name}"


def steps(heading: str) -> list[str]:
    text = DOC.read_text()
    section = text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^(\d+)\. ", section, re.MULTILINE)


@pytest.mark.parametrize("heading", ["The path of a `SeriesDelete`", "The path of a `Download`"])
def test_each_path_is_at_most_eight_numbered_steps(heading: str) -> None:
    numbers = steps(heading)
    assert 3 <= len(numbers) <= 8
    assert numbers == [str(n) for n in range(1, len(numbers) + 1)]
