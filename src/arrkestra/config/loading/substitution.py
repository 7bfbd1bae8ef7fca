"""``${NAME}`` references in the config file, and the ``NAME_FILE`` convention of Docker secrets.

A reference resolves to the content of the file named by ``NAME_FILE`` when that variable is
set (trailing newlines stripped, as ``echo`` leaves one), else to ``NAME``. ``$${`` writes a
literal ``${``. Errors name the variables and files involved, never a value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from arrkestra.config.models.fieldtree import render_path
from arrkestra.core.errors import ConfigProblem

_REFERENCE = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def reference_names(text: str) -> list[str]:
    """The variables ``text`` refers to as ``${NAME}`` (a ``$${`` escape is none)."""
    return [match.group(1) for match in _REFERENCE.finditer(text) if match.group(1)]


class SecretFileError(ValueError):
    """A ``NAME_FILE`` variable names a file that cannot be read."""


def read_error(exc: OSError | UnicodeDecodeError) -> str:
    """Why a file could not be read, in words (never its content)."""
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    return exc.strerror or type(exc).__name__


def read_secret_file(variable: str, file_name: str) -> str:
    try:
        return Path(file_name).read_text(encoding="utf-8").rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as exc:
        raise SecretFileError(f"cannot read {variable} ({file_name}): {read_error(exc)}") from None


@dataclass(frozen=True)
class EnvLookup:
    """Reads a variable the Docker-secrets way: ``NAME_FILE`` wins, then ``NAME``."""

    environ: Mapping[str, str]

    def get(self, name: str) -> str | None:
        """The value, or ``None`` when neither is set. Raises ``SecretFileError``."""
        file_name = self.environ.get(f"{name}_FILE")
        if file_name:
            return read_secret_file(f"{name}_FILE", file_name)
        return self.environ.get(name)


@dataclass
class Substitution:
    """One pass over the file's data; collects problems and the variable names it used."""

    lookup: EnvLookup
    problems: list[ConfigProblem] = field(default_factory=list)
    names: set[str] = field(default_factory=set)

    def apply(self, data: Any, loc: tuple[str | int, ...] = ()) -> Any:
        """A copy of ``data`` with every reference in its string values resolved."""
        if isinstance(data, dict):
            return {key: self.apply(value, (*loc, str(key))) for key, value in data.items()}
        if isinstance(data, list):
            return [self.apply(item, (*loc, index)) for index, item in enumerate(data)]
        if isinstance(data, str) and "${" in data:
            before = len(self.problems)
            text = _REFERENCE.sub(lambda match: self._resolve(match, loc), data)
            # A value with an unresolved reference is left out (its problem is reported once).
            return text if len(self.problems) == before else None
        return data

    def _resolve(self, match: re.Match[str], loc: tuple[str | int, ...]) -> str:
        name = match.group(1)
        if name is None:
            return "${"
        self.names.add(name)
        try:
            value = self.lookup.get(name)
        except SecretFileError as exc:
            self.problems.append(
                ConfigProblem(render_path(loc), str(exc), "check the file exists and is readable")
            )
            return ""
        if value is None:
            self.problems.append(
                ConfigProblem(
                    render_path(loc),
                    f"${{{name}}} is not set: neither {name}_FILE nor {name} is in the environment",
                    f"set {name}, or {name}_FILE to a file holding the value (a Docker secret)",
                )
            )
            return ""
        return value
