"""The old tools' text files, read and recognised by their content (and name).

- an environment file (``.env``: ``NAME=VALUE`` lines) of ArrSync, sync-webhook or
  TVMaze-Sync, told apart by the variables it holds (``variables.tools_of``);
- sync-webhook's ``PATH_MAPPINGS`` dict literal in a Python file (its ``app.py``), read
  with ``ast`` (never executed);
- TVMaze-Sync's ``config.yaml`` (its ``tvmaze``, ``sync``, ``filters`` ... sections) and its
  ``state.json`` (checkpoints).

A file that is none of these is ``Refused`` with the reason, never guessed at. Values are
kept but never echoed: the report names keys, not what they hold.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arrkestra.config.migration.variables import ARRKESTRA_ONLY_SECTIONS, TVMAZE_SECTIONS, tools_of

STATE_KEYS = frozenset(
    {
        "last_full_sync",
        "last_incremental_sync",
        "last_tvmaze_page",
        "highest_tvmaze_id",
        "last_filter_hash",
        "last_updates_check",
    }
)
_ENV_LINE = re.compile(r"(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)")


@dataclass(frozen=True)
class EnvFile:
    path: Path
    values: dict[str, str]  # in file order
    tools: tuple[str, ...]  # whose variables it holds, most specific first
    problems: tuple[str, ...] = ()  # lines that are not NAME=VALUE

    def describe(self) -> str:
        return f"{' + '.join(self.tools)} environment file ({len(self.values)} variables)"


@dataclass(frozen=True)
class PathMapping:
    arr_path: str
    source: str
    destination: str


@dataclass(frozen=True)
class PathMappings:
    path: Path
    mappings: tuple[PathMapping, ...]
    problems: tuple[str, ...] = ()  # entries that are not plain text literals

    def describe(self) -> str:
        return f"sync-webhook PATH_MAPPINGS ({len(self.mappings)} mappings)"


@dataclass(frozen=True)
class TvmazeConfig:
    path: Path
    data: dict[str, Any]

    def describe(self) -> str:
        return "TVMaze-Sync config.yaml"


@dataclass(frozen=True)
class TvmazeState:
    path: Path
    data: dict[str, Any]

    def describe(self) -> str:
        return "TVMaze-Sync state.json (checkpoints)"


@dataclass(frozen=True)
class Refused:
    path: Path
    reason: str


LegacyFile = EnvFile | PathMappings | TvmazeConfig | TvmazeState

EXPECTED = (
    "an ArrSync, sync-webhook or TVMaze-Sync .env, sync-webhook's app.py (PATH_MAPPINGS) or "
    "job database, TVMaze-Sync's config.yaml, state.json or shows.db"
)


def read_legacy_file(path: Path) -> LegacyFile | Refused:
    """What the text file ``path`` is, by its content; ``Refused`` saying why not."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        return Refused(path, f"not a text file; expected {EXPECTED}")
    except OSError as exc:
        return Refused(path, f"cannot be read: {exc.strerror or type(exc).__name__}")
    name = path.name.lower()
    if name.endswith((".json", ".json.bak")) or text.lstrip().startswith("{"):
        return _json_state(path, text)
    if name.endswith(".py") or re.search(r"^\s*PATH_MAPPINGS\b", text, re.MULTILINE):
        return _path_mappings(path, text)
    if name.endswith((".yaml", ".yml")):
        return _tvmaze_config(path, text)
    found = _env_file(path, text)
    if isinstance(found, Refused) and ":" in text:
        as_yaml = _tvmaze_config(path, text)
        return as_yaml if isinstance(as_yaml, TvmazeConfig) else found
    return found


def parse_env(text: str) -> tuple[dict[str, str], list[str]]:
    """``NAME=VALUE`` lines as docker compose reads them; and the lines that are not."""
    values: dict[str, str] = {}
    problems: list[str] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _ENV_LINE.fullmatch(line)
        if match is None:
            problems.append(f"line {number} is not NAME=VALUE")
            continue
        values[match[1]] = _unquote(match[2])
    return values, problems


