"""pydantic's validation errors, rewritten as ``ConfigProblem``s a person can act on.

Each problem gets the config path (``mirror.paths[1].source``), a message without the
offending value (it may be a secret), the variable that set it when it came from the
environment, and a hint: the closest valid key for a typo, an example for a bad value.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from arrkestra.config.models.fieldtree import Loc, render_path, resolve, valid_keys
from arrkestra.config.models.settings import CROSS_SECTION
from arrkestra.core.errors import ConfigProblem
from arrkestra.core.redact import MASK, MIN_SECRET_LENGTH

_HINTS = {
    "bool_parsing": "true or false (yes/no, on/off and 1/0 work too)",
    "bool_type": "true or false (yes/no, on/off and 1/0 work too)",
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_parsing": "a number",
    "float_type": "a number",
    "string_type": 'text (quote it in YAML: "...")',
    "list_type": "a list, e.g. [a, b] or one '- item' per line",
    "dict_type": "a mapping of names to sections",
    "model_type": "a section of key: value pairs",
    "model_attributes_type": "a section of key: value pairs",
    "date_from_datetime_parsing": "a date written YYYY-MM-DD",
    "date_parsing": "a date written YYYY-MM-DD",
    "date_type": "a date written YYYY-MM-DD",
    "literal_error": "one of the values listed",
    "enum": "one of the values listed",
}


def validation_problems(
    exc: ValidationError, root: type[BaseModel], sources: Mapping[Loc, str]
) -> list[ConfigProblem]:
    """One problem per error; the checks across sections come as one error that carries
    its problems, each with its own path (``Settings``)."""
    problems: list[ConfigProblem] = []
    for error in exc.errors(include_url=False, include_input=False):
        if error["type"] == CROSS_SECTION:
            problems += (error.get("ctx") or {}).get("problems", [])
        else:
            problems.append(_problem(error, root, sources))
    return problems


def _problem(
    error: ErrorDetails, root: type[BaseModel], sources: Mapping[Loc, str]
) -> ConfigProblem:
    loc: Loc = tuple(key for key in error["loc"] if key != "[key]")
    kind = error["type"]
    message = error["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    ctx = error.get("ctx") or {}
    hint = str(ctx.get("hint", "")) or _HINTS.get(kind, "") or _bound_hint(ctx)
    if kind == "extra_forbidden":
        message, hint = "unknown key", _closest_key(root, loc)
    elif kind == "missing":
        message = "required"
        hint = f"add {loc[-1]}: to {render_path(loc[:-1]) or 'the top level'}" if loc else ""
    source = _source(loc, sources)
    if source:
        message = f"{message} (set by {source})"
    return ConfigProblem(render_path(loc), message, hint)


def _bound_hint(ctx: Mapping[str, object]) -> str:
    """``le``/``gt``... errors: the allowed range in words."""
    words = {"ge": "at least", "gt": "more than", "le": "at most", "lt": "less than"}
    return ", ".join(f"{words[k]} {v}" for k, v in ctx.items() if k in words)


def _closest_key(root: type[BaseModel], loc: Loc) -> str:
    keys = valid_keys(resolve(root, loc[:-1]))
    close = difflib.get_close_matches(str(loc[-1]), keys, n=1, cutoff=0.6) if loc else []
    if close:
        return f"did you mean {close[0]}?"
    return f"valid keys here: {', '.join(keys)}" if keys else "remove it"


def _source(loc: Loc, sources: Mapping[Loc, str]) -> str | None:
    """The variable behind ``loc`` or behind the nearest section above it."""
    for length in range(len(loc), 0, -1):
        found = sources.get(loc[:length])
        if found:
            return found
    return None


def under_any(path: str, prefixes: Sequence[str]) -> bool:
    """Whether ``path`` is one of ``prefixes`` or inside one (``a.b`` is inside ``a``)."""
    return any(
        path == prefix or path.startswith((f"{prefix}.", f"{prefix}[")) for prefix in prefixes
    )


def redact_problems(problems: list[ConfigProblem], secrets: Iterable[str]) -> list[ConfigProblem]:
    """Problems with every known secret value masked.

    Only exact values: ``Redactor``'s URL patterns would also mask the examples in hints.
    """
    values = sorted({s for s in secrets if len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True)

    def mask(text: str) -> str:
        for value in values:
            text = text.replace(value, MASK)
        return text

    return [ConfigProblem(mask(p.path), mask(p.message), mask(p.hint)) for p in problems]
