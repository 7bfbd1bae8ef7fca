"""``ARRKESTRA_<SECTION>__<KEY>`` variables: every setting can be overridden from the environment.

pydantic-settings does the parsing (``environ_source``: nesting on ``__``, JSON for lists
and sections, ``null``); this module picks the variables that name a setting, reads
``..._FILE`` variants (Docker secrets) and refuses names that match no setting.
Plain ``ARRKESTRA_X`` names that match no top-level setting (``ARRKESTRA_API_KEY``) are left
alone: the config file may reference them as ``${ARRKESTRA_API_KEY}``.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, get_origin

from pydantic import BaseModel

from arrkestra.config.loading.substitution import SecretFileError, read_secret_file
from arrkestra.config.models.fieldtree import Loc, model_class, resolve, unwrap, valid_keys
from arrkestra.core.errors import ConfigProblem

PREFIX = "ARRKESTRA_"
CONFIG_VARIABLE = "ARRKESTRA_CONFIG"
DELIMITER = "__"
FILE_SUFFIX = "_FILE"


@dataclass
class Overrides:
    """The nested data the variables set, and which variable set what (for error messages)."""

    data: dict[str, Any] = field(default_factory=dict)
    problems: list[ConfigProblem] = field(default_factory=list)
    sources: dict[Loc, str] = field(default_factory=dict)


def env_overrides(root: type[BaseModel], environ: Mapping[str, str]) -> Overrides:
    """Collect the ``ARRKESTRA_*`` overrides of ``root``'s settings found in ``environ``."""
    result = Overrides()
    plain: dict[str, str] = {}
    from_files: dict[str, str] = {}
    for name, value in environ.items():
        upper = name.upper()
        if not upper.startswith(PREFIX) or upper == CONFIG_VARIABLE or value == "":
            continue
        keys = _keys(upper)
        if resolve(root, keys) is not None:
            plain[upper] = value
            result.sources[tuple(keys)] = upper
        elif upper.endswith(FILE_SUFFIX) and _is_setting(root, upper[: -len(FILE_SUFFIX)]):
            _read_into(from_files, upper, value, result)
        elif DELIMITER in upper[len(PREFIX) :]:
            result.problems.append(_unknown_variable(root, upper, keys))
    chosen = {**plain, **from_files}
    if not chosen:
        return result  # nothing to parse: pydantic-settings is not even imported
    from arrkestra.config.loading.environ_source import SettingsError, parse_environ

    try:
        result.data = parse_environ(root, chosen, prefix=PREFIX, delimiter=DELIMITER)
    except SettingsError as exc:
        hint = "lists take JSON or comma-separated text; sections take JSON objects"
        result.problems.append(ConfigProblem("environment", str(exc), hint))
    return result


def _is_setting(root: type[BaseModel], variable: str) -> bool:
    return resolve(root, _keys(variable)) is not None


def _keys(variable: str) -> list[str]:
    return variable[len(PREFIX) :].lower().split(DELIMITER)


def _read_into(target: dict[str, str], variable: str, file_name: str, result: Overrides) -> None:
    base = variable[: -len(FILE_SUFFIX)]
    try:
        target[base] = read_secret_file(variable, file_name)
    except SecretFileError as exc:
        result.problems.append(ConfigProblem(variable, str(exc), "check the file is readable"))
        return
    result.sources[tuple(_keys(base))] = variable


def _unknown_variable(root: type[BaseModel], variable: str, keys: list[str]) -> ConfigProblem:
    depth = next(i for i in range(len(keys)) if resolve(root, keys[: i + 1]) is None)
    parent = resolve(root, keys[:depth])
    message = "matches no setting"
    if model_class(parent) is None:  # a scalar or a list: nothing is named below it
        if get_origin(unwrap(parent)) is list:
            listed = PREFIX + DELIMITER.join(keys[:depth]).upper()
            return ConfigProblem(
                variable, message, f"a list is set whole, as JSON: {listed}='[...]'"
            )
        return ConfigProblem(variable, message, f"{'.'.join(keys[:depth])} has no keys below it")
    close = difflib.get_close_matches(keys[depth], valid_keys(parent), n=1)
    if not close:
        hint = f"names are ARRKESTRA_<SECTION>__<KEY>; valid here: {', '.join(valid_keys(parent))}"
        return ConfigProblem(variable, message, hint)
    fixed = PREFIX + DELIMITER.join([*keys[:depth], close[0], *keys[depth + 1 :]]).upper()
    return ConfigProblem(variable, message, f"did you mean {fixed}?")