def _unquote(raw: str) -> str:
    if raw[:1] in ("'", '"'):
        quote = raw[0]
        end = raw.find(quote, 1)
        inner = raw[1:end] if end > 0 else raw[1:]
        return inner.replace('\\"', '"').replace("\\n", "\n") if quote == '"' else inner
    return re.split(r"\s+#", raw, maxsplit=1)[0].strip()


def _env_file(path: Path, text: str) -> EnvFile | Refused:
    values, problems = parse_env(text)
    tools = tools_of(values)
    if not values:
        why = "no NAME=VALUE lines" if problems else "empty"
    elif len(problems) > len(values):
        why = "mostly not NAME=VALUE lines"
    elif not tools:
        why = "holds no variable of ArrSync, sync-webhook or TVMaze-Sync"
    else:
        return EnvFile(path, values, tools, tuple(problems))
    return Refused(path, f"not recognised ({why}); expected {EXPECTED}")


def _json_state(path: Path, text: str) -> TvmazeState | Refused:
    try:
        data = json.loads(text)
    except ValueError as exc:
        return Refused(path, f"not valid JSON ({exc}); expected TVMaze-Sync's state.json")
    if not isinstance(data, dict) or not STATE_KEYS & set(data):
        return Refused(path, f"a JSON file but not TVMaze-Sync's state.json; expected {EXPECTED}")
    return TvmazeState(path, data)


def _tvmaze_config(path: Path, text: str) -> TvmazeConfig | Refused:
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        return Refused(path, f"YAML syntax error{where}; expected TVMaze-Sync's config.yaml")
    if not isinstance(data, dict):
        return Refused(path, f"not recognised; expected {EXPECTED}")
    keys = {str(key) for key in data}
    if keys & ARRKESTRA_ONLY_SECTIONS:
        return Refused(path, "already an arrkestra config: use it as it is (--config)")
    sonarr = data.get("sonarr")
    one_sonarr = isinstance(sonarr, dict) and bool({"url", "root_folder"} & set(sonarr))
    if not keys & TVMAZE_SECTIONS and not one_sonarr:  # arrkestra's sonarr: holds instances
        return Refused(path, f"a YAML file but not TVMaze-Sync's config.yaml; expected {EXPECTED}")
    return TvmazeConfig(path, data)


def _path_mappings(path: Path, text: str) -> PathMappings | Refused:
    try:
        tree = ast.parse(text, filename=path.name)
    except (SyntaxError, ValueError, RecursionError) as exc:
        line = getattr(exc, "lineno", None)
        return Refused(path, "Python that cannot be parsed" + (f" (line {line})" if line else ""))
    node = _assignment(tree, "PATH_MAPPINGS")
    if node is None:
        return Refused(path, "a Python file without PATH_MAPPINGS = {...}; expected " + EXPECTED)
    if not isinstance(node, ast.Dict):
        return PathMappings(path, (), ("PATH_MAPPINGS is not a {...} literal",))
    mappings: list[PathMapping] = []
    problems: list[str] = []
    for number, (key, value) in enumerate(zip(node.keys, node.values, strict=True), 1):
        found = _mapping(key, value)
        if found is None:
            problems.append(
                f"entry {number} (line {value.lineno}) is not "
                "'/arr/path': ('/source', '/destination') written as plain text"
            )
        else:
            mappings.append(found)
    return PathMappings(path, tuple(mappings), tuple(problems))


def _assignment(tree: ast.Module, name: str) -> ast.expr | None:
    """The value of the first ``name = ...`` (module level first, then anywhere)."""
    for node in [*tree.body, *ast.walk(tree)]:
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets = [node.target]
        else:
            continue
        if any(isinstance(target, ast.Name) and target.id == name for target in targets):
            return node.value
    return None


def _mapping(key: ast.expr | None, value: ast.expr) -> PathMapping | None:
    """One ``'/movies': ('/mnt/a', '/mnt/b')`` entry, by ``ast.literal_eval`` (no code runs)."""
    if key is None:  # ``**other``
        return None
    try:
        arr_path, pair = ast.literal_eval(key), ast.literal_eval(value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    if not isinstance(arr_path, str) or not isinstance(pair, tuple | list) or len(pair) != 2:
        return None
    source, destination = pair
    if not isinstance(source, str) or not isinstance(destination, str):
        return None
    return PathMapping(arr_path, source, destination)
